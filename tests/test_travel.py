"""Travel tests: the whole-stack refit (mtcheck.evaluate.refit), leave one source out with it, and
the experimental character n-gram signal (mtcheck.detect.signals.chars). Small fakes only; the
real-data runs are benchmarks (benchmarks/travel_shift.py, benchmarks/chars_experiment.py)."""

from __future__ import annotations

import math
import random

import pytest
from typer.testing import CliRunner

from mtcheck.detect.data import Example


def fake_examples(seed: int = 0) -> tuple[list[Example], list[dict[str, float]]]:
    """Two MT systems (B's outputs carry an n-gram no other sentence has), two English-written
    sources; a few documents of each on both sides of the split. Features: a shared translationese
    n-gram, noise n-grams, and the direct feature."""
    rng = random.Random(seed)
    examples, rows = [], []
    plan = [("mt", "wmt22", "A"), ("mt", "wmt22", "B"), ("original", "wmt22-en", ""), ("original", "bbc", "")]
    for label, source, system in plan:
        for d in range(14):
            split = "validation" if d < 4 else "train"
            for seg in range(1, 6):
                examples.append(Example(f"{label}-{source}-{system}-{d}-{seg}", label, f"{source}{system}{d}", seg, source, system, split))
                row = {f"style.ng.noise{rng.randrange(30)}": 0.5 for _ in range(2)}
                if label == "mt" and rng.random() < 0.8:
                    row["style.ng.translationese"] = 0.7
                if system == "B":
                    row["style.ng.only-b"] = 0.7
                row["profile.article-omission"] = float(label == "mt" and rng.random() < 0.3)
                rows.append(row)
    return examples, rows


def test_fit_stack_refits_everything_without_the_held_out_source():
    from mtcheck.evaluate.refit import fit_stack

    examples, rows = fake_examples()
    full = fit_stack(examples, rows, ("style", "profile"))
    without_b = fit_stack(examples, rows, ("style", "profile"), keep=lambda e: e.system != "B")
    assert "style.ng.only-b" in full.submodels["style.score"].features
    assert "style.ng.only-b" not in without_b.submodels["style.score"].features
    # The stacking weights and the calibration are refitted too, not copied.
    assert without_b.sentence.features == full.sentence.features == ("style.score", "profile.article-omission")
    assert without_b.sentence.coef != full.sentence.coef
    assert 0 < without_b.threshold < 1 and without_b.document is not None
    validation = [(e, r) for e, r in zip(examples, rows) if e.split == "validation"]
    pos = [without_b.sentence_logodds(r)[0] for e, r in validation if e.positive]
    neg = [without_b.sentence_logodds(r)[0] for e, r in validation if not e.positive]
    assert sum(pos) / len(pos) > sum(neg) / len(neg) + 1.0
    assert fit_stack(examples, rows, ("style", "profile")).sentence == full.sentence  # deterministic
    with pytest.raises(ValueError):
        fit_stack(examples, rows, ("style", "profile"), keep=lambda e: e.positive)


def test_recall_at_fpr_reads_the_cut_on_the_negatives():
    from mtcheck.evaluate.refit import recall_at_fpr

    labels = [True] * 4 + [False] * 100
    scores = [0.99, 0.95, 0.5, 0.1] + [k / 100 for k in range(100)]  # negatives 0.00 .. 0.99
    assert recall_at_fpr(labels, scores, 0.03) == 0.25  # cut at the 4th highest negative, 0.96
    assert recall_at_fpr(labels, scores, 0.0) == 0.0
    assert math.isnan(recall_at_fpr([True], [0.5]))


