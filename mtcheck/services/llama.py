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

_models: dict[tuple[str, int, bool, int], Any] = {}
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


def load_llama(path: str, n_ctx: int = 2048, n_threads: int = 2, logits_all: bool = False, prompt_lookup: int = 0) -> Any:
    """One ``Llama`` per (file, context size, logits mode, prompt lookup) per process: loading costs seconds.

    ``prompt_lookup`` > 0 drafts that many tokens by n-gram lookup in the prompt
    (``LlamaPromptLookupDecoding``): a rewrite mostly copies its input, so most drafts are accepted
    and one forward pass yields several tokens."""
    key = (str(Path(path).resolve()), n_ctx, logits_all, prompt_lookup)
    with _load_lock:
        if key not in _models:
            if not Path(path).is_file():
                raise ModelError(f"GGUF model not found: {path}", fix=fix_for_model(path))
            try:
                from llama_cpp import Llama
            except ImportError:
                raise ModelError("llama-cpp-python is not installed", fix="make python") from None
            draft = None
            if prompt_lookup > 0:
                from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

                draft = LlamaPromptLookupDecoding(num_pred_tokens=prompt_lookup)
            try:
                # Drafted tokens are checked against the logits of every position, so llama-cpp-python
                # needs logits_all with a draft model (it sizes its score buffer by the argument).
                _models[key] = Llama(
                    model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
                    logits_all=logits_all or draft is not None, seed=0, verbose=False, draft_model=draft,
                )
            except Exception as err:  # a corrupt or truncated file: llama.cpp says only "failed to load"
                raise ModelError(f"cannot load GGUF model {path}: {err}", fix=fix_for_model(path)) from None
            if draft is not None and not logits_all:
                _last_logits_for_prompts(_models[key], prompt_lookup + 1)
        return _models[key]


def _last_logits_for_prompts(llama: Any, draft_batch: int) -> None:
    """With a draft model llama-cpp-python asks llama.cpp for the logits of every token it evaluates,
    the prompt's included: ~1,000 system-prompt tokens times a 150k vocabulary is seconds of work
    and hundreds of MB that nothing reads (sampling after a prompt reads only its last logits). A
    batch longer than a token plus its drafts is a prompt: it is evaluated with the last logits only."""
    evaluate = llama.eval

    def eval_prompt_cheaply(tokens: Any) -> None:
        llama._logits_all = len(tokens) <= draft_batch
        try:
            evaluate(tokens)
        finally:
            llama._logits_all = True

    llama.eval = eval_prompt_cheaply


def chat_template_ids(llama: Any, messages: list[dict[str, str]]) -> list[int] | None:
    """The tokens llama-cpp-python's chat handler evaluates for ``messages``, up to where the
    assistant's answer starts, by the GGUF's own chat template, without evaluating them; None when
    the file has no usable template."""
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        model = llama._model
        eos, bos = llama.token_eos(), llama.token_bos()
        formatter: Any = Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=model.token_get_text(eos) if eos >= 0 else "",
            bos_token=model.token_get_text(bos) if bos >= 0 else "",
        )
        result = formatter(messages=messages)
        return [int(t) for t in llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special,
                                               special=True)]
    except Exception:
        return None
