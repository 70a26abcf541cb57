"""GGUF models through llama-cpp-python: the default backend, fully local and deterministic."""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any, Sequence

from mtcheck.config import Settings
from mtcheck.errors import ModelError
from mtcheck.registry import backends
from mtcheck.rewrite.backends.base import file_fingerprint, resolve_rewriter_model, rewrite_section
from mtcheck.rewrite.prompt import ChatPrompt

_models: dict[tuple[str, int, bool], Any] = {}
_load_lock = threading.Lock()


def _close_all() -> None:
    # Free the models while llama_cpp is still importable: left to interpreter teardown,
    # its finalizers run after the library's globals are gone and print a traceback.
    with _load_lock:
        for model in _models.values():
            try:
                model.close()
            except Exception:
                pass
        _models.clear()


atexit.register(_close_all)


def load_llama(path: str, n_ctx: int = 2048, n_threads: int = 2, logits_all: bool = False) -> Any:
    """One ``Llama`` per (file, context size, logits mode) per process: loading costs seconds."""
    key = (str(Path(path).resolve()), n_ctx, logits_all)
    with _load_lock:
        if key not in _models:
            if not Path(path).is_file():
                raise ModelError(f"GGUF model not found: {path}", fix="mtcheck models pull")
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelError("llama-cpp-python is not installed", fix="make python") from None
            try:
                _models[key] = Llama(
                    model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                    logits_all=logits_all, seed=0, verbose=False,
                )
            except Exception as err:  # a corrupt or truncated file: llama.cpp says only "failed to load"
                raise ModelError(f"cannot load GGUF model {path}: {err}", fix="mtcheck models pull") from None
        return _models[key]


@backends.register("llama_cpp")
class LlamaCppBackend:
    """Chat completion with the chat template stored in the GGUF file."""

    def __init__(self, settings: Settings, model: str | None = None):
        options = rewrite_section(settings)
        self.path = resolve_rewriter_model(settings, model)
        if not Path(self.path).is_file():
            raise ModelError(f"the llama_cpp backend needs a .gguf file, got {self.path}", fix="mtcheck models pull")
        self.n_ctx = int(options.get("n_ctx", 2048))
        self.n_threads = int(options.get("n_threads", 2))
        self.model_id = f"llama_cpp:{Path(self.path).name}:{file_fingerprint(Path(self.path))}"
        self.lock = threading.Lock()  # one llama context cannot serve two threads at once
        self._prefixes: dict[str, list[int]] = {}  # system prompt -> its pinned token prefix

    @property
    def llama(self) -> Any:
        return load_llama(self.path, self.n_ctx, self.n_threads)

    def generate(
        self, prompts: Sequence[ChatPrompt], n: int = 1, temperature: float = 0.0, max_tokens: int = 96, seed: int = 0
    ) -> list[list[str]]:
        llama = self.llama
        out: list[list[str]] = []
        for prompt in prompts:
            texts = []
            for i in range(n):
                # With n > 1 the extra samples need some temperature, or they repeat the first one.
                temp = temperature if (i == 0 or temperature > 0) else 0.7
                with self.lock:
                    try:
                        self._pin_prefix(llama, prompt)
                        result = llama.create_chat_completion(
                            messages=prompt.messages(), temperature=temp, top_p=1.0 if temp == 0 else 0.95,
                            top_k=1 if temp == 0 else 40, max_tokens=max_tokens, seed=seed + i,
                        )
                    except Exception as err:
                        raise ModelError(f"llama.cpp generation failed: {err}") from None
                texts.append(result["choices"][0]["message"]["content"] or "")
            out.append(texts)
        return out

    # llama.cpp reuses the longest cached token prefix of the previous prompt and evaluates the
    # rest in one batch; logits from a batch of another size differ in the last bits, which
    # flips near-ties at temperature 0. So the same prompt gave different answers depending on
    # what came before it. Every prompt is therefore evaluated from one fixed boundary (the end of
    # the shared system message, evaluated alone once): deterministic, and the system message is
    # still computed only once per process.
    def _pin_prefix(self, llama: Any, prompt: ChatPrompt) -> None:
        prefix = self._prefixes.get(prompt.system)
        if prefix is None:
            prefix = self._prefixes[prompt.system] = self._learn_prefix(llama, prompt)
        k = len(prefix)
        if not k:
            llama.reset()  # no boundary found: evaluate the whole prompt every time
        elif llama.n_tokens >= k and list(llama.input_ids[:k]) == prefix:
            llama.n_tokens = k
        else:
            llama.reset()
            llama.eval(prefix)

    @staticmethod
    def _learn_prefix(llama: Any, prompt: ChatPrompt) -> list[int]:
        """The prompt's tokens up to the end of its system message (less one token, which may merge
        with what the chat template puts after it)."""
        llama.reset()
        llama.create_chat_completion(messages=prompt.messages(), max_tokens=1, temperature=0.0, top_k=1)
        ids = [int(t) for t in llama.input_ids[: llama.n_tokens]]
        llama.reset()  # the pinned prefix is then evaluated alone, as it will be in every process
        system = llama.tokenize(prompt.system.encode("utf-8"), add_bos=False, special=False)[:-1]
        for start in range(len(ids) - len(system) + 1):
            if system and ids[start:start + len(system)] == system:
                return ids[: start + len(system)]
        return []
