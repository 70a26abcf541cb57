"""Precision and recall of the aligner on a hand-checked alignment set.

The caller names the set's file (the repository's hand-checked one is
tests/data/alignment_pairs.jsonl, outside the package). It has ``reference`` records (a group's
reference sentences) and ``pair`` records (an article sentence with its ``sure`` reference indices and
``possible`` ones that are acceptable but not required, as in alignment error rate).
Precision counts predicted links that are sure or possible; recall counts sure links found.
The printed numbers are 5-fold cross-validated: each fold is aligned with parameters tuned on the others.

Tuning searches a grid of about 110 000 parameter sets. ``decide`` per set and sentence would take
a minute, so ``Outcomes`` computes, once per sentence, its counts for every grid point at once:
the ranking depends only on the similarity parameters, and for a given ranking, lead and gain
the decision over all thresholds is a few array operations. ``decide`` remains the reference;
a test checks that both agree.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

from mtcheck.compare.align import Aligner, AlignParams, Candidates, decide
from mtcheck.errors import InputError
from mtcheck.jsonl import json_lines

WEIGHTS = (0.4, 0.6, 0.8)
BACKGROUNDS = (0.0, 0.5, 1.0)
KEYWORDS = (0.0, 0.5, 1.0)
NUMBERS = (0.0, 0.1, 0.2)
NAMES = (0.0, 0.05, 0.1)
LEADS = (0.0, 1.0, 2.0)
THRESHOLDS = tuple(round(0.025 * k, 3) for k in range(25))
GAINS = (0.0, 0.03)
CLOSES = (0.0, 0.5, 0.8)
FOLDS = 5


@dataclass(frozen=True)
class Pair:
    group: str
    sentence: str
    sure: frozenset[int]
    possible: frozenset[int]
    source: str


@dataclass(frozen=True)
class Counts:
    predicted: int = 0
    correct: int = 0  # predicted links that are sure or possible
    sure: int = 0
    found: int = 0  # sure links predicted

    def __add__(self, other: "Counts") -> "Counts":
        return Counts(*(a + b for a, b in zip(self._tuple(), other._tuple())))

    def _tuple(self) -> tuple[int, int, int, int]:
        return (self.predicted, self.correct, self.sure, self.found)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.sure if self.sure else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Report:
    counts: Counts  # cross-validated: each fold aligned with parameters tuned on the other folds
    folds: int
    pairs: int
    per_group: dict[str, Counts]  # the cross-validated counts split by group
    tuned: AlignParams  # tuned on the whole set: what the defaults should be
    defaults: Counts  # the aligner's own parameters on the whole set (in-sample)


def load_set(path: str | Path) -> tuple[dict[str, list[str]], list[Pair]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"alignment set not found: {path}")
    references: dict[str, list[str]] = {}
    pairs: list[Pair] = []
    for number, record in json_lines(path, "alignment set"):
        try:
            if record["kind"] == "reference":
                references[record["group"]] = list(record["sentences"])
            elif record["kind"] == "pair":
                pairs.append(
                    Pair(
                        record["group"],
                        record["sentence"],
                        frozenset(record["sure"]),
                        frozenset(record.get("possible", ())),
                        record.get("source", ""),
                    )
                )
        except (KeyError, TypeError) as err:
            raise InputError(f"{path}:{number}: not an alignment record ({err})") from None
    missing = {p.group for p in pairs} - set(references)
    if missing:
        raise InputError(f"{path}: no reference record for group {sorted(missing)[0]!r}")
    if not pairs:
        raise InputError(f"{path}: no pair records")
    return references, pairs


def count(pair: Pair, links: tuple[tuple[int, float], ...]) -> Counts:
    predicted = {j for j, _ in links}
    return Counts(
        predicted=len(predicted),
        correct=len(predicted & (pair.sure | pair.possible)),
        sure=len(pair.sure),
        found=len(predicted & pair.sure),
    )


def _total(items: list[tuple[Pair, Candidates]], params: AlignParams) -> Counts:
    total = Counts()
    for pair, candidates in items:
        total = total + count(pair, decide(candidates, params))
    return total


def similarity_grid() -> list[tuple[float, float, float, float, float]]:
    return list(itertools.product(WEIGHTS, BACKGROUNDS, KEYWORDS, NUMBERS, NAMES))


def prime_joined(items: Sequence[tuple[Pair, Candidates]], grid: Sequence[tuple[float, ...]], base: AlignParams, embedder) -> None:
    """Encode, in one batch, every joined reference text the grid will ask about (one model call, not hundreds)."""
    import numpy as np

    texts: list[str] = []
    for _, c in items:
        text_of = getattr(c.joined, "text_of", None)
        if text_of is None or len(c.shortlist) < 2:
            continue
        features = np.array([[x.cosine, x.lexical, x.keywords, x.background, x.numbers, x.names] for x in c.shortlist])
        cos, lex, kw, bg, num, nam = features.T
        prefixes: set[tuple[int, ...]] = set()
        for w, b, k, nu, na in grid:
            sims = w * (cos - b * bg) + (1 - w) * ((1 - k) * lex + k * kw) + (nu * num + na * nam)
            top = [c.shortlist[int(o)].index for o in np.argsort(-sims, kind="stable")[: base.max_references]]
            prefixes.update(tuple(sorted(top[: n + 1])) for n in range(1, len(top)))
        texts.extend(text_of(p) for p in sorted(prefixes))
    embedder.prime(texts)


class Outcomes:
    """Counts of one sentence for every grid point: arrays [similarity set, lead, gain, close, threshold]."""

    def __init__(self, pair: Pair, c: Candidates, base: AlignParams, grid: Sequence[tuple[float, ...]]):
        import numpy as np

        shape = (len(grid), len(LEADS), len(GAINS), len(CLOSES), len(THRESHOLDS))
        self.predicted = np.zeros(shape, dtype=np.int16)
        self.correct = np.zeros(shape, dtype=np.int16)
        self.found = np.zeros(shape, dtype=np.int16)
        self.sure = len(pair.sure)
        if not c.shortlist:
            return
        thresholds = np.array(THRESHOLDS)
        leads = np.array(LEADS)[:, None, None]
        closes = np.array(CLOSES)[:, None, None]
        features = np.array([[x.cosine, x.lexical, x.keywords, x.background, x.numbers, x.names] for x in c.shortlist])
        cos, lex, kw, bg, num, nam = features.T
        index = [x.index for x in c.shortlist]
        for g, (w, b, k, nu, na) in enumerate(grid):
            # The same expression, in the same order, as align._similarity: equal floats.
            sims = w * (cos - b * bg) + (1 - w) * ((1 - k) * lex + k * kw) + (nu * num + na * nam)
            order = np.argsort(-sims, kind="stable")
            best = sims[order[0]]
            runner_up = sims[order[1]] if len(order) > 1 else 0.0
            accepted = best + leads * (best - runner_up) >= thresholds  # [lead, 1, threshold]
            top = [int(o) for o in order[: base.max_references]]
            ok = np.cumsum([index[o] in pair.sure | pair.possible for o in top])
            sure = np.cumsum([index[o] in pair.sure for o in top])
            further = sims[top[1:]][None, :, None]
            alone = (further >= thresholds) & (further >= closes * best)  # [close, candidate, threshold]
            for h, gain in enumerate(GAINS):
                joins = self._joins(c, index, top, replace(base, weight=w), gain)
                if len(top) > 1:
                    taken = 1 + np.cumprod(np.asarray(joins)[None, :, None] | alone, axis=1).sum(axis=1)  # [close, threshold]
                else:
                    taken = np.ones((len(CLOSES), len(thresholds)), dtype=int)
                self.predicted[g, :, h] = np.where(accepted, taken, 0)
                self.correct[g, :, h] = np.where(accepted, ok[taken - 1], 0)
                self.found[g, :, h] = np.where(accepted, sure[taken - 1], 0)

    @staticmethod
    def _joins(c: Candidates, index: list[int], top: list[int], p: AlignParams, gain: float) -> list[bool]:
        """For each further candidate on the path where all before it joined: does the gain rule let it join?"""
        from mtcheck.compare.align import _raw

        first = c.shortlist[top[0]]
        current = _raw(first.cosine, first.lexical, p)
        result = []
        for n in range(1, len(top)):
            joined = _raw(*c.joined_scores(tuple(sorted(index[o] for o in top[: n + 1]))), p)
            result.append(joined >= current + gain)
            current = max(current, joined)
        return result


def _best(outcomes: Sequence[Outcomes], grid: Sequence[tuple[float, ...]], base: AlignParams) -> AlignParams:
    import numpy as np

    predicted = sum(o.predicted.astype(np.int64) for o in outcomes)
    correct = sum(o.correct.astype(np.int64) for o in outcomes)
    found = sum(o.found.astype(np.int64) for o in outcomes)
    sure = sum(o.sure for o in outcomes)
    precision = np.where(predicted > 0, correct / np.maximum(predicted, 1), 1.0)
    recall = found / sure if sure else np.ones(np.shape(found))
    f1 = np.round(np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0), 6)
    balance = np.minimum(precision, recall)
    # Highest F1, then the more balanced of precision and recall, then the first in grid order.
    candidates = f1 == f1.max()
    candidates &= balance == balance[candidates].max()
    g, lead, gain, close, threshold = np.unravel_index(int(np.flatnonzero(candidates)[0]), f1.shape)
    w, b, k, nu, na = grid[int(g)]
    return replace(
        base, weight=w, background=b, keywords=k, numbers=nu, names=na,
        lead=LEADS[lead], gain=GAINS[gain], close=CLOSES[close], threshold=THRESHOLDS[threshold],
    )


def tune(items: list[tuple[Pair, Candidates]], base: AlignParams) -> AlignParams:
    """The grid point with the best F1 on these sentences."""
    grid = similarity_grid()
    return _best([Outcomes(pair, c, base, grid) for pair, c in items], grid, base)


def evaluate(path: str | Path, aligner: Aligner | None = None, folds: int = FOLDS) -> Report:
    """Cross-validated precision/recall: pair ``i`` (file order) is in fold ``i % folds``.

    Interleaved folds put every group (the seed pair, each WMT document) in every training
    part; holding a whole group out instead would tune the threshold for near-parallel
    translations on the WMT groups and test it on the freely written seed pair.
    """
    references, pairs = load_set(path)
    aligner = aligner or Aligner()
    candidates: dict[int, Candidates] = {}
    for group, sentences in references.items():
        members = [i for i, p in enumerate(pairs) if p.group == group]
        for i, c in zip(members, aligner.candidates([pairs[i].sentence for i in members], sentences)):
            candidates[i] = c
    items = [(pairs[i], candidates[i]) for i in range(len(pairs))]
    folds = max(2, min(folds, len(items)))
    grid = similarity_grid()
    prime_joined(items, grid, aligner.params, aligner.embedder)
    outcomes = [Outcomes(pair, c, aligner.params, grid) for pair, c in items]
    held_out = Counts()
    per_group: dict[str, Counts] = {}
    for fold in range(folds):
        params = _best([o for i, o in enumerate(outcomes) if i % folds != fold], grid, aligner.params)
        for i, (pair, c) in enumerate(items):
            if i % folds == fold:
                counts = count(pair, decide(c, params))
                held_out = held_out + counts
                per_group[pair.group] = per_group.get(pair.group, Counts()) + counts
    return Report(held_out, folds, len(items), per_group, _best(outcomes, grid, aligner.params), _total(items, aligner.params))
