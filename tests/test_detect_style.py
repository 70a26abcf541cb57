"""The style signal (masked n-grams with spans), source-balanced weights, the BBC and mixed-article
data, and the leave-one-source-out report."""

from __future__ import annotations

import json

import pytest

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext
from mtcheck.types import Sentence


def sentences_of(texts):
    return [Sentence(index=i, start=0, end=len(t), text=t) for i, t in enumerate(texts)]


@pytest.mark.integration
def test_style_ngrams_mask_names_numbers_and_topic_words():
    from mtcheck.detect.signals.style import PREFIX, StyleSignal, vocabulary

    text = "Sergei Ryabkov said on Tuesday that 15 diplomats would leave Moscow within the framework of the agreement."
    features = StyleSignal(Settings()).run(sentences_of([text]), SignalContext(settings=Settings()))[0].features
    assert features and all(k.startswith(PREFIX) for k in features)
    grams = " ".join(k.removeprefix(PREFIX) for k in features)
    for hidden in ("Ryabkov", "Moscow", "15", "diplomats", "framework"):
        assert hidden.lower() not in grams.lower()
    assert "t:PROPN" in grams and "NUM" in grams
    assert "said" in vocabulary() and "s:said" in grams  # a word frequent on both sides stays
    assert "NN~ork" in grams  # "framework": its tag and its last letters only
    assert sum(v * v for v in features.values()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.integration
def test_style_explain_names_ngrams_with_spans():
    from mtcheck.detect.signals.profile import parse
    from mtcheck.detect.signals.style import PREFIX, explain, ngram_features, spans_of

    text = "Within the framework of the visit, the sides held negotiations."
    sentence = Sentence(index=0, start=100, end=100 + len(text), text=text)
    doc = parse([text])[0]
    assert spans_of(doc, PREFIX + "s:the NN~ork") == [(7, 20)]
    features = ngram_features(doc)
    shares = {PREFIX + "s:the NN~ork": 0.6, PREFIX + "s:held negotiations": 0.3, PREFIX + "t:.": -0.5, PREFIX + "s:absent gram": 0.9}
    reasons = explain(sentence, {k: v for k, v in shares.items() if k in features}, 1.8)  # both add >= 0.1
    assert [text[r.start - 100 : r.end - 100] for r in reasons] == ["the framework", "held negotiations"]
    assert sum(r.weight for r in reasons) == pytest.approx(1.8, abs=1e-3)
    # A pattern of tags or punctuation alone counts in the score but is no reason an editor can use.
    present = {k: v for k, v in shares.items() if k in features}
    assert not any("pattern “,”" in r.message for r in explain(sentence, {PREFIX + "s:,": 5.0, **present}, 1.8))
    # Its part of the score is not handed to the reasons shown: they add up to 0.9 of 1.8 log-odds.
    assert sum(r.weight for r in explain(sentence, {PREFIX + "s:,": 0.9, **present}, 1.8)) == pytest.approx(0.9, abs=1e-3)
    assert all(r.source == "style" and r.weight > 0 and "“the framework”" in reasons[0].message for r in reasons)
    assert explain(sentence, shares, -0.2) == []  # the signal lowered the score: no reason


def test_source_weights_balance_classes_and_sources():
    from mtcheck.detect.data import Example
    from mtcheck.detect.train import source_weights
    from mtcheck.detect.training_choices import DEFAULTS

    examples = (
        [Example("m", "mt", f"d{i}", 1, "wmt22") for i in range(30)]
        + [Example("q", "mt", f"q{i}", 1, "mlqepe") for i in range(10)]
        + [Example("o", "original", f"o{i}", 1, "wmt22-en") for i in range(5)]
        + [Example("b", "original", f"b{i}", 1, "bbc") for i in range(100)]
    )
    w = source_weights(examples)
    total = {}
    for e, v in zip(examples, w):
        total[(e.positive, e.source)] = total.get((e.positive, e.source), 0.0) + v
    assert total[(True, "wmt22")] + total[(True, "mlqepe")] == pytest.approx(len(examples) / 2)
    assert total[(False, "bbc")] == pytest.approx(total[(False, "wmt22-en")])  # 100 BBC sentences weigh as 5 WMT ones
    shares = DEFAULTS.source_shares[True]
    assert total[(True, "wmt22")] / total[(True, "mlqepe")] == pytest.approx(shares["wmt22"] / shares["mlqepe"])
    only_wmt = source_weights(examples[:30] + examples[40:45])
    assert sum(only_wmt[:30]) == pytest.approx(sum(only_wmt[30:]))  # a missing source: the others share


def _write_bbc(folder):
    from mtcheck.detect.data import FILES

    with (folder / FILES["bbc"]).open("w") as out:
        for d in range(30):
            text = (
                f"Headline number {d}.\nShares rose sharply on Monday. Analysts had expected a fall.\n"
                "The firm said it would hire more staff. Its rivals did not comment."
            )
            record = {"id": f"bbc:x:{d}", "doc_id": f"bbc-x-{d:03d}", "category": "business", "title": f"Headline number {d}", "text": text}
            out.write(json.dumps(record) + "\n")


def test_bbc_examples_are_whole_articles_split_by_the_segmenter(tmp_path):
    from mtcheck.detect.data import bbc_examples

    assert bbc_examples(tmp_path) == []  # the file is optional
    _write_bbc(tmp_path)
    examples = bbc_examples(tmp_path, {"train": 1000, "validation": 1000})
    assert {e.source for e in examples} == {"bbc"} and {e.label for e in examples} == {"original"}
    assert not any(e.text.startswith("Headline") for e in examples)  # the title line is skipped
    by_doc: dict = {}
    for e in examples:
        by_doc.setdefault(e.doc_id, []).append(e)
    expected = [
        "Shares rose sharply on Monday.", "Analysts had expected a fall.", "The firm said it would hire more staff.", "Its rivals did not comment."
    ]
    assert all([e.text for e in doc] == expected for doc in by_doc.values())
    assert all(len({e.split for e in doc}) == 1 for doc in by_doc.values())
    small = bbc_examples(tmp_path, {"train": 6, "validation": 0})
    assert {e.split for e in small} == {"train"} and 8 <= len(small) <= 10  # whole articles up to the budget


def test_mixed_articles_splice_a_translated_run_into_originals(tmp_path, monkeypatch):
    from mtcheck.evaluate.sets import mixed_articles, write_sets
    from test_detect_train import write_tiny_data

    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    folder = write_tiny_data(tmp_path / "data")
    _write_bbc(folder)
    mixed = mixed_articles(folder)
    assert mixed and {key.split(":")[1] for key, _ in mixed} == {"wmt22-en", "bbc"}
    for _, members in mixed:
        labels = [e.label for e in members]
        inserted = [i for i, label in enumerate(labels) if label == "mt"]
        assert 1 <= len(inserted) <= 4 and inserted == list(range(inserted[0], inserted[-1] + 1))  # one run
        assert len({e.doc_id for e in members if e.label == "mt"}) == 1
        assert all(e.split == "validation" for e in members)
    counts = write_sets(tmp_path / "sets", folder)
    rows = [json.loads(line) for line in (tmp_path / "sets" / "mixed_articles.jsonl").open()]
    assert counts["mixed_articles.jsonl"] == len(rows) and {r["label"] for r in rows} == {"mt", "original"}
    assert all(r["article"].startswith("mixed:") for r in rows)


def test_eval_detect_reports_mixed_articles(tmp_path):
    from mtcheck.evaluate.detection import evaluate, render

    rows = [
        {"text": "The mayor said on Tuesday that 3,000 people had left.", "label": "original", "group": "a"},
        {"text": "As reports Reuters, 1,5 thousand militants laid down arms.", "label": "mt", "group": "a"},
        {"text": "Officials expect the vote to pass easily next week.", "label": "original", "group": "a"},
        {"text": "Shares rose 4 percent in early trading in New York.", "label": "original", "group": "b"},
        {"text": "On the eve the ministry said that 12.03.2021 troops arrived.", "label": "mt", "group": "b"},
    ]
    result = evaluate(rows, "mt", ["interference"])
    assert "documents" not in result and result["mixed_articles"]["articles"] == 2
    assert "mixed, in context" in render(result)


def test_holdout_report_names_the_worst_case():
    from mtcheck.evaluate.holdout import HeldOut, recall_at_fpr, render

    rows = [
        HeldOut("system:A", 100, 50, 0.91, 0.6, 10, 0.99, 0.5, 0.95),
        HeldOut("system:B", 100, 50, 0.86, 0.4, 10, 0.97, 0.3, 0.93),
        HeldOut("system:mlqepe-transformer", 300, 50, 0.70, 0.2, 0, float("nan"), 0.1, 0.8),
        HeldOut("originals:bbc", 300, 200, 0.88, 0.5, 40, float("nan"), 0.4, 0.9),
    ]
    text = render(rows)
    assert "worst held-out news MT systems: sentence AUROC 0.860 (system:B), recall at FPR <= 3% 0.300, document AUROC 0.970 (system:B)" in text
    assert "worst held-out out-of-domain MT (MLQE-PE): sentence AUROC 0.700 (system:mlqepe-transformer)" in text
    assert "worst held-out originals: sentence AUROC 0.880 (originals:bbc)" in text
    assert recall_at_fpr([True, True, False, False, False], [0.9, 0.2, 0.1, 0.3, 0.0], 0.0) == 0.5


def test_similarity_weighted_context_keeps_a_pasted_translation_its_own_evidence():
    from mtcheck.detect.classifier import CONTEXT_FEATURES, ContextModel, DetectorModel, LinearModel

    shift = LinearModel(features=CONTEXT_FEATURES, coef=(-0.3, 0.6, 0.4), intercept=0.1)
    plain = ContextModel(shift=shift, max_others=16, clip=(-4.0, 4.0))
    similar = ContextModel(shift=shift, max_others=16, clip=(-4.0, 4.0), bandwidth=1.0)
    article = [-3.0, -2.5, -3.2, -2.8, 2.0, 2.4, -3.1, -2.9]  # two translated sentences pasted in
    by_plain, by_similar = plain.in_context(article), similar.in_context(article)
    assert by_similar[4] > by_plain[4] and by_similar[5] > by_plain[5]
    assert by_similar[4] > 2.0 - 1.0  # barely moved by the English-written rest
    assert max(by_similar[i] for i in (0, 1, 2, 3, 6, 7)) < 0  # the originals stay low
    # With every sentence alike both forms agree closely; alone, the sentence keeps its own score.
    uniform = [1.5, 1.6, 1.4, 1.5]
    assert similar.in_context(uniform) == pytest.approx(plain.in_context(uniform), abs=0.15)
    assert similar.in_context([2.5]) == [2.5]
    model = DetectorModel(sentence=LinearModel((), (), 0.0), context=similar, name="test")
    again = DetectorModel.from_dict(json.loads(model.to_json()))
    assert again.context == similar
    assert "bandwidth" not in json.loads(DetectorModel(sentence=LinearModel((), (), 0.0), context=plain, name="t").to_json())["context"]


def test_translated_share_has_a_wilson_interval():
    from mtcheck.detect import DetectionResult, translated_share
    from mtcheck.types import Finding

    share = translated_share(5, 15)
    assert share.share == pytest.approx(1 / 3) and share.low < 1 / 3 < share.high
    assert (round(share.low, 3), round(share.high, 3)) == (0.152, 0.583)  # Wilson 95% for 5/15
    none, every = translated_share(0, 11), translated_share(11, 11)
    assert none.low == 0.0 and 0.0 < none.high < 0.3 and every.high == 1.0 and every.low > 0.7
    assert "5 of 15 sentences read as translated (33%, 95% CI 15%-58%)" == share.describe()
    findings = tuple(
        Finding(sentence=Sentence(index=i, start=0, end=1, text="x", kind=kind), score=0.9 if flagged else 0.1, flagged=flagged)
        for i, (kind, flagged) in enumerate([("prose", True), ("prose", False), ("boilerplate", False), ("prose", True)])
    )
    result = DetectionResult(findings=findings, score=0.8)
    assert (result.translated.flagged, result.translated.sentences) == (2, 3)


def test_raise_only_context_never_lowers_a_sentence():
    from mtcheck.detect.classifier import CONTEXT_FEATURES, ContextModel, DetectorModel, LinearModel

    shift = LinearModel(features=CONTEXT_FEATURES, coef=(-0.3, 0.6, 0.4), intercept=0.1)
    plain = ContextModel(shift=shift, clip=(-4.0, 4.0))
    floor = ContextModel(shift=shift, clip=(-4.0, 4.0), raise_only=True)
    article = [-3.0, -2.5, 2.2, -2.8]
    assert plain.in_context(article)[2] < 2.2 == floor.in_context(article)[2]  # a pasted translation keeps its score
    assert all(c >= z for c, z in zip(floor.in_context(article), article))
    translated = [2.0, 1.5, -0.5, 1.8]
    raised = floor.in_context(translated)[2]
    assert raised > -0.5 and raised == pytest.approx(plain.in_context(translated)[2])  # raising is kept
    again = DetectorModel.from_dict(json.loads(DetectorModel(sentence=LinearModel((), (), 0.0), context=floor, name="t").to_json()))
    assert again.context == floor


@pytest.mark.integration
def test_syntax_views_are_topic_free_and_explained_with_spans():
    from mtcheck.detect.signals.profile import parse
    from mtcheck.detect.signals.syntax import PREFIX, SyntaxSignal, explain, spans_of

    text = "As reports Reuters, the head of the Ministry of Foreign Affairs Sergey Lavrov said on 12 May that talks were held."
    features = SyntaxSignal(Settings()).run(sentences_of([text]), SignalContext(settings=Settings()))[0].features
    assert features and all(k.startswith(PREFIX) for k in features)
    grams = " ".join(k.removeprefix(PREFIX) for k in features)
    for hidden in ("reuters", "lavrov", "ministry", "affairs", "12"):  # "talks": in the shared vocabulary
        assert hidden not in grams.lower()
    assert "f:the _ of" in grams and "g:IN DT" in grams
    assert sum(v * v for v in features.values()) == pytest.approx(1.0, abs=1e-4)
    doc = parse([text])[0]
    assert [text[a:b] for a, b in spans_of(doc, PREFIX + "f:as _ PROPN")] == ["As reports Reuters"]
    sentence = Sentence(index=0, start=10, end=10 + len(text), text=text)
    reasons = explain(sentence, {PREFIX + "f:as _ PROPN": 0.8, PREFIX + "g:IN": 0.2}, 1.0)
    assert [text[r.start - 10 : r.end - 10] for r in reasons] == ["As reports Reuters"]
    assert reasons[0].source == "syntax" and 0 < reasons[0].weight <= 1.0
    assert explain(sentence, {PREFIX + "f:as _ PROPN": 0.8}, -0.5) == []
    # A word with a digit in it is a number too: "-19" (COVID-19) would tie the score to a year's topics.
    covid = SyntaxSignal(Settings()).run(sentences_of(["Cases of COVID-19 rose in the G20 states."]),
                                         SignalContext(settings=Settings()))[0].features
    assert not any(ch.isdigit() and ch != "0" for k in covid for ch in k.removeprefix(PREFIX))


def test_raise_only_fit_goes_through_the_hinge():
    import numpy as np

    from mtcheck.detect.fitting import logistic_with_offset

    rng = np.random.default_rng(0)
    x = rng.normal(size=(4000, 1))
    y = (rng.random(4000) < 1 / (1 + np.exp(-np.maximum(0.0, 1.5 * x[:, 0])))).astype(int)
    w, b = logistic_with_offset(x, y, np.zeros(4000), 100.0, raise_only=True)
    assert w[0] == pytest.approx(1.5, abs=0.3) and abs(b) < 0.3
    # Fitted without the hinge, the line must also explain the negative half and comes out flatter.
    w_plain, _ = logistic_with_offset(x, y, np.zeros(4000), 100.0)
    assert w_plain[0] < w[0]


def test_extract_runs_separate_signals_in_their_own_pass(monkeypatch):
    from mtcheck.detect import features

    calls = []

    def fake(texts, signals, settings=None, progress=None):
        calls.append(list(signals))
        return [{f"{s}.x": 1.0 for s in signals} for _ in texts]

    monkeypatch.setattr(features, "_extract", fake)
    rows = features.extract(["a", "b"], ("interference", "style", "syntax"))
    assert calls == [["interference", "style"], ["syntax"]]
    assert rows[0] == {"interference.x": 1.0, "style.x": 1.0, "syntax.x": 1.0}
