"""Titles: capitals in the wrong word (letter-by-letter transliterations of names are a phrase
rule, mtcheck/resources/rules/writing.toml)."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule

_TITLE_WORDS = r"foreign|defence|defense|interior|finance|economy|economic|health|justice|emergencies|energy|education|deputy|prime|vice"


@rule("capitalisation", category="style", weight=1.5, fix_safety="safe",
      message="A capital in the wrong word (“Russian foreign Minister”, “according to the Agency”).",
      fix="Capitalise the whole title (“Foreign Minister”), and a common noun not at all (“the agency”).",
      languagetool=("MTCHECK_RU_MINISTER_CASE",),
      examples=[
          ("Earlier, Russian foreign Minister Sergei Lavrov said so.", "foreign Minister", "Foreign Minister",
           "Earlier, Russian Foreign Minister Sergei Lavrov said so."),
          ("According to the Agency, all fighters can leave.", "the Agency", "the agency",
           "According to the agency, all fighters can leave."),
      ])
def capitalisation(text: str) -> Iterator[Match]:
    """'Russian foreign Minister' / 'according to the Agency': capitals in the wrong word."""
    for m in re.finditer(rf"\b({_TITLE_WORDS})\s+(Minister|Ministry)\b", text):
        fixed = f"{m.group(1).capitalize()} {m.group(2)}"
        yield Match(m.start(), m.end(), f"“{m.group(0)}”: capitalise the whole title (“{fixed}”).", fixed)
    # "the Agency for Regulation…", "the Department of Justice" are names: only a bare noun counts.
    for m in re.finditer(r"(?<=\S\s)(the|The)\s+(Agency|Newspaper|Edition|Publication|Portal)\b(?!\s+(?:of|for|on)\b|\s+[A-Z])", text):
        fixed = f"{m.group(1)} {m.group(2).lower()}"
        yield Match(m.start(), m.end(), f"“{m.group(0)}”: a common noun needs no capital here.", fixed)
