"""The allow-list (``allow`` in the config): names an editor has cleared, which never count against
a sentence. One helper finds where they occur; the detector masks them before any signal runs, and
the interference rules skip matches they account for when called directly (``find_matches``)."""

from __future__ import annotations

import re
from typing import Sequence


def allowed_spans(text: str, allow: Sequence[str]) -> list[tuple[int, int]]:
    """Where the allow-listed names occur in ``text`` (case-insensitive); a blank name matches nothing."""
    spans: list[tuple[int, int]] = []
    for name in allow:
        if name.strip():
            spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(name), text, re.I))
    return spans


def mask_allowed(text: str, allow: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Replace allow-listed names by a neutral name of the same length, so no signal sees them."""
    spans = allowed_spans(text, allow)
    if not spans:
        return text, spans
    chars = list(text)
    for start, end in spans:
        filler = ("Smith" if end - start >= 5 else "Lee"[: end - start]).ljust(end - start)
        chars[start:end] = filler
    return "".join(chars), spans
