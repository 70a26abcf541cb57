"""GGUF models through llama-cpp-python: the default backend, fully local and deterministic."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, Sequence

from mtcheck.config import Settings
from mtcheck.errors import ModelError
from mtcheck.registry import backends
from mtcheck.rewrite.backends.base import file_fingerprint, resolve_rewriter_model
from mtcheck.rewrite.prompt import ChatPrompt
from mtcheck.services.llama import chat_template_ids, load_llama
from mtcheck.services.modelstore.store import fix_for_model

# The folder beside the models where `mtcheck models prepare` keeps the evaluated system prompt.
PROMPT_STATE_DIR = "prompt-state"

@backends.register("llama_cpp")
class LlamaCppBackend:
    """Chat completion with the chat template stored in the GGUF file."""

    def __init__(self, settings: Settings, model: str | None = None):
        options = settings.rewrite_config
        self.path = resolve_rewriter_model(settings, model)
        if not Path(self.path).is_file():
            raise ModelError(f"the llama_cpp backend needs a .gguf file, got {self.path}", fix=fix_for_model(self.path))
        self.n_ctx = options.n_ctx
        self.n_threads = options.n_threads
        self.prompt_lookup = options.prompt_lookup
        self.settings = settings
        # Drafted tokens are verified in batches whose logits differ in the last bits: a near-tie may
        # flip, so answers with and without prompt lookup are cached apart.
        self.model_id = (f"llama_cpp:{Path(self.path).name}:{file_fingerprint(Path(self.path))}"
                         + (f":pld{self.prompt_lookup}" if self.prompt_lookup else ""))
        self.lock = threading.Lock()  # one llama context cannot serve two threads at once
        self._prefixes: dict[str, list[int]] = {}  # system prompt -> its pinned token prefix
        self._last: tuple[str, str] | None = None  # the prompt evaluated last
        self.persist_prefix = options.persist_prefix and settings.cache

    @property
    def llama(self) -> Any:
        return load_llama(self.path, self.n_ctx, self.n_threads, prompt_lookup=self.prompt_lookup)

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
                        # A greedy answer is always evaluated from the pinned prefix (deterministic);
                        # a sample of the prompt evaluated just before reuses it whole, so extra
                        # candidates cost only their own tokens.
                        if temp == 0 or self._last != (prompt.system, prompt.user):
                            self._pin_prefix(llama, prompt)
                        self._last = (prompt.system, prompt.user)
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
        elif not self._restore_prefix(llama, prefix):
            llama.reset()
            llama.eval(prefix)
            self._save_prefix(llama, prefix)

    # The system message (instructions and examples, ~1,000 tokens) takes ~15 s to evaluate on two
    # cores. Its llama.cpp state (~30 MB) is kept on disk, keyed by the model and the exact tokens,
    # so only the first process ever pays for it; a missing, stale or corrupt file is evaluated again.
    def _state_path(self, prefix: list[int], directory: Path | None = None) -> Path:
        import hashlib
        import json

        from mtcheck.config import cache_dir

        try:
            from llama_cpp import __version__ as version
        except ImportError:  # pragma: no cover
            version = "?"
        # The model id without the prompt-lookup suffix: the state of the system prompt is the same.
        model = self.model_id.split(":pld")[0]
        key = hashlib.sha256(json.dumps([model, self.n_ctx, version, prefix]).encode()).hexdigest()[:32]
        return (directory or cache_dir() / "llama-prefix") / f"{key}.state"

    def _state_paths(self, prefix: list[int]) -> list[Path]:
        """Where a saved state may be: the user's cache, then the one ``mtcheck models prepare``
        left beside the models at set-up."""
        paths = [self._state_path(prefix)]
        try:
            from mtcheck.services.modelstore import ModelStore

            paths.append(self._state_path(prefix, ModelStore.default(self.settings).root / PROMPT_STATE_DIR))
        except Exception:
            pass
        return paths

    def prepare_prompt_state(self, system: str, directory: Path) -> Path:
        """Evaluate the system message ``system`` once and save its state in ``directory``."""
        llama = self.llama
        prompt = ChatPrompt(system=system, user="x", sentence="x")
        prefix = self._prefixes.get(system) or self._learn_prefix(llama, prompt)
        self._prefixes[system] = prefix
        if not prefix:
            raise ModelError("the rewriter's chat template has no fixed system prefix to prepare")
        llama.reset()
        llama.eval(prefix)
        path = self._save_prefix(llama, prefix, directory)
        if path is None:
            raise ModelError(f"could not write the prompt state into {directory}")
        return path

    def _restore_prefix(self, llama: Any, prefix: list[int]) -> bool:
        if not self.persist_prefix:
            return False
        try:
            import ctypes

            import llama_cpp

            data = next((p.read_bytes() for p in self._state_paths(prefix) if p.is_file()), None)
            if data is None:
                return False
            llama.reset()
            buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
            if llama_cpp.llama_state_set_data(llama._ctx.ctx, buffer, len(data)) != len(data):
                return False
        except Exception:
            llama.reset()
            return False
        llama.input_ids[: len(prefix)] = prefix
        llama.n_tokens = len(prefix)
        return True

    def _save_prefix(self, llama: Any, prefix: list[int], directory: Path | None = None) -> Path | None:
        if not self.persist_prefix and directory is None:
            return None
        try:
            import ctypes

            import llama_cpp

            size = llama_cpp.llama_state_get_size(llama._ctx.ctx)
            buffer = (ctypes.c_uint8 * int(size))()
            n = int(llama_cpp.llama_state_get_data(llama._ctx.ctx, buffer, size))
            path = self._state_path(prefix, directory)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(bytes(buffer)[:n])
            tmp.replace(path)
            return path
        except Exception:
            return None  # a read-only cache only costs speed

    def _prompt_ids(self, llama: Any, prompt: ChatPrompt) -> list[int] | None:
        """The tokens ``create_chat_completion`` will evaluate for ``prompt``, without evaluating them."""
        return chat_template_ids(llama, prompt.messages())

    def _learn_prefix(self, llama: Any, prompt: ChatPrompt) -> list[int]:
        """The prompt's tokens up to the end of its system message (less one token, which may merge
        with what the chat template puts after it)."""
        ids = self._prompt_ids(llama, prompt)
        if ids is None:  # no usable template in the file: learn the tokens by evaluating once
            llama.reset()
            llama.create_chat_completion(messages=prompt.messages(), max_tokens=1, temperature=0.0, top_k=1)
            ids = [int(t) for t in llama.input_ids[: llama.n_tokens]]
            llama.reset()  # the pinned prefix is then evaluated alone, as it will be in every process
        system = llama.tokenize(prompt.system.encode("utf-8"), add_bos=False, special=False)[:-1]
        for start in range(len(ids) - len(system) + 1):
            if system and ids[start:start + len(system)] == system:
                return ids[: start + len(system)]
        return []
