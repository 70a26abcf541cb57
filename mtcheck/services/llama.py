"""GGUF models in llama.cpp (llama-cpp-python), one ``Llama`` per file and mode per process.

The rewriter backend and the fluency language model both load through here, so a model is
never held twice and every one is closed before interpreter teardown.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any

from mtcheck.errors import ModelError
from mtcheck.services.modelstore.store import fix_for_model

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
                raise ModelError(f"GGUF model not found: {path}", fix=fix_for_model(path))
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
                raise ModelError(f"cannot load GGUF model {path}: {err}", fix=fix_for_model(path)) from None
        return _models[key]
