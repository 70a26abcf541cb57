"""Verification: every candidate is checked against the original sentence.

A candidate that fails any check keeps its checks (the report shows why it was rejected)
and is never offered as the fix. The model-based checks are batched over all candidates
of a document: one detector call, one embedder call.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Sequence

from mtcheck.config import Settings
from mtcheck.rewrite.facts import fact_checks
from mtcheck.rewrite.problems import Problem, find_problems, introduced, resolution
from mtcheck.types import Candidate, Check

if TYPE_CHECKING:
    from mtcheck.services.factory import Services

DEFAULT_SIMILARITY = 0.75
# SmolLM2's mean surprisal differs by about 0.1 nats between equally fluent paraphrases
# (word order alone moves it), so "not more surprising" allows that much noise.
DEFAULT_SURPRISAL_TOLERANCE = 0.1
# Edit-level evidence (mtcheck/rewrite/evidence.py): a form edit with no flagged problem behind it
# must lower the mean surprisal by this much; a content edit needs this many model candidates
# proposing it (and this share of them), or, when it resolves a flagged problem, this MiniLM
# equivalence of the edited sentence with the original. The fluency bar is the noise level above:
# at 0.02, form edits that read no better ("money stolen" -> "stolen money", 0.03; "," -> ".",
# 0.06) got in, and on the judged slices 12b and 12c five of the nine suggestions that rested on a
# gain under 0.1 were liked less than the original.
DEFAULT_FLUENCY_GAIN = 0.1
DEFAULT_MIN_SUPPORT = 2
DEFAULT_SUPPORT_SHARE = 0.4
DEFAULT_EQUIVALENCE = 0.9
# A candidate that resolves a flagged problem and keeps the meaning is not vetoed by a small rise
# of the detector's sentence-alone score: on unseen news that score ranks an MT sentence above an
# English-written one only about 3 times in 4, so a rise up to this much is noise.
DEFAULT_MAX_RISE = 0.1
# Resolving a problem may cost a little fluency under a 135M LM ("78 thousand" -> "78,000"; "According
# to him, the experts ..." -> "He said the experts ...": a shorter sentence of rarer tokens).
DEFAULT_RESOLVED_SURPRISAL_TOLERANCE = 0.5


@dataclass(frozen=True)
class Measured:
    """A verified candidate and the measurements ranking uses."""

    candidate: Candidate
    detector: float | None = None
    surprisal: float | None = None
    similarity: float | None = None
    edit: float = 0.0  # share of the original's words changed (see edit_share)
    original_detector: float | None = None
    # The original's fixable problems (rule or LanguageTool id and the flagged words), split by
    # whether the candidate still has them: len(resolved) + len(remaining) is the original's count.
    resolved: tuple[str, ...] = ()
    remaining: tuple[str, ...] = ()
    original_surprisal: float | None = None

    @property
    def gain(self) -> float | None:
        """How much less the candidate reads as MT than the original (detector probability)."""
        if self.detector is None or self.original_detector is None:
            return None
        return self.original_detector - self.detector


def _words(text: str) -> list[str]:
    return re.findall(r"\w+|[^\w\s]", text.lower())


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b, 1):
            current.append(previous[j - 1] + 1 if x == y else max(previous[j], current[j - 1]))
        previous = current
    return previous[-1]


# A word moved costs this share of a word changed: "As reports Reuters" -> "As Reuters reports"
# changes no word at all, and an editor reads a word-order fix as a small edit.
MOVE_COST = 0.3


def edit_share(original: str, candidate: str) -> float:
    """How much of the original a candidate changes, by words: words replaced, added or dropped,
    plus ``MOVE_COST`` for each word kept but moved, divided by the original's length in words."""
    if original == candidate:
        return 0.0
    a, b = _words(original), _words(candidate)
    common = Counter(a) & Counter(b)
    overlap = sum(common.values())
    changed = max(len(a), len(b)) - overlap
    # Words both keep, in each one's order: those outside their longest common subsequence moved.
    kept_a = [w for w in a if common.get(w)]
    kept_b = [w for w in b if common.get(w)]
    moved = overlap - _lcs(kept_a, kept_b)
    return (changed + MOVE_COST * moved) / max(1, len(a))


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


def keep_rules(settings: Settings) -> frozenset[str]:
    """``[rewrite] keep_rules``: house-style rules whose reasons are reported but never rewritten.

    An interference rule and the rule-pack rules that repeat it are one rule: naming either id
    keeps both (``mtcheck.detect.rules.expand_aliases``)."""
    from mtcheck.detect.rules import expand_aliases

    return expand_aliases(settings.rewrite_config.keep_rules)  # a list of strings: checked with the settings


