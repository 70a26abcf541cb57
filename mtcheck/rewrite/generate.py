"""Candidate generators: deterministic fixes from the detector's reasons, LanguageTool's
replacements, and the LLM editor."""

from __future__ import annotations

from typing import Any, Sequence

from mtcheck.types import Candidate, Reason, Sentence, TermHint


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Non-overlapping (start, end, replacement) edits in sentence coordinates, applied right to left."""
    chosen: list[tuple[int, int, str]] = []
    for start, end, repl in sorted(edits, key=lambda e: (e[0], -e[1])):
        if chosen and start < chosen[-1][1]:
            continue
        chosen.append((start, end, repl))
    for start, end, repl in reversed(chosen):
        text = text[:start] + repl + text[end:]
    return " ".join(text.split())


def _local_span(sentence: Sentence, reason: Reason, document_text: str | None) -> tuple[int, int] | None:
    start, end = reason.start - sentence.start, reason.end - sentence.start
    if 0 <= start < end <= len(sentence.text):
        if document_text is None or document_text[reason.start:reason.end] == sentence.text[start:end]:
            return start, end
    # Markup or entities make document and sentence offsets differ: find the span's text instead.
    if document_text is not None and reason.end > reason.start:
        needle = document_text[reason.start:reason.end]
        at = sentence.text.find(needle)
        if at >= 0:
            return at, at + len(needle)
    return None


# Signals whose suggestions are exact replacements for their span. The style profile's
# suggestions ("add an article") are hints for the LLM, not fixes: applied blindly they
# turned correct proverbs into "find the bread" on MLQE-PE dev.
RULE_SOURCES = ("interference",)


def rule_candidate(sentence: Sentence, reasons: Sequence[Reason], document_text: str | None = None,
                   sources: Sequence[str] = RULE_SOURCES, generator: str = "rules") -> Candidate | None:
    """The sentence with the first suggestion of each reason from ``sources`` applied at its span."""
    edits = []
    for reason in reasons:
        if not reason.suggestions or reason.source not in sources:
            continue
        span = _local_span(sentence, reason, document_text)
        if span is not None:
            edits.append((span[0], span[1], reason.suggestions[0]))
    if not edits:
        return None
    text = _apply(sentence.text, edits)
    return Candidate(generator, text) if text and text != sentence.text else None


def reason_lt_candidate(sentence: Sentence, reasons: Sequence[Reason], document_text: str | None = None) -> Candidate | None:
    """LanguageTool's replacements as the detector already reported them (no second server call)."""
    return rule_candidate(sentence, reasons, document_text, sources=("languagetool",), generator="languagetool")


def languagetool_candidate(text: str, matches: Sequence[Any]) -> Candidate | None:
    edits = [(m.offset, m.offset + m.length, m.replacements[0]) for m in matches if m.replacements]
    if not edits:
        return None
    fixed = _apply(text, edits)
    return Candidate("languagetool", fixed) if fixed and fixed != text else None


def hint_lines(reasons: Sequence[Reason], terms: Sequence[TermHint] = ()) -> tuple[str, ...]:
    lines = []
    for reason in sorted(reasons, key=lambda r: -r.weight):
        line = reason.message
        if reason.suggestions:
            line += f" (suggested: {reason.suggestions[0]})"
        lines.append(line)
    for hint in terms:
        lines.append(f"The reference article says “{hint.reference}” where this says “{hint.ours}”: {hint.message}")
    return tuple(dict.fromkeys(lines))
