"""An audit of what a rewrite does to the facts of a sentence: numbers, dates, names, negation and
hedges/attribution, for ``mtcheck eval rewrite``.

Implemented apart from the rewrite verifier (mtcheck/rewrite/facts/), with its own readers of
numbers, dates and names, so it can catch what the verifier misses. A change of format
("78 thousand" -> "78,000", "12.12.2016" -> "December 12, 2016") is not damage.
"""

from __future__ import annotations

import re

_WORD_VALUES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_WORD_VALUES.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}


_FULL_MONTHS = "January February March April May June July August September October November December".split()
_MONTHS = {m: i for i, m in enumerate(_FULL_MONTHS, 1)}
_MONTHS.update({"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9,
                "Oct": 10, "Nov": 11, "Dec": 12})
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_FULL_MONTH = r"(?P<month>" + "|".join(_FULL_MONTHS) + r")\b"  # alone only in full ("Jan Kubis" is a name)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>\d{4})\b"
# Most specific first; each match is blanked before the next pattern runs. Month names are
# matched capitalised only, so the modal "may" is never a date.
_DATE_PATTERNS = [re.compile(p) for p in (
    r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})\b",       # 12.12.2016 (Russian order)
    r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b",                  # 2016-12-12
    r"\b" + _DAY + r"(?:\s+of)?\s+" + _MONTH + r"(?:,?\s+" + _YEAR + ")?",      # 12 December (2016)
    r"\b" + _MONTH + r"\s+" + _DAY + r"(?:,?\s+" + _YEAR + ")?",              # December 12(, 2016)
    r"\b" + _MONTH + r"\s+" + _YEAR,                                          # December 2016
    r"\b" + _FULL_MONTH,                                                      # (in) December
)]


def _dates(text: str) -> tuple[list[str], str]:
    """Dates normalised to ``YYYY-MM-DD`` (``?`` where a part is not given), and the text with
    them blanked out, so "12.12.2016", "December 12, 2016" and "12 December 2016" are one value
    and their digits are not also read as numbers."""
    found: list[str] = []
    for pattern in _DATE_PATTERNS:
        def take(m: re.Match) -> str:
            month = m.group("month")
            month_n = int(month) if month.isdigit() else _MONTHS[month]
            parts = m.groupdict()
            day = int(parts["day"]) if parts.get("day") else None
            year = parts.get("year")
            if not 1 <= month_n <= 12 or (day is not None and not 1 <= day <= 31):
                return m.group(0)
            if year and len(year) == 2:
                year = str(2000 + int(year) if int(year) < 50 else 1900 + int(year))
            found.append(f"{year or '?'}-{month_n:02d}-{f'{day:02d}' if day else '?'}")
            return " "
        text = pattern.sub(take, text)
    return sorted(found), text


def audit_dates(text: str) -> list[str]:
    return _dates(text)[0]


# News shorthand for money: "£7m", "$3bn", "€40k" ("7m" alone may be metres, so the currency sign is required).
_MONEY_SCALE = re.compile(r"(?P<amount>[£$€]\s?\d[\d,.]*)\s?(?P<scale>bn|m|k)\b")
_SCALE_WORDS = {"bn": "billion", "m": "million", "k": "thousand"}


def audit_values(text: str) -> list[float]:
    """Numbers as values, read token by token (independent of the verifier's regexes); the
    digits of dates are left to ``audit_dates``."""
    text = _MONEY_SCALE.sub(lambda m: f"{m.group('amount')} {_SCALE_WORDS[m.group('scale')]}", text)
    tokens = re.findall(r"\d[\d,.]*\d|\d|[A-Za-z]+", _dates(text)[1].replace("%", " percent "))
    values: list[float] = []
    at: list[int] = []  # the token index each value came from
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in _MULTIPLIERS and values and values[-1] < 1000:
            values[-1] *= _MULTIPLIERS[low]
            # A range shares its scale word: "3 to 6 thousand", "10-15 thousand" (the dash is
            # not a token, so the two numbers are neighbours).
            if len(values) >= 2 and (at[-2] == at[-1] - 1 or (at[-2] == at[-1] - 2 and tokens[at[-1] - 1].lower() in ("to", "and"))) \
                    and values[-2] * _MULTIPLIERS[low] < values[-1]:
                values[-2] *= _MULTIPLIERS[low]
            continue
        if token[0].isdigit():
            if re.fullmatch(r"\d{1,3}(,\d\d\d)+", token):
                values.append(float(token.replace(",", "")))
            else:
                try:
                    values.append(float(token.replace(",", ".").rstrip(".")))
                except ValueError:
                    values.extend(float(p) for p in re.findall(r"\d+", token))
        elif low in _WORD_VALUES and low not in ("one", "zero"):
            values.append(float(_WORD_VALUES[low]))
        at.extend([i] * (len(values) - len(at)))
    return sorted(round(v, 4) for v in values)


