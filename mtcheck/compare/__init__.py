"""Stage ``compare``: align the article with a reference article on the same story and score
the phrasing with sacrebleu, before and after the suggested rewrites.

``Comparer(settings).compare(sentences, findings, reference_sentences)`` sets ``alignment`` on
every prose finding and returns the document-level scores. Settings: ``[tool.mtcheck.compare]``
``weight``, ``background``, ``keywords``, ``numbers``, ``names``, ``lead``, ``threshold``, ``gain``, ``close`` (see align.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

from mtcheck.compare.align import Aligner, AlignParams
from mtcheck.compare.score import as_dict, corpus_scores, delta, sentence_scores
from mtcheck.compare.terms import hints_for_pair, prime_hints
from mtcheck.config import Settings
from mtcheck.errors import InputError
from mtcheck.services.embedder import Embedder
from mtcheck.types import AlignedReference, Alignment, Finding, Sentence, TermHint

__all__ = ["Comparer", "SentenceAlignment", "check_english"]

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+")
FUNCTION_WORDS = frozenset(
    "the a an of and to in is was were are that for on with as by at from it this be has have had not or but".split()
)


def check_english(sentences: Sequence[Sentence], role: str) -> tuple[Sentence, ...]:
    """The prose sentences, or an InputError when there are none or they are not English."""
    prose = tuple(s for s in sentences if s.kind == "prose" and s.text.strip())
    if not sentences:
        raise InputError(f"the {role} is empty: nothing to compare")
    if not prose:
        if any(s.boilerplate_reason == "untranslated text" for s in sentences):
            raise InputError(f"the {role} is mostly Cyrillic: mtcheck compares English articles")
        raise InputError(f"the {role} has no prose sentences (only boilerplate): nothing to compare")
    text = " ".join(s.text for s in prose)
    letters = _LETTER.findall(text)
    if letters and len(_CYRILLIC.findall(text)) / len(letters) > 0.3:
        raise InputError(f"the {role} is mostly Cyrillic: mtcheck compares English articles")
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) >= 8 and sum(w in FUNCTION_WORDS for w in words) / len(words) < 0.04:
        raise InputError(f"the {role} does not look like English (almost no English function words)")
    return prose


@dataclass(frozen=True)
class SentenceAlignment:
    sentence: Sentence
    references: tuple[AlignedReference, ...]

    @property
    def reference_text(self) -> str:
        return " ".join(r.text for r in self.references)


class Comparer:
    def __init__(self, settings: Settings | None = None, embedder: Embedder | None = None):
        self.settings = settings or Settings()
        self.embedder = embedder or Embedder(self.settings)
        self.aligner = Aligner(AlignParams.from_config(self.settings.compare_config), self.embedder)

    def align(self, sentences: Sequence[Sentence], reference_sentences: Sequence[Sentence]) -> list[SentenceAlignment]:
        """Every prose sentence with its reference sentences (empty: no counterpart)."""
        prose = [s for s in sentences if s.kind == "prose"]
        references = [s for s in reference_sentences if s.kind == "prose"]  # boilerplate is never aligned
        links = self.aligner.align([s.text for s in prose], [r.text for r in references])
        result = []
        for sentence, found in zip(prose, links):
            aligned = tuple(
                AlignedReference(references[j].index, references[j].text, similarity, references[j].start, references[j].end)
                for j, similarity in found
            )
            result.append(SentenceAlignment(sentence, aligned))
        return result

    def term_hints(self, sentences: Sequence[Sentence], reference_sentences: Sequence[Sentence]) -> dict[int, list[TermHint]]:
        """Terminology hints per sentence index, for the rewriter's context."""
        aligned = [a for a in self.align(sentences, reference_sentences) if a.references]
        prime_hints([(a.sentence.text, a.reference_text) for a in aligned], self.embedder)
        return {
            a.sentence.index: list(hints)
            for a in aligned
            if (hints := hints_for_pair(a.sentence.text, a.reference_text, self.embedder))
        }

    def compare(
        self,
        sentences: Sequence[Sentence],
        findings: Sequence[Finding],
        reference_sentences: Sequence[Sentence],
    ) -> tuple[tuple[Finding, ...], dict]:
        check_english(reference_sentences, "reference")
        alignments = {a.sentence.index: a for a in self.align(sentences, reference_sentences)}
        prime_hints([(a.sentence.text, a.reference_text) for a in alignments.values() if a.references], self.embedder)
        by_index = {f.sentence.index: f for f in findings}
        pairs_before: list[tuple[str, str]] = []
        pairs_after: list[tuple[str, str]] = []
        per_sentence: dict[int, Alignment] = {}
        for index, a in alignments.items():
            finding = by_index.get(index)
            rewritten = _rewrite_text(finding) or a.sentence.text
            if not a.references:
                per_sentence[index] = Alignment(index)
                continue
            reference = a.reference_text
            before = sentence_scores(a.sentence.text, reference)
            after = sentence_scores(rewritten, reference)
            hints = hints_for_pair(a.sentence.text, reference, self.embedder)
            per_sentence[index] = Alignment(index, a.references, before, after, hints)
            pairs_before.append((a.sentence.text, reference))
            pairs_after.append((rewritten, reference))
        updated = tuple(
            replace(f, alignment=per_sentence.get(f.sentence.index)) if f.sentence.kind == "prose" else replace(f, alignment=None)
            for f in findings
        )
        return updated, document_scores(alignments.values(), pairs_before, pairs_after)


def _rewrite_text(finding: Finding | None) -> str | None:
    if finding is None or finding.rewrite is None:
        return None
    return finding.rewrite.text or None


def document_scores(
    alignments, pairs_before: Sequence[tuple[str, str]], pairs_after: Sequence[tuple[str, str]] | None = None
) -> dict:
    alignments = list(alignments)
    scores: dict = {
        "aligned": sum(1 for a in alignments if a.references),
        "unaligned": sum(1 for a in alignments if not a.references),
        "unaligned_sentences": [a.sentence.index for a in alignments if not a.references],
    }
    if not pairs_before:
        return scores
    before = corpus_scores([h for h, _ in pairs_before], [r for _, r in pairs_before])
    scores["before"] = as_dict(before)
    if pairs_after is not None:
        after = corpus_scores([h for h, _ in pairs_after], [r for _, r in pairs_after])
        scores["after"] = as_dict(after)
        scores["delta"] = delta(before, after)
    return scores
