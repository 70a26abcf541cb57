"""Anchor evidence for alignment: the numbers and names a sentence shares with a candidate.

Two articles on one story paraphrase freely, but a counterpart keeps the facts: "within 48
hours" / "over a 48-hour period", "1.3 thousand" / "1,300", "Blomberg" / "Bloomberg". And a
sentence whose figure the candidate lacks ("78 thousand civilians" against a sentence with no
number) is probably not its counterpart, however close the topic.

``numbers``: (shared - missing) / (numbers in the sentence), in -1..1, 0 when it has none; the
candidate's extra numbers cost nothing (references often add detail).
``names``: the IDF-weighted share of the sentence's names (capitalised words) that the candidate
contains, matched fuzzily so that transliterations and typos count, in 0..1.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from functools import lru_cache
from typing import Sequence

from mtcheck.compare.lexical import STOPWORDS

MULTIPLIERS = {"thousand": 1e3, "k": 1e3, "million": 1e6, "mln": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12}
NUMBER_WORDS = {w: n for n, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())}
del NUMBER_WORDS["zero"], NUMBER_WORDS["one"]  # "one" is as often a pronoun as a number
# A full date is a dateline ("12.12.2016"), not a fact of the story.
_DATE = re.compile(r"\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b")
_NUMBER = re.compile(
    r"(?<![\w.,-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d])"
    r"(?:\s*(thousand|million|billion|trillion|mln|bn|k|m)\b)?",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b(?:\s+(thousand|million|billion))?", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
SAME_SPELLING = 0.8  # difflib ratio of two spellings of one name ("Blomberg"/"Bloomberg": 0.94)


def numbers(text: str) -> frozenset[float]:
    """The numbers in a text as values: "1.3 thousand", "1,300" and "1300" are all 1300."""
    text = _DATE.sub(" ", text)
    found = set()
    for digits, scale in _NUMBER.findall(text):
        value = float(digits.replace(",", ""))
        found.add(round(value * MULTIPLIERS.get(scale.lower(), 1.0), 6))
    for word, scale in _NUMBER_WORD.findall(text):
        found.add(float(NUMBER_WORDS[word.lower()] * MULTIPLIERS.get(scale.lower(), 1.0)))
    return frozenset(found)


def number_evidence(sentence: frozenset[float], candidate: frozenset[float]) -> float:
    if not sentence:
        return 0.0
    shared = len(sentence & candidate)
    return (shared - (len(sentence) - shared)) / len(sentence)


def _canonical(token: str) -> str:
    token = token.lower().replace("’", "'")
    return token[:-2] if token.endswith("'s") else token


def tokens(text: str) -> list[str]:
    return [_canonical(t) for t in _TOKEN.findall(text)]


def capitalised(text: str) -> list[tuple[int, str]]:
    """(position, canonical form) of the capitalised words of a text, stopwords aside."""
    return [
        (i, _canonical(t))
        for i, t in enumerate(_TOKEN.findall(text))
        if t[:1].isupper() and _canonical(t) not in STOPWORDS and len(t) > 1
    ]


@lru_cache(maxsize=65536)
def same_name(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 4:
        return False
    if a.startswith(b) or b.startswith(a):  # "Russia"/"Russian", "Syria"/"Syrian"
        return abs(len(a) - len(b)) <= 2
    return min(len(a), len(b)) >= 5 and difflib.SequenceMatcher(None, a, b).ratio() >= SAME_SPELLING


class Names:
    """Names of the sentences of both documents, weighted by how few sentences use them."""

    def __init__(self, sentences: Sequence[str]):
        # A sentence's first word is capitalised anyway: it counts as a name only where the
        # documents also capitalise it mid-sentence ("Reuters", "Turkish", not "Earlier").
        inner = {name for s in sentences for i, name in capitalised(s) if i > 0}
        self._names = {s: [n for i, n in capitalised(s) if i > 0 or n in inner] for s in sentences}
        df = Counter(n for names in self._names.values() for n in set(names))
        total = max(len(sentences), 1)
        self.idf = {n: math.log((1 + total) / (1 + c)) + 1 for n, c in df.items()}
        self._tokens: dict[str, frozenset[str]] = {}

    def names(self, text: str) -> list[str]:
        if text not in self._names:
            self._names[text] = [n for _, n in capitalised(text)]
        return self._names[text]

    def evidence(self, sentence: str, candidate: str) -> float:
        names = list(dict.fromkeys(self.names(sentence)))
        if not names:
            return 0.0
        if candidate not in self._tokens:
            self._tokens[candidate] = frozenset(tokens(candidate))
        words = self._tokens[candidate]
        weights = [self.idf.get(n, 1.0) for n in names]
        found = sum(w for n, w in zip(names, weights) if any(same_name(n, t) for t in words))
        return found / sum(weights)
