"""The model-backed signals run for real: spaCy profile, the SmolLM2 fluency scorer, the trained detector on the seeds."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext
from mtcheck.types import Document, Sentence

ROOT = Path(__file__).resolve().parent.parent


def sentences_of(texts: list[str]) -> list[Sentence]:
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Sentence(index=i, start=pos, end=pos + len(t), text=t))
        pos += len(t) + 1
    return out


@pytest.mark.integration
def test_profile_reports_missing_articles_with_spans():
    from mtcheck.detect.signals.profile import ProfileSignal

    texts = [
        "On the eve of Russian reconciliation centre reported that 93% of Aleppo is under control.",
        "The minister said the talks would resume on Monday.",
    ]
    sentences = sentences_of(texts)
    results = ProfileSignal(Settings()).run(sentences, SignalContext(settings=Settings()))
    assert len(results) == 2
    assert results[0].features["profile.article-omission"] >= 1
    assert results[1].features["profile.article-omission"] == 0
    assert all(math.isfinite(v) for r in results for v in r.features.values())
    for reason in results[0].reasons:
        assert sentences[0].start <= reason.start < reason.end <= sentences[0].end
    assert any("centre" in texts[0][r.start : r.end] for r in results[0].reasons)


@pytest.mark.integration
def test_fluency_gives_surprisal_statistics(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path))
    from mtcheck.detect.signals.fluency import FEATURES, FluencySignal

    texts = ["The government said on Monday it would raise taxes.", "Government on Monday said it raise would taxes the."]
    signal = FluencySignal(Settings())
    results = signal.run(sentences_of(texts), SignalContext(settings=Settings()))
    assert set(results[0].features) == {f"fluency.{k}" for k in FEATURES}
    assert results[1].features["fluency.mean"] > results[0].features["fluency.mean"]
    again = signal.run(sentences_of(texts), SignalContext(settings=Settings()))  # from the sentence cache
    assert again[0].features == pytest.approx(results[0].features)


def _seed(path: Path) -> tuple[Document, list[Sentence]]:
    try:
        from mtcheck.load import load_document
        from mtcheck.segment import segment

        document = load_document(str(path))
        return document, list(segment(document))
    except ImportError:  # the load/segment stages are written separately; keep this test independent
        text = path.read_text(encoding="utf-8")
        sentences = []
        for m in re.finditer(r"[^\n]+", text):
            for n in re.finditer(r".+?(?:(?<!\d)[.!?](?=\s|$)|$)", m.group()):
                t = n.group().strip()
                if t:
                    start = m.start() + n.start() + n.group().index(t)
                    kind = "prose" if len(t.split()) >= 5 else "boilerplate"
                    sentences.append(Sentence(index=len(sentences), start=start, end=start + len(t), text=t, kind=kind))
        return Document(str(path), text, "text", "utf-8"), sentences


@pytest.mark.integration
def test_trained_detector_on_the_seed_articles(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path))
    from mtcheck.detect import UNWEIGHTED_NOTE, Detector

    detector = Detector(Settings())
    translated = detector.detect(*_seed(ROOT / "seeds" / "000_57608c29d3a128ea.txt"))
    original = detector.detect(*_seed(ROOT / "seeds" / "002_81b0083cd9f1a0ed.txt"))
    prose = [f for f in translated.findings if f.sentence.kind == "prose"]
    # Measured with the committed model: 15 of 15 in context (6 of 15 alone); see the 80% target below.
    assert sum(f.flagged for f in prose) / len(prose) >= 0.8
    assert sum(f.flagged for f in original.findings if f.sentence.kind == "prose") <= 1
    assert translated.score > 0.9 > original.score
    assert all(f.reasons for f in prose if f.flagged)  # every flagged sentence is explained
    # A rule the model has no weight for yet (added since it was trained) is shown at weight 0, marked.
    assert all(r.weight > 0 or UNWEIGHTED_NOTE in r.message for f in prose for r in f.reasons)
    inversion = next(f for f in prose if "As reports Reuters" in f.sentence.text)
    # The article's context is one reason among the others, ordered by contribution; the sentence's
    # own strongest reason is still the inversion.
    own = [r for r in inversion.reasons if r.source != "document"]
    assert own[0].rule_id == "reporting-inversion" and own[0].suggestions == ("As Reuters reports",)
    assert any(r.rule_id == "translated-context" for r in inversion.reasons)
    assert not any(r.source == "document" for f in original.findings for r in f.reasons)


@pytest.mark.integration
def test_profile_ngrams_are_masked_and_normalised():
    from mtcheck.detect.signals.profile import ProfileSignal

    texts = ["Sergei Ryabkov said on Tuesday that 15 diplomats would leave Moscow."]
    features = ProfileSignal(Settings()).run(sentences_of(texts), SignalContext(settings=Settings()))[0].features
    grams = {k.removeprefix("profile.ng."): v for k, v in features.items() if k.startswith("profile.ng.")}
    assert "PROPN" in grams and "NUM" in grams and "said" not in grams and "VBD" in grams
    assert not any(w in " ".join(grams) for w in ("Ryabkov", "Moscow", "15", "diplomats"))
    assert sum(v * v for v in grams.values()) == pytest.approx(1.0, abs=1e-4)


@pytest.mark.integration
def test_embedding_signal_masks_names_and_numbers():
    from mtcheck.detect.signals.embedding import DIMENSIONS, EmbeddingSignal, masked_text
    from mtcheck.detect.signals.profile import parse

    assert masked_text(parse(["Sergei Ryabkov met 15 envoys in Geneva."])[0]) == "X X met N envoys in X ."
    texts = ["Sergei Ryabkov met 15 envoys in Geneva.", "Boris Johnson met 40 envoys in London."]
    results = EmbeddingSignal(Settings()).run(sentences_of(texts), SignalContext(settings=Settings()))
    assert len(results) == 2 and len(results[0].features) == DIMENSIONS
    # Same phrasing, different names and numbers: the same masked sentence, the same vector.
    assert results[0].features == results[1].features


@pytest.mark.integration
def test_seed_000_meets_the_recall_target(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path))
    from mtcheck.detect import Detector

    prose = [f for f in Detector(Settings()).detect(*_seed(ROOT / "seeds" / "000_57608c29d3a128ea.txt")).findings if f.sentence.kind == "prose"]
    assert sum(f.flagged for f in prose) / len(prose) >= 0.8


@pytest.mark.integration
def test_parse_cache_overflow_keeps_every_text_of_the_call(monkeypatch):
    from mtcheck.detect.signals import profile

    monkeypatch.setattr(profile, "_PARSED_MAX", 3)
    monkeypatch.setattr(profile, "_PARSED", {})
    profile.parse(["The talks ended.", "Prices rose."])
    docs = profile.parse(["The talks ended.", "Oil fell.", "Gold rose."])
    assert [d.text for d in docs] == ["The talks ended.", "Oil fell.", "Gold rose."]
