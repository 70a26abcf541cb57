"""The allow-list (``allow = [...]`` in the configuration): names that never count against a sentence.

One helper finds where the names occur in a text, for everyone who honours the list: the
interference rules drop a match inside an allowed name (or, for a rule about names, touching one),
and the detector masks the names before any signal sees them (:func:`mask_allowed`) and drops a
reason that touches one.
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

Span = tuple[int, int]


def allowed_spans(text: str, names: Iterable[str]) -> list[Span]:
    """Where each allow-listed name occurs in ``text`` (case-insensitive); blank names are ignored."""
    spans: list[Span] = []
    for name in names:
        if name.strip():
            spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(name), text, re.I))
    return spans


def inside(start: int, end: int, spans: Sequence[Span]) -> bool:
    """Whether ``[start, end)`` lies within one of ``spans``."""
    return any(s <= start and end <= e for s, e in spans)


def overlaps(start: int, end: int, spans: Sequence[Span]) -> bool:
    """Whether ``[start, end)`` shares a character with one of ``spans``."""
    return any(start < e and s < end for s, e in spans)


def mask_allowed(text: str, names: Iterable[str]) -> tuple[str, list[Span]]:
    """``text`` with each allow-listed name replaced by a neutral name of the same length (so no
    signal sees it), and the names' spans."""
    spans = allowed_spans(text, names)
    if not spans:
        return text, spans
    chars = list(text)
    for start, end in spans:
        filler = ("Smith" if end - start >= 5 else "Lee"[: end - start]).ljust(end - start)
        chars[start:end] = filler
    return "".join(chars), spans
