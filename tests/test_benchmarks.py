"""The logic of the research scripts in ``benchmarks/`` (outside the package; imported from the checkout)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def benchmarks(monkeypatch):
    """``benchmarks`` importable as a package from the repository root, for this test only."""
    monkeypatch.syspath_prepend(str(ROOT))
    yield
    for name in [m for m in sys.modules if m == "benchmarks" or m.startswith("benchmarks.")]:
        del sys.modules[name]


def test_recurring_post_edits_are_counted_against_every_chance_to_make_them(benchmarks):
    from benchmarks.bench_reference_limits import recurring_edits

    rows = ([{"mt_en": "He said: yes.", "ref_en": "He said: yes"}] * 4
            + [{"mt_en": "He said: yes.", "ref_en": "He said: yes."}] * 4
            + [{"mt_en": "They go home.", "ref_en": "They went home."}] * 5)
    found = {edit: (share, made, occurs) for share, made, occurs, edit in recurring_edits(rows)}
    assert found["yes [. -> ] </s>"] == (0.5, 4, 8)
    assert found["They [go -> went] home"] == (1.0, 5, 5)


def test_the_data_folder_comes_from_the_option_then_the_environment_then_beside_the_checkout(monkeypatch, tmp_path):
    from mtcheck.paths import DATA_ENV, data_dir, default_data_dir

    monkeypatch.setenv(DATA_ENV, str(tmp_path / "env"))
    assert data_dir(tmp_path / "given") == tmp_path / "given"
    assert data_dir() == tmp_path / "env"
    monkeypatch.delenv(DATA_ENV)
    monkeypatch.delenv("MTCHECK_HOME", raising=False)
    assert data_dir() == default_data_dir() == ROOT.parent / "shared" / "data"


def test_the_package_holds_no_benchmark_and_no_data_path():
    package = ROOT / "mtcheck"
    assert not list(package.glob("bench*.py"))
    for path in package.rglob("*.py"):
        assert "shared/data" not in path.read_text(encoding="utf-8"), path


def test_serve_benchmark_percentiles_and_distinct_paragraphs(benchmarks):
    from benchmarks.bench_serve import percentile, seed_sentences, varied_paragraph

    assert percentile([0.4, 0.1, 0.3, 0.2, 0.5], 0.5) == 0.3 and percentile([1.0, 2.0], 0.95) == 2.0
    sentences = seed_sentences()
    assert len(sentences) == 15  # the seed's prose sentences: the 15-sentence article
    assert len({varied_paragraph(n, sentences) for n in range(1000)}) == 1000  # nothing answered from a memo


def test_post_edit_operations_count_word_changes_of_edited_rows_only(benchmarks):
    from benchmarks.post_edit_operations import operations

    rows = [{"mt_en": "He went to shop .", "ref_en": "He went to the shop ."},
            {"mt_en": "There is a cat on roof .", "ref_en": "A cat is on the roof ."},
            {"mt_en": "Unchanged here .", "ref_en": "Unchanged here ."}]
    found, edited = operations(rows)
    assert edited == 2
    assert found[("", "the")] == 2
