"""TF-IDF cosine of content words between two documents' sentences.

chrF rewards any shared character n-grams, and two articles on one story share many
(names, places). Words that occur in few sentences ("Idlib", "48", "Nusra") say more about
which sentence is the counterpart; IDF over both documents' sentences weighs them so.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    """a an the and or but if of to in on at by for from with without as is are was were be been being
    has have had do does did not no than then that this these those it its he she they them his her their
    we our you your i me my which who whom whose what when where why how all any each other some such
    will would can could may might must shall should also only very more most about into over after before
    said says say told according there here out up down just so too""".split()
)


def words(text: str) -> list[str]:
    result = []
    for token in _WORD.findall(text.lower()):
        if token in STOPWORDS or (len(token) < 3 and not token.isdigit()):
            continue
        if len(token) > 4 and token.endswith("s"):
            token = token[:-1]
        result.append(token[:7])  # a crude stem: "militants"/"militant", "implementation"/"implemented"
    return result


class TfIdf:
    def __init__(self, sentences: Sequence[str]):
        bags = [set(words(s)) for s in sentences]
        df = Counter(w for bag in bags for w in bag)
        n = max(len(bags), 1)
        self.idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}

    def vector(self, text: str) -> dict[str, float]:
        counts = Counter(words(text))
        vec = {w: c * self.idf.get(w, 1.0) for w, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {w: v / norm for w, v in vec.items()}

    def cosine(self, a: str, b: str) -> float:
        va, vb = self.vector(a), self.vector(b)
        return sum(v * vb.get(w, 0.0) for w, v in va.items())
