"""Helpers every format shares: positions in the source, reason spans, word diffs, rule ids, the rewrite status."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from mtcheck.segment import UNTRANSLATED  # the boilerplate_reason of a sentence left in Russian
from mtcheck.types import FLAGGED_SEVERITIES, SEVERITY_RANK, Document, DocumentResult, Finding, Reason

SEVERITIES = FLAGGED_SEVERITIES  # highest first, the order the reports list them in
FALLBACK_RULE = "mtcheck/translated-sentence"
FALLBACK_MESSAGE = "The sentence as a whole reads as machine-translated from Russian."


@dataclass(frozen=True)
class Position:
    line: int  # 1-based
    column: int  # 1-based, in characters (Unicode code points)


def position(text: str, offset: int) -> Position:
    offset = max(0, min(offset, len(text)))
    line_start = text.rfind("\n", 0, offset) + 1
    return Position(line=text.count("\n", 0, offset) + 1, column=offset - line_start + 1)


def checked(results: list[DocumentResult]) -> list[DocumentResult]:
    """The documents that were checked (error entries left out)."""
    return [r for r in results if not getattr(r, "error", None)]


def failed(results: list[DocumentResult]) -> list[DocumentResult]:
    """Error entries: inputs that could not be checked (``DocumentResult.error`` is the one-line message)."""
    return [r for r in results if getattr(r, "error", None)]


def untranslated(result: DocumentResult) -> list[Finding]:
    """Sentences left untranslated (mostly Cyrillic): not scored, but an editor wants to see them."""
    return [f for f in result.findings if f.sentence.kind != "prose" and f.sentence.boilerplate_reason == UNTRANSLATED]


def rule_id(reason: Reason) -> str:
    """Rule ids qualified by their signal, so two signals' ids can never collide."""
    return reason.rule_id if reason.rule_id.startswith(f"{reason.source}/") else f"{reason.source}/{reason.rule_id}"


def primary_reason(finding: Finding) -> Reason | None:
    if not finding.reasons:
        return None
    return max(finding.reasons, key=lambda r: r.weight)


def reported(result: DocumentResult, include_suppressed: bool = False) -> list[Finding]:
    """Flagged findings in document order (suppressed ones only when asked)."""
    return [f for f in result.findings if f.flagged and (include_suppressed or not f.suppressed)]


def at_or_above(finding: Finding, level: str) -> bool:
    return level != "none" and SEVERITY_RANK.get(finding.severity, 0) >= SEVERITY_RANK[level]


def points_at_words(finding: Finding, reason: Reason) -> bool:
    """False for a reason about the whole sentence (the article context, the overall phrasing):
    underlining or quoting all of it would hide the reasons that point at particular words."""
    return (reason.start, reason.end) != (finding.sentence.start, finding.sentence.end)


def span_in_sentence(document: Document, finding: Finding, reason: Reason) -> tuple[int, int] | None:
    """Where a reason's document span falls inside ``sentence.text`` (None when it cannot be placed)."""
    sentence = finding.sentence
    if not (sentence.start <= reason.start < reason.end <= sentence.end):
        return None
    if document.text[sentence.start : sentence.end] == sentence.text:
        return reason.start - sentence.start, reason.end - sentence.start
    # Markup was removed from the sentence text: find the quoted words instead of trusting offsets.
    quoted = document.text[reason.start : reason.end]
    at = sentence.text.find(quoted) if quoted else -1
    return (at, at + len(quoted)) if at >= 0 else None


def quoted(document: Document, reason: Reason) -> str:
    return document.text[reason.start : reason.end] if 0 <= reason.start < reason.end <= len(document.text) else ""


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(op, text) pieces with op in equal/delete/insert, diffed word by word."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(b[j1:j2])))
    return pieces


def rewrite_text(finding: Finding) -> str | None:
    return finding.rewrite.text if finding.rewrite is not None and finding.rewrite.text else None


def edit_lines(finding: Finding) -> list[tuple[bool, str]]:
    """(admitted, line) per edit the candidates proposed: its ERRANT type and words, then the
    evidence that admitted it or why it was rejected."""
    rewrite = finding.rewrite
    lines = []
    for e in rewrite.edits if rewrite is not None else ():
        words = (f"+“{e.replacement}”" if not e.original else f"−“{e.original}”" if not e.replacement
                 else f"“{e.original}” → “{e.replacement}”")
        lines.append((e.accepted, f"{e.type} {words}: {e.evidence if e.accepted else e.reason}"))
    return lines


