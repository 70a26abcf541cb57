"""Fluency: per-token surprisal statistics under a small English language model (SmolLM2-135M).

Machine translation tends to be either unusually predictable (safe, literal word choices) or
locally odd (a calque the model does not expect), so the distribution of token surprisals —
mean, max, spread, quantiles — separates it from native copy. The model is loaded once per
process (mtcheck/services/fluency_lm.py, shared with rewrite verification); llama.cpp is used
when installed, transformers otherwise.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult
from mtcheck.registry import signals
from mtcheck.services.fluency_lm import fluency_model_path, surprisal_model
from mtcheck.types import Sentence

FEATURES = ("mean", "max", "std", "q50", "q90", "first", "n_tokens_log")
_LOCK = threading.Lock()


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


@signals.register("fluency")
class FluencySignal:
    name = "fluency"
    # A language model's pass per sentence: too costly to run unweighted, and slow to train on.
    contract = Contract(
        default=False, model_role="fluency", training_per_group=100,
        summary_reason=("unusual-wording", "The wording is statistically unusual for English news (word choices a native writer rarely makes)."),
    )

    def __init__(self, settings: Settings):
        self.settings = settings

    def source_files(self) -> list[str]:
        return []  # its output depends on this module's code alone

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        path = Path(fluency_model_path())
        cache = _Cache(path) if self.settings.cache else None
        texts = [s.text.strip() for s in sentences]
        known = cache.get(texts) if cache else {}
        todo = [t for t in dict.fromkeys(texts) if t not in known]
        if todo:
            model = surprisal_model(str(path))
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
