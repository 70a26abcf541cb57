"""Verification: every candidate is checked against the original sentence.

A candidate that fails any check keeps its checks (the report shows why it was rejected)
and is never offered as the fix. The model-based checks are batched over all candidates
of a document: one detector call, one embedder call.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any, Callable, Sequence

from mtcheck.config import Settings
from mtcheck.rewrite import facts
from mtcheck.types import Candidate, Check

DEFAULT_SIMILARITY = 0.75
# SmolLM2's mean surprisal differs by about 0.1 nats between equally fluent paraphrases
# (word order alone moves it), so "not more surprising" allows that much noise.
DEFAULT_SURPRISAL_TOLERANCE = 0.1


@dataclass(frozen=True)
class Measured:
    """A verified candidate and the measurements ranking uses."""

    candidate: Candidate
    detector: float | None = None
    surprisal: float | None = None
    similarity: float | None = None
    edit: float = 0.0  # share of characters changed, 0..1


def edit_share(original: str, candidate: str) -> float:
    return 1.0 - SequenceMatcher(None, original, candidate, autojunk=False).ratio()


def fact_checks(original: str, candidate: str, nlp: Any = None) -> list[Check]:
    """The checks that need no model beyond spaCy: facts, negation, modality."""
    checks = []
    lost = facts.numbers(original) - facts.numbers(candidate)
    added = facts.numbers(candidate) - facts.numbers(original)
    detail = ", ".join([f"lost {k}" for k in lost] + [f"added {k}" for k in added])
    checks.append(Check("numbers", not lost and not added, detail))
    lost_dates = facts.dates(original) - facts.dates(candidate)
    checks.append(Check("dates", not lost_dates, ", ".join(f"lost {k}" for k in lost_dates)))
    missing = facts.names_missing(original, candidate, nlp)
    checks.append(Check("entities", not missing, ", ".join(f"dropped {m}" for m in missing)))
    dropped = facts.content_dropped(original, candidate, nlp)
    checks.append(Check("content", not dropped, ", ".join(f"dropped {w}" for w in dropped)))
    quotes = facts.quotations_kept(original, candidate)
    checks.append(Check("quotations", not quotes, "; ".join(f"changed “{q}”" for q in quotes)))
    before, after = facts.negations(original), facts.negations(candidate)
    checks.append(Check("negation", before == after, "" if before == after else f"{before} negations became {after}"))
    modal = facts.modality_lost(original, candidate)
    checks.append(Check("modality", not modal, ", ".join(f"lost {m}" for m in modal)))
    return checks


def _count_lt(matches: Sequence[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in matches:
        counts[m.rule_id] = counts.get(m.rule_id, 0) + 1
    return counts


class Verifier:
    """Checks candidates; models come in as callables so tests can replace them."""

    def __init__(
        self,
        settings: Settings,
        detector: Any = None,
        services: dict | None = None,
        similarity: Callable[[Sequence[tuple[str, str]]], list[float]] | None = None,
        surprisal: Callable[[Sequence[str]], list[float]] | None = None,
        nlp: Any = None,
    ):
        options = settings.section("rewrite")
        self.threshold = float(options.get("similarity_threshold", DEFAULT_SIMILARITY))
        self.surprisal_tolerance = float(options.get("surprisal_tolerance", DEFAULT_SURPRISAL_TOLERANCE))
        self.detector = detector
        # The detector's own threshold (config override or the model's validated default).
        self.flag_threshold = float(getattr(detector, "threshold", None) or settings.threshold or 0.5)
        self.languagetool = (services or {}).get("languagetool")
        self._similarity = similarity
        self._surprisal = surprisal
        self._nlp = nlp
        self.use_models = bool(options.get("model_checks", True))

    # Models are loaded on first use, so a Verifier with fakes never touches them.
    def similarity(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        if self._similarity is None:
            from mtcheck.rewrite.models import similarities

            self._similarity = similarities
        return self._similarity(pairs)

    def surprisal(self, texts: Sequence[str]) -> list[float]:
        if self._surprisal is None:
            from mtcheck.rewrite.models import Surprisal

            self._surprisal = Surprisal()
        return self._surprisal(texts)

    @property
    def nlp(self) -> Any:
        if self._nlp is None and self.use_models:
            from mtcheck.rewrite.models import load_spacy

            self._nlp = load_spacy()
        return self._nlp

    def verify(self, items: Sequence[tuple[str, Sequence[Candidate]]]) -> list[list[Measured]]:
        """``items`` are (original sentence, its candidates); the result mirrors it."""
        pairs = [(orig, c.text) for orig, cands in items for c in cands]
        if not pairs:
            return [[] for _ in items]
        originals = list(dict.fromkeys(orig for orig, _ in items))
        texts = list(dict.fromkeys(originals + [c for _, c in pairs]))
        detector_scores: dict[str, float] = {}
        if self.detector is not None:
            detector_scores = dict(zip(texts, self.detector.score_texts(texts)))
        surprisals = dict(zip(texts, self.surprisal(texts))) if self.use_models else {}
        sims = dict(zip(pairs, self.similarity(pairs))) if self.use_models else {}
        lt: dict[str, dict[str, int]] = {}
        if self.languagetool is not None:
            lt = {t: _count_lt(m) for t, m in zip(texts, self.languagetool.check_paragraphs(texts))}

        out: list[list[Measured]] = []
        for original, candidates in items:
            measured = []
            for cand in candidates:
                checks = fact_checks(original, cand.text, self.nlp)
                sim = sims.get((original, cand.text))
                if sim is not None:
                    checks.append(Check("similarity", sim >= self.threshold, f"{sim:.2f} (needs {self.threshold:.2f})"))
                det = detector_scores.get(cand.text)
                if det is not None:
                    before = detector_scores[original]
                    # Lower than the original's, or low enough that the detector would no longer flag it.
                    ok = det < before or det < self.flag_threshold
                    checks.append(Check("detector", ok, f"{before:.2f} -> {det:.2f}"))
                sur = surprisals.get(cand.text)
                if sur is not None:
                    before = surprisals[original]
                    ok = sur <= before + self.surprisal_tolerance
                    checks.append(Check("fluency", ok, f"surprisal {before:.2f} -> {sur:.2f}"))
                if lt:
                    new = {r: n for r, n in lt[cand.text].items() if n > lt[original].get(r, 0)}
                    checks.append(Check("languagetool", not new, ", ".join(sorted(new))))
                measured.append(
                    Measured(dataclasses.replace(cand, checks=tuple(checks)), det, sur, sim, edit_share(original, cand.text))
                )
            out.append(measured)
        return out
