"""A candidate rewrite as typed edits against the original, with ERRANT.

ERRANT (the grammatical-error-correction edit extractor) aligns the two token sequences, merges
the alignment into edits and gives each its type: ``R:PREP`` (a preposition replaced), ``M:DET``
(a determiner missing in the original, i.e. inserted), ``U:PUNCT`` (punctuation removed), ``R:WO``
(word order), ``R:NOUN`` (a noun replaced) and so on. Verification then accepts or rejects each
edit on its own evidence (mtcheck/rewrite/evidence.py), and the suggestion is the original with
the accepted edits applied (:func:`apply_edits`).

spaCy is the one the project already loads (mtcheck/services/english.py); ERRANT only adds its
alignment, merging rules and classifier.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

# ERRANT types whose edits change form, not content: function words, punctuation, word order,
# inflection and spelling case. They need fluency evidence (or a flagged problem they resolve).
# Every other type (NOUN, VERB, ADJ, ADV, OTHER, SPELL, ...) changes what the sentence says and
# needs meaning evidence. A pronoun is not form: it says who ("According to her" -> "him" read
# more fluently to the language model and changed the speaker).
FORM_TYPES = frozenset({
    "DET", "PREP", "PUNCT", "WO", "ORTH", "MORPH", "CONJ", "CONTR", "PART",
    "NOUN:INFL", "NOUN:NUM", "NOUN:POSS", "VERB:FORM", "VERB:INFL", "VERB:SVA", "VERB:TENSE", "ADJ:FORM",
})
# Form edits that still say something: a preposition put in or swapped says where, whence or why
# ("buildings in Borodino" -> "from Borodino", "amid the depreciation" -> "due to"), a tense says
# when and how sure ("the money returned" -> "the money will be returned"). The small LM's fluency
# cannot tell whether the relation is the one meant, so these need the evidence of a content edit.
# On the judged slices 12b-12d, 13 suggestions had such an edit admitted on fluency alone: 4 with a
# meaning error, none fixed, the original preferred 8 times and the suggestion 3 times. Dropping a
# preposition ("discussed about") stays a form edit.
RELATIONAL_TYPES = frozenset({"M:PREP", "R:PREP", "M:VERB:TENSE", "R:VERB:TENSE", "U:VERB:TENSE"})


@dataclass(frozen=True)
class Edit:
    """One edit: original tokens ``start:end`` (spaCy token indices) become ``replacement``."""

    start: int
    end: int
    original: str
    replacement: str
    type: str  # ERRANT's, e.g. "R:PREP", "M:DET", "U:PUNCT", "R:WO"

    @property
    def key(self) -> tuple[int, int, str]:
        """The same edit proposed by two candidates has the same key."""
        return self.start, self.end, " ".join(self.replacement.lower().split())

    @property
    def drops(self) -> int:
        """How many more words the edit removes than it adds."""
        return len(self.original.split()) - len(self.replacement.split())

    @property
    def only_removes(self) -> bool:
        """Every word the edit leaves was there before, whatever its case: "Now the" -> "The" is a
        deletion of "Now", though ERRANT types it a replacement."""
        before, after = (Counter(t.lower().split()) for t in (self.original, self.replacement))
        return not after - before and sum(after.values()) < sum(before.values())

    @property
    def kind(self) -> str:
        """``form`` (function words, punctuation, order, inflection) or ``content``."""
        return "form" if self.type.split(":", 1)[-1] in FORM_TYPES or self.type[2:] in FORM_TYPES else "content"

    @property
    def relational(self) -> bool:
        """A form edit that changes a relation (place, direction, cause, time, certainty)."""
        return self.type in RELATIONAL_TYPES

    def overlaps(self, other: "Edit") -> bool:
        """Two edits clash when their spans meet; an insertion clashes at its own position only."""
        if self.start == self.end and other.start == other.end:
            return self.start == other.start
        if self.start == self.end:
            return other.start < self.start < other.end
        if other.start == other.end:
            return self.start < other.start < self.end
        return self.start < other.end and other.start < self.end

    def describe(self) -> str:
        if not self.original:
            return f"{self.type} +“{self.replacement}”"
        if not self.replacement:
            return f"{self.type} −“{self.original}”"
        return f"{self.type} “{self.original}” → “{self.replacement}”"


_SPACE_BEFORE = re.compile(r"\s+([,.;:!?)])")
_SPACE_AFTER = re.compile(r"(\()\s+")


class EditExtractor:
    """ERRANT on the project's spaCy pipeline; the original of a sentence is parsed once."""

    def __init__(self, nlp: Any):
        import errant

        self.annotator = errant.load("en", nlp=nlp)
        self._docs: dict[str, Any] = {}

    def parse(self, text: str) -> Any:
        doc = self._docs.get(text)
        if doc is None:
            if len(self._docs) > 512:
                self._docs.clear()
            doc = self._docs[text] = self.annotator.parse(text, tokenise=True)
        return doc

    def edits(self, original: str, candidate: str, units: Sequence[tuple[int, int]] = ()) -> list[Edit]:
        """The candidate's edits against the original, in the original's order. The edits inside
        one of ``units`` (character spans of the original, such as a rule's match) become one
        edit: a rule's fix is one move ("said RIA Novosti" -> "RIA Novosti said" is not an
        insertion and a deletion that could be taken apart)."""
        if original == candidate:
            return []
        orig, cor = self.parse(original), self.parse(candidate)
        found = sorted(self.annotator.annotate(orig, cor), key=lambda e: (e.o_start, e.o_end))
        out = []
        for group in _grouped(found, orig, units):
            first = group[0]
            start, end = first.o_start, max(e.o_end for e in group)
            c_start, c_end = first.c_start, max(e.c_end for e in group)
            replacement = "".join(t.text_with_ws for t in cor[c_start:c_end]).strip()
            if len(group) == 1:
                out.append(Edit(start, end, first.o_str, replacement, first.type))
                continue
            before = "".join(t.text_with_ws for t in orig[start:end]).strip()
            moved = sorted(t.lower_ for t in orig[start:end]) == sorted(t.lower_ for t in cor[c_start:c_end])
            out.append(Edit(start, end, before, replacement, "R:WO" if moved else "R:OTHER"))
        return out

    def apply(self, original: str, edits: Sequence[Edit]) -> str:
        """The original with ``edits`` (non-overlapping) applied; its spacing kept elsewhere."""
        return apply_edits(self.parse(original), edits)


