"""Generated text cached on disk by (model, prompt version, sentence, context, parameters).

Only the expensive step is cached (the model's output); verification reruns, so a new
detector or threshold applies to cached generations too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from mtcheck.config import cache_dir


class GenerationCache:
    def __init__(self, root: Path | None = None, enabled: bool = True):
        self.root = root or cache_dir() / "rewrite"
        self.enabled = enabled

    @staticmethod
    def key(**parts: Any) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> list[str] | None:
        if not self.enabled:
            return None
        try:
            value = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None

    def put(self, key: str, texts: list[str]) -> None:
        if not self.enabled:
            return
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache only costs speed
