"""The fixes a finding offers, as sentence texts and as replacements in document offsets.

``safe``: the fixes of the rules declared ``fix_safety="safe"`` (a figure, a date, word order,
typography), verified like any rewrite (``Rewrite.safe_fix``). ``unsafe``: the verified rewrite the
report suggests (``Rewrite.text``: the LLM's, or the rules' and LanguageTool's together), when it
differs. Only flagged, unsuppressed prose sentences the rewrite stage worked on have fixes.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtcheck.fix.edits import Edit, UnmappableSentence, sentence_edits
from mtcheck.types import Document, Finding

SAFE, UNSAFE = "safe", "unsafe"


@dataclass(frozen=True)
class Fix:
    safety: str  # SAFE | UNSAFE
    text: str  # the sentence as the fix leaves it
    edits: tuple[Edit, ...]  # in Document.text offsets


def fix_texts(finding: Finding) -> list[tuple[str, str]]:
    """(safety, new sentence text) for each fix ``finding`` offers, safe first."""
    rewrite = finding.rewrite
    if rewrite is None or not finding.flagged or finding.suppressed or finding.sentence.kind != "prose":
        return []
    out = []
    if rewrite.safe_fix and rewrite.safe_fix != finding.sentence.text:
        out.append((SAFE, rewrite.safe_fix))
    if rewrite.text and rewrite.text != rewrite.safe_fix and rewrite.text != finding.sentence.text:
        out.append((UNSAFE, rewrite.text))
    return out


def finding_fixes(document: Document, finding: Finding) -> list[Fix]:
    """Each fix with its edits; a fix whose edits would change nothing is left out."""
    out = []
    for safety, text in fix_texts(finding):
        try:
            edits = tuple(sentence_edits(document, finding.sentence, text))
        except UnmappableSentence:
            continue
        if edits:
            out.append(Fix(safety, text, edits))
    return out


def chosen_fix(document: Document, finding: Finding, unsafe: bool) -> Fix | None:
    """What ``mtcheck fix`` applies to the sentence: the safe fix, or with ``unsafe`` the rewrite
    when there is one (it already carries the safe fixes it agrees with)."""
    fixes = {f.safety: f for f in finding_fixes(document, finding)}
    if unsafe and UNSAFE in fixes:
        return fixes[UNSAFE]
    return fixes.get(SAFE)
