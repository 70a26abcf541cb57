"""Local model directories and hub ids through transformers: chat/causal models and seq2seq
editors (T5, Marian, CoEdIT-style), which take the bare sentence behind a task prefix."""

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

DEFAULT_SEQ2SEQ_PREFIX = "Make this text fluent: "


def _identity(location: str) -> str:
    path = Path(location)
    if not path.is_dir():
        return location  # a hub id names its weights well enough (with a revision if the user pins one)
    weights = sorted(p for p in path.iterdir() if p.suffix in (".safetensors", ".bin"))
    return f"{path.name}:" + ",".join(file_fingerprint(p) for p in weights)


@backends.register("transformers")
class TransformersBackend:
    def __init__(self, settings: Settings, model: str | None = None):
        options = settings.rewrite_config
        self.location = model or options.transformers_model or resolve_rewriter_model(settings, None)
        if str(self.location).endswith(".gguf"):
            raise ModelError(f"the transformers backend needs a model directory or hub id, got {self.location}",
                             fix="use --backend llama_cpp for .gguf files")
        self.prefix = options.seq2seq_prefix
        self.model_id = f"transformers:{_identity(str(self.location))}"
        self._model: Any = None
        self._tokenizer: Any = None
        self.seq2seq = False
        self.lock = threading.Lock()

    def _load(self) -> None:
        if self._model is not None:
            return
        from mtcheck.services.embedder import quiet_transformers

        quiet_transformers()
        offline = os.environ.get("HF_HUB_OFFLINE") == "1" or Path(self.location).is_dir()
        try:
            from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

            config = AutoConfig.from_pretrained(self.location, local_files_only=offline)
            self.seq2seq = bool(getattr(config, "is_encoder_decoder", False))
            loader = AutoModelForSeq2SeqLM if self.seq2seq else AutoModelForCausalLM
            self._tokenizer = AutoTokenizer.from_pretrained(self.location, local_files_only=offline)
            self._model = loader.from_pretrained(self.location, local_files_only=offline).eval()
        except Exception as err:
            raise ModelError(f"cannot load transformers model {self.location}: {err}",
                             fix="point [tool.mtcheck.rewrite] transformers_model at a local model directory") from None

    def _inputs(self, prompt: ChatPrompt) -> str:
        if self.seq2seq:
            return self.prefix + prompt.sentence
        tokenizer = self._tokenizer
        if getattr(tokenizer, "chat_template", None):
            return tokenizer.apply_chat_template(prompt.messages(), tokenize=False, add_generation_prompt=True)
        return f"{prompt.system}\n\n{prompt.user}\n\nRewritten sentence:"

    def generate(
        self, prompts: Sequence[ChatPrompt], n: int = 1, temperature: float = 0.0, max_tokens: int = 96, seed: int = 0
    ) -> list[list[str]]:
        import torch

        with self.lock:
            self._load()
            out = []
            for prompt in prompts:
                text = self._inputs(prompt)
                encoded = self._tokenizer(text, return_tensors="pt", truncation=True, max_length=1024)
                torch.manual_seed(seed)
                sample = temperature > 0 or n > 1
                kwargs: dict[str, Any] = {"max_new_tokens": max_tokens, "num_return_sequences": n, "do_sample": sample}
                if sample:
                    kwargs["temperature"] = temperature or 0.7
                else:
                    kwargs["num_beams"] = 1
                pad = self._tokenizer.pad_token_id
                if pad is None:
                    pad = self._tokenizer.eos_token_id
                try:
                    with torch.no_grad():
                        generated = self._model.generate(**encoded, pad_token_id=pad, **kwargs)
                except Exception as err:
                    raise ModelError(f"transformers generation failed: {err}") from None
                if not self.seq2seq:
                    generated = generated[:, encoded["input_ids"].shape[1]:]
                out.append(self._tokenizer.batch_decode(generated, skip_special_tokens=True))
            return out