def _grouped(found: Sequence[Any], doc: Any, units: Sequence[tuple[int, int]]) -> list[list[Any]]:
    """ERRANT's edits, those falling in one unit (a character span of ``doc``) merged into a group."""

    # Overlapping flagged spans are one region to fix: a rule's match and LanguageTool's smaller
    # one inside it ("reports the Semana portal", "reports") must not split the rule's move into a
    # deletion and an insertion that are judged apart ("..., reports the Semana portal reports").
    units = _merged(units)

    def unit_of(e: Any) -> int | None:
        begin = doc[e.o_start].idx if e.o_start < len(doc) else len(doc.text)
        finish = doc[e.o_end - 1].idx + len(doc[e.o_end - 1].text) if e.o_end > e.o_start else begin
        for i, (start, end) in enumerate(units):
            if start <= begin and finish <= end:
                return i
        return None

    groups: list[list[Any]] = []
    last: int | None = None
    for e in found:
        unit = unit_of(e)
        if unit is not None and unit == last and groups:
            groups[-1].append(e)
        else:
            groups.append([e])
        last = unit
    return groups


def _merged(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _glued(doc: Any, edit: Edit) -> bool:
    """No space in the original where the edit goes: after the replaced tokens, or at the insertion point."""
    last = edit.end - 1 if edit.end > edit.start else edit.start - 1
    return 0 <= last < len(doc) - 1 and not doc[last].whitespace_


def apply_edits(doc: Any, edits: Sequence[Edit]) -> str:
    """``doc``'s text with each edit's tokens replaced: the original's spacing is kept away from the
    edits, an edit's words are set off by spaces, and no space is left before closing punctuation."""
    pieces: list[str] = []
    at = 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < at:
            raise ValueError(f"overlapping edits at token {edit.start}")
        pieces.extend(t.text_with_ws for t in doc[at:edit.start])
        if edit.replacement and _glued(doc, edit) and not any(c.isalnum() for c in edit.replacement):
            # Punctuation put where the original has no space stays glued: "until you die" + '.'
            # before its closing quote is 'die."', not 'die. "'.
            pieces.append(edit.replacement)
        elif edit.replacement:
            pieces.append(" " + edit.replacement + " ")
        elif edit.end > edit.start and not doc[edit.end - 1].whitespace_:
            pieces.append("")  # a deleted word glued to what follows ("the (" -> "(") leaves no gap
        at = edit.end
    pieces.extend(t.text_with_ws for t in doc[at:])
    text = " ".join("".join(pieces).split())
    text = _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", text))
    return text[:1].upper() + text[1:] if doc.text[:1].isupper() else text
