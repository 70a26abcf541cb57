"""Russian dates: DD.MM.YYYY, spelled out with the month (“in 2016 year” is a phrase rule,
mtcheck/resources/rules/calques.toml)."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule

_MONTHS = ("January February March April May June July August September October November December").split()


@rule("numeric-date", category="dates", weight=2.5, fix_safety="safe",
      message="“12.12.2016” is a Russian-style date (day.month.year).",
      fix="Spell out the month: “December 12, 2016”.",
      languagetool=("MTCHECK_RU_DOTTED_DATE",),
      examples=[
          ("The opposition said so on 12.12.2016", "12.12.2016", "December 12, 2016",
           "The opposition said so on December 12, 2016."),
      ])
def numeric_date(text: str) -> Iterator[Match]:
    """'12.12.2016': the Russian DD.MM.YYYY date; English news spells the month."""
    for m in re.finditer(r"(?<![\d.])(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.((?:19|20)\d\d)(?![\d.]\d)", text):
        day, month, year = int(m.group(1)), int(m.group(2)), m.group(3)
        yield Match(
            m.start(),
            m.end(),
            f"“{m.group(0)}” is a Russian-style date; spell out the month.",
            f"{_MONTHS[month - 1]} {day}, {year}",
        )
