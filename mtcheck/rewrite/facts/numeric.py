"""Numbers by value ("78 thousand" = "78,000"), ranks ("third" = "3rd") and their qualifiers.

Dates are not numbers here: they have their own check. The approximation check compares what a
number's qualifier says about the true value: "nearly 5 thousand" (at most) is not "more than
5,000" (at least), and "about 300" is not "300".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Sequence

from mtcheck.rewrite.facts.temporal import DateMention, _pair_off, date_mentions

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12, "dozen": 12, "half": 0.5,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12,
           "mln": 1_000_000, "bln": 1_000_000_000, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10, "last": "last"}

_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:[.,]\d+)?)(?:\s*(?:-|\s)?(hundred|thousand|million|billion|trillion|mln|bln|bn|k|m)\b)?",
    re.IGNORECASE,
)
_WORD_NUMBER = re.compile(
    r"\b(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")(?:[\s-]+(" + "|".join(
        k for k in _UNITS if " " not in k and _UNITS[k] < 10) + r"))?(?:\s+(hundred|thousand|million|billion|trillion))?\b",
    re.IGNORECASE,
)
_BARE_SCALE = re.compile(r"\b(hundreds|thousands|millions|billions|dozens)\b", re.IGNORECASE)
_RANGE_SCALE = re.compile(
    r"\b(\d+(?:[.,]\d+)?)(\s*(?:to|and|-|–|—)\s*)(\d+(?:[.,]\d+)?)\s+(thousand|million|billion|trillion)\b", re.I
)
_NUMERIC_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b", re.I)
_FRACTION_BEFORE = re.compile(r"\b(?:by|a|one|two|three)\s+$", re.I)
_WORD_ORDINAL = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\b", re.I)
# "the talks will last two days": the verb, not a rank.
_LAST_VERB = re.compile(r"\b(will|would|could|can|may|might|must|should|to|not|did|does|do|n't)\s+$", re.I)
# "last year", "the last 24 hours": a time ("the previous year", "the past 24 hours"), not a rank.
_LAST_TIME = re.compile(r"^\s+(?:year|week|month|night|time|weekend|season|summer|winter|spring|autumn|fall|decade|"
                        r"century|day|days|years|weeks|months|decades|hours|few|couple|several|\d+|"
                        + "|".join(k for k in _UNITS if " " not in k) + r")\b", re.I)
# "144.613" is 144,613 written the continental way, or 144.613: either may be meant.
_DOTTED_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")


def _mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _clean(value: float) -> float:
    return round(value, 6)


def _plain(raw: str) -> float:
    return float(raw.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else float(raw.replace(",", "."))


@dataclass(frozen=True)
class NumberMention:
    value: Any  # a float; ("rank", n) for "third"/"3rd"/"last"; "thousands" for a bare scale word
    start: int
    end: int
    alt: Any = None  # another reading of the same digits ("144.613" may be 144613)


def _rank_label(rank: Any) -> str:
    if rank == "last":
        return "last"
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def number_label(value: Any) -> str:
    if isinstance(value, tuple):
        return _rank_label(value[1])
    if isinstance(value, float):
        return f"{value:,.0f}" if value == int(value) else f"{value:,}"
    return str(value)


def number_mentions(text: str, doc: Any = None, dates: Sequence[DateMention] | None = None) -> list[NumberMention]:
    """Numeric values with their place: "1.3 thousand", "1,300" and "1300" are all 1300, "3 to 6
    thousand" is 3000 and 6000, "third" and "3rd" are rank 3. Dates are not numbers here: they
    have their own check, so "12.12.2016" and "December 12, 2016" do not count as 12 and 2016."""
    found: list[NumberMention] = []
    spans = [(d.start, d.end) for d in (date_mentions(text) if dates is None else dates)]
    masked = _mask(text, spans)
    ranges = []
    for m in _RANGE_SCALE.finditer(masked):
        low, high, scale = _plain(m.group(1)), _plain(m.group(3)), _SCALES[m.group(4).lower()]
        if low >= high:
            continue  # "3 to 2 thousand" is no range of the same scale
        found.append(NumberMention(_clean(low * scale), m.start(1), m.end(1)))
        found.append(NumberMention(_clean(high * scale), m.start(3), m.end()))
        ranges.append(m.span())
    masked = _mask(masked, ranges)
    ordinals = []
    for m in _NUMERIC_ORDINAL.finditer(masked):
        found.append(NumberMention(("rank", int(m.group(1))), m.start(), m.end()))
        ordinals.append(m.span())
    verbs = {t.idx for t in doc if t.pos_ in ("VERB", "AUX")} if doc is not None else set()
    for m in _WORD_ORDINAL.finditer(masked):
        word = m.group(1).lower()
        if word == "last" and (m.start() in verbs or (doc is None and _LAST_VERB.search(masked[: m.start()]))
                               or _LAST_TIME.match(masked[m.end():])):
            continue
        # "rose by a fourth", "a third of the votes": a fraction, not a place in an order.
        fraction = _FRACTION_BEFORE.search(masked[: m.start()]) or masked[m.end():].lstrip().lower().startswith("of ")
        found.append(NumberMention(("fraction" if fraction and word not in ("first", "last") else "rank", _ORDINALS[word]),
                                   m.start(), m.end()))
    masked = _mask(masked, ordinals)
    for m in _NUMBER.finditer(masked):
        value = _plain(m.group(1))
        if m.group(2):
            value *= _SCALES[m.group(2).lower()]
        alt = _plain(m.group(1).replace(".", "")) if not m.group(2) and _DOTTED_THOUSANDS.fullmatch(m.group(1)) else None
        found.append(NumberMention(_clean(value), m.start(), m.end(), alt))
    for m in _WORD_NUMBER.finditer(masked):
        head, tail, scale_word = m.group(1).lower(), m.group(2), m.group(3)
        if head == "half" and not scale_word:
            continue  # "half of them" is a proportion; too common in prose to demand verbatim
        if head == "one" and not scale_word:
            continue  # "one of", "no one": a pronoun far more often than a count
        value = _UNITS[head] + (_UNITS[tail.lower()] if tail else 0)
        if scale_word:
            value *= _SCALES[scale_word.lower()]
        found.append(NumberMention(_clean(value), m.start(), m.end()))
    for m in _BARE_SCALE.finditer(masked):
        found.append(NumberMention(m.group(1).lower(), m.start(), m.end()))
    return sorted(found, key=lambda n: n.start)


def _match_numbers(original: Sequence[NumberMention], candidate: Sequence[NumberMention]
                   ) -> tuple[list[NumberMention], list[NumberMention]]:
    """(lost, added): equal values pair off first, then a dotted number's other reading."""
    pending, left = _pair_off(original, candidate, lambda o, c: c.value == o.value)
    return _pair_off(pending, left, lambda o, c: bool({c.value, c.alt} & {o.value, o.alt} - {None}))


