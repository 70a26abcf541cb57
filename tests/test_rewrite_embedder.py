"""The shared MiniLM embedder (mtcheck/services/embedder.py): store first, package fallback,
one torch thread while encoding, and the rewrite verifier using it."""

from __future__ import annotations

import pytest

from mtcheck.config import Settings
from mtcheck.services import embedder


def test_store_location_wins(monkeypatch):
    monkeypatch.setattr(embedder, "_store_location", lambda settings: ("sentence-transformers", "/models/mine"))
    assert embedder.embedder_location(Settings()) == ("sentence-transformers", "/models/mine")


def test_package_directory_only_when_the_store_has_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(embedder, "_store_location", lambda settings: None)
    monkeypatch.setattr(embedder, "_package_path", lambda: tmp_path)
    assert embedder.embedder_location(Settings()) == ("sentence-transformers", str(tmp_path))


def test_offline_without_any_embedder_is_a_model_error(monkeypatch):
    from mtcheck.errors import ModelError

    monkeypatch.setattr(embedder, "_store_location", lambda settings: None)
    monkeypatch.setattr(embedder, "_package_path", lambda: None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError):
        embedder.embedder_location(Settings())


@pytest.mark.integration
def test_real_embedder_similarities_and_thread_setting_restored():
    import torch

    before = torch.get_num_threads()
    model = embedder.Embedder(Settings())
    close, far = model.similarities([
        ("The rebels will be able to leave the city within 48 hours.", "Within 48 hours the rebels can leave the city."),
        ("The rebels will be able to leave the city within 48 hours.", "Oil prices rose sharply in Asian trading."),
    ])
    assert close > 0.8 > 0.3 > far
    assert torch.get_num_threads() == before


@pytest.mark.integration
def test_rewrite_stage_uses_the_shared_loader():
    from mtcheck.rewrite.verify import Verifier

    (value,) = Verifier(Settings()).similarity([("The talks ended.", "The talks ended.")])
    assert value == pytest.approx(1.0, abs=1e-4)
    assert embedder.load_embedder.cache_info().currsize >= 1
