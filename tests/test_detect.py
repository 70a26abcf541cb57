"""The Detector's contract: one finding per sentence, boilerplate unscored, sorted reasons, spans inside."""

from __future__ import annotations

import json
import re

import pytest

from mtcheck.config import Settings
from mtcheck.detect import CONTEXT_RULE, DetectionResult, Detector
from mtcheck.detect.classifier import (
    CONTEXT_FEATURES,
    ContextModel,
    DetectorModel,
    LinearModel,
    document_features,
    load_model,
    provisional_model,
    sigmoid,
)
from mtcheck.types import Document, Sentence

MT = "As reports Reuters, more than 1.3 thousand militants laid down arms, said RIA “Novosti”."
CLEAN = "The United States and Russia on Sunday tabled a proposal to rebels in Aleppo."


def make_document(parts: list[tuple[str, str]]) -> tuple[Document, list[Sentence]]:
    text, sentences, pos = "", [], 0
    for i, (kind, sentence_text) in enumerate(parts):
        sentences.append(Sentence(index=i, start=pos, end=pos + len(sentence_text), text=sentence_text, kind=kind))
        text += sentence_text + "\n"
        pos = len(text)
    return Document(path="t.txt", text=text, format="text", encoding="utf-8"), sentences


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    return Settings()


def detector(settings, model=None):
    d = Detector(settings, signals=["interference"])
    if model is not None:
        d.model = model
    return d


def test_one_finding_per_sentence_boilerplate_unscored(settings):
    doc, sentences = make_document([("prose", MT), ("boilerplate", "Share this news"), ("prose", CLEAN)])
    result = detector(settings).detect(doc, sentences)
    assert isinstance(result, DetectionResult)
    assert [f.sentence for f in result.findings] == sentences
    boiler = result.findings[1]
    assert (boiler.score, boiler.flagged, boiler.reasons, boiler.severity) == (0.0, False, (), "none")
    mt, clean = result.findings[0], result.findings[2]
    assert mt.flagged and mt.score > clean.score
    # Next to a blatantly translated sentence the clean one may be flagged, but only by that context.
    assert not clean.flagged or [r.rule_id for r in clean.reasons] == [CONTEXT_RULE]
    alone = detector(settings).detect(*make_document([("prose", CLEAN)])).findings[0]
    assert not alone.flagged and alone.severity == "none"
    assert 0.0 <= result.score <= 1.0


def test_reasons_sorted_and_inside_their_sentence(settings):
    doc, sentences = make_document([("prose", CLEAN), ("prose", MT)])
    finding = detector(settings).detect(doc, sentences).findings[1]
    weights = [r.weight for r in finding.reasons]
    assert len(weights) >= 3 and weights == sorted(weights, reverse=True)
    for reason in finding.reasons:
        assert finding.sentence.start <= reason.start < reason.end <= finding.sentence.end
        assert doc.text[reason.start : reason.end] in MT


def test_threshold_and_severity_follow_settings(settings):
    doc, sentences = make_document([("prose", MT), ("prose", CLEAN)])
    none = Detector(Settings(threshold=1.0), signals=["interference"]).detect(doc, sentences).findings
    assert not any(f.flagged for f in none) and {f.severity for f in none} == {"none"}
    everything = Detector(Settings(threshold=0.0), signals=["interference"]).detect(doc, sentences).findings
    assert all(f.flagged for f in everything)
    assert all(f.severity in ("info", "warning", "error") for f in everything)


def test_allow_listed_name_does_not_count(settings):
    text = "The mayor, Dmitriy Ivanov, resigned."
    doc, sentences = make_document([("prose", text)])
    plain = detector(settings).detect(doc, sentences).findings[0]
    allowed = Detector(Settings(allow=("Dmitriy",)), signals=["interference"]).detect(doc, sentences).findings[0]
    assert plain.reasons and not allowed.reasons
    assert allowed.score <= plain.score


def test_score_texts_matches_detect_on_lone_sentences(settings):
    d = detector(settings)
    scores = d.score_texts([MT, CLEAN])
    alone = [d.detect(*make_document([("prose", text)])).findings[0].score for text in (MT, CLEAN)]
    assert scores == pytest.approx(alone)
    assert scores[0] >= d.threshold > scores[1]
    # In one article the findings are scored in context; score_texts stays isolated.
    together = d.detect(*make_document([("prose", MT), ("prose", CLEAN)])).findings
    assert d.score_texts([MT, CLEAN]) == scores and together[1].score != pytest.approx(scores[1])


def test_cache_returns_identical_result(settings):
    doc, sentences = make_document([("prose", MT), ("prose", CLEAN)])
    first = detector(settings).detect(doc, sentences)
    second = detector(settings).detect(doc, sentences)
    assert first == second


