"""Calques: Russian words and set phrases translated word for word."""

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


# (phrase, message, suggestion) — word-for-word renderings of Russian set phrases.
_CALQUES: list[tuple[str, str, str | None]] = [
    (r"in connection with", "“in connection with” renders Russian “в связи с”; say “because of” or “over”.", "because of"),
    (r"the so-called", "“the so-called” renders Russian “так называемый” and sounds sneering in English.", "the"),
    (r"with the beginning of", "“with the beginning of” renders Russian “с началом”; say “since the start of”.", "since the start of"),
    (r"within the framework of", "“within the framework of” renders Russian “в рамках”; say “as part of” or “under”.", "as part of"),
    (r"in the framework of", "“in the framework of” renders Russian “в рамках”; say “as part of” or “under”.", "as part of"),
    (r"it should be noted that\s*,?", "“it should be noted that” renders Russian “следует отметить”; drop it.", ""),
    (r"it is worth noting that\s*,?", "“it is worth noting that” renders Russian “стоит отметить”; drop it.", ""),
    (r"(?:on|in) the territory of", "“on the territory of” renders Russian “на территории”; say “in”.", "in"),
    (r"according to (?:him|her|them)", "“according to him” renders Russian “по его словам”; write “he said”.", None),
    (r"as a result of which", "“as a result of which” renders Russian “в результате чего”; split the sentence.", None),
    (r"at the present time", "“at the present time” renders Russian “в настоящее время”; say “now”.", "now"),
    (r"the head of the (?:department|ministry|region|administration)", "“the head of the …” renders Russian “глава”; use the title.", None),
]
# Phrases that native writers also use: weak evidence, kept apart so they weigh less.
_WEAK_CALQUES: list[tuple[str, str, str | None]] = [
    (r"a number of", "“a number of” often renders Russian “ряд”; “several” or “some” reads more naturally.", "several"),
    (r"carr(?:y|ies|ied|ying) out", "“carry out” is a common rendering of Russian “провести/осуществить”; a plain verb reads better.", None),
    (r"in the course of", "“in the course of” renders Russian “в ходе”; say “during”.", "during"),
]


def _phrases(text: str, phrases: list[tuple[str, str, str | None]]) -> Iterator[Match]:
    for phrase, message, suggestion in phrases:
        for m in re.finditer(rf"\b{phrase}\b", text, re.I):
            fixed = suggestion
            if fixed and m.group(0)[0].isupper():
                fixed = fixed[:1].upper() + fixed[1:]
            yield Match(m.start(), m.end(), message, fixed)


@rule("calque", category="calque", weight=1.5,
      message="A Russian set phrase translated word for word (“within the framework of”).",
      fix="Use the plain English phrase (“as part of”, “because of”, “in”), or drop it.",
      languagetool=("MTCHECK_RU_FRAMEWORK", "MTCHECK_RU_ON_THE_TERRITORY", "MTCHECK_RU_WITH_THE_BEGINNING"),
      examples=[
          ("Flights were cancelled in connection with the storm.", "in connection with", "because of",
           "Flights were cancelled because of the storm."),
          ("Talks were held within the framework of the visit.", "within the framework of", "as part of",
           "Talks were held as part of the visit."),
          ("It should be noted that the talks failed.", "It should be noted that ", "", "The talks failed."),
          ("With the beginning of the operation, 78 people left.", "With the beginning of", "Since the start of",
           "Since the operation began, 78 people left."),
      ])
def calque(text: str) -> Iterator[Match]:
    """Set phrases translated word for word from Russian ('within the framework of')."""
    return _phrases(text, _CALQUES)


@rule("weak-calque", category="calque", weight=0.6,
      message="A phrase common in translations from Russian (“a number of”, “carry out”), though native too.",
      fix="A plainer word usually reads better (“several”, a plain verb, “during”).",
      examples=[("Police carried out a number of raids.", "carried out", None, "Police raided several homes.")])
def weak_calque(text: str) -> Iterator[Match]:
    """'a number of', 'carry out', 'in the course of': common in Russian-English, but native too."""
    return _phrases(text, _WEAK_CALQUES)