def test_leave_one_source_out_refits_the_stack_per_source(tmp_path, monkeypatch):
    from mtcheck.detect import data as data_module
    from mtcheck.detect import features as features_module
    from mtcheck.evaluate import holdout
    from mtcheck.evaluate.refit import fit_stack

    examples, rows = fake_examples()
    by_text = {e.text: r for e, r in zip(examples, rows)}
    monkeypatch.setattr(data_module, "all_examples", lambda folder=None: examples)
    monkeypatch.setattr(holdout, "data_dir", lambda data=None: tmp_path)
    monkeypatch.setattr(holdout, "_validation_documents", lambda folder, system: [e for e in examples if e.split == "validation" and e.positive])
    monkeypatch.setattr(features_module, "extract", lambda texts, signals, progress=None: [by_text[t] for t in texts])
    seen = fit_stack(examples, rows, ("style", "profile"))
    result = holdout.leave_one_source_out(seen, tmp_path, only=("B", "bbc"))
    assert [r.name for r in result] == ["system:B", "originals:bbc"]
    b = result[0]
    assert b.refit == "stack" and b.n_pos == 20 and b.n_neg == 20
    # Held out, B's own n-gram is unknown: the refitted stack does worse on B than the model that saw it.
    assert b.sentence_auroc < b.seen_auroc and b.sentence_auroc > 0.6
    assert 0 <= b.recall_at_3 <= b.recall_at_5 <= 1 and b.n_documents == 8
    quick = holdout.leave_one_source_out(seen, tmp_path, only=("B",), refit="submodels")
    assert quick[0].refit == "submodels"
    text = holdout.render(result)
    assert "the whole stack refitted" in text and "rec@3%" in text and "worst held-out news MT systems: sentence AUROC" in text
    assert "Sub-models only" in holdout.render(quick)
    with pytest.raises(ValueError):
        holdout.leave_one_source_out(seen, tmp_path, refit="everything")


def test_eval_detect_rejects_an_unknown_refit():
    import mtcheck.cli.evaluate  # noqa: F401  (registers `eval`)
    from mtcheck.cli import app
    from mtcheck.errors import InputError

    result = CliRunner().invoke(app, ["eval", "detect", "--holdout", "--holdout-refit", "everything"])
    assert isinstance(result.exception, InputError) and result.exception.exit_code == 2  # main() prints it as one line
    assert "--holdout-refit must be one of: stack, submodels" in str(result.exception)


def test_char_ngrams_are_counted_over_the_compact_masked_form():
    from mtcheck.detect.signals.chars import PREFIX, _placeholder, char_ngrams

    assert [_placeholder(t) for t in ("PROPN", "NUM", "NN~ork", "VBD~ded", "JJ", "said", ",", "FW~ous")] == [
        "P", "D", "Nork", "Vded", "J", "said", ",", "Xous"]
    features = char_ngrams("the P said D Nple")
    assert all(k.startswith(PREFIX) for k in features)
    assert PREFIX + " P " in features and PREFIX + "said" in features and PREFIX + "  " not in features
    assert sum(v * v for v in features.values()) == pytest.approx(1.0, abs=1e-3)
    # A repeated n-gram weighs more, sublinearly.
    repeated = char_ngrams("of the of the")
    assert repeated[PREFIX + "of t"] > char_ngrams("of the")[PREFIX + "of t"] * 0.5


def test_chars_contract_keeps_it_an_experiment_in_a_pass_of_its_own():
    from mtcheck.detect.base import contract_of
    from mtcheck.detect.signals.chars import PREFIX, CharsSignal

    contract = contract_of(CharsSignal)
    assert not contract.default and not contract.train_by_default  # neither run by `check` unweighed nor trained by default
    assert contract.separate_pass  # its features cached apart: adding it leaves the others' cache valid
    assert [(s.feature, s.prefix) for s in contract.submodels] == [("chars.score", PREFIX)]


