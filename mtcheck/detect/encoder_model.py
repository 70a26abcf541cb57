"""The fine-tuned sentence encoder: MiniLM (from the model store) + a LoRA adapter + a linear head.

Shared by its training (:mod:`mtcheck.detect.encoder_train`) and the ``encoder`` detection signal.
The encoder reads a sentence as the ``style`` signal's masked view (:func:`masked_words`: names,
numbers and topic words replaced by their category, common words kept), so it learns how a
sentence is put together, not what it is about. What is learned is small and committed under
``mtcheck/resources/detector/encoder/``:

* ``adapter_config.json`` and ``adapter_model.safetensors``: the LoRA adapter (peft's format);
* ``head.safetensors``: the classification head over the mean-pooled token states;
* ``encoder.json``: the settings the files were trained with (base model, masking, maximum length,
  LoRA shape), the calibration (log-odds = a * raw + b, fitted on held-out training documents),
  the validation figures, and the SHA-256 of every other file, checked before the files are used
  (a mismatch is a :class:`~mtcheck.errors.ModelError`, exit code 3).

The base weights are never stored here: they come from the model store (role ``embedder``).
Heavy imports (torch, transformers, peft) happen inside functions only.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from mtcheck.errors import ModelError

if TYPE_CHECKING:
    import numpy as np

MANIFEST = "encoder.json"
ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")
HEAD_FILE = "head.safetensors"
FORMAT = 1
MAX_LENGTH = 64  # wordpieces; a masked news sentence is rarely longer
BATCH = 64
FIX = "reinstall mtcheck, or rebuild the files with `mtcheck train --encoder`"
_lock = threading.Lock()


def packaged_dir() -> Path:
    return Path(str(resources.files("mtcheck") / "resources" / "detector" / "encoder"))


def encoder_dir(model_path: str | None) -> Path:
    """The encoder files that go with a detector model file: the ``encoder/`` folder beside it
    (``mtcheck train --encoder --out DIR`` writes ``DIR/encoder/``); the packaged one by default."""
    return Path(model_path).parent / "encoder" if model_path else packaged_dir()


def masked_words(doc) -> tuple[list[str], list[tuple[int, int]]]:
    """The ``style`` signal's masked view of a parsed sentence (its ``s:`` tokens) and the character
    span of the word each masked token stands for."""
    from mtcheck.detect.signals.style import masked_views

    _, mixed, tokens = masked_views(doc)
    return mixed, [(t.idx, t.idx + len(t.text)) for t in tokens]


def masked_sentences(texts: Sequence[str]) -> list[tuple[list[str], list[tuple[int, int]]]]:
    from mtcheck.detect.signals.profile import parse

    return [masked_words(doc) for doc in parse(list(texts))]


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_manifest(folder: Path) -> dict:
    """``encoder.json`` after checking every file it names against its recorded SHA-256."""
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"the encoder files are missing: no {path}", fix=FIX) from None
    except (OSError, ValueError) as err:
        raise ModelError(f"cannot read {path}: {err}", fix=FIX) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or not isinstance(manifest.get("files"), dict):
        raise ModelError(f"{path} is not an encoder manifest of format {FORMAT}", fix=FIX)
    for name in (*ADAPTER_FILES, HEAD_FILE):
        expected = manifest["files"].get(name)
        file = folder / name
        if not file.is_file():
            raise ModelError(f"the encoder file {file} is missing", fix=FIX)
        if expected is None or sha256_of(file) != expected:
            raise ModelError(f"the encoder file {file} does not match its SHA-256 in {MANIFEST} (corrupt or changed)", fix=FIX)
    return manifest


def build_module(base_path: str, lora: dict, adapter_dir: Path | None = None):
    """The torch module: the base encoder with a LoRA adapter (fresh, or loaded from
    ``adapter_dir``) and a linear head over mean-pooled token states.

    The adapter sits in the top layers only (``lora["layers_to_transform"]``), so the layers below
    are the base model's own: :meth:`lower` runs them, :meth:`upper` the adapted layers and the
    head. Training computes ``lower`` once per sentence and trains ``upper`` only, which on two
    shared cores is what makes training fit in half an hour."""
    import torch
    from peft import LoraConfig, PeftModel, get_peft_model
    from transformers import AutoModel
    from transformers.masking_utils import create_bidirectional_mask

    from mtcheck.services.embedder import quiet_transformers

    quiet_transformers()
    base = AutoModel.from_pretrained(base_path)
    encoder: Any  # a peft model; its base model's layers are reached by name, which the stubs do not type
    if adapter_dir is None:
        encoder = get_peft_model(base, LoraConfig(**lora))
    else:
        encoder = PeftModel.from_pretrained(base, str(adapter_dir))
    split = min(lora.get("layers_to_transform") or [0])

    class EncoderClassifier(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(lora.get("lora_dropout", 0.1))
            self.head = torch.nn.Linear(base.config.hidden_size, 1)

        def _layers(self, hidden, attention_mask, layers):
            mask = create_bidirectional_mask(config=base.config, inputs_embeds=hidden, attention_mask=attention_mask)
            for layer in layers:
                hidden = layer(hidden, mask)
            return hidden

        def lower(self, input_ids, attention_mask):
            """The token states entering the first adapted layer."""
            bert: Any = self.encoder.get_base_model()
            return self._layers(bert.embeddings(input_ids=input_ids), attention_mask, bert.encoder.layer[:split])

        def upper(self, hidden, attention_mask):
            """The head's raw output from the token states :meth:`lower` returned."""
            bert: Any = self.encoder.get_base_model()
            states = self._layers(hidden, attention_mask, bert.encoder.layer[split:])
            mask = attention_mask.unsqueeze(-1).to(states.dtype)
            pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(self.dropout(pooled)).squeeze(-1)

        def forward(self, input_ids, attention_mask):
            return self.upper(self.lower(input_ids, attention_mask), attention_mask)

    return EncoderClassifier()


