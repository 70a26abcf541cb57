"""The alignment test set and `mtcheck eval align`."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from mtcheck.compare.align import AlignParams, Candidate, Candidates, decide
from mtcheck.evaluate.alignment import (
    CLOSES,
    GAINS,
    LEADS,
    THRESHOLDS,
    Counts,
    Outcomes,
    Pair,
    count,
    load_set,
    similarity_grid,
    tune,
)

TARGET = 0.85
# The hand-checked set lives with the tests; the package reads it only when given its path.
ALIGNMENT_SET = Path(__file__).resolve().parent / "data" / "alignment_pairs.jsonl"


def test_set_has_at_least_30_checked_pairs_with_valid_indices():
    references, pairs = load_set(ALIGNMENT_SET)
    assert len(pairs) >= 30
    assert sum(1 for p in pairs if not p.sure and not p.possible) >= 8  # sentences without a counterpart
    assert any(len(p.sure) > 1 for p in pairs)  # one-to-many
    assert {p.group for p in pairs} >= {"seed"} and len({p.group for p in pairs}) >= 3
    for p in pairs:
        assert all(0 <= j < len(references[p.group]) for j in p.sure | p.possible)
        assert not p.sure & p.possible and p.source


def test_counts_use_possible_links_for_precision_only():
    pair = Pair("g", "s", frozenset({1}), frozenset({2}), "x")
    c = count(pair, ((2, 0.5),))
    assert (c.predicted, c.correct, c.sure, c.found) == (1, 1, 1, 0)


def _candidates(*items: tuple[int, float, float]) -> Candidates:
    shortlist = tuple(Candidate(j, cos, lex, 0.0, lex) for j, cos, lex in items)
    return Candidates(shortlist, joined=lambda idx: (0.0, 0.0))


def test_decide_leaves_weak_sentences_unaligned_and_takes_clear_winners():
    params = AlignParams(weight=0.5, background=0.0, keywords=0.0, lead=0.0, threshold=0.6, gain=0.05)
    assert decide(_candidates((0, 0.5, 0.3), (1, 0.4, 0.2)), params) == ()
    assert [j for j, _ in decide(_candidates((3, 0.9, 0.8), (1, 0.4, 0.2)), params)] == [3]


def test_decide_adds_a_second_reference_when_both_pass_the_threshold():
    params = AlignParams(weight=0.5, background=0.0, keywords=0.0, lead=0.0, threshold=0.6, gain=0.05)
    assert [j for j, _ in decide(_candidates((4, 0.9, 0.8), (2, 0.8, 0.7)), params)] == [2, 4]


def test_decide_adds_a_second_reference_when_the_joined_text_is_closer():
    params = AlignParams(weight=0.5, background=0.0, keywords=0.0, lead=0.0, threshold=0.6, gain=0.05)
    c = Candidates(tuple(Candidate(j, cos, lex, 0.0, lex) for j, cos, lex in ((0, 0.8, 0.6), (1, 0.5, 0.3))), lambda idx: (0.95, 0.8))
    assert [j for j, _ in decide(c, params)] == [0, 1]


def _random_items(seed: int, n: int) -> list[tuple[Pair, Candidates]]:
    import random

    rng = random.Random(seed)
    items = []
    for i in range(n):
        refs = rng.sample(range(8), rng.randint(0, 5))
        shortlist = tuple(
            Candidate(j, rng.uniform(0, 0.9), rng.uniform(0, 0.6), rng.uniform(0, 0.5), rng.uniform(0.2, 0.6),
                      rng.choice((-1.0, 0.0, 0.5, 1.0)), rng.random())
            for j in refs
        )
        joined = {}

        def joiner(idx, joined=joined, rng=random.Random(seed * 1000 + i)):
            return joined.setdefault(idx, (rng.uniform(0.2, 0.9), rng.uniform(0.1, 0.6)))

        sure = frozenset(rng.sample(refs, min(len(refs), rng.randint(0, 2))))
        possible = frozenset(j for j in refs if j not in sure and rng.random() < 0.3)
        items.append((Pair("g", f"s{i}", sure, possible, "random"), Candidates(shortlist, joiner)))
    return items


def test_grid_counts_agree_with_decide():
    # The tuner's array shortcut must count exactly what `decide` decides.
    import random

    items = _random_items(7, 25)
    grid = similarity_grid()
    base = AlignParams()
    outcomes = [Outcomes(pair, c, base, grid) for pair, c in items]
    rng = random.Random(3)
    for _ in range(60):
        g, lead, gain, t = rng.randrange(len(grid)), rng.randrange(len(LEADS)), rng.randrange(len(GAINS)), rng.randrange(len(THRESHOLDS))
        close = rng.randrange(len(CLOSES))
        w, b, k, nu, na = grid[g]
        params = AlignParams(
            weight=w, background=b, keywords=k, numbers=nu, names=na,
            lead=LEADS[lead], gain=GAINS[gain], close=CLOSES[close], threshold=THRESHOLDS[t],
        )
        at = (g, lead, gain, close, t)
        for (pair, c), o in zip(items, outcomes):
            expected = count(pair, decide(c, params))
            got = (int(o.predicted[at]), int(o.correct[at]), int(o.found[at]))
            assert got == (expected.predicted, expected.correct, expected.found), params


def test_tune_returns_the_grid_point_with_the_best_f1():
    items = _random_items(11, 30)
    best = tune(items, AlignParams())

    def f1(params):
        total = Counts()
        for pair, c in items:
            total = total + count(pair, decide(c, params))
        return round(total.f1, 6)

    rivals = [
        AlignParams(weight=w, background=b, keywords=k, numbers=nu, names=na, lead=lead, threshold=t, gain=g, close=close)
        for (w, b, k, nu, na) in similarity_grid()[::17] for lead in LEADS for t in THRESHOLDS[::4] for g in GAINS for close in CLOSES
    ]
    assert f1(best) >= max(f1(p) for p in rivals)


@pytest.mark.integration
def test_eval_align_prints_precision_and_recall_at_target(capsys, monkeypatch):
    from mtcheck.cli import main

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(sys, "argv", ["mtcheck", "eval", "align", str(ALIGNMENT_SET)])
    with pytest.raises(SystemExit) as done:
        main()
    out = capsys.readouterr().out
    assert done.value.code in (0, None), out
    precision = float(re.search(r"^precision (\d\.\d+)", out, re.M).group(1))
    recall = float(re.search(r"^recall (\d\.\d+)", out, re.M).group(1))
    assert precision >= TARGET and recall >= TARGET, out
    assert "5-fold cross-validation" in out


def test_eval_align_rejects_a_missing_file(tmp_path, capsys, monkeypatch):
    from mtcheck.cli import main

    monkeypatch.setattr(sys, "argv", ["mtcheck", "eval", "align", str(tmp_path / "none.jsonl")])
    with pytest.raises(SystemExit) as done:
        main()
    assert done.value.code == 2 and "not found" in capsys.readouterr().err


def test_set_records_are_json_lines():
    for line in ALIGNMENT_SET.read_text(encoding="utf-8").splitlines():
        assert json.loads(line)["kind"] in ("reference", "pair")