@pytest.mark.integration
def test_chars_signal_hides_names_numbers_and_topic_words():
    from mtcheck.config import Settings
    from mtcheck.detect.base import SignalContext
    from mtcheck.detect.signals.chars import PREFIX, CharsSignal, masked_text
    from mtcheck.detect.signals.profile import parse
    from mtcheck.types import Sentence

    text = "Sergei Ryabkov said on Tuesday that 15 diplomats would leave Moscow within the framework of the agreement."
    result = CharsSignal(Settings()).run([Sentence(index=0, start=0, end=len(text), text=text)], SignalContext(settings=Settings()))
    grams = "".join(k.removeprefix(PREFIX) for k in result[0].features)
    assert "15" not in grams and "ryab" not in grams.lower() and "mosc" not in grams.lower() and "diplo" not in grams
    masked = masked_text(parse([text])[0])
    assert masked.startswith("P P said on P that D") and "Nork" in masked


@pytest.fixture()
def benchmarks(monkeypatch):
    """``benchmarks`` importable as a package from the repository root, for this test only."""
    import sys
    from pathlib import Path

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parent.parent))
    yield
    for name in [m for m in sys.modules if m == "benchmarks" or m.startswith("benchmarks.")]:
        del sys.modules[name]


def test_shifts_leave_out_a_category_or_a_family_and_test_on_it(benchmarks):
    from benchmarks.travel_shift import measure, shifts
    from mtcheck.evaluate.refit import fit_stack

    examples, rows = fake_examples()
    categories = {e.doc_id: ("tech" if e.doc_id.endswith(("1", "5", "7")) else "sport") for e in examples if e.source == "bbc"}
    plan = {s.name: s for s in shifts(categories, ["A", "Online-W", "SRPOL"])}
    assert list(plan) == ["bbc:sport", "bbc:tech", "family:online", "family:research"]
    tech, online = plan["bbc:tech"], plan["family:online"]
    bbc_tech = [e for e in examples if e.source == "bbc" and categories[e.doc_id] == "tech"]
    assert bbc_tech and all(tech.held(e) for e in bbc_tech)
    assert not any(tech.held(e) for e in examples if e.source != "bbc" or categories[e.doc_id] != "tech")
    assert [t.name for t in online.tests] == ["family vs WMT22 originals", "family vs BBC", "Online-W vs WMT22 originals"]
    full = fit_stack(examples, rows, ("style", "profile"))
    held = fit_stack(examples, rows, ("style", "profile"), keep=lambda e: not tech.held(e))
    out = measure(tech, held, full, examples, rows)
    assert [r.test for r in out] == ["WMT22 MT vs the category (validation)", "WMT22 MT vs the category (all its sentences)"]
    assert out[1].n_neg == len(bbc_tech) > out[0].n_neg > 0 and out[0].n_pos == 40
    assert all(0.5 < r.auroc <= 1 and 0.5 < r.auroc_with <= 1 for r in out)


def test_chars_experiment_fits_its_sub_model_only_where_chars_is_among_the_signals(benchmarks):
    from benchmarks.chars_experiment import grouped_validation, submodel_alone
    from mtcheck.detect.base import default_training_signals
    from mtcheck.detect.base import submodels as declared_submodels
    from mtcheck.evaluate.refit import fit_stack

    examples, rows = fake_examples()
    rows = [{**r, **({"chars.ng. of": 0.6} if e.positive else {"chars.ng.he ": 0.6})} for e, r in zip(examples, rows)]
    assert declared_submodels(["chars"])["chars.score"].prefix == "chars.ng."
    assert "chars" not in default_training_signals()
    extended = fit_stack(examples, rows, ("style", "profile", "chars"))
    assert set(extended.submodels) == {"style.score", "chars.score"}
    assert "chars.score" not in fit_stack(examples, rows, ("style", "profile")).submodels
    alone = submodel_alone(extended, examples, rows)
    assert alone["MT vs wmt22-en"]["auroc"] == 1.0 and alone["MT vs bbc"]["n_neg"] == 20
    assert grouped_validation(extended, examples, rows)["worst system vs wmt22-en"]["system"] in ("A", "B")