def tokenize(tokenizer, word_lists: Sequence[Sequence[str]], max_length: int = MAX_LENGTH):
    # Empty sentences (punctuation only) still get [CLS] [SEP].
    return tokenizer([list(w) or ["."] for w in word_lists], is_split_into_words=True, truncation=True,
                     max_length=max_length, padding=True, return_tensors="pt")


@dataclass(frozen=True)
class Calibration:
    a: float = 1.0
    b: float = 0.0

    def apply(self, raw: float) -> float:
        return self.a * raw + self.b


class EncoderScorer:
    """The trained encoder, ready to score masked sentences (calibrated log-odds of "translated")."""

    def __init__(self, folder: Path, location: str) -> None:
        """``location``: the directory of the base MiniLM (the model store's embedder)."""
        import torch
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        self.manifest = read_manifest(folder)
        self.max_length = int(self.manifest.get("max_length", MAX_LENGTH))
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(location)
            self.module = build_module(location, self.manifest["lora"], adapter_dir=folder)
            self.module.head.load_state_dict(load_file(str(folder / HEAD_FILE)))
        except ModelError:
            raise
        except Exception as err:  # a base model or adapter the libraries cannot read
            raise ModelError(f"cannot load the encoder from {folder} on {location}: {type(err).__name__}: {err}", fix=FIX) from None
        self.module.eval()
        calibration = self.manifest.get("calibration", {})
        self.calibration = Calibration(float(calibration.get("a", 1.0)), float(calibration.get("b", 0.0)))
        self.threshold_logodds = float(self.manifest.get("explain_from_logodds", 0.0))
        self._torch = torch

    def raw(self, word_lists: Sequence[Sequence[str]], batch: int = BATCH) -> "np.ndarray":
        """Uncalibrated head outputs, in batches of similar length (less padding)."""
        import numpy as np

        from mtcheck.services.embedder import one_thread

        torch = self._torch
        order = sorted(range(len(word_lists)), key=lambda i: len(word_lists[i]))
        out = np.zeros(len(word_lists), dtype=float)
        # One thread, as the embedder: MiniLM-sized passes lose more to thread hand-offs than they gain.
        with _lock, one_thread(), torch.inference_mode():
            for start in range(0, len(order), batch):
                chunk = order[start : start + batch]
                enc = tokenize(self.tokenizer, [word_lists[i] for i in chunk], self.max_length)
                out[chunk] = self.module(enc["input_ids"], enc["attention_mask"]).float().numpy()
        return out

    def logodds(self, word_lists: Sequence[Sequence[str]]) -> list[float]:
        return [self.calibration.apply(float(v)) for v in self.raw(word_lists)] if word_lists else []

    def occlusion(self, words: Sequence[str]) -> list[float]:
        """For each masked word: how much the calibrated log-odds fall when it is left out."""
        if not words:
            return []
        variants = [list(words)] + [list(words[:i]) + list(words[i + 1 :]) for i in range(len(words))]
        scores = self.logodds(variants)
        return [scores[0] - s for s in scores[1:]]


def base_location(settings=None) -> str:
    """The base MiniLM's directory (the model store's embedder, with the user's settings)."""
    from mtcheck.services.embedder import embedder_location

    kind, location = embedder_location(settings)
    if kind == "hub":
        raise ModelError("the encoder needs the MiniLM base model on disk", fix="mtcheck models pull embedder")
    return location


@lru_cache(maxsize=2)
def _load(folder: str, location: str) -> EncoderScorer:
    return EncoderScorer(Path(folder), location)


def load_scorer(folder: Path, settings=None) -> EncoderScorer:
    """The scorer for ``folder``, loaded once per process (per folder and base model)."""
    read_manifest(folder)  # cheap (a few MB hashed): a file changed since the last load is still caught
    return _load(str(folder), base_location(settings))
