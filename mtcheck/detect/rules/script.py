"""Russian script and typography left in the English text: Cyrillic letters, «guillemets»."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule


@rule("cyrillic", category="script", weight=3.0, rewrite=False,
      message="Cyrillic letters are left in the English text.",
      fix="Translate or transliterate the word (a look-alike letter: retype it in Latin).",
      examples=[("The village of Новоселовка was shelled.", "Новоселовка", None, "The village of Novoselivka was shelled.")])
def cyrillic(text: str) -> Iterator[Match]:
    """Cyrillic letters left in English copy (untranslated words, look-alike letters)."""
    for m in re.finditer(r"[\u0400-\u04FF]+", text):
        yield Match(m.start(), m.end(), f"Cyrillic letters (“{m.group(0)}”) are left in the English text.")


@rule("guillemets", category="punctuation", weight=2.0, fix_safety="safe",
      message="Russian quotation marks «» are left in the text.",
      fix="Use English quotation marks “ ”.",
      examples=[("The party «United Russia» won.", "«United Russia»", "“United Russia”", "The party United Russia won.")])
def guillemets(text: str) -> Iterator[Match]:
    """«Russian quotes» copied into English; English uses “ ”."""
    for m in re.finditer(r"«([^»]*)»|[«»]", text):
        inner = m.group(1)
        yield Match(
            m.start(),
            m.end(),
            "Russian quotation marks «» are left in the text; use “ ”.",
            f"“{inner}”" if inner is not None else None,
        )
