"""What a rewrite must keep: numbers, dates, names, quotations, negation and modality.

Each extractor returns a comparable value for one sentence, so a check is "the candidate's
value covers the original's". They are deliberately strict: a missed good rewrite costs an
editor a few seconds, a changed number in a news story costs a correction.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from mtcheck.types import Check

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12, "dozen": 12, "half": 0.5,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 10**12,
           "mln": 1_000_000, "bln": 1_000_000_000, "k": 1_000, "m": 1_000_000, "bn": 1_000_000_000}
_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
             "ninth": 9, "tenth": 10}

_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{2,4})\b")
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


def _clean(value: float) -> float:
    return round(value, 6)


_RANGE_SCALE = re.compile(
    r"\b(\d+(?:[.,]\d+)?)(\s*(?:to|and|-|–|—)\s*)(\d+(?:[.,]\d+)?)\s+(thousand|million|billion|trillion)\b", re.I
)


def _plain(raw: str) -> float:
    return float(raw.replace(",", "")) if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else float(raw.replace(",", "."))


def _spread_scale(match: re.Match) -> str:
    # "3 to 6 thousand" is 3,000 to 6,000: the scale word covers both ends of a rising range.
    low, joiner, high, scale = match.groups()
    if _plain(low) >= _plain(high):
        return match.group(0)
    return f"{low} {scale}{joiner}{high} {scale}"


def numbers(text: str) -> Counter:
    """Numeric values in the text: "1.3 thousand", "1,300" and "1300" are all 1300, and "3 to 6
    thousand" is 3000 and 6000."""
    found: Counter = Counter()
    text = _RANGE_SCALE.sub(_spread_scale, _NUMERIC_DATE.sub(" ", text))
    for match in _NUMBER.finditer(text):
        raw, scale = match.group(1), match.group(2)
        value = _plain(raw)
        if scale:
            value *= _SCALES[scale.lower()]
        found[_clean(value)] += 1
    for match in _WORD_NUMBER.finditer(text):
        head, tail, scale = match.group(1).lower(), match.group(2), match.group(3)
        if head in ("half",) and not scale:
            continue  # "half of them" is a proportion; too common in prose to demand verbatim
        if head == "one" and not scale:
            continue  # "one of", "no one": a pronoun far more often than a count
        value = _UNITS[head] + (_UNITS[tail.lower()] if tail else 0)
        if scale:
            value *= _SCALES[scale.lower()]
        found[_clean(value)] += 1
    for match in _BARE_SCALE.finditer(text):
        found[match.group(1).lower()] += 1
    return found


def dates(text: str) -> Counter:
    lowered = text.lower()
    found: Counter = Counter()
    for match in _NUMERIC_DATE.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        found[f"date:{year % 100:02d}-{month:02d}-{day:02d}"] += 1
    for word in re.findall(r"[a-z]+", lowered):
        if word in _WEEKDAYS or (word in _MONTHS and word != "may"):
            found[word] += 1
    for match in re.finditer(r"\bmay\b", text):  # "May" the month, not the modal
        if re.match(r"May\s+\d|\d+\s+May", text[max(0, match.start() - 3): match.end() + 3]):
            found["may"] += 1
    for word in re.findall(r"\b(yesterday|today|tomorrow|tonight)\b", lowered):
        found[word] += 1
    return found


_QUOTE = re.compile(r"“([^”]{3,})”|\"([^\"]{3,})\"|«([^»]{3,})»")


def _norm_quote(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").lower().split())


def quotations(text: str) -> list[str]:
    return [_norm_quote(next(g for g in m.groups() if g)) for m in _QUOTE.finditer(text)]


def quotations_kept(original: str, candidate: str) -> list[str]:
    """Quotations of the original that the candidate no longer contains word for word."""
    flat = _norm_quote(candidate)
    return [q for q in quotations(original) if q not in flat]


def quotations_added(original: str, candidate: str) -> list[str]:
    """Quotations of the candidate that the original did not have: reported speech turned into a
    direct quote puts words in someone's mouth ("According to him, this is ..." -> He said, "This is ...")."""
    quoted = quotations(original)
    # American style moves the comma inside the quote ("... in autumn," the expert said): same words.
    return [q for q in quotations(candidate) if not any(q.strip(" ,.;:!?") in o for o in quoted)]


_NEGATION = re.compile(r"\b(not|no|never|nobody|nothing|none|neither|nor|without|nowhere|cannot)\b|n't\b|\byet to\b", re.IGNORECASE)


def negations(text: str) -> int:
    return len(_NEGATION.findall(text.replace("’", "'")))


_MODAL_CLASSES = {
    "ability": r"\b(can|could|able|unable|allowed|permitted|possible)\b",
    "possibility": r"\b(may|might|could|possibly|perhaps|probably|likely|unlikely|maybe|expected|apparently)\b",
    "obligation": r"\b(must|should|ought|have to|has to|had to|need to|needs to|required|obliged)\b",
    "future": r"\b(will|shall|going to|would)\b|'ll\b",
    "attribution": r"\b(according|citing|cited|said|says|say|saying|reported|reports|report|reporting|claimed|claims|"
                   r"claim|stated|states|told|announced|reportedly|allegedly|alleged|quoted|quoting|noted|added|"
                   r"confirmed|denied|insisted|believe|believes|believed|suggested|declared)\b",
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


def modality(text: str) -> set[str]:
    lowered = text.lower().replace("’", "'")
    return {name for name, pattern in _MODAL_CLASSES.items() if re.search(pattern, lowered)}


# Markers a sentence can hold several of, each saying something of its own: every one must stay
# (one may stand in for another: "however" -> "but").
_COUNTED_CLASSES = ("continuity", "contrast")


def _count(name: str, text: str) -> int:
    return len(re.findall(_MODAL_CLASSES[name], text.lower().replace("’", "'")))


def modality_lost(original: str, candidate: str) -> list[str]:
    before, after = modality(original), modality(candidate)
    lost = []
    for name in sorted(before):
        if name in _COUNTED_CLASSES:
            if _count(name, candidate) < _count(name, original):
                lost.append(name)
        elif name == "future":
            if not after.intersection(_FUTURE_SUBSTITUTES) and "possibility" not in after:
                lost.append(name)
        elif name == "possibility":
            if not after.intersection(("possibility", "ability", "future")):
                lost.append(name)
        elif name not in after:
            lost.append(name)
    return lost


_ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
_STOP_CAPS = {"the", "a", "an", "as", "on", "in", "at", "by", "for", "of", "and", "but", "or", "with", "from", "to",
              "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "mr", "mrs", "ms", "dr",
              "according", "earlier", "later", "special", "official", "share", "with"}


def _tokens(text: str) -> set[str]:
    return {t.lower() for t in re.findall(r"[\w'’-]+", text)}


def named_things(text: str, nlp=None) -> list[str]:
    """Names a rewrite must keep: spaCy entities, plus capitalised words inside the sentence."""
    names: list[str] = []
    if nlp is not None:
        doc = nlp(text)
        names.extend(e.text for e in doc.ents if e.label_ in _ENTITY_LABELS)
    words = re.findall(r"[\w’'-]+", text)
    for i, word in enumerate(words):
        if i == 0 or not word[:1].isupper() or word.lower() in _STOP_CAPS:
            continue
        names.append(word)
    return list(dict.fromkeys(names))


def _stem(word: str) -> str:
    word = word.lower().replace("’", "'")
    for suffix in ("'s", "s'", "s"):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)]
    return word