def remaining_problems(finding: Finding) -> tuple[str, ...]:
    """The flagged problems a suggestion leaves in place: empty when it fixes them all or there is none."""
    rewrite = finding.rewrite
    return tuple(rewrite.remaining) if rewrite is not None and rewrite_text(finding) else ()


def no_suggestion_reason(finding: Finding) -> str:
    """Why a sentence the rewriter worked on has no suggestion ("" when it has one or rewriting did not run).

    The rewriter's own note when it gave one; otherwise what can still be said (rejected
    candidates, or none at all), so a sentence without a suggestion always says why.
    """
    rewrite = finding.rewrite
    if rewrite is None or rewrite_text(finding):
        return ""
    note = " ".join(rewrite.note.split())
    if note:
        return note
    rejected = sum(1 for c in rewrite.candidates if not c.accepted)
    if rejected:
        return f"{rejected} candidate{'s' if rejected != 1 else ''} rejected"
    return "no candidate rewrite was produced"


_ENDS_SENTENCE = re.compile(r"[.!?\u2026][\"'\u2019\u201d\u00bb)\]]*$")


def _as_sentence(message: str) -> str:
    text = " ".join(message.split())
    return text if not text or _ENDS_SENTENCE.search(text) else text + "."


def rewrite_status(finding: Finding, capitalize: bool = False) -> str:
    """What every plain-text format says about the rewrite besides the suggestion itself.

    ``"partial fix; still: <problem>. <problem>."`` for a suggestion that leaves flagged
    problems in place, ``"no suggestion: <why>"`` for a sentence the rewriter could not fix,
    ``""`` for a complete fix or when rewriting did not run.
    """
    remaining = remaining_problems(finding)
    reason = no_suggestion_reason(finding)
    if remaining:
        status = "partial fix; still: " + " ".join(_as_sentence(m) for m in remaining)
    else:
        status = f"no suggestion: {reason}" if reason else ""
    return status[:1].upper() + status[1:] if capitalize else status


def explanation_lines(finding: Finding, suggestion_label: str = "Suggested") -> list[str]:
    """Reasons, the suggested rewrite (and whether it is partial, or why there is none) and the
    reference comparison, one line each, for plain-text formats."""
    lines = [f"- {rule_id(r)}: {r.message}" for r in finding.reasons] or [f"- {FALLBACK_MESSAGE}"]
    suggestion = rewrite_text(finding)
    if suggestion:
        lines.append(f"{suggestion_label}: {suggestion}")
    status = rewrite_status(finding, capitalize=True)
    if status:
        lines.append(status)
    alignment = finding.alignment
    if alignment is not None:
        if not alignment.references:
            lines.append("Reference: no counterpart in the reference article.")
        for ref in alignment.references:
            lines.append(f"Reference: {ref.text} (similarity {ref.similarity:.2f})")
        after = {s.metric: s.value for s in alignment.after}
        scores = [
            f"{s.metric} {s.value:.1f}" + (f" -> {after[s.metric]:.1f}" if s.metric in after else "")
            for s in alignment.before
        ]
        if scores:
            lines.append("Reference scores: " + ", ".join(scores))
        lines += [f"Term: {h.ours} -> {h.reference}: {h.message}" for h in alignment.hints]
    return lines


def comparison_rows(comparison: Any) -> list[tuple[str, str]]:
    """Document-level reference scores (``Comparer.compare``'s dict) as (name, value) rows."""
    if not isinstance(comparison, dict):
        return []

    def number(value: Any) -> float | None:
        if isinstance(value, dict):
            value = value.get("score")
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    rows = []
    for key, value in comparison.items():
        if isinstance(value, bool) or isinstance(value, list):
            continue
        if isinstance(value, int):
            rows.append((str(key), str(value)))
        elif isinstance(value, float):
            rows.append((str(key), f"{value:.2f}"))
        elif isinstance(value, dict):
            sign = "+" if key == "delta" else ""
            parts = [f"{metric} {number(v):{sign}.1f}" for metric, v in value.items() if number(v) is not None]
            if parts:
                rows.append((str(key), ", ".join(parts)))
        elif isinstance(value, str):
            rows.append((str(key), value))
    return rows
