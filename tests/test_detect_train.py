"""Training: data recipes, the fitting helpers, and `mtcheck train` / `mtcheck eval` end to end on tiny data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtcheck.detect.classifier import load_model
from mtcheck.detect.data import FILES, OPTIONAL_FILES, all_examples, articles, documents, subsample
from mtcheck.detect.fitting import logistic_with_offset, threshold_for_fpr
from mtcheck.detect.train import fit_document_model, train
from mtcheck.detect.train_context import context_data, fit_context_model
from mtcheck.detect.training_choices import DEFAULTS
from mtcheck.evaluate.sets import write_sets

MT_LINES = [
    "As reports Reuters, {n} thousand people left the city.",
    "On the eve the ministry said that {n} thousand troops arrived.",
    "Within the framework of the visit, talks were held on 12.03.2021.",
    "It should be noted that prices rose by {n},5 percent.",
]
EN_LINES = [
    "The mayor said on Tuesday that {n},000 people had left the city.",
    "Officials expect the vote to pass easily next week.",
    "She told reporters the plan would cost about ${n} million.",
    "Shares rose {n} percent in early trading in New York.",
]


def write_tiny_data(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / FILES["wmt_ruen"]).open("w") as out:
        for d in range(24):
            for seg in range(1, 5):
                for system in ("sysA", "sysB", "sysC"):
                    out.write(json.dumps({
                        "doc_id": f"ru{d}", "doc_seg_id": seg, "system": system,
                        "mt_en": MT_LINES[(seg + d) % 4].format(n=d + seg),
                        "ref_en": EN_LINES[(seg + d + 1) % 4].format(n=d + seg + 7),
                    }) + "\n")
    with (folder / FILES["wmt_en"]).open("w") as out:
        for d in range(16):
            for seg in range(1, 5):
                record = {"id": f"en{d}:{seg}", "doc_id": f"en{d}", "doc_seg_id": seg, "text_en": EN_LINES[(seg + d) % 4].format(n=d + seg)}
                out.write(json.dumps(record) + "\n")
    for key in ("mlqe_train", "mlqe_dev"):
        with (folder / FILES[key]).open("w") as out:
            for i in range(40):
                out.write(json.dumps({"id": f"{key}:{i}", "mt_en": MT_LINES[i % 4].format(n=i), "ref_en": EN_LINES[i % 4].format(n=i)}) + "\n")
    return folder


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    return write_tiny_data(tmp_path / "data")


def test_split_is_grouped_and_segments_give_mt_or_reference(tiny):
    examples = all_examples(tiny)
    sides: dict[str, set[str]] = {}
    for e in examples:
        sides.setdefault(e.doc_id, set()).add(e.split)
    assert all(len(s) == 1 for s in sides.values())
    per_segment: dict[tuple[str, int], set[str]] = {}
    for e in examples:
        if e.source == "wmt22":
            per_segment.setdefault((e.doc_id, e.seg), set()).add(e.label)
    assert all(len(labels) == 1 for labels in per_segment.values())
    assert {e.system for e in examples if e.label == "mt" and e.source == "wmt22"} <= {"sysA", "sysB", "sysC"}
    assert all_examples(tiny) == examples  # deterministic
    assert all(len({e.system for e in doc}) == 1 for doc in documents(examples).values())


def test_subsample_is_deterministic_and_bounded(tiny):
    examples = all_examples(tiny)
    small = subsample(examples, 5)
    assert small == subsample(examples, 5)
    counts: dict = {}
    for e in small:
        counts[(e.split, e.source, e.label)] = counts.get((e.split, e.source, e.label), 0) + 1
    assert max(counts.values()) <= 5


def test_threshold_for_fpr_keeps_false_positives_under_target():
    negatives = [i / 100 for i in range(100)]
    t = threshold_for_fpr(negatives, 0.05)
    assert sum(s >= t for s in negatives) <= 5


def test_logistic_with_offset_learns_around_the_offset():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 1))
    offset = np.where(rng.random(400) < 0.1, 3.0, 0.0)
    y = (rng.random(400) < 1 / (1 + np.exp(-(2 * x[:, 0] + offset)))).astype(int)
    w, b = logistic_with_offset(x, y, offset, 100.0)
    assert 1.3 < w[0] < 2.8 and abs(b) < 0.5


def test_document_model_is_monotone():
    rows = [
        {"doc.mean": m, "doc.q25": -m, "doc.q50": 0.0, "doc.q75": m, "doc.max": m, "doc.flagged_share": m / 2, "doc.n_flagged_log": 1.0}
        for m in (-2, -1, 0, 1, 2, 3)
    ]
    model = fit_document_model(rows, [False, False, False, True, True, True])
    assert all(c >= 0 for c in model.coef)


def test_train_reproduces_its_model_and_writes_provenance(tiny, tmp_path):
    first = train(tmp_path / "one", data=tiny, signals=["interference"])
    train(tmp_path / "two", data=tiny, signals=["interference"])
    assert (tmp_path / "one" / "model.json").read_bytes() == (tmp_path / "two" / "model.json").read_bytes()
    provenance = json.loads((tmp_path / "one" / "provenance.json").read_text())
    # Every required file is fingerprinted; the optional BBC file only when present (not in the tiny data).
    assert set(provenance["files_sha256"]) == {name for key, name in FILES.items() if key not in OPTIONAL_FILES}
    assert provenance["signals"] == ["interference"] and provenance["features"] is not None
    assert provenance == first
    model = load_model(tmp_path / "one" / "model.json")
    assert model.name == "trained" and 0 < model.threshold < 1
    assert model.context is not None and "training documents only" in provenance["context_model"]["fitted_on"]
    assert "in_context" in json.dumps(provenance["metrics"])
    assert model.sentence_probability({"interference.reporting-inversion": 1.0}) > model.sentence_probability({})


def _cli():
    import mtcheck.cli.evaluate  # noqa: F401  (registers `eval`)
    import mtcheck.cli.train  # noqa: F401
    from mtcheck.cli import app

    return app


def test_cli_make_sets_then_eval_detect(tiny, tmp_path):
    runner = CliRunner()
    result = runner.invoke(_cli(), ["eval", "make-sets", "--out", str(tmp_path / "sets"), "--data", str(tiny)])
    assert result.exit_code == 0, result.output
    sentence_set = tmp_path / "sets" / "sentences_mt_vs_original.jsonl"
    assert sentence_set.exists()
    result = runner.invoke(_cli(), ["eval", "detect", str(sentence_set), "--signals", "interference", "--group-field", "doc_id"])
    assert result.exit_code == 0, result.output
    assert "AUROC" in result.output and "only interference" in result.output and "documents" in result.output
    assert "sentences, alone" in result.output and "sentences, in context" in result.output
    result = runner.invoke(_cli(), ["eval", "detect", str(sentence_set), "--signals", "interference", "--json"])
    metrics = json.loads(result.output)
    assert metrics["sentences"]["auroc"] > 0.9  # the tiny MT lines are full of interference


def test_articles_keep_one_output_per_segment_and_one_side(tiny):
    examples = all_examples(tiny)
    arts = articles(examples)
    assert sorted(id(e) for a in arts.values() for e in a) == sorted(id(e) for e in examples)  # each sentence once
    for members in arts.values():
        assert len({(e.label, e.doc_id, e.split) for e in members}) == 1
        segs = [e.seg for e in members]
        assert segs == sorted(segs) and len(set(segs)) == len(segs)


def test_context_data_is_balanced_per_size_and_stays_in_the_article(tiny):
    import random

    examples = [e for e in all_examples(tiny) if e.split == "train" and e.label in ("mt", "original")]
    data = context_data(examples, random.Random(0))
    article_of = {id(e): key for key, members in articles(examples).items() for e in members}
    totals: dict = {}
    for n, others, y, w in zip(data.sentence, data.others, data.positive, data.weight):
        assert n not in others and len(others) in DEFAULTS.context_sizes
        assert {article_of[id(examples[m])] for m in others} == {article_of[id(examples[n])]}
        totals[(len(others), y)] = totals.get((len(others), y), 0.0) + w
    for (k, y), total in totals.items():
        assert total == pytest.approx(totals.get((k, not y), 0.0))  # the size alone tells nothing
    logodds = [1.0 if e.positive else -1.0 for e in examples]
    model = fit_context_model(data, range(len(data.sentence)), logodds)
    assert model is not None and model.shift.coef[1] >= 0 and model.shift.coef[2] >= 0
    assert model.logodds(0.3, 0.0, 0) == 0.3


def test_cli_train_writes_to_out(tiny, tmp_path):
    result = CliRunner().invoke(_cli(), ["train", "--out", str(tmp_path / "m"), "--data", str(tiny), "--signals", "interference", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m" / "model.json").exists() and "sentences_mt_vs_original" in result.output


def test_eval_detect_rejects_bad_input(tmp_path):
    from mtcheck.errors import InputError
    from mtcheck.evaluate.detection import read_labelled

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x"}\n')
    with pytest.raises(InputError):
        read_labelled(bad, "text", "label", None)
    with pytest.raises(InputError):
        read_labelled(tmp_path / "missing.jsonl", "text", "label", None)


@pytest.mark.skipif(not Path("/work/shared/data/wmt22_ruen_news.jsonl").exists(), reason="development data not present")
def test_real_sets_have_both_labels(tmp_path, shared_data):
    counts = write_sets(tmp_path, shared_data)
    for name in ("sentences_mt_vs_original.jsonl", "sentences_mt_vs_human.jsonl", "documents_mt_vs_original.jsonl"):
        labels = {json.loads(line)["label"] for line in (tmp_path / name).open()}
        assert len(labels) == 2 and counts[name] > 100
