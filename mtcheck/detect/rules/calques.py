"""Calques that need more than a pattern: "on the eve" (the fix depends on what follows) and
"derived from" (the span ends before the count). Calques that are a pattern and a fix are phrase
rules, in mtcheck/resources/rules/calques.toml."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule


@rule("on-the-eve", category="calque", weight=2.0,
      message="“On the eve” renders Russian “накануне” (the day before).",
      fix="Say “the day before” or name the day.",
      languagetool=("MTCHECK_RU_ON_THE_EVE",),
      examples=[
          ("On the eve the ministry confirmed the report.", "On the eve", "The day before",
           "On the eve of the summit, the ministry confirmed the report."),
          ("On the eve of Russian reconciliation centre reported that 93% is under control.", "On the eve of", None,
           "The day before, the Russian reconciliation centre reported that 93% is under control."),
      ])
def on_the_eve(text: str) -> Iterator[Match]:
    """'On the eve' for Russian 'накануне' (= the day before, yesterday).

    'On the eve of the summit' is good English; the calque shows when nothing follows
    'the eve', or when 'of' runs into a bare noun phrase ('On the eve of Russian centre reported').
    """
    for m in re.finditer(r"\b([Oo]n|[Aa]t) the eve\b(\s+of(?=\s+(?!(?:the|a|an|his|her|their|its|our|this|that|[A-Z]\w+'s)\b))|(?!\s+of\b))", text):
        followed_by_of = bool(m.group(2))
        replacement = "The day before" if m.group(1)[0].isupper() else "the day before"
        yield Match(
            m.start(),
            m.end(),
            "“On the eve” renders Russian “накануне”; English says “the day before” or names the day.",
            None if followed_by_of else replacement,
        )


@rule("derived-from", category="calque", weight=1.5,
      message="“derived from” renders Russian “выведено из”: people or troops were brought out of a place.",
      fix="Say they were evacuated from (withdrawn from) the place, with them as the subject.",
      examples=[
          ("Since Monday is derived from Aleppo more than 78 thousand civilians.", "is derived from Aleppo", None,
           "Since Monday, more than 78,000 civilians have been brought out of Aleppo."),
      ])
def derived_from(text: str) -> Iterator[Match]:
    """'is derived from Aleppo more than 78 thousand civilians': Russian 'выведено из' (brought out
    of, evacuated from) rendered as 'derived from', with the people or troops after the place."""
    # Russian order: the place, then the count ("выведено из Алеппо более 78 тысяч").
    pattern = (r"\b(?:is|are|was|were|been|being)\s+derived\s+from\s+(?:the\s+)?(?:[A-Z][\w-]*\s+){1,3}"
               r"(?=(?:more than|over|about|some|nearly|almost|up to|at least|\d))")
    for m in re.finditer(pattern, text):
        yield Match(
            m.start(),
            m.end() - 1,
            "“derived from” here renders Russian “выведено из”: people or troops were brought out of (evacuated "
            "from, withdrawn from) the place; say so, with them as the subject.",
        )