def names_missing(original: str, candidate: str, nlp=None) -> list[str]:
    """Names of the original with a word the candidate lacks (case and possessives ignored)."""
    have = {_stem(t) for t in _tokens(candidate)}
    missing = []
    for name in named_things(original, nlp):
        words = [w for w in re.findall(r"[\w’'-]+", name) if w.lower() not in _STOP_CAPS]
        if any(_stem(w) not in have for w in words):
            missing.append(name)
    return missing


_CONTENT_POS = {"NOUN", "PROPN"}  # numbers have their own check
_FALLBACK_STOP = {"about", "after", "again", "against", "because", "before", "being", "between", "could", "during",
                  "other", "their", "there", "these", "those", "through", "under", "until", "where", "which", "while",
                  "would", "should", "shall", "might", "within", "without", "also", "said", "says", "however"}


def content_words(text: str, nlp=None) -> list[str]:
    """The nouns (and numbers) that carry a sentence's information, as stems."""
    if nlp is not None:
        words = [t.text for t in nlp(text) if t.pos_ in _CONTENT_POS and t.text[:1].isalpha()]
    else:
        words = [w for w in re.findall(r"[A-Za-z][\w'-]{4,}", text) if w.lower() not in _FALLBACK_STOP]
    return list(dict.fromkeys(_stem(w) for w in words if w.lower() not in _UNITS and w.lower() not in _SCALES))


def content_dropped(original: str, candidate: str, nlp=None) -> list[str]:
    """Content words of the original that the candidate lacks; a paraphrase may swap one word
    of several for a new one ("militants" -> "fighters"), but losing two, or a third of them,
    or one with no new word in its place, means information went missing."""
    words = content_words(original, nlp)
    have = {_stem(t) for t in _tokens(candidate)}
    missing = [w for w in words if w not in have]
    if len(missing) >= 2 or (words and len(missing) / len(words) > 1 / 3):
        return missing
    # A swap brings a word of its own; a word gone with nothing new in its place was dropped
    # ("the efficiency of the vaccine is lower" -> "the vaccine's potential is lower", where
    # "potential" was already in the sentence).
    known = {_stem(t) for t in _tokens(original)}
    replacements = [w for w in content_words(candidate, nlp) if w not in known]
    return missing if len(missing) > len(replacements) else []


def fact_checks(original: str, candidate: str, nlp: Any = None) -> list[Check]:
    """The checks that need no model beyond spaCy: facts, negation, modality."""
    checks = []
    lost = numbers(original) - numbers(candidate)
    added = numbers(candidate) - numbers(original)
    detail = ", ".join([f"lost {k}" for k in lost] + [f"added {k}" for k in added])
    checks.append(Check("numbers", not lost and not added, detail))
    lost_dates = dates(original) - dates(candidate)
    checks.append(Check("dates", not lost_dates, ", ".join(f"lost {k}" for k in lost_dates)))
    missing = names_missing(original, candidate, nlp)
    checks.append(Check("entities", not missing, ", ".join(f"dropped {m}" for m in missing)))
    dropped = content_dropped(original, candidate, nlp)
    checks.append(Check("content", not dropped, ", ".join(f"dropped {w}" for w in dropped)))
    quotes = [f"changed “{q}”" for q in quotations_kept(original, candidate)]
    quotes += [f"added “{q}”" for q in quotations_added(original, candidate)]
    checks.append(Check("quotations", not quotes, "; ".join(quotes)))
    before, after = negations(original), negations(candidate)
    checks.append(Check("negation", before == after, "" if before == after else f"{before} negations became {after}"))
    modal = modality_lost(original, candidate)
    checks.append(Check("modality", not modal, ", ".join(f"lost {m}" for m in modal)))
    return checks