def test_reason_weight_is_the_features_contribution(settings):
    model = DetectorModel(
        sentence=LinearModel(features=("interference.thousand-count", "interference.total"), coef=(2.0, 1.0), intercept=-3.0),
        name="test",
    )
    doc, sentences = make_document([("prose", "Over 1.3 thousand militants left.")])
    finding = detector(settings, model).detect(doc, sentences).findings[0]
    [reason] = finding.reasons
    assert reason.weight == pytest.approx(3.0)  # its own coefficient plus the whole "total" share
    assert finding.score == pytest.approx(0.5)


def test_missing_features_contribute_nothing():
    model = LinearModel(features=("a", "b"), coef=(1.0, 5.0), intercept=0.0, mean=(0.0, 2.0), scale=(1.0, 1.0))
    total, shares = model.contributions({"a": 1.0})
    assert total == 1.0 and shares == {"a": 1.0}


def test_document_score_grows_with_evidence():
    model = provisional_model()
    few = model.document_probability([2.0, -3.0, -3.0, -3.0])
    many = model.document_probability([2.0] * 10 + [-3.0] * 4)
    assert many > few
    assert set(document_features([0.0, 1.0], 0.0)) >= {"doc.mean", "doc.max", "doc.n_log"}


def test_committed_model_loads():
    model = load_model()
    assert "interference" in model.signals
    assert 0.0 < model.threshold < 1.0


def test_sparse_submodel_feeds_a_derived_feature():
    sub = LinearModel(features=("profile.ng.the", "profile.ng.PROPN NN", "profile.ng.x"), coef=(-1.0, 2.0, 5.0), intercept=0.5)
    model = DetectorModel(
        sentence=LinearModel(features=("profile.ngram",), coef=(1.5,), intercept=-1.0, mean=(0.0,), scale=(2.0,)),
        submodels={"profile.ngram": sub},
        name="test",
    )
    values = {"profile.ng.the": 0.5, "profile.ng.PROPN NN": 0.25, "profile.ng.unseen": 0.9}
    assert sub.contributions(values) == (0.5, {"profile.ng.the": -0.5, "profile.ng.PROPN NN": 0.5})
    logodds, shares = model.sentence_logodds(values)
    assert logodds == pytest.approx(-1.0 + 1.5 * 0.5 / 2.0) and shares == {"profile.ngram": pytest.approx(0.375)}
    # The signal did not run: the derived feature is missing and contributes nothing.
    assert model.sentence_logodds({"interference.calque": 1.0})[0] == pytest.approx(-1.0)
    again = DetectorModel.from_dict(__import__("json").loads(model.to_json()))
    assert again.submodels == model.submodels and again.sentence_logodds(values)[0] == pytest.approx(logodds)


def test_committed_model_is_small_and_stacked():
    from mtcheck.detect.classifier import default_model_path

    candidate = default_model_path().parent / "candidate" / "model.json"
    for path in (default_model_path(), candidate):
        if not path.exists():
            continue  # the candidate exists only until it replaces the committed model
        model = load_model(path)
        assert path.stat().st_size < 3_000_000
        # The masked n-grams: the profile's, or the style signal's (which contain them).
        assert set(model.submodels) in ({"profile.ngram", "embedding.score"}, {"style.score", "embedding.score"},
                                        {"style.score", "syntax.score", "embedding.score"})
        assert {"profile", "embedding"} <= set(model.signals)
        # Only masked n-grams: no names or numbers in the committed vocabulary.
        grams = [
            f.split(".ng.", 1)[1] for name in ("profile.ngram", "style.score", "syntax.score") if name in model.submodels
            for f in model.submodels[name].features
        ]
        # (the syntax view writes every number as the mask "0")
        assert grams and all(not any(ch.isdigit() and ch != "0" for ch in g) for g in grams)
        assert not any(re.search(r"\d\d", g) for g in grams)


def context_model(max_others: int = 16, clip=None) -> ContextModel:
    shift = LinearModel(features=CONTEXT_FEATURES, coef=(-0.5, 0.8, 0.9), intercept=0.4)
    return ContextModel(shift=shift, max_others=max_others, clip=clip)


def test_context_reduces_to_the_isolated_score_without_neighbours():
    ctx = context_model()
    model = DetectorModel(sentence=LinearModel((), (), 0.0), context=ctx, name="test")
    for z in (-3.0, 0.0, 0.7, 9.5):
        assert ctx.logodds(z, 0.0, 0) == z
        assert model.in_context_logodds([z]) == [z]
    assert model.in_context_logodds([]) == []
    # Without a context step every sentence keeps its isolated score.
    assert DetectorModel(sentence=LinearModel((), (), 0.0)).in_context_logodds([1.0, -2.0]) == [1.0, -2.0]


