"""Demonstrations for the editor prompt: how people corrected similar machine translations.

A desk that post-edits machine translation keeps its corrections; MLQE-PE is such a record (8,000
ru-en translations with minimal human post-edits). Shown the few nearest of them, a small model
sees what a correction of *this kind* of sentence looks like, instead of only the project's fixed
examples. The memory is a JSON-lines file the user names (``[rewrite] demonstrations``): the
package ships none, because post-edits belong to whoever wrote them.

Nearest is by MiniLM cosine similarity of the machine-translated side. The vectors of a memory are
computed once and kept in the cache, keyed by the file's bytes and the embedder.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mtcheck.errors import InputError

# Field pairs a memory row may use: MLQE-PE's and WMT's names, or the project's own example names.
FIELDS = (("mt_en", "ref_en"), ("translated", "fixed"), ("mt", "post_edit"))

# A demonstration shows a correction, not a new translation: rows whose edit rate is above this
# (MLQE-PE's ``hter``) were retranslated by their editor, and teach the model to rewrite freely.
MAX_EDIT_RATE = 0.4
MIN_WORDS, MAX_WORDS = 6, 45


@dataclass(frozen=True)
class Demonstration:
    translated: str
    edited: str


def _words(text: str) -> int:
    return len(text.split())


def usable(translated: str, edited: str, edit_rate: float | None = None) -> bool:
    """A pair worth showing: a real, small correction of a sentence-sized translation."""
    translated, edited = " ".join(translated.split()), " ".join(edited.split())
    if not translated or not edited or translated == edited:
        return False
    if edit_rate is not None and not 0 < edit_rate <= MAX_EDIT_RATE:
        return False
    n = _words(translated)
    if not (MIN_WORDS <= n <= MAX_WORDS and 0.7 <= _words(edited) / n <= 1.4):
        return False
    # A sentence of running text (not a heading or a fragment), corrected in its words, not only in
    # punctuation or capitals: that is what the model is asked to do.
    if not translated.endswith(_SENTENCE_ENDS) or translated.isupper():
        return False
    return _word_forms(translated) != _word_forms(edited)


_SENTENCE_ENDS = (".", "!", "?", "\"", "”", "»", ".)")


def _word_forms(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def read_memory(path: Path) -> list[Demonstration]:
    from mtcheck.jsonl import json_rows

    if not path.is_file():
        raise InputError(f"{path}: no such post-edit file", fix="name a JSON-lines file of (mt_en, ref_en) pairs in [rewrite] demonstrations")
    found: list[Demonstration] = []
    for row in json_rows(path, "post-edits"):
        for mt_field, edit_field in FIELDS:
            mt, edited = row.get(mt_field), row.get(edit_field)
            if isinstance(mt, str) and isinstance(edited, str):
                rate = row.get("hter")
                if usable(mt, edited, float(rate) if isinstance(rate, (int, float)) else None):
                    found.append(Demonstration(" ".join(mt.split()), " ".join(edited.split())))
                break
    if not found:
        raise InputError(f"{path}: no usable post-edits (pairs of {', '.join(f'{a}/{b}' for a, b in FIELDS)} that differ)")
    return list(dict.fromkeys(found))


class PostEditMemory:
    """The ``count`` nearest demonstrations of a sentence, at least ``min_similarity`` alike."""

    def __init__(self, path: str | Path, embedder: Any, count: int = 2, min_similarity: float = 0.3,
                 cache_root: Path | None = None):
        self.path = Path(path)
        self.embedder = embedder
        self.count = count
        self.min_similarity = min_similarity
        self.cache_root = cache_root
        self._rows: list[Demonstration] | None = None
        self._vectors: Any = None

    def _load(self) -> None:
        import numpy as np

        from mtcheck.config import cache_dir
        from mtcheck.fsutil import atomic_file

        rows = read_memory(self.path)
        digest = hashlib.sha256(self.path.read_bytes() + str(self.embedder.location).encode()).hexdigest()[:24]
        stored = (self.cache_root or cache_dir() / "demonstrations") / f"{digest}.npy"
        try:
            vectors = np.load(stored)
        except (OSError, ValueError):
            vectors = None
        if vectors is None or vectors.shape[0] != len(rows):
            vectors = self.embedder.encode([r.translated for r in rows])
            try:
                stored.parent.mkdir(parents=True, exist_ok=True)
                with atomic_file(stored) as tmp, open(tmp, "wb") as handle:
                    np.save(handle, vectors)
            except (OSError, InputError):
                pass  # a read-only cache only costs time
        self._rows, self._vectors = rows, vectors

    def nearest(self, sentence: str) -> tuple[Demonstration, ...]:
        if self.count < 1:
            return ()
        if self._rows is None:
            self._load()
        assert self._rows is not None
        query = self.embedder.encode([sentence])[0]
        scores = self._vectors @ query
        order = scores.argsort()[::-1]
        text = " ".join(sentence.split())
        # The sentence itself (a memory made from the same articles) would give the answer away.
        return tuple(self._rows[i] for i in order[: self.count + 1]
                     if scores[i] >= self.min_similarity and self._rows[i].translated != text)[: self.count]