def numbers(text: str) -> Counter:
    """The text's numeric values (and ranks) as a Counter: "78 thousand" = "78,000" = "78000"."""
    return Counter(n.value for n in number_mentions(text))


# -- approximation -------------------------------------------------------------------------
# What the number's qualifier says about the true value: at most N, at least N, about N, or N.
_QUALIFIERS = {
    "at most": ("nearly", "almost", "up to", "less than", "fewer than", "under", "below", "at most", "no more than",
                "not more than", "a maximum of", "just under", "close to", "short of", "as many as", "as much as",
                "not quite", "at the most"),
    "at least": ("more than", "over", "at least", "upwards of", "exceeding", "in excess of", "above",
                 "no fewer than", "no less than", "not less than", "a minimum of", "just over", "well over",
                 "at the least", "beyond"),
    "about": ("about", "around", "approximately", "approx.", "some", "roughly", "an estimated", "estimated",
              "circa", "c.", "~", "round about", "or so"),
}
_QUALIFIER_OF = {phrase: kind for kind, phrases in _QUALIFIERS.items() for phrase in phrases}
_BEFORE = re.compile(r"(?<![\w])(" + "|".join(re.escape(p) for p in sorted(_QUALIFIER_OF, key=len, reverse=True))
                     + r")\s*(?:\$|€|£|US\$|RUB\s*)?$", re.I)
_AFTER = re.compile(r"^(?:\s*(?:[a-z]+\s+)?(or more|or over|or above|plus|or so|or fewer|or less|or under)\b|"
                    r"(\+(?!\w)|-odd\b))", re.I)
_AFTER_KIND = {"or more": "at least", "or over": "at least", "or above": "at least", "plus": "at least", "+": "at least",
               "-odd": "about", "or so": "about", "or fewer": "at most", "or less": "at most", "or under": "at most"}


def approximations(text: str, mentions: Sequence[NumberMention] | None = None) -> list[tuple[Any, str, str]]:
    """(value, kind, phrase) for each number: kind is "at most", "at least", "about" or "exact";
    phrase is the qualifier as written ("nearly")."""
    out = []
    for n in (number_mentions(text) if mentions is None else mentions):
        if not isinstance(n.value, float):
            continue
        before = _BEFORE.search(text[max(0, n.start - 30): n.start])
        after = _AFTER.match(text[n.end: n.end + 24])
        if before:
            phrase = before.group(1).lower()
            kind = _QUALIFIER_OF[phrase]
        elif after:
            phrase = (after.group(1) or after.group(2)).lower()
            kind = _AFTER_KIND[phrase]
        else:
            phrase, kind = "", "exact"
        out.append((n.value, kind, phrase))
    return out


def approximation_changed(original: str, candidate: str, before: Sequence[NumberMention] | None = None,
                          after: Sequence[NumberMention] | None = None) -> list[str]:
    """Numbers both texts give whose qualifier changed direction: "nearly 5 thousand" (at most)
    is not "more than 5,000" (at least), and "about 300" is not "300"."""
    old, new = approximations(original, before), approximations(candidate, after)
    problems = []
    for value in dict.fromkeys(v for v, _, _ in old):
        kinds_old = Counter(k for v, k, _ in old if v == value)
        kinds_new = Counter(k for v, k, _ in new if v == value)
        if not kinds_new or kinds_old == kinds_new:
            continue  # a number the candidate lacks is the numbers check's finding
        phrase_old = next(p for v, k, p in old if v == value and kinds_new[k] < kinds_old[k]) if any(
            kinds_new[k] < kinds_old[k] for k in kinds_old) else ""
        phrase_new = next((p for v, k, p in new if v == value and kinds_old[k] < kinds_new[k]), "")
        label = number_label(value)
        problems.append(f"{(phrase_old + ' ' + label).strip()} became {(phrase_new + ' ' + label).strip()}")
    return problems
