"""Precision and recall of the aligner on a hand-checked alignment set.

The set (tests/data/alignment_pairs.jsonl) has ``reference`` records (a group's reference
sentences) and ``pair`` records (an article sentence with its ``sure`` reference indices and
``possible`` ones that are acceptable but not required, as in alignment error rate).
Precision counts predicted links that are sure or possible; recall counts sure links found.
The printed numbers are 5-fold cross-validated: each fold is aligned with parameters tuned on the others.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, replace
from pathlib import Path

from mtcheck.compare.align import AlignParams, Aligner, Candidates, decide
from mtcheck.errors import InputError

DEFAULT_SET = Path(__file__).resolve().parents[2] / "tests" / "data" / "alignment_pairs.jsonl"
WEIGHTS = (0.4, 0.6, 0.8)
BACKGROUNDS = (0.0, 0.5, 1.0)
KEYWORDS = (0.0, 0.5, 1.0)
LEADS = (0.0, 1.0, 2.0)
THRESHOLDS = tuple(round(0.025 * k, 3) for k in range(25))
GAINS = (0.0, 0.03)
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
    try:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
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
    except (json.JSONDecodeError, KeyError, TypeError) as err:
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


def tune(items: list[tuple[Pair, Candidates]], base: AlignParams) -> AlignParams:
    def objective(params: AlignParams) -> tuple[float, float]:
        c = _total(items, params)
        return (round(c.f1, 6), min(c.precision, c.recall))

    grid = (
        replace(base, weight=w, background=b, keywords=k, lead=lead, threshold=t, gain=g)
        for w, b, k, lead, t, g in itertools.product(WEIGHTS, BACKGROUNDS, KEYWORDS, LEADS, THRESHOLDS, GAINS)
    )
    return max(grid, key=objective)


def evaluate(path: str | Path = DEFAULT_SET, aligner: Aligner | None = None, folds: int = FOLDS) -> Report:
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
    held_out = Counts()
    per_group: dict[str, Counts] = {}
    for fold in range(folds):
        params = tune([x for i, x in enumerate(items) if i % folds != fold], aligner.params)
        for i, (pair, c) in enumerate(items):
            if i % folds == fold:
                counts = count(pair, decide(c, params))
                held_out = held_out + counts
                per_group[pair.group] = per_group.get(pair.group, Counts()) + counts
    return Report(held_out, folds, len(items), per_group, tune(items, aligner.params), _total(items, aligner.params))
