"""What a rewrite must keep: numbers, dates, names, quotations, negation, modality and meaning.

Each extractor turns one sentence into comparable values, so a check is "the candidate's values
cover the original's". The checks compare MEANING, not spelling:

- a number is its value ("78 thousand" = "78,000"), a date its (year, month, day) whatever the
  format ("12.12.2016" = "December 12, 2016"), a rank its position ("third" = "3rd");
- a word is its lemma in American spelling ("centres" = "center"), and a content word the
  candidate lacks may be replaced by a derivation ("response" -> "responded") or, given an
  embedder, by a synonym ("militants" -> "fighters");
- the words a flagged problem covers (``replaceable``) may go: the fix is meant to replace them.

Numbers, names, quotations, negation and hedges stay strict: a missed good rewrite costs an
editor a few seconds, a changed number in a news story costs a correction.

``fact_checks`` runs for every candidate (about four per flagged sentence): it parses each text
once with the ``nlp`` it is given (verify.py passes a cached parser) and never loads a model.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Collection, Sequence

from mtcheck.types import Check

Similar = Callable[[Sequence[tuple[str, str]]], Sequence[float]]

# all-MiniLM-L6-v2 cosine of two single words as written. Measured on 22 synonym and 22 contrast
# pairs of news words, it tells related from unrelated words, not synonyms from co-hyponyms or
# antonyms (ROC AUC 0.55): "militants"/"fighters" 0.53, "rebels"/"insurgents" 0.65, "beginning"/
# "start" 0.77, "troops"/"soldiers" 0.89, but also "militants"/"civilians" 0.55, "increase"/
# "decrease" 0.61, "buy"/"sell" 0.76; unrelated words score far lower ("representative"/"weather"
# 0.08, "derived"/"evacuated" 0.18, "efficiency"/"potential" 0.33). 0.5 is the highest threshold
# that keeps "militants" -> "fighters"; the contrasts that clear it are refused by _CONTRASTS and
# _OPPOSITE_PREFIXES below, and a name is never swapped by similarity (the entities check owns it).
WORD_SIMILARITY = 0.5
# A derivation shares its stem: "response"/"respond", "evacuation"/"evacuated". The common prefix
# must be at least this long and cover at least this share of the shorter word, so "department"/
# "departure" (6 of 9) and "militant"/"military" (5 of 8) stay different words.
STEM_PREFIX = 5
STEM_SHARE = 0.8

# -- spelling ------------------------------------------------------------------------------
# British and American spellings are the same word: every word is compared in one canonical
# (American) form. The rules only need to be consistent on both sides, so a rule that also
# rewrites a word with no variant ("promise" -> "promize") is harmless.
_SPELLING = {
    "programme": "program", "defence": "defense", "offence": "offense", "licence": "license",
    "pretence": "pretense", "grey": "gray", "tyre": "tire", "aluminium": "aluminum", "cheque": "check",
    "plough": "plow", "mould": "mold", "smoulder": "smolder", "sceptic": "skeptic", "sceptical": "skeptical",
    "scepticism": "skepticism", "judgement": "judgment", "ageing": "aging", "enrol": "enroll",
    "enrolment": "enrollment", "fulfil": "fulfill", "fulfilment": "fulfillment", "instalment": "installment",
    "catalogue": "catalog", "dialogue": "dialog", "analogue": "analog", "manoeuvre": "maneuver",
    "foetus": "fetus", "paediatric": "pediatric", "oestrogen": "estrogen", "anaemia": "anemia",
    "haemorrhage": "hemorrhage", "orthopaedic": "orthopedic", "kerb": "curb", "storey": "story",
    "pyjamas": "pajamas", "jewellery": "jewelry", "draught": "draft", "gaol": "jail", "artefact": "artifact",
    "moustache": "mustache", "cosy": "cozy", "practise": "practice", "axe": "ax", "whilst": "while",
    "amongst": "among", "learnt": "learned", "burnt": "burned", "spelt": "spelled", "spoilt": "spoiled",
    "dreamt": "dreamed", "leapt": "leaped", "towards": "toward", "afterwards": "afterward",
    "neighbour": "neighbor", "travelled": "traveled", "counsellor": "counselor", "odour": "odor",
}
_SPELLING_SUFFIXES = ("ing", "ed", "es", "s", "d", "")
_OUR = re.compile(r"^(\w{3,})our(s|ed|ing|ite|ites|able|ably|er|ers|ful|less|ism|ist|ists)?$")
_RE_ER = re.compile(r"^(\w{2,}[tbg])re(s?)$")
_RED_ERED = re.compile(r"^(\w{2,}[tbg])red$")
_ISE = re.compile(r"^(\w{3,})is(e|es|ed|ing|ation|ations|er|ers)$")
_YSE = re.compile(r"ys(e|es|ed|ing)$")
_DOUBLE_L = re.compile(r"^(\w{3,}[aeiou])ll(ed|ing|er|ers|or|ors)$")


@lru_cache(maxsize=65536)
def american(word: str) -> str:
    """The word in lower case and American spelling: "Centres" -> "centers", "travelled" ->
    "traveled", "organisation" -> "organization", "colour" -> "color", "defence" -> "defense"."""
    w = word.lower().replace("’", "'")
    for suffix in _SPELLING_SUFFIXES:
        if suffix and not w.endswith(suffix):
            continue
        base = w[: len(w) - len(suffix)] if suffix else w
        if base in _SPELLING:
            return _SPELLING[base] + suffix
        if base + "e" in _SPELLING and suffix in ("ing", "ed"):  # "practising"
            return _SPELLING[base + "e"].removesuffix("e") + suffix
    w = _OUR.sub(r"\1or\2", w)
    w = _RE_ER.sub(r"\1er\2", w)
    w = _RED_ERED.sub(r"\1ered", w)
    w = _ISE.sub(r"\1iz\2", w)
    w = _YSE.sub(r"yz\1", w)
    return _DOUBLE_L.sub(r"\1l\2", w)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Possessive and plural "s" off, in American spelling: the key of a word without spaCy."""
    word = american(word)
    for suffix in ("'s", "s'", "'"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            word = word[: -len(suffix)]
            break
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def _fallback_key(word: str) -> str:
    """A crude lemma without spaCy: "liberated", "liberates", "liberating" -> "liberat"."""
    word = _stem(word)
    for suffix, length in (("ing", 6), ("ied", 5), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= length:
            word = word[: -len(suffix)] + ("y" if suffix == "ied" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def derived(a: str, b: str) -> bool:
    """Two forms of one word ("response"/"respond", "government"/"govern"): a common prefix of at
    least STEM_PREFIX letters that covers STEM_SHARE of the shorter word."""
    return any(_shared_stem(x, y) for x, y in ((american(a), american(b)), (_fallback_key(a), _fallback_key(b))))


def _shared_stem(a: str, b: str) -> bool:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= STEM_PREFIX and n >= STEM_SHARE * min(len(a), len(b))


# Words that are related but say different things: any two words from different sets of one group
# contrast ("militants" -> "civilians", "increased" -> "decreased", "north" -> "south"). Keys are
# lemmas in American spelling.
_CONTRASTS = tuple(tuple(frozenset(words.split()) for words in group) for group in (
    ("militant fighter rebel insurgent soldier troop terrorist gunman combatant army military jihadist",
     "civilian resident inhabitant population refugee"),
    ("rise increase grow climb jump gain soar surge up rose risen grew",
     "fall decrease decline drop shrink lose reduce cut plunge slump down fell fallen"),
    ("buy purchase import buyer", "sell export seller"),
    ("win victory winner won", "lose defeat loss loser lost"),
    ("man men male boy father son husband brother", "woman women female girl mother daughter wife sister"),
    ("north northern", "south southern", "east eastern", "west western"),
    ("spring", "summer", "autumn fall", "winter"),
    ("morning", "afternoon", "evening", "night overnight"),
    ("day daytime", "night nighttime"),
    ("ally friend partner", "enemy foe adversary rival"),
    ("attack offensive assault", "defense defend"),
    ("begin start open launch", "end finish close complete stop halt"),
    ("allow permit approve accept support confirm agree", "ban forbid prohibit reject oppose deny refuse"),
    ("enter arrive come", "leave exit depart"),
    ("kill dead death die killed", "injure wound hurt injured wounded injury"),
    ("doctor", "patient"), ("teacher", "student pupil"), ("employer", "employee worker"),
    ("government authority", "opposition"),
    ("president", "minister premier chancellor governor mayor"),
    ("high upper maximum", "low lower minimum"),
    ("domestic internal", "foreign external international"),
    ("public state", "private"),
    ("profit", "loss"), ("peace", "war"), ("success", "failure"),
    ("old", "new young"), ("first", "last"), ("past", "future"), ("open", "closed"),
))
_OPPOSITE_PREFIXES = (("in", "de"), ("im", "ex"), ("in", "out"), ("up", "down"), ("over", "under"),
                      ("pro", "anti"), ("max", "min"), ("", "un"), ("", "in"), ("", "im"), ("", "il"), ("", "ir"),
                      ("", "dis"), ("", "non"), ("", "mis"), ("", "anti"), ("", "counter"))


def contrast(a: str, b: str) -> bool:
    """Two related words that mean different things: "increase"/"decrease", "legal"/"illegal",
    "militants"/"civilians", "north"/"south"."""
    keys_a = {american(a), _stem(a), _fallback_key(a)}
    keys_b = {american(b), _stem(b), _fallback_key(b)}
    for group in _CONTRASTS:
        sides_a = {i for i, words in enumerate(group) if words & keys_a}
        sides_b = {i for i, words in enumerate(group) if words & keys_b}
        if sides_a and sides_b and not sides_a & sides_b:
            return True
    for x in keys_a:
        for y in keys_b:
            for p, q in _OPPOSITE_PREFIXES + tuple((q, p) for p, q in _OPPOSITE_PREFIXES):
                if x.startswith(p) and y.startswith(q) and len(x) - len(p) >= 3 and x[len(p):] == y[len(q):]:
                    return True
    return False


# -- parsing -------------------------------------------------------------------------------
class _Parser:
    """Parses each text at most once per ``fact_checks`` call (the caller may cache across calls)."""

    def __init__(self, nlp: Any):
        self.nlp = nlp
        self.docs: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        if self.nlp is None:
            return None
        doc = self.docs.get(text)
        if doc is None:
            doc = self.docs[text] = self.nlp(text)
        return doc


def _parser(nlp: Any) -> _Parser:
    return nlp if isinstance(nlp, _Parser) else _Parser(nlp)


def _mask(text: str, spans: Sequence[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


# -- dates ---------------------------------------------------------------------------------
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


# -- numbers -------------------------------------------------------------------------------
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


# -- quotations ----------------------------------------------------------------------------
_QUOTE = re.compile(r"“([^”]{3,})”|\"([^\"]{3,})\"|«([^»]{3,})»")


def _norm_quote(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").lower().split())


def quotations(text: str) -> list[str]:
    return [_norm_quote(next(g for g in m.groups() if g)) for m in _QUOTE.finditer(text)]


def quotations_kept(original: str, candidate: str) -> list[str]:
    """Quotations of the original that the candidate no longer quotes word for word: the words must
    still stand between quote marks (taking the marks away turns a quote into a paraphrase)."""
    quoted = " | ".join(quotations(candidate))
    return [q for q in quotations(original) if q not in quoted and q.strip(" ,.;:!?") not in quoted]


def quotations_added(original: str, candidate: str) -> list[str]:
    """Quotations of the candidate that the original did not have: reported speech turned into a
    direct quote puts words in someone's mouth ("According to him, this is ..." -> He said, "This is ...")."""
    quoted = quotations(original)
    # American style moves the comma inside the quote ("... in autumn," the expert said): same words.
    return [q for q in quotations(candidate) if not any(q.strip(" ,.;:!?") in o for o in quoted)]


# -- negation and modality -----------------------------------------------------------------
_NEGATION = re.compile(r"\b(not|no|never|nobody|nothing|none|neither|nor|without|nowhere|cannot)\b|n't\b|\byet to\b", re.IGNORECASE)


def negations(text: str) -> int:
    return len(_NEGATION.findall(text.replace("’", "'")))


_ATTRIBUTION = (r"\b(according|citing|cited|said|says|say|saying|reported|reports|report|reporting|claimed|claims|"
                r"claim|stated|states|told|announced|quoted|quoting|noted|added|confirmed|denied|insisted|"
                r"believe|believes|believed|suggested|declared|writes|wrote|tweeted)\b")
_MODAL_CLASSES = {
    "ability": r"\b(can|could|able|unable|allowed|permitted|possible)\b",
    "possibility": r"\b(may|might|could|possibly|perhaps|probably|likely|unlikely|maybe|expected|apparently)\b",
    "obligation": r"\b(must|should|ought|have to|has to|had to|need to|needs to|required|obliged)\b",
    "future": r"\b(will|shall|going to|would)\b|'ll\b",
    "attribution": _ATTRIBUTION,
    # A hedge says the writer does not vouch for the claim: "the rebels reportedly left" is not
    # "the rebels left". Each one must stay, word for word: "allegedly" (the claim is disputed) is
    # not "reportedly" (the claim is someone else's).
    "hedge": r"\b(reportedly|allegedly|alleged|supposedly|purportedly|ostensibly|presumably|apparently|seemingly|"
             r"purported|rumoured|rumored)\b",
    # That something goes on or happens again: "users, as before, spent more" says more than
    # "users spent more".
    "continuity": r"\b(as before|as usual|again|still|already|no longer|any longer|anymore|once more)\b",
    # A contrast the sentence draws with the one before: "an excessive dose, on the contrary,
    # helps cancer cells grow" loses its point as "an excessive dose helps cancer cells grow".
    "contrast": r"\b(on the contrary|in contrast|by contrast|however|but|nevertheless|nonetheless|instead|whereas|"
                r"although|even though|despite|in spite of|conversely)\b",
}
# "will be able to" may become "can": a future that is also an ability is satisfied by either.
_FUTURE_SUBSTITUTES = ("future", "ability", "possibility", "obligation")
# Markers a sentence can hold several of, each saying something of its own: every one must stay
# (one may stand in for another: "however" -> "but").
_COUNTED_CLASSES = ("continuity", "contrast", "hedge")
# Attribution is counted by clause: "As reports Reuters, citing an unnamed representative" names
# two sources of the claim (the agency and its informant), "according to a report by Reuters" one.
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")


def modality(text: str) -> set[str]:
    lowered = text.lower().replace("’", "'")
    return {name for name, pattern in _MODAL_CLASSES.items() if re.search(pattern, lowered)}


def _count(name: str, text: str) -> int:
    return len(re.findall(_MODAL_CLASSES[name], text.lower().replace("’", "'")))


def attributions(text: str, doc: Any = None) -> int:
    """How many clauses (between commas, dashes, brackets) attribute the claim to someone: "…, the
    ministry said" is one, "As reports Reuters, citing an unnamed representative of the opposition,
    …" two. With spaCy, "the report" and "his claims" are no reporting verbs ("The report,
    published on Monday, said" is one)."""
    if doc is None:
        count, start = 0, 0
        for clause in _CLAUSE_BREAK.split(text.replace("’", "'")):
            # "the United States", "Reports" inside a sentence: a name, not a verb.
            if any(m.start() + start == 0 or not m.group(0)[0].isupper()
                   for m in re.finditer(_ATTRIBUTION, clause, re.I)):
                count += 1
            start += len(clause) + 1
        return count
    count, marked = 0, False
    for t in doc:
        if _CLAUSE_BREAK.fullmatch(t.text) or t.text in ("-", "--"):
            count, marked = count + marked, False
        elif re.fullmatch(_ATTRIBUTION, t.lower_.replace("’", "'")) and t.pos_ != "PROPN":
            # The tagger reads "the press service reports" as a noun too; "the report" (after a
            # determiner or an adjective) is one.
            if t.pos_ != "NOUN" or t.i == 0 or doc[t.i - 1].pos_ not in ("DET", "ADJ", "PRON", "NUM"):
                marked = True
    return count + marked


def _hedge_words(text: str) -> list[str]:
    """The hedges of ``text`` as words, an adjective as its adverb ("alleged" -> "allegedly")."""
    words = re.findall(_MODAL_CLASSES["hedge"], text.lower().replace("’", "'"))
    return [{"alleged": "allegedly", "purported": "purportedly", "rumored": "rumoured"}.get(w, w) for w in words]


def modality_lost(original: str, candidate: str, doc_o: Any = None, doc_c: Any = None) -> list[str]:
    before, after = modality(original), modality(candidate)
    lost = []
    for name in sorted(before):
        if name == "hedge":
            if any(_hedge_words(candidate).count(w) < n for w, n in Counter(_hedge_words(original)).items()):
                lost.append(name)
        elif name in _COUNTED_CLASSES:
            if _count(name, candidate) < _count(name, original):
                lost.append(name)
        elif name == "attribution":
            if attributions(candidate, doc_c) < attributions(original, doc_o):
                lost.append(name)
        elif name == "future":
            if not after.intersection(_FUTURE_SUBSTITUTES) and "possibility" not in after:
                lost.append(name)
        elif name == "possibility":
            # "may be possible" is not "is possible": an ability word does not keep a hedge.
            if not after.intersection(("possibility", "future")):
                lost.append(name)
        elif name not in after:
            lost.append(name)
    return lost


# -- names ---------------------------------------------------------------------------------
_ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
_STOP_CAPS = {"the", "a", "an", "as", "on", "in", "at", "by", "for", "of", "and", "but", "or", "with", "from", "to",
              "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "mr", "mrs", "ms", "dr",
              "according", "earlier", "later", "special", "official", "share"}
_WORD = re.compile(r"[\w’'-]+")
_LINK_CAPS = {"of", "for", "and", "the"}


_CALENDAR = set(_WEEKDAYS) | set(_MONTHS)
_DOTTED_NAME = re.compile(r"\b[A-Z][A-Za-z]+\.[A-Za-z]{2,}\b")


def _tokens(text: str) -> set[str]:
    return {t.lower() for t in _WORD.findall(text)}


def named_things(text: str, nlp=None) -> list[str]:
    """Names a rewrite must keep: spaCy entities, plus capitalised words inside the sentence."""
    names: list[str] = []
    doc = _parser(nlp)(text)
    if doc is not None:
        names.extend(e.text for e in doc.ents if e.label_ in _ENTITY_LABELS and e.text.lower() not in _CALENDAR)
    run: list[str] = []
    # A run of capitalised words is one name ("Free Syrian Army"); punctuation ends it.
    tokens = re.findall(r"[\w’'-]+|[^\w\s]", _name_text(text))
    first = next((i for i, t in enumerate(tokens) if t[:1].isalnum()), 0)
    for i, word in enumerate(tokens + [""]):
        if i > first and word[:1].isupper() and word.lower() not in _STOP_CAPS and word.lower() not in _CALENDAR:
            run.append(word)  # weekdays and months belong to the dates check
            continue
        if run and word.lower() in ("of", "for", "the"):
            run.append(word)  # "Ministry of Defence"
            continue
        while run and run[-1].lower() in _LINK_CAPS:
            run.pop()
        if run:
            names.append(" ".join(run))
        run = []
    return list(dict.fromkeys(names))


def _name_words(name: str) -> list[str]:
    """The words a name is checked by: "al-Nusra Front" -> Nusra, Front; "Turkish-made" -> Turkish."""
    words: list[str] = []
    for w in _WORD.findall(name):
        parts = [p for p in w.split("-") if p]
        if len(parts) > 1:
            words.extend(p for p in parts if p[:1].isupper() or p[:1].isdigit())
        elif parts and w.lower() not in _STOP_CAPS and w.strip("'’"):
            words.append(w)
    return words


_DEMONYM_SUFFIXES = ("n", "an", "ian", "i", "ese", "ish", "ic", "ns", "ans", "ians", "is", "y")


def demonym(a: str, b: str) -> bool:
    """A place and its people or adjective: Syria/Syrian, Ukraine/Ukrainian, Israel/Israeli,
    Turkey/Turkish, China/Chinese, Germany/German (but not Ivanov/Ivanova)."""
    short, long = sorted((a.lower(), b.lower()), key=len)
    for cut in (0, 1, 2):
        base = short[: len(short) - cut]
        if len(base) >= 3 and long.startswith(base) and long[len(base):] in _DEMONYM_SUFFIXES:
            return True
    return False


_DOTTED = re.compile(r"\b((?:[A-Z]\.){2,})")
# One country, several names; every other acronym is checked against the initials of the name.
_ALIASES = ((re.compile(r"\b(?:the )?(?:United States(?: of America)?|USA)\b"), "US"),
            (re.compile(r"(?<!Latin )(?<!South )(?<!North )(?<!Central )\bAmerica(?:n|ns)?\b"), "US"),
            (re.compile(r"\b(?:the )?(?:United Kingdom|Great Britain|Britain|British)\b"), "UK"))


def _name_text(text: str) -> str:
    """"U.S.", "the United States" and "American" are "US"; "Britain" and "British" are "UK"."""
    text = _DOTTED.sub(lambda m: m.group(1).replace(".", ""), text)
    for pattern, alias in _ALIASES:
        text = pattern.sub(alias, text)
    return text


def _initials(text: str) -> set[str]:
    """Acronyms a run of capitalised words may go by: "United Nations" -> "un", "Free Syrian Army"
    -> "fsa" (and "sa", "fs")."""
    out: set[str] = set()
    run: list[str] = []
    for word in _WORD.findall(text) + [""]:
        if word[:1].isupper():
            run.append(word)
            continue
        if word.lower() in _LINK_CAPS and run:
            continue
        caps = [w[0].lower() for w in run]
        out.update("".join(caps[i:j]) for i in range(len(caps)) for j in range(i + 2, len(caps) + 1))
        run = []
    return out


def _name_keys(text: str) -> set[str]:
    """What a name of the other text may be found as: word stems and acronyms."""
    text = _name_text(text)
    tokens = _tokens(text)
    # "al-Mishri" is checked by "Mishri" (see _name_words): a hyphenated word is found by its parts too.
    parts = {p for t in tokens if "-" in t for p in t.split("-") if p}
    return {_stem(t) for t in tokens | parts} | _initials(text)


def _has_name_word(word: str, have: set[str]) -> bool:
    stem = _stem(word)
    return stem in have or any(demonym(stem, h) for h in have)


def _kept(name: str, have: set[str]) -> bool:
    name = _name_text(name)
    words = _name_words(name)
    if all(_has_name_word(w, have) for w in words):
        return True
    caps = [w[0].lower() for w in words if w[:1].isupper()]
    return len(caps) >= 2 and len(caps) == len(words) and "".join(caps) in have  # "United Nations" -> "UN"


def names_missing(original: str, candidate: str, nlp=None) -> list[str]:
    """Names of the original with a word the candidate lacks (case, possessives, British or
    American spelling, a place's adjective, "Russia"/"Russian", and acronyms, "UN"/"United
    Nations", ignored)."""
    have = _name_keys(candidate)
    return [name for name in named_things(original, nlp) if not _kept(name, have)]


def names_added(original: str, candidate: str, nlp=None) -> list[str]:
    """spaCy entities of the candidate with a word the original never had: a name the rewrite made up."""
    doc = _parser(nlp)(candidate)
    if doc is None:
        return []
    have = _name_keys(original)
    added = [e.text for e in doc.ents if e.label_ in _ENTITY_LABELS and e.text.lower() not in _CALENDAR
             and not (e.start == 0 and len(e) == 1 and e[0].tag_ not in ("NNP", "NNPS"))  # "Citizens who ..."
             and not _kept(e.text, have)]
    return list(dict.fromkeys(added))


# -- content words -------------------------------------------------------------------------
_CONTENT_POS = {"NOUN", "VERB", "ADJ"}  # names are the entities check's, numbers the numbers check's
# Lemmas that carry grammar rather than facts ("have not yet given a response" is "had not yet
# responded"), and words other checks own: numbers, dates, reporting verbs, modals.
_LIGHT = {
    "be", "have", "do", "get", "make", "take", "give", "become", "let", "seem", "go", "come", "put", "keep",
    "such", "other", "many", "much", "more", "most", "few", "several", "own", "same", "certain", "various",
    "able", "unable", "possible", "likely", "unlikely", "whole", "entire", "thing", "way", "lot", "kind", "sort",
    "percent", "cent", "per", "%", "order", "fact", "case", "part", "number", "amount", "time",
    "only", "really", "nearly", "actually", "exactly", "approximately", "roughly", "reportedly", "allegedly",
    "apparently", "probably", "possibly", "also", "respectively", "currently", "already", "still",
}
# Reporting verbs belong to the attribution check: "claimed" -> "said" is its call, not content's.
_REPORTING = {"say", "tell", "report", "state", "claim", "add", "note", "cite", "quote", "accord", "write", "speak",
              "declare", "announce", "stress", "emphasize", "emphasise", "point", "insist", "explain", "reply",
              "comment", "remark", "mention"}
_FALLBACK_STOP = {"about", "after", "again", "against", "because", "before", "being", "between", "could", "during",
                  "other", "their", "there", "these", "those", "through", "under", "until", "where", "which", "while",
                  "would", "should", "shall", "might", "within", "without", "also", "said", "says", "however",
                  "according", "above", "below", "since", "whose", "whether", "every", "another", "having", "still",
                  "already", "never", "always", "often", "maybe", "perhaps", "almost", "nearly", "around",
                  "approximately", "roughly", "reportedly", "allegedly", "apparently", "probably", "possibly",
                  # light verbs: "have not yet given a response" is "had not yet responded"
                  "given", "gives", "giving", "taken", "takes", "taking", "makes", "making", "become", "became",
                  "becomes", "getting", "going", "doing"}
_NOT_CONTENT = (set(_UNITS) | set(_SCALES) | set(_ORDINALS) | set(_MONTHS) | set(_WEEKDAYS) | set(_RELATIVE_DAYS)
                | {"hundreds", "thousands", "millions", "billions", "dozens", "last"})


@dataclass(frozen=True)
class Word:
    """A content word: its text, its key (lemma in American spelling) and every key it may be found
    under in the other text (lemma, surface stem, crude stem)."""

    text: str
    key: str
    keys: frozenset


def _token_keys(token: Any) -> set[str]:
    keys = {_stem(token.text), _fallback_key(token.text)}
    if token.lemma_:
        keys.add(american(token.lemma_))
    return keys


def content_items(text: str, nlp=None) -> list[Word]:
    """The words that carry the sentence's information, one per lemma: nouns, verbs, adjectives and
    -ly adverbs with spaCy; words of five letters or more without it. Names are left to the
    entities check, numbers and dates to theirs, reporting verbs to the attribution check."""
    doc = _parser(nlp)(text)
    items: list[Word] = []
    if doc is not None:
        for t in doc:
            lemma = american(t.lemma_ or t.text)
            if not t.text[:1].isalpha():
                continue
            if t.pos_ not in _CONTENT_POS and not (t.pos_ == "ADV" and t.text.lower().endswith("ly") and len(t.text) > 5):
                continue
            if lemma in _LIGHT or t.lower_ in _LIGHT or t.lower_ in _NOT_CONTENT or lemma in _NOT_CONTENT:
                continue
            if t.pos_ == "VERB" and lemma in _REPORTING:
                continue
            items.append(Word(t.text, lemma, frozenset(_token_keys(t))))
    else:
        for m in re.finditer(r"[A-Za-z][\w'’-]{4,}", _name_text(text)):
            w, low = m.group(0), m.group(0).lower()
            if low in _FALLBACK_STOP or low in _NOT_CONTENT or re.fullmatch(_ATTRIBUTION, low):
                continue
            if w[0].isupper() and m.start() > 0:
                continue  # a name inside the sentence: the entities check's
            items.append(Word(w, _fallback_key(w), frozenset({_stem(w), _fallback_key(w)})))
    seen: dict[str, Word] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return list(seen.values())


def content_words(text: str, nlp=None) -> list[str]:
    """The content words' keys (lemmas in American spelling)."""
    return [w.key for w in content_items(text, nlp)]


def _all_keys(text: str, nlp=None) -> set[str]:
    doc = _parser(nlp)(text)
    keys = {k for w in _WORD.findall(text) for k in (_stem(w), _fallback_key(w))}
    if doc is not None:
        keys.update(american(t.lemma_) for t in doc if t.lemma_)
    return keys


def _replaceable_keys(replaceable: Collection[str]) -> set[str]:
    keys = set()
    for word in replaceable:
        keys.update({word.lower(), _stem(word), _fallback_key(word), american(word)})
    return keys


def content_dropped(original: str, candidate: str, nlp=None, replaceable: Collection[str] = (),
                    similar: Similar | None = None) -> list[str]:
    """Content words of the original that the candidate lost.

    A word counts as kept when the candidate has its lemma (any inflection, either spelling),
    when a flagged problem covers it (``replaceable``: the fix is meant to replace it), or when a
    new word of the candidate stands in for it: a derivation ("response" -> "responded"), or,
    with ``similar``, a word at least WORD_SIMILARITY alike ("militants" -> "fighters"), each new
    word standing in for one old one. Without ``similar`` a swap cannot be judged, so one word of
    a sentence (at most a third of its content words) may be swapped for one new word, as before.
    """
    parse = _parser(nlp)
    words = content_items(original, parse)
    have = _all_keys(candidate, parse)
    covered = _replaceable_keys(replaceable)
    missing = [w for w in words if not (w.keys & have) and w.text.lower() not in covered
               and not (w.keys & covered)]
    if not missing:
        return []
    known = _all_keys(original, parse)
    added = [w for w in content_items(candidate, parse) if not (w.keys & known)]
    return _unmatched(missing, added, words, similar)


def _unmatched(missing: list[Word], added: list[Word], words: Sequence[Word] | None,
               similar: Similar | None) -> list[str]:
    """The words of ``missing`` that no word of ``added`` stands in for (``added`` loses its matches)."""
    # A derivation: the same stem in another part of speech.
    for word in list(missing):
        twin = next((a for a in added if any(derived(k, b) for k in word.keys for b in a.keys)), None)
        if twin is not None:
            missing.remove(word)
            added.remove(twin)
    if not missing:
        return []
    if similar is not None:
        # A contrast ("militants" -> "civilians") is no synonym however alike the embedder finds it.
        options = [(i, j) for i, m in enumerate(missing) for j, a in enumerate(added) if not contrast(m.text, a.text)]
        if options:
            pairs = list(dict.fromkeys((missing[i].text.lower(), added[j].text.lower()) for i, j in options))
            scores = dict(zip(pairs, similar(pairs)))
            ranked = sorted(((scores[(missing[i].text.lower(), added[j].text.lower())], i, j) for i, j in options),
                            reverse=True)
            used_m, used_a = set(), set()
            for score, i, j in ranked:
                if score < WORD_SIMILARITY:
                    break
                if i in used_m or j in used_a:
                    continue
                used_m.add(i)
                used_a.add(j)
            missing = [m for i, m in enumerate(missing) if i not in used_m]
            added[:] = [a for j, a in enumerate(added) if j not in used_a]
        return [m.text for m in missing]
    if words is None:
        return [m.text for m in missing]
    if len(missing) >= 2 or (words and len(missing) / len(words) > 1 / 3):
        return [m.text for m in missing]
    # A swap brings a word of its own; a word gone with nothing new in its place was dropped
    # ("the efficiency of the vaccine is lower" -> "the vaccine's potential is lower", where
    # "potential" was already in the sentence).
    return [m.text for m in missing] if len(missing) > len(added) else []


# -- plurality -----------------------------------------------------------------------------
def content_added(original: str, candidate: str, nlp=None, replaceable: Collection[str] = (),
                  allowed: Collection[str] = (), similar: Similar | None = None) -> list[str]:
    """Content words the candidate brings that stand in for nothing of the original: an added fact
    ("less" -> "less cost-effective", "..., the information was reported"). A new word may replace
    a word a flagged problem covers ("derived" -> "evacuated", "eve" -> "day"), derive from a word it
    replaces, be a synonym of one (with ``similar``), or come from a rule's fix (``allowed``)."""
    parse = _parser(nlp)
    if parse(original) is None:
        return []  # without lemmas and parts of speech an added word cannot be told from a reworded one
    known = _all_keys(original, parse) | _replaceable_keys(allowed)
    added = [w for w in content_items(candidate, parse) if not (w.keys & known)]
    if not added:
        return []
    have = _all_keys(candidate, parse)
    covered = _replaceable_keys(replaceable)
    gone = [w for w in content_items(original, parse) if not (w.keys & have)]
    # Words a fix may replace, one new word each; then derivations and synonyms of the rest.
    replaced = [w for w in gone if w.text.lower() in covered or (w.keys & covered)]
    rest = [w for w in gone if w not in replaced]
    added = added[len(replaced):] if len(added) > len(replaced) else []
    for word in list(rest):
        twin = next((a for a in added if any(derived(k, b) for k in word.keys for b in a.keys)), None)
        if twin is not None:
            rest.remove(word)
            added.remove(twin)
    if added and rest:
        if similar is None:
            added = added[len(rest):]  # no way to judge a swap: one new word per word gone, as content_dropped
        else:
            _unmatched(rest, added, None, similar)
    return [a.text for a in added]


def plurality_changed(original: str, candidate: str, nlp=None) -> list[str]:
    """Nouns only singular in one text and only plural in the other: "the official said" is one
    person, "officials said" several. Needs spaCy's tagger (NN/NNS); without it, nothing."""
    parse = _parser(nlp)
    if parse(original) is None:
        return []

    def forms(text: str) -> dict[str, set[bool]]:
        out: dict[str, set[bool]] = {}
        for t in parse(text):
            if t.pos_ == "NOUN" and t.tag_ in ("NN", "NNS") and t.text[:1].isalpha():
                out.setdefault(american(t.lemma_ or t.text), set()).add(t.tag_ == "NNS")
        return out

    before, after = forms(original), forms(candidate)
    changed = []
    for lemma, numbers_before in before.items():
        numbers_after = after.get(lemma)
        if numbers_after and len(numbers_before) == 1 and len(numbers_after) == 1 and numbers_before != numbers_after:
            was = "plural" if True in numbers_before else "singular"
            now = "plural" if True in numbers_after else "singular"
            changed.append(f"{lemma}: {was} became {now}")
    return changed


def voice_changed(original: str, candidate: str, nlp=None) -> list[str]:
    """A verb active in one text and passive in the other turns who did what around: "Trutnev
    awarded the prize" is not "Trutnev was awarded the prize". Needs spaCy's parser."""
    parse = _parser(nlp)
    if parse(original) is None:
        return []

    def voices(text: str) -> dict[str, set[bool]]:
        out: dict[str, set[bool]] = {}
        for t in parse(text):
            if t.pos_ == "VERB":
                passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in t.children)
                out.setdefault(american(t.lemma_ or t.text), set()).add(passive)
        return out

    before, after = voices(original), voices(candidate)
    return [f"“{lemma}” became {'passive' if True in after[lemma] else 'active'}" for lemma, was in before.items()
            if lemma in after and len(was) == 1 and len(after[lemma]) == 1 and was != after[lemma]]


# -- all checks ----------------------------------------------------------------------------
def fact_checks(original: str, candidate: str, nlp: Any = None, replaceable: Collection[str] = (),
                similar: Similar | None = None, allowed: Collection[str] = ()) -> list[Check]:
    """Every check a candidate rewrite of ``original`` must pass, in this order: numbers, dates,
    approximation, entities, content, plurality, quotations, negation, modality.

    ``nlp`` parses a text to a spaCy Doc (with the lemmatizer); without it the checks fall back to
    regular expressions and plurality passes. ``replaceable`` holds the lower-case words of the
    original that the flagged problems cover: they may disappear. ``similar`` scores pairs of short
    texts (MiniLM cosine); with it, a content word may be swapped for a synonym but not for an
    unrelated word.
    """
    parse = _parser(nlp)
    doc_o, doc_c = parse(original), parse(candidate)
    checks = []

    dates_o, dates_c = date_mentions(original), date_mentions(candidate)
    nums_o, nums_c = number_mentions(original, doc_o, dates_o), number_mentions(candidate, doc_c, dates_c)
    lost, added = _match_numbers(nums_o, nums_c)
    detail = ", ".join([f"lost {number_label(n.value)}" for n in lost] + [f"added {number_label(n.value)}" for n in added])
    checks.append(Check("numbers", not lost and not added, detail))

    lost_dates, added_dates = _match_dates(dates_o, dates_c)
    detail = ", ".join([f"lost {d.label}" for d in lost_dates] + [f"added {d.label}" for d in added_dates])
    checks.append(Check("dates", not lost_dates and not added_dates, detail))

    approx = approximation_changed(original, candidate, nums_o, nums_c)
    checks.append(Check("approximation", not approx, ", ".join(approx)))

    # "Gazeta.Ru", "RIA.Novosti": a name written with a dot is one word ("Gazeta. Ru" breaks it).
    missing = names_missing(original, candidate, parse) + [
        w for w in dict.fromkeys(_DOTTED_NAME.findall(original)) if w not in candidate]
    invented = names_added(original, candidate, parse)
    detail = ", ".join([f"dropped {m}" for m in missing] + [f"added {m}" for m in invented])
    checks.append(Check("entities", not missing and not invented, detail))

    dropped = content_dropped(original, candidate, parse, replaceable, similar)
    added_words = content_added(original, candidate, parse, replaceable, allowed, similar)
    detail = ", ".join([f"dropped {w}" for w in dropped] + [f"added {w}" for w in added_words])
    checks.append(Check("content", not dropped and not added_words, detail))

    voice = voice_changed(original, candidate, parse)
    checks.append(Check("voice", not voice, ", ".join(voice)))

    plural = plurality_changed(original, candidate, parse)
    checks.append(Check("plurality", not plural, ", ".join(plural)))

    quotes = [f"changed “{q}”" for q in quotations_kept(original, candidate)]
    quotes += [f"added “{q}”" for q in quotations_added(original, candidate)]
    checks.append(Check("quotations", not quotes, "; ".join(quotes)))

    before, after = negations(original), negations(candidate)
    checks.append(Check("negation", before == after, "" if before == after else f"{before} negations became {after}"))

    modal = modality_lost(original, candidate, doc_o, doc_c)
    checks.append(Check("modality", not modal, ", ".join(f"lost {m}" for m in modal)))

    scope = quantifiers_changed(original, candidate) + stance_added(original, candidate) + repeats_lost(original, candidate)
    checks.append(Check("scope", not scope, ", ".join(scope)))
    return checks


# How much of something: "most of them ceased to exist" is not "which ceased to exist".
_QUANTIFIERS = ("all", "most", "some", "many", "much", "few", "several", "each", "every", "none", "half", "both",
                "majority", "minority", "only", "entire", "whole")
# A writer's stance the original did not take: "Roughly speaking, Russians gave ..." (found on held-out rows).
_STANCE = re.compile(r"\b(roughly speaking|broadly speaking|basically|essentially|in fact|actually|of course|clearly|"
                     r"obviously|certainly|definitely|indeed|surely|undoubtedly|generally|usually|mostly|mainly|"
                     r"largely|roughly|approximately|nearly|almost|around|just|simply|merely|even|also|too)\b", re.I)
_STOP = frozenset("""this that these those there their them they with from into onto upon about over under after
before while which whose where when what will would could should have been being were than then also such only
very more most some many much each every other another same said says""".split())


def quantifiers_changed(original: str, candidate: str) -> list[str]:
    before = Counter(w for w in re.findall(r"[a-z]+", original.lower()) if w in _QUANTIFIERS)
    after = Counter(w for w in re.findall(r"[a-z]+", candidate.lower()) if w in _QUANTIFIERS)
    return [f"lost “{w}”" for w in sorted(before) if after[w] < before[w]] + \
        [f"added “{w}”" for w in sorted(after) if after[w] > before[w]]


def stance_added(original: str, candidate: str) -> list[str]:
    before = Counter(m.lower() for m in _STANCE.findall(original))
    after = Counter(m.lower() for m in _STANCE.findall(candidate))
    return [f"added “{w}”" for w in sorted(after) if after[w] > before[w]]


def repeats_lost(original: str, candidate: str) -> list[str]:
    """A content word the original says twice ("suitability for the life of the clouds, then search
    for life there") kept only once: one of its two roles is gone."""
    def counts(text: str) -> Counter:
        return Counter(w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP)
    before, after = counts(original), counts(candidate)
    return [f"“{w}” {n} times -> {after[w]}" for w, n in sorted(before.items()) if n >= 2 and after[w] < n]
