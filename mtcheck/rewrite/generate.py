"""Candidate generators: deterministic fixes from the detector's reasons, LanguageTool's
replacements, and the LLM editor."""

from __future__ import annotations

from typing import Any, Sequence

from mtcheck.detect.signals.languagetool import group_of
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


# Signals whose reasons count from the sentence's start in the text a reader sees (the sentence's own
# offsets plus ``Sentence.start``): in Markdown or HTML the document has markup in between, so their
# span is found in the sentence, never by the document's characters at those offsets.
SENTENCE_OFFSET_SOURCES = ("interference",)


def _local_span(sentence: Sentence, reason: Reason, document_text: str | None) -> tuple[int, int] | None:
    start, end = reason.start - sentence.start, reason.end - sentence.start
    if 0 <= start < end <= len(sentence.text):
        if (document_text is None or reason.source in SENTENCE_OFFSET_SOURCES
                or document_text[reason.start:reason.end] == sentence.text[start:end]):
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
SAFE_GENERATOR = "rules-safe"


# LanguageTool's spelling suggestions are not applied automatically. In translated news copy
# the words its speller flags are mostly names, transliterations and slang that editors keep.
# Measured on MLQE-PE train (`python benchmarks/bench_languagetool_fixes.py`, first 3000 rows):
# applying the first suggestion of a TYPOS or MULTITOKEN_SPELLING match moved the text further
# from the human post-edit in 453 of 579 cases and closer in 5. The message still reaches the
# editor as a reason.
# Reasons carry the LanguageTool signal's group of the category (both categories are "typos").
UNAPPLIED_LANGUAGETOOL_GROUPS = ("typos",)


def _applicable(group: str) -> bool:
    return group not in UNAPPLIED_LANGUAGETOOL_GROUPS


def rule_edits(sentence: Sentence, reasons: Sequence[Reason], document_text: str | None = None,
               sources: Sequence[str] = RULE_SOURCES) -> list[tuple[int, int, str]]:
    """(start, end, replacement) in sentence coordinates: the first suggestion of each reason from ``sources``."""
    edits = []
    for reason in reasons:
        if not reason.suggestions or reason.source not in sources:
            continue
        if reason.source == "languagetool" and not _applicable(reason.category):
            continue
        span = _local_span(sentence, reason, document_text)
        if span is not None:
            edits.append((span[0], span[1], reason.suggestions[0]))
    return edits


def languagetool_edits(matches: Sequence[Any]) -> list[tuple[int, int, str]]:
    return [(m.offset, m.offset + m.length, m.replacements[0]) for m in matches
            if m.replacements and _applicable(group_of(getattr(m, "category", "")))]


def _candidate(generator: str, original: str, edits: list[tuple[int, int, str]]) -> Candidate | None:
    if not edits:
        return None
    text = _apply(original, edits)
    return Candidate(generator, text) if text and text != original else None


def rule_candidate(sentence: Sentence, reasons: Sequence[Reason], document_text: str | None = None,
                   sources: Sequence[str] = RULE_SOURCES, generator: str = "rules") -> Candidate | None:
    """The sentence with the first suggestion of each reason from ``sources`` applied at its span."""
    return _candidate(generator, sentence.text, rule_edits(sentence, reasons, document_text, sources))


def safe_candidate(sentence: Sentence, reasons: Sequence[Reason], document_text: str | None = None,
                   settle: bool = True) -> Candidate | None:
    """The sentence with only the fixes of rules declared ``fix_safety="safe"`` applied: what
    ``mtcheck fix`` writes without ``--unsafe-fixes`` once verification accepts it."""
    from mtcheck.detect.rules import find_matches, safe_fix

    safe = [r for r in reasons if r.source in RULE_SOURCES and safe_fix(r.rule_id)]
    found = rule_candidate(sentence, safe, document_text, generator=SAFE_GENERATOR)
    if found is None or not settle:
        return found
    # Overlapping fixes apply one at a time ("said RIA “Novosti”" is inverted, then unquoted): the
    # same rules run again on the fixed text until nothing is left, so a second `mtcheck fix` has
    # nothing to do. (``settle=False``: one pass, the fallback when the settled text fails a check.)
    ids, text = {r.rule_id for r in safe}, found.text
    for _ in range(3):
        edits = [(m.start, m.end, m.suggestion) for rule, m in find_matches(text)
                 if rule.id in ids and m.suggestion is not None]
        fixed = _apply(text, edits) if edits else text
        if fixed == text:
            break
        text = fixed
    return Candidate(SAFE_GENERATOR, text)


