"""The interface every rewrite backend implements, and how one is chosen from settings.

A backend turns chat prompts into text. It is deterministic by default (temperature 0,
fixed seed) so that the cache and the tests see the same output on every run; ``model_id``
names the exact weights, so the cache never serves one model's output for another.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol, Sequence

from mtcheck.config import Settings
from mtcheck.errors import InputError, ModelError
from mtcheck.registry import backends
from mtcheck.rewrite.prompt import ChatPrompt

assert backends.default is not None  # the backend registry is declared with a default
DEFAULT_BACKEND: str = backends.default  # named once, in mtcheck/registry.py


class Backend(Protocol):
    model_id: str

    def generate(
        self, prompts: Sequence[ChatPrompt], n: int = 1, temperature: float = 0.0, max_tokens: int = 96, seed: int = 0
    ) -> list[list[str]]:
        """``n`` completions per prompt, in order."""
        ...


def file_fingerprint(path: Path) -> str:
    """Cheap identity of a large weights file: name, size and hashes of its head and tail."""
    size = path.stat().st_size
    digest = hashlib.sha256(f"{path.name}:{size}".encode())
    with path.open("rb") as fh:
        digest.update(fh.read(1 << 20))
        if size > 1 << 20:
            fh.seek(max(0, size - (1 << 20)))
            digest.update(fh.read(1 << 20))
    return digest.hexdigest()[:16]


def resolve_rewriter_model(settings: Settings, explicit: str | None = None) -> str:
    """The rewriter weights: an explicit path/id, ``[tool.mtcheck.rewrite] model``, or the model store."""
    chosen = explicit or settings.rewrite_config.model or os.environ.get("MTCHECK_REWRITE_MODEL")
    if chosen:
        return str(chosen)
    try:
        from mtcheck.services.modelstore import ModelStore
    except ImportError:
        raise ModelError("the model store is not available to find the rewriter model", fix="make models") from None
    try:
        return str(ModelStore.default(settings).path("rewriter"))
    except ModelError:
        raise
    except Exception as err:
        raise ModelError(f"the rewriter model is not assembled: {err}", fix="mtcheck models pull") from None


def load_backend(settings: Settings, name: str | None = None, model: str | None = None) -> Backend:
    chosen = name or settings.rewrite_config.backend or os.environ.get("MTCHECK_BACKEND") or DEFAULT_BACKEND
    try:
        factory = backends.get(chosen)
    except KeyError as err:
        known = backends.names()
        raise InputError(str(err).strip('"'), fix=f"use --backend {', '.join(known[:-1])} or {known[-1]}") from None
    return factory(settings, model=model)
