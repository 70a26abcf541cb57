"""The Russian source of a translated article, sentence by sentence.

A desk that machine-translates Russian copy keeps the original (``mtcheck check article.txt
--source article.ru.txt``; JSON-lines inputs and ``mtcheck eval rewrite --with-source`` carry it
per segment). The rewriter puts each flagged sentence's Russian into its prompt, so a small model
does not have to guess what the translation meant; every check of the suggestion stays the same.

Sentences are paired by length and by the numbers they share, as Gale and Church aligned
parliamentary proceedings: a dynamic programme over the two sequences with one-to-one, one-to-two,
two-to-one, one-to-none and none-to-one steps. Machine translation keeps sentence order and rarely
merges or splits, which is what makes so small a method enough (``benchmarks/bench_source_align.py``
measures it on the development data's documents).
"""

from __future__ import annotations

import math
import re
from typing import Sequence

from mtcheck.types import Sentence

# English copy machine-translated from Russian runs about as many characters as its Russian
# (1.03 per Russian character on WMT22 ru-en news, development split).
LENGTH_RATIO = 1.0
# Cost of a sentence left without a partner, and of a merge, in units of the length cost.
SKIP_COST = 4.0
MERGE_COST = 1.5
NUMBER_MISMATCH_COST = 2.0

_SENTENCE_END = re.compile(r"(?<=[.!?…»”\"])\s+(?=[«„“\"(\[]?[A-ZА-ЯЁ0-9])")
_NUMBER = re.compile(r"\d+")
# A Russian abbreviation before a full stop does not end a sentence ("г.", "т.е.", "им.", initials).
_ABBREVIATION = re.compile(r"(?:\b(?:г|гг|т\.е|т\.к|им|ул|см|тыс|млн|млрд|руб|д|пр|ст|проф|акад)|\b[А-ЯЁA-Z])\.$")


def split_russian(text: str) -> list[str]:
    """Sentences of a Russian text: paragraph breaks, then sentence-final punctuation before a
    capital letter, a digit or an opening quote, except after an abbreviation or an initial."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n|\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        start = 0
        for match in _SENTENCE_END.finditer(paragraph):
            piece = paragraph[start:match.start()]
            if _ABBREVIATION.search(piece):
                continue
            sentences.append(piece)
            start = match.end()
        sentences.append(paragraph[start:])
    return [s for s in sentences if s.strip()]


def _numbers(text: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(text))


def _cost(english: Sequence[str], russian: Sequence[str]) -> float:
    en = sum(len(s) for s in english) + 1
    ru = LENGTH_RATIO * sum(len(s) for s in russian) + 1
    cost = abs(math.log(en / ru)) * 4
    en_numbers = frozenset().union(*(_numbers(s) for s in english))
    ru_numbers = frozenset().union(*(_numbers(s) for s in russian))
    if en_numbers != ru_numbers and (en_numbers or ru_numbers):
        cost += NUMBER_MISMATCH_COST * len(en_numbers ^ ru_numbers) / len(en_numbers | ru_numbers)
    return cost


def align(english: Sequence[str], russian: Sequence[str]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Beads of (English indices, Russian indices), in order, covering both sequences."""
    n, m = len(english), len(russian)
    best = [[math.inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    steps = ((1, 1, 0.0), (1, 2, MERGE_COST), (2, 1, MERGE_COST), (1, 0, SKIP_COST), (0, 1, SKIP_COST))
    for i in range(n + 1):
        for j in range(m + 1):
            here = best[i][j]
            if here == math.inf:
                continue
            for di, dj, extra in steps:
                a, b = i + di, j + dj
                if a > n or b > m:
                    continue
                cost = here + extra + (_cost(english[i:a], russian[j:b]) if di and dj else 0.0)
                if cost < best[a][b]:
                    best[a][b], back[a][b] = cost, (i, j)
    beads = []
    i, j = n, m
    while (i, j) != (0, 0):
        step = back[i][j]
        if step is None:  # unreachable: every cell has a path through the skip steps
            break
        pi, pj = step
        beads.append((tuple(range(pi, i)), tuple(range(pj, j))))
        i, j = pi, pj
    return beads[::-1]


def source_sentences(sentences: Sequence[Sentence], russian_text: str) -> dict[int, str]:
    """The Russian for each prose sentence (by its index) that has a partner in ``russian_text``."""
    prose = [s for s in sentences if s.kind == "prose"]
    russian = split_russian(russian_text)
    found: dict[int, str] = {}
    for en, ru in align([s.text for s in prose], russian):
        if en and ru:
            for k in en:
                found[prose[k].index] = " ".join(russian[r] for r in ru)
    return found
