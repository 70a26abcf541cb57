"""The alignment test set and `mtcheck eval align`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mtcheck.compare.align import AlignParams, Candidate, Candidates, decide
from mtcheck.compare.evaluate import DEFAULT_SET, Pair, count, load_set

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.85


def test_set_has_at_least_30_checked_pairs_with_valid_indices():
    references, pairs = load_set(DEFAULT_SET)
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


@pytest.mark.integration
def test_eval_align_prints_precision_and_recall_at_target():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mtcheck", "eval", "align"], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    precision = float(re.search(r"^precision (\d\.\d+)", result.stdout, re.M).group(1))
    recall = float(re.search(r"^recall (\d\.\d+)", result.stdout, re.M).group(1))
    assert precision >= TARGET and recall >= TARGET, result.stdout


def test_eval_align_rejects_a_missing_file(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mtcheck", "eval", "align", str(tmp_path / "none.jsonl")],
        capture_output=True, text=True, env=env, cwd=ROOT,
    )
    assert result.returncode == 2 and "not found" in result.stderr


def test_set_records_are_json_lines():
    for line in DEFAULT_SET.read_text(encoding="utf-8").splitlines():
        assert json.loads(line)["kind"] in ("reference", "pair")