def reason_lt_candidate(sentence: Sentence, reasons: Sequence[Reason], document_text: str | None = None) -> Candidate | None:
    """LanguageTool's replacements as the detector already reported them (no second server call)."""
    return rule_candidate(sentence, reasons, document_text, sources=("languagetool",), generator="languagetool")


def languagetool_candidate(text: str, matches: Sequence[Any]) -> Candidate | None:
    return _candidate("languagetool", text, languagetool_edits(matches))


def combined_candidate(sentence: Sentence, reasons: Sequence[Reason], document_text: str | None = None,
                       matches: Sequence[Any] | None = None, sources: Sequence[str] = RULE_SOURCES) -> Candidate | None:
    """Every minimal fix at once: the rule suggestions and LanguageTool's replacements (from the
    service's ``matches`` when given, else as the detector reported them). A sentence with an
    interference pattern and a grammar slip needs both; each alone leaves one problem in."""
    rules = rule_edits(sentence, reasons, document_text, sources)
    lt = (languagetool_edits(matches) if matches is not None
          else rule_edits(sentence, reasons, document_text, ("languagetool",)))
    if not rules or not lt:
        return None  # the single-source candidate already covers it
    return _candidate("rules+languagetool", sentence.text, rules + lt)


# Reasons about the article rather than the sentence ("the rest of the article reads as
# translated"): nothing in the sentence to fix, so neither a hint for the model nor a licence
# for a larger edit.
ARTICLE_SOURCES = ("document",)


def sentence_reasons(reasons: Sequence[Reason]) -> list[Reason]:
    return [r for r in reasons if r.source not in ARTICLE_SOURCES]


def _hint_source(reason: Reason) -> bool:
    from mtcheck.rewrite.problems import UNFIXABLE_GROUPS, UNFIXABLE_RULES

    if reason.source in ARTICLE_SOURCES or reason.rule_id in UNFIXABLE_RULES:
        return False
    return not (reason.source == "languagetool" and reason.category in UNFIXABLE_GROUPS)


def _quoted(text: str) -> str:
    return f"“{' '.join(text.split())}”"


def hint_lines(reasons: Sequence[Reason], terms: Sequence[TermHint] = (), sentence: Sentence | None = None,
               document_text: str | None = None) -> tuple[str, ...]:
    """One short line per flagged span for the prompt: the words and the fix a rule knows
    ("“As reports Reuters” → “As Reuters reports”"), else the words and what is wrong. Reasons about
    the whole sentence's style name nothing to fix and only cost prompt tokens; a span flagged by two
    finders (a rule and its LanguageTool twin) is named once."""
    lines: list[str] = []
    taken: list[tuple[int, int]] = []
    for reason in sorted((r for r in reasons if _hint_source(r)), key=lambda r: -r.weight):
        if sentence is None:
            lines.append(reason.message)
            continue
        span = _local_span(sentence, reason, document_text)
        if span is None or span[1] - span[0] >= len(sentence.text) - 1:
            continue
        if any(span[0] < end and start < span[1] for start, end in taken):
            continue
        taken.append(span)
        words = _quoted(sentence.text[span[0]:span[1]])
        if reason.suggestions and reason.source in RULE_SOURCES + ("languagetool",):
            fix = reason.suggestions[0]
            lines.append(f"{words} → {_quoted(fix)}" if fix else f"{words}: delete it ({reason.message})")
        else:
            lines.append(f"{words}: {reason.message}")
    for hint in terms:
        lines.append(f"The reference article says “{hint.reference}” where this says “{hint.ours}”: {hint.message}")
    return tuple(dict.fromkeys(lines))


def problem_hints(problems: Sequence[Any], terms: Sequence[TermHint] = ()) -> tuple[str, ...]:
    """One short line per fixable problem for the prompt: the words and the fix a rule knows
    ("“As reports Reuters” → “As Reuters reports”"), else the words and what is wrong. A span
    flagged by two finders (a rule and its LanguageTool twin) is named once."""
    lines: list[str] = []
    taken: list[tuple[int, int]] = []
    for p in sorted(problems, key=lambda p: (p.source != "interference", p.start)):
        if any(p.start < end and start < p.end for start, end in taken):
            continue
        taken.append((p.start, p.end))
        words = _quoted(p.words)
        if p.suggestion is not None and (p.source == "interference" or _applicable(getattr(p, "group", ""))):
            lines.append(f"{words} → {_quoted(p.suggestion)}" if p.suggestion else f"{words}: delete it ({p.message})")
        else:
            lines.append(f"{words}: {p.message}")
    for hint in terms:
        lines.append(f"The reference article says “{hint.reference}” where this says “{hint.ours}”: {hint.message}")
    return tuple(dict.fromkeys(lines))
