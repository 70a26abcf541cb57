"""Dates, whatever the format: "12.12.2016" = "December 12, 2016"; weekdays and "yesterday" too."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Sequence

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12}
_MONTH_NUMBER = {**{m: i for i, m in enumerate(_MONTHS, 1)}, **_MONTH_ABBR}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE_DAYS = ("yesterday", "today", "tomorrow", "tonight")
_MON = r"(" + "|".join(_MONTHS) + r"|(?:" + "|".join(sorted(_MONTH_ABBR, key=len, reverse=True)) + r")\b\.?)"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(\d{4})"
_DATE_PATTERNS = (
    ("iso", re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")),
    ("numeric", re.compile(r"(?<![\d.,])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d])")),
    ("day-month", re.compile(r"\b" + _DAY + r"(?:\s+of)?\s+" + _MON + r"(?![a-z])(?:,?\s+(?:of\s+)?" + _YEAR + r"\b)?",
                             re.I)),
    ("month-day", re.compile(r"\b" + _MON + r"(?![a-z])\s+" + _DAY + r"\b(?!\s*(?:%|per|thousand|million|billion))"
                             r"(?:,?\s+" + _YEAR + r"\b)?", re.I)),
    ("month-year", re.compile(r"\b" + _MON + r"(?![a-z]),?\s+(?:of\s+)?" + _YEAR + r"\b", re.I)),
)
_MONTH_ALONE = re.compile(r"\b(January|February|March|April|June|July|August|September|October|November|"
                          r"December)\b")
_MAY_ALONE = re.compile(r"\b(?:in|of|since|until|till|by|from|early|late|mid|last|next|this|before|after)[\s-]+(May)\b")


@dataclass(frozen=True)
class DateMention:
    """A date and what it may mean: "05/06/2016" may be 5 June or May 6; "12.12.2016" (the dotted
    Russian form) is day first. A weekday or "yesterday" is a one-word mention of its own."""

    label: str
    values: frozenset  # of (year | None, month | None, day | None), or of a word
    start: int
    end: int


def _year(raw: str | None) -> int | None:
    if raw is None:
        return None
    value = int(raw)
    if len(raw) == 2:
        value += 2000 if value < 50 else 1900
    return value


def _month(raw: str) -> int:
    return _MONTH_NUMBER[raw.lower().rstrip(".")]


def _valid(year: int | None, month: int | None, day: int | None) -> bool:
    return (month is None or 1 <= month <= 12) and (day is None or 1 <= day <= 31)


def _date_label(value: tuple) -> str:
    year, month, day = value
    parts = [str(day) if day else "", _MONTHS[month - 1].title() if month else "", str(year) if year else ""]
    return " ".join(p for p in parts if p)


def date_mentions(text: str) -> list[DateMention]:
    """Dates in any format, as (year, month, day) with None for what the text leaves out."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(values: set, start: int, end: int, label: str | None = None) -> None:
        if not values or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        found.append(DateMention(label or _date_label(sorted(values, key=str)[0]), frozenset(values), start, end))

    values: set[tuple[int | None, int | None, int | None]]
    year: int | None
    for kind, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text):
            if kind == "iso":
                year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
                values = {(year, month, day)} if _valid(year, month, day) else set()
            elif kind == "numeric":
                a, sep, b, year = int(m.group(1)), m.group(2), int(m.group(3)), _year(m.group(4))
                # Dotted dates are day first (the Russian source); with a slash or a dash either order.
                orders = [(a, b)] if sep == "." else [(a, b), (b, a)]
                values = {(year, month, day) for day, month in orders if _valid(year, month, day)}
            elif kind == "day-month":
                if m.group(2).lower() == "may" and not m.group(2)[0].isupper():
                    continue
                values = {(_year(m.group(3)), _month(m.group(2)), int(m.group(1)))}
                values = {v for v in values if _valid(*v)}
            elif kind == "month-day":
                if m.group(1).lower() == "may" and not m.group(1)[0].isupper():
                    continue
                values = {(_year(m.group(3)), _month(m.group(1)), int(m.group(2)))}
                values = {v for v in values if _valid(*v)}
            else:
                if m.group(1).lower() == "may" and not m.group(1)[0].isupper():
                    continue
                values = {(_year(m.group(2)), _month(m.group(1)), None)}
            add(values, m.start(), m.end())
    for m in _MONTH_ALONE.finditer(text):
        add({(None, _month(m.group(1)), None)}, m.start(), m.end())
    for m in _MAY_ALONE.finditer(text):  # "in May", not "they may"
        add({(None, 5, None)}, m.start(1), m.end(1))
    for m in re.finditer(r"\b(" + "|".join(_WEEKDAYS + _RELATIVE_DAYS) + r")\b", text, re.I):
        word = m.group(1).lower()
        add({word}, m.start(), m.end(), word.title())
    return sorted(found, key=lambda d: d.start)


def _pair_off(original: Sequence[Any], candidate: Sequence[Any], same: Callable[[Any, Any], bool]) -> tuple[list, list]:
    """(unmatched of ``original``, unmatched of ``candidate``): each original item takes the first
    candidate item ``same`` accepts, and each candidate item serves once."""
    left = list(candidate)
    lost = []
    for item in original:
        twin = next((c for c in left if same(item, c)), None)
        if twin is None:
            lost.append(item)
        else:
            left.remove(twin)
    return lost, left


def _match_dates(original: list[DateMention], candidate: list[DateMention]) -> tuple[list[DateMention], list[DateMention]]:
    """(lost, added): original dates the candidate has no equal of, and the candidate's extra ones."""
    return _pair_off(original, candidate, lambda o, c: bool(c.values & o.values))


def dates(text: str) -> Counter:
    """The text's dates as comparable keys: (year, month, day) sets, or a weekday or "today"."""
    return Counter(d.values for d in date_mentions(text))
