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
# A copy editor's edit is proportionate to what is wrong: every fixable problem found in the
# sentence buys this share of its words, on top of a base that allows one small grammar fix, up
# to the cap. Word salad with four or five problems may so be recast whole; a sentence with one
# problem gets a small edit.
DEFAULT_EDIT_BASE = 0.15
DEFAULT_EDIT_PER_PROBLEM = 0.15
DEFAULT_EDIT_CAP = 0.9
# ... and a short sentence still gets room for a two-word fix whatever its length.
DEFAULT_EDIT_FLOOR_WORDS = 2
# "Clearly better" when no flagged problem was resolved: the detector's MT probability must fall
# by at least this much. A rewrite that the detector scores about the same is churn.
DEFAULT_MIN_GAIN = 0.02
# ... or the fluency LM must find it clearly easier to read: the detector cannot see a missing
# article or a dangling clause ("the coronavirus vaccine", "which is not always good"), SmolLM2 can.
# A drop of this many nats of mean surprisal is about three times the noise between equally fluent
# paraphrases (DEFAULT_SURPRISAL_TOLERANCE).
DEFAULT_FLUENCY_GAIN = 0.3
# A candidate that resolves a flagged problem and keeps the meaning is not vetoed by a small rise
# of the detector's sentence-alone score: on unseen news that score ranks an MT sentence above an
# English-written one only about 3 times in 4, so a rise up to this much is noise.
DEFAULT_MAX_RISE = 0.1
# Resolving a problem may cost a little fluency under a 135M LM ("78 thousand" -> "78,000"; "According
# to him, the experts ..." -> "He said the experts ...": a shorter sentence of rarer tokens).
DEFAULT_RESOLVED_SURPRISAL_TOLERANCE = 0.5


# Slips the 1.5B editor makes when it turns "According to him, ..." into reported speech and that
# LanguageTool lets through: "He said, this is ..." (a comma splice) and "He said according to him".
_SLIPS = re.compile(r"\b(?:said|says|stated|added|noted),\s+(?:this|that|these|those|it|there|the|he|she|they|we|i)\b"
                    r"|\b(?:said|says|stated)\s*,?\s+according to\b|^Earlier, recall\b"
                    r"|\b(?!had\b|that\b)([a-z]{2,})\b,?\s+\1\b", re.IGNORECASE)  # "Earlier, earlier 27 EU countries"


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


def edit_bound(original: str, problems: float, per_problem: float = DEFAULT_EDIT_PER_PROBLEM,
               base: float = DEFAULT_EDIT_BASE, cap: float = DEFAULT_EDIT_CAP) -> float:
    """The largest edit (a share of the original's words) a candidate may make: a sentence with
    one problem gets a small edit, word salad with many may be recast whole."""
    words = max(1, len(_words(original)))
    return max(DEFAULT_EDIT_FLOOR_WORDS / words, min(cap, base + per_problem * max(0.0, problems)))


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
        self.edit_base = options.edit_base
        self.edit_per_problem = options.edit_per_problem
        self.edit_cap = options.edit_cap
        self.min_gain = options.min_gain
        self.max_rise = options.max_rise
        self.fluency_gain = options.fluency_gain
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
        self._surprisal = surprisal
        self._nlp = nlp
        self.use_models = options.model_checks

    # Models are loaded on first use, so a Verifier with fakes never touches them.
    def similarity(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        if self._similarity is None:
            self._similarity = self.services.embedder.similarities
        return self._similarity(pairs)

    def surprisal(self, texts: Sequence[str]) -> list[float]:
        if self._surprisal is None:
            self._surprisal = self.services.surprisal
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
        """``items`` are (original sentence, its candidates); the result mirrors it. ``reasons`` is the
        number of problems named for each original (the fixable problems found again here count when
        there are more): it bounds how large an edit may be."""
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
        similar = self.similarity if self.use_models else None

        out: list[list[Measured]] = []
        for k, (original, candidates) in enumerate(items):
            before = problems[original]
            named = reasons[k] if reasons is not None else 1
            bound = edit_bound(original, max(len(before), named), self.edit_per_problem, self.edit_base, self.edit_cap)
            # Words a fix of a flagged problem may replace ("On the eve" -> "The day before").
            replaceable = {w.lower() for p in before for w in re.findall(r"[\w'’-]+", p.words)}
            # ... and the words a rule's own fix brings ("The day before", "through the corridors").
            allowed = {w.lower() for p in before if p.suggestion for w in re.findall(r"[\w'’-]+", p.suggestion)}
            measured = []
            for cand in candidates:
                after = problems[cand.text]
                resolved, remaining = resolution(before, after)
                checks = fact_checks(original, cand.text, nlp, replaceable=replaceable, similar=similar, allowed=allowed)
                slips = [m.group(0) for m in _SLIPS.finditer(cand.text) if not _SLIPS.search(original)]
                checks.append(Check("grammar", not slips, ", ".join(f"“{s}”" for s in slips)))
                edit = edit_share(original, cand.text)
                checks.append(Check("edit size", edit <= bound, f"{edit:.2f} of the sentence (at most {bound:.2f})"))
                sim = sims.get((original, cand.text))
                if sim is not None:
                    checks.append(Check("similarity", sim >= self.threshold, f"{sim:.2f} (needs {self.threshold:.2f})"))
                det = detector_scores.get(cand.text)
                before_det = detector_scores.get(original)
                sur, before_sur = surprisals.get(cand.text), surprisals.get(original)
                if det is not None and before_det is not None:
                    if resolved:
                        ok = det - before_det <= self.max_rise
                        need = f"fixes {len(resolved)} flagged problem(s); a rise up to {self.max_rise:.2f} is noise"
                    else:
                        # Nothing flagged was fixed: only a clear gain shows the edit is not churn,
                        # a drop of the detector's score or a clearly more fluent sentence.
                        fluent = (sur is not None and before_sur is not None
                                  and before_sur - sur >= self.fluency_gain and det - before_det <= self.max_rise)
                        ok = before_det - det >= self.min_gain or fluent
                        need = (f"reads clearly more fluently (surprisal {before_sur:.2f} -> {sur:.2f})" if fluent
                                else f"needs a drop of {self.min_gain:.2f}, or surprisal lower by {self.fluency_gain:.2f}")
                    checks.append(Check("detector", ok, f"{before_det:.2f} -> {det:.2f} ({need})"))
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
                measured.append(Measured(dataclasses.replace(cand, checks=tuple(checks)), det, sur, sim, edit, before_det,
                                         resolved, remaining, before_sur))
            out.append(measured)
        return out