def audit_names(text: str) -> set[str]:
    words = _dates(text)[1].split()
    return {re.sub(r"[^\w-]", "", w).lower().removesuffix("s") for i, w in enumerate(words[1:], 1)
            if w[:1].isupper() and re.sub(r"[^\w-]", "", w)} - {""}


_NEGATION = re.compile(r"\b(?:not|never|cannot|without)\b|\bno\b(?!\.\s*\d)|n['’]t\b", re.I)
# Hedges and attribution by kind: a rewrite may swap "may" for "might" or "according to
# Reuters" for "Reuters reported", but must not leave a kind out.
_HEDGES = {
    "modal": re.compile(r"\b(?:may|might|could)\b", re.I),
    "attribution": re.compile(r"\baccording to\b|\b(?:say|says|said|saying|report|reports|reported|reporting|reportedly"
                              r"|cite|cites|cited|citing|state|states|stated|stating|told|tells|announced|announces"
                              r"|noted|notes|added|adds|claimed|claims|declared|declares|wrote|writes)\b", re.I),
    "allegedly": re.compile(r"\ballegedly\b|\balleged\b", re.I),
}


def audit_negations(text: str) -> int:
    return len(_NEGATION.findall(text))


def audit_hedges(text: str) -> dict[str, int]:
    plain = _dates(text)[1]  # "May 12" is a date, not a hedge
    return {kind: len(pattern.findall(plain)) for kind, pattern in _HEDGES.items()}


def fact_damage(original: str, rewrite: str) -> list[str]:
    """What the rewrite changed among numbers, dates, names, negation and hedges/attribution
    (empty: nothing). A change of format ("78 thousand" -> "78,000", "12.12.2016" ->
    "December 12, 2016") is not damage."""
    problems = []
    if audit_values(original) != audit_values(rewrite):
        problems.append(f"numbers {audit_values(original)} -> {audit_values(rewrite)}")
    if audit_dates(original) != audit_dates(rewrite):
        problems.append(f"dates {audit_dates(original)} -> {audit_dates(rewrite)}")
    plain = _dates(rewrite)[1]
    # Words as audit_names reads them too ("H&M," is "hm"), so a name is found in its own spelling.
    have = ({w.lower().removesuffix("s") for w in re.findall(r"[\w-]+", plain)}
            | {re.sub(r"[^\w-]", "", w).lower().removesuffix("s") for w in plain.split()})
    # "President of Ukraine" -> "Ukrainian President" keeps the name: a word of the rewrite that
    # starts with the name's first six letters counts.
    # "the CAR" -> "the Central African Republic" spells the same name out: the initials of a run of
    # capitalised words of the rewrite count ("of", "and", "the" inside the run are skipped).
    initials = set()
    for run in re.findall(r"[A-Z][\w-]*(?:\s+(?:(?:of|and|the|for)\s+)*[A-Z][\w-]*)+", plain):
        caps = "".join(w[0] for w in run.split() if w[0].isupper()).lower()
        initials |= {caps[i:j] for i in range(len(caps)) for j in range(i + 2, len(caps) + 1)}
    lost = sorted(n for n in audit_names(original)
                  if n not in have and n not in initials and not (len(n) >= 6 and any(w.startswith(n[:6]) for w in have)))
    if lost:
        problems.append("names dropped: " + ", ".join(lost))
    before, after = audit_negations(original), audit_negations(rewrite)
    if before != after:
        problems.append(f"negation {'dropped' if after < before else 'added'} ({before} -> {after})")
    hedges_before, hedges_after = audit_hedges(original), audit_hedges(rewrite)
    dropped = [f"{kind} {hedges_before[kind]} -> {hedges_after[kind]}" for kind in _HEDGES
               if hedges_after[kind] < hedges_before[kind]]
    if dropped:
        problems.append("hedge/attribution dropped: " + ", ".join(dropped))
    return problems
