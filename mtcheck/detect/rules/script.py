"""Russian typography left in the English text: «guillemets» (Cyrillic letters are a phrase rule,
mtcheck/resources/rules/writing.toml)."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule


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