def test_context_is_monotone_in_the_neighbours_mean_and_in_the_own_score():
    model = DetectorModel(sentence=LinearModel((), (), 0.0), context=context_model(clip=(-3.0, 3.5)), name="test")
    for n in (1, 3, 10, 40):
        rises = [model.in_context_logodds([0.2] + [m] * n)[0] for m in (-5.0, -2.0, -0.5, 0.0, 0.5, 2.0, 5.0)]
        assert rises == sorted(rises)
        owns = [model.in_context_logodds([z] + [1.0] * n)[0] for z in (-6.0, -1.0, 0.0, 1.0, 6.0)]
        assert owns == sorted(owns)
    # More agreeing neighbours carry more weight, up to the cap seen in training.
    by_size = [model.in_context_logodds([0.0] + [2.0] * n)[0] for n in (1, 4, 16, 40)]
    assert by_size[0] < by_size[1] < by_size[2] == pytest.approx(by_size[3])


def test_context_clips_an_extreme_neighbour():
    clipped = DetectorModel(sentence=LinearModel((), (), 0.0), context=context_model(clip=(-3.0, 3.5)), name="test")
    assert clipped.in_context_logodds([0.0, 30.0])[0] == pytest.approx(clipped.in_context_logodds([0.0, 3.5])[0])
    assert clipped.in_context_logodds([0.0, 30.0])[1] > clipped.in_context_logodds([0.0, 3.5])[1]  # the own score is never clipped


def test_context_serialisation_round_trip():
    model = DetectorModel(
        sentence=LinearModel(features=("interference.calque",), coef=(1.5,), intercept=-1.0),
        context=context_model(max_others=12, clip=(-3.1, 3.6)),
        name="test",
    )
    again = DetectorModel.from_dict(json.loads(model.to_json()))
    assert again == model
    values = [2.0, -1.0, 0.5, 3.0]
    assert again.in_context_logodds(values) == model.in_context_logodds(values)
    plain = DetectorModel(sentence=model.sentence, name="test")
    assert "context" not in json.loads(plain.to_json()) and DetectorModel.from_dict(json.loads(plain.to_json())).context is None


def test_context_reason_carries_the_context_contribution(settings):
    sentence = LinearModel(features=("interference.thousand-count",), coef=(4.0,), intercept=-1.0)
    model = DetectorModel(sentence=sentence, context=context_model(clip=(-3.0, 3.5)), threshold=0.7, name="test")
    mt = "Over 1.3 thousand militants left the city."
    doc, sentences = make_document([("prose", mt), ("prose", "About 2 thousand troops arrived."), ("prose", CLEAN)])
    d = detector(settings, model)
    result = d.detect(doc, sentences)
    isolated = [-1.0 + 4.0, -1.0 + 4.0, -1.0]
    expected = model.in_context_logodds(isolated)
    assert [f.score for f in result.findings] == pytest.approx([sigmoid(z) for z in expected])
    clean = result.findings[2]
    assert clean.flagged and d.score_texts([CLEAN])[0] < d.threshold  # flagged only in context
    [reason] = [r for r in clean.reasons if r.source == "document"]
    assert reason.rule_id == CONTEXT_RULE and reason.weight == pytest.approx(expected[2] - isolated[2], abs=1e-4)
    assert (reason.start, reason.end) == (clean.sentence.start, clean.sentence.end)
    assert "rest of the article reads as translated" in reason.message and "other 2 sentences: 2 flagged" in reason.message
    # It names the sentences that pushed it (by their number in the document).
    assert "sentence 1 (“Over 1.3 thousand militants left the…”)" in reason.message and "sentence 2 (" in reason.message
    first = result.findings[0]
    weights = [r.weight for r in first.reasons]
    assert weights == sorted(weights, reverse=True) and {r.source for r in first.reasons} == {"interference", "document"}
    # A context that lowers the score is no evidence of translation: no reason for it.
    lone_mt = detector(settings, model).detect(*make_document([("prose", mt), ("prose", CLEAN), ("prose", CLEAN), ("prose", CLEAN)]))
    assert all(r.source != "document" for r in lone_mt.findings[0].reasons)


def test_committed_model_has_a_context_step():
    model = load_model()
    assert model.context is not None and model.context.shift.features == CONTEXT_FEATURES
    assert model.in_context_logodds([1.25]) == [1.25]
    assert model.context.shift.coef[1] >= 0 and model.context.shift.coef[2] >= 0 and model.context.shift.coef[0] >= -1
