"""Verification: every candidate is checked against the original sentence.

A candidate that fails any check keeps its checks (the report shows why it was rejected)
and is never offered as the fix. The model-based checks are batched over all candidates
of a document: one detector call, one embedder call.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from mtcheck.config import Settings
from mtcheck.rewrite.facts import fact_checks
from mtcheck.types import Candidate, Check

DEFAULT_SIMILARITY = 0.75
# SmolLM2's mean surprisal differs by about 0.1 nats between equally fluent paraphrases
# (word order alone moves it), so "not more surprising" allows that much noise.
DEFAULT_SURPRISAL_TOLERANCE = 0.1
# A copy editor's edit is proportionate to what is wrong: each problem the detector named
# buys this share of the sentence's characters (Levenshtein distance / original length),
# up to the cap. Tuned on MLQE-PE train and WMT22 ALMAnaCH-Inria rows 0-499 (see
# mtcheck/bench_rewrite.py's neighbour, the eval command's --offset), never on the rows we report.
DEFAULT_EDIT_PER_REASON = 0.12
DEFAULT_EDIT_CAP = 0.35
# ... but a short sentence still gets room for one word-order fix ("As reports Reuters" ->
# "As Reuters reports" is 14 characters) whatever its length.
DEFAULT_EDIT_FLOOR_CHARS = 16
# "Clearly better": the detector's MT probability must fall by at least this much. A rewrite
# that the detector scores about the same is churn, and on post-edited data churn costs TER.
DEFAULT_MIN_GAIN = 0.02


@dataclass(frozen=True)
class Measured:
    """A verified candidate and the measurements ranking uses."""

    candidate: Candidate
    detector: float | None = None
    surprisal: float | None = None
    similarity: float | None = None
    edit: float = 0.0  # character edit distance / original length
    original_detector: float | None = None
    # The original's fixable problems (rule or LanguageTool id and the flagged words), split by
    # whether the candidate still has them: len(resolved) + len(remaining) is the original's count.
    resolved: tuple[str, ...] = ()
    remaining: tuple[str, ...] = ()

    @property
    def gain(self) -> float | None:
        """How much less the candidate reads as MT than the original (detector probability)."""
        if self.detector is None or self.original_detector is None:
            return None
        return self.original_detector - self.detector


def edit_share(original: str, candidate: str) -> float:
    """Character-level Levenshtein distance divided by the original's length."""
    if original == candidate:
        return 0.0
    # Strip the common head and tail first: a minimal edit leaves most of the sentence alone,
    # and the quadratic table is then only as big as the changed middle.
    head = 0
    while head < min(len(original), len(candidate)) and original[head] == candidate[head]:
        head += 1
    tail = 0
    while tail < min(len(original), len(candidate)) - head and original[-1 - tail] == candidate[-1 - tail]:
        tail += 1
    a, b = original[head:len(original) - tail], candidate[head:len(candidate) - tail]
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(1, len(original))


def edit_bound(original: str, reasons: int, per_reason: float = DEFAULT_EDIT_PER_REASON, cap: float = DEFAULT_EDIT_CAP,
               floor_chars: int = DEFAULT_EDIT_FLOOR_CHARS) -> float:
    """The largest edit (as a share of the original's characters) a candidate may make."""
    return max(floor_chars / max(1, len(original)), min(cap, per_reason * max(1, reasons)))