class Verifier:
    """Checks candidates; models come in as callables so tests can replace them."""

    def __init__(
        self,
        settings: Settings,
        detector: Any = None,
        services: Services | None = None,
        similarity: Callable[[Sequence[tuple[str, str]]], list[float]] | None = None,
        surprisal: Callable[[Sequence[str]], list[float]] | None = None,
        nlp: Any = None,
    ):
        options = settings.rewrite_config
        self.settings = settings
        self.threshold = options.similarity_threshold
        self.max_rise = options.max_rise
        self.fluency_gain = options.fluency_gain
        self.min_support = options.min_support
        self.support_share = options.support_share
        self.equivalence = options.equivalence
        self.surprisal_tolerance = options.surprisal_tolerance
        self.resolved_tolerance = options.resolved_surprisal_tolerance
        self.keep = keep_rules(settings)
        self.allow = tuple(settings.allow or ())
        self.detector = detector
        # The detector's own threshold (config override or the model's validated default).
        self.flag_threshold = float(getattr(detector, "threshold", None) or settings.threshold or 0.5)
        if services is None:
            from mtcheck.services.factory import Services

            services = Services.offline(settings)
        self.services = services
        # Answers are remembered by the services, so sentences detection checked are not sent again.
        self.languagetool = services.languagetool
        self._similarity = similarity
        self._surprisal: Callable[[Sequence[str]], list[float]] | None = surprisal
        self._nlp = nlp
        self.use_models = options.model_checks

    # Models are loaded on first use, so a Verifier with fakes never touches them.
    def similarity(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        if self._similarity is None:
            self._similarity = self.services.embedder.similarities
        return self._similarity(pairs)

    def surprisal(self, texts: Sequence[str]) -> list[float]:
        if self._surprisal is None:
            # The checks run between the rewriter's generations, never beside them: the small LM may
            # use the rewriter's threads (detection keeps it on one, its LanguageTool thread beside it).
            scorer, threads = self.services.surprisal, self.settings.rewrite_config.n_threads
            self._surprisal = lambda texts: scorer(texts, threads=threads)
        return self._surprisal(texts)

    @property
    def nlp(self) -> Any:
        if self._nlp is None and self.use_models:
            self._nlp = self.services.english()
        return self._nlp

    def warm_up(self) -> None:
        """Load every model now (spaCy, MiniLM, SmolLM2, the detector), so the first real call is not
        also a load; benchmarks and long runs call this before timing."""
        self.verify([("The talks ended on Monday.", [Candidate("warm-up", "The talks ended on Monday, officials said.")])])

    # -- problems ------------------------------------------------------------------------------
    def languagetool_matches(self, texts: Sequence[str]) -> dict[str, list[Any]]:
        """LanguageTool's matches per text (each distinct text asked about once per run: the
        services remember the answers, those the detect stage got included)."""
        if self.languagetool is None:
            return {}
        unique = list(dict.fromkeys(texts))
        return dict(zip(unique, self.languagetool.check_paragraphs(unique)))

    def problems(self, text: str) -> list[Problem]:
        """The fixable problems of ``text`` (interference rules, and LanguageTool when in use)."""
        matches = self.languagetool_matches([text]).get(text) if self.languagetool is not None else None
        return find_problems(text, matches, self.keep, self.allow)

    def verify(self, items: Sequence[tuple[str, Sequence[Candidate]]], reasons: Sequence[int] | None = None) -> list[list[Measured]]:
        """``items`` are (original sentence, its candidates); the result mirrors it. ``reasons`` (the
        number of problems named for each original) is accepted for callers and no longer bounds the
        edit: each edit brings its own evidence (mtcheck/rewrite/evidence.py)."""
        pairs = [(orig, c.text) for orig, cands in items for c in cands]
        if not pairs:
            return [[] for _ in items]
        originals = list(dict.fromkeys(orig for orig, _ in items))
        texts = list(dict.fromkeys(originals + [c for _, c in pairs]))
        # Every model sees the whole batch at once: one detector call, one embedder encode, one
        # spaCy pipe, one LanguageTool request, and the fluency LM once per distinct text.
        detector_scores: dict[str, float] = {}
        if self.detector is not None:
            detector_scores = dict(zip(texts, self.detector.score_texts(texts)))
        surprisals = dict(zip(texts, self.surprisal(texts))) if self.use_models else {}
        sims = dict(zip(pairs, self.similarity(pairs))) if self.use_models else {}
        nlp = _Parses(self.nlp, texts) if self.nlp is not None else None
        matches = self.languagetool_matches(texts)
        lt = {t: _count_lt(m) for t, m in matches.items()}
        problems = {t: find_problems(t, matches.get(t) if self.languagetool is not None else None, self.keep, self.allow)
                    for t in texts}

        out: list[list[Measured]] = []
        for original, candidates in items:
            before = problems[original]
            measured = []
            for cand in candidates:
                after = problems[cand.text]
                resolved, remaining = resolution(before, after)
                checks = fact_checks(original, cand.text, nlp)
                sim = sims.get((original, cand.text))
                if sim is not None:
                    checks.append(Check("similarity", sim >= self.threshold, f"{sim:.2f} (needs {self.threshold:.2f})"))
                det = detector_scores.get(cand.text)
                before_det = detector_scores.get(original)
                sur, before_sur = surprisals.get(cand.text), surprisals.get(original)
                if det is not None and before_det is not None:
                    # Each edit brought its own evidence; the whole may not read as more translated.
                    checks.append(Check("detector", det - before_det <= self.max_rise,
                                        f"{before_det:.2f} -> {det:.2f} (a rise up to {self.max_rise:.2f} is noise)"))
                if sur is not None and before_sur is not None:
                    tolerance = self.resolved_tolerance if resolved else self.surprisal_tolerance
                    checks.append(Check("fluency", sur <= before_sur + tolerance, f"surprisal {before_sur:.2f} -> {sur:.2f}"))
                # LanguageTool's own check below covers its rules; this one covers mtcheck's.
                new_rules = introduced([p for p in before if p.source == "interference"],
                                       [p for p in after if p.source == "interference"])
                checks.append(Check("problems", not new_rules, ", ".join(f"adds {r}" for r in new_rules)))
                if lt:
                    new = {r: n for r, n in lt[cand.text].items() if n > lt[original].get(r, 0)}
                    checks.append(Check("languagetool", not new, ", ".join(sorted(new))))
                measured.append(Measured(dataclasses.replace(cand, checks=tuple(checks)), det, sur, sim,
                                         edit_share(original, cand.text), before_det, resolved, remaining, before_sur))
            out.append(measured)
        return out
