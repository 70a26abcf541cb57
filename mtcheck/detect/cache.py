"""The detect stage's feature cache: what the signals return for a batch of sentence texts.

The cache holds the signals' features and reasons, before the classifier: the threshold, the
severity bands and the classifier's weights are applied afterwards, so they are not part of the
key. The key is the detector's signature (``detect.signature.detector_signature``: the signals, their
code and ``source_files()``, the models and services they run on) and the texts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Sequence

from mtcheck.config import cache_dir
from mtcheck.types import Reason, Sentence

# Per sentence: its features and its reasons (offsets into the document).
Signals = list[tuple[dict[str, float], list[Reason]]]


class FeatureCache:
    def __init__(self, signature: str, enabled: bool = True):
        self.signature = signature
        self.enabled = enabled

    def key(self, sentences: Sequence[Sentence]) -> str:
        h = hashlib.sha256()
        h.update(self.signature.encode())
        for s in sentences:
            h.update(b"\0" + s.text.encode("utf-8"))
        return h.hexdigest()

    def path(self, sentences: Sequence[Sentence]) -> Path:
        return cache_dir() / "detect" / f"{self.key(sentences)}.json"

    def get(self, sentences: Sequence[Sentence]) -> Signals | None:
        if not self.enabled:
            return None
        try:
            data = json.loads(self.path(sentences).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        out: Signals = []
        for s, item in zip(sentences, data):
            reasons = [
                Reason(**{**r, "start": s.start + r["start"], "end": s.start + r["end"], "suggestions": tuple(r["suggestions"])})
                for r in item["reasons"]
            ]
            out.append((item["features"], reasons))
        return out if len(out) == len(sentences) else None

    def put(self, sentences: Sequence[Sentence], results: Signals) -> None:
        if not self.enabled:
            return
        data = [
            {"features": features,
             "reasons": [{**dataclasses.asdict(r), "start": r.start - s.start, "end": r.end - s.start} for r in reasons]}
            for s, (features, reasons) in zip(sentences, results)
        ]
        path = self.path(sentences)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache only costs speed