class _Parses:
    """spaCy docs of a batch of texts, parsed once with ``nlp.pipe``; the fact checks ask for the
    same original once per candidate and would otherwise parse it again each time."""

    def __init__(self, nlp: Any, texts: Sequence[str]):
        self.nlp = nlp
        self.docs = dict(zip(texts, nlp.pipe(texts, batch_size=64))) if texts else {}

    def __call__(self, text: str) -> Any:
        doc = self.docs.get(text)
        if doc is None:
            doc = self.docs[text] = self.nlp(text)
        return doc


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
        self.settings = settings
        self.threshold = float(options.get("similarity_threshold", DEFAULT_SIMILARITY))
        self.edit_per_reason = float(options.get("edit_per_reason", DEFAULT_EDIT_PER_REASON))
        self.edit_cap = float(options.get("edit_cap", DEFAULT_EDIT_CAP))
        self.edit_floor = int(options.get("edit_floor_chars", DEFAULT_EDIT_FLOOR_CHARS))
        self.min_gain = float(options.get("min_gain", DEFAULT_MIN_GAIN))
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
            from mtcheck.services.embedder import Embedder

            self._similarity = Embedder(self.settings).similarities
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

    def warm_up(self) -> None:
        """Load every model now (spaCy, MiniLM, SmolLM2, the detector), so the first real call is not
        also a load; benchmarks and long runs call this before timing."""
        self.verify([("The talks ended on Monday.", [Candidate("warm-up", "The talks ended on Monday, officials said.")])])

    def verify(self, items: Sequence[tuple[str, Sequence[Candidate]]], reasons: Sequence[int] | None = None) -> list[list[Measured]]:
        """``items`` are (original sentence, its candidates); the result mirrors it. ``reasons`` is the
        number of problems named for each original: it bounds how large an edit may be."""
        pairs = [(orig, c.text) for orig, cands in items for c in cands]
        if not pairs:
            return [[] for _ in items]
        originals = list(dict.fromkeys(orig for orig, _ in items))
        texts = list(dict.fromkeys(originals + [c for _, c in pairs]))
        # Every model sees the whole batch at once: one detector call, one embedder encode, one
        # spaCy pipe, and the fluency LM once per distinct text.
        detector_scores: dict[str, float] = {}
        if self.detector is not None:
            detector_scores = dict(zip(texts, self.detector.score_texts(texts)))
        surprisals = dict(zip(texts, self.surprisal(texts))) if self.use_models else {}
        sims = dict(zip(pairs, self.similarity(pairs))) if self.use_models else {}
        nlp = _Parses(self.nlp, texts) if self.nlp is not None else None
        lt: dict[str, dict[str, int]] = {}
        if self.languagetool is not None:
            lt = {t: _count_lt(m) for t, m in zip(texts, self.languagetool.check_paragraphs(texts))}

        out: list[list[Measured]] = []
        for k, (original, candidates) in enumerate(items):
            bound = edit_bound(original, reasons[k] if reasons is not None else 1, self.edit_per_reason, self.edit_cap,
                               self.edit_floor)
            measured = []
            for cand in candidates:
                checks = fact_checks(original, cand.text, nlp)
                edit = edit_share(original, cand.text)
                checks.append(Check("edit size", edit <= bound, f"{edit:.2f} of the sentence (at most {bound:.2f})"))
                sim = sims.get((original, cand.text))
                if sim is not None:
                    checks.append(Check("similarity", sim >= self.threshold, f"{sim:.2f} (needs {self.threshold:.2f})"))
                det = detector_scores.get(cand.text)
                before_det = detector_scores.get(original)
                if det is not None and before_det is not None:
                    # Clearly less translated-sounding: a real drop, not noise around the same score.
                    ok = before_det - det >= self.min_gain
                    checks.append(Check("detector", ok, f"{before_det:.2f} -> {det:.2f} (needs a drop of {self.min_gain:.2f})"))
                sur = surprisals.get(cand.text)
                if sur is not None:
                    before = surprisals[original]
                    ok = sur <= before + self.surprisal_tolerance
                    checks.append(Check("fluency", ok, f"surprisal {before:.2f} -> {sur:.2f}"))
                if lt:
                    new = {r: n for r, n in lt[cand.text].items() if n > lt[original].get(r, 0)}
                    checks.append(Check("languagetool", not new, ", ".join(sorted(new))))
                measured.append(Measured(dataclasses.replace(cand, checks=tuple(checks)), det, sur, sim, edit, before_det))
            out.append(measured)
        return out
