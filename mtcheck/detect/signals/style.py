"""Style: masked word n-grams that carry translationese, topic removed.

The sentence is rewritten twice before its n-grams are counted, so the classifier sees how the
sentence is put together rather than what it is about:

* ``t:`` every proper noun becomes PROPN, every number NUM, every content word its Penn tag;
  closed-class words (determiners, prepositions, pronouns, auxiliaries...) stay (1-3-grams);
* ``s:`` the same, but common words stay as themselves (the fixed vocabulary in
  ``mtcheck/resources/detector/style_vocabulary.txt``: words frequent on *both* sides of the
  training data, so no side's topic words) and other content words become their tag plus their
  last three letters ("NN~ion"), which keeps nominal style without the word (1-2-grams).

A sub-model of the classifier (``style.score``) turns the n-grams into one score. The n-grams
that pushed a sentence's score up are reported back with their spans (:func:`explain`), so a
flag raised by this signal names the words it rests on.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources
from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult, Submodel
from mtcheck.detect.signals._ngram_reasons import ngram_reasons
from mtcheck.registry import signals
from mtcheck.types import Reason, Sentence

PREFIX = "style.ng."
CLOSED_CLASSES = {"DET", "ADP", "PRON", "AUX", "CCONJ", "SCONJ", "PART", "PUNCT"}
TAG_ORDERS = (1, 2, 3)
WORD_ORDERS = (1, 2)
SUFFIX = 3
MAX_EXPLAINED = 3  # n-gram reasons per sentence
RULE_ID = "translated-ngram"


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    path = resources.files("mtcheck") / "resources" / "detector" / "style_vocabulary.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return frozenset()
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _category(token) -> str | None:
    if token.pos_ == "PROPN":
        return "PROPN"
    if token.like_num or token.pos_ == "NUM":
        return "NUM"
    if token.pos_ in CLOSED_CLASSES:
        return None  # kept as the word itself
    return token.tag_ or token.pos_


def masked_views(doc) -> tuple[list[str], list[str], list]:
    """The two masked token sequences (``t:`` and ``s:``) and the spaCy tokens they stand for."""
    words = vocabulary()
    tags, mixed, tokens = [], [], []
    for t in doc:
        if t.is_space:
            continue
        category = _category(t)
        tags.append(t.lower_ if category is None else category)
        if category is None or (category not in ("PROPN", "NUM") and t.lower_ in words):
            mixed.append(t.lower_)
        elif category in ("PROPN", "NUM"):
            mixed.append(category)
        else:
            tail = t.lower_[-SUFFIX:]
            mixed.append(f"{category}~{tail}" if len(t.lower_) > SUFFIX + 1 and tail.isalpha() else category)
        tokens.append(t)
    return tags, mixed, tokens


def _grams(tokens: list[str], orders: Sequence[int]):
    for n in orders:
        for i in range(len(tokens) - n + 1):
            yield i, n, " ".join(tokens[i : i + n])


def ngram_features(doc) -> dict[str, float]:
    """Sublinear tf of every ``t:``/``s:`` n-gram, L2-normalised over the sentence's n-grams."""
    tags, mixed, _ = masked_views(doc)
    counts: dict[str, int] = {}
    for view, tokens, orders in (("t", tags, TAG_ORDERS), ("s", mixed, WORD_ORDERS)):
        for _, _, gram in _grams(tokens, orders):
            key = f"{view}:{gram}"
            counts[key] = counts.get(key, 0) + 1
    tf = {g: 1.0 + math.log(c) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in tf.values())) or 1.0
    return {PREFIX + g: round(v / norm, 6) for g, v in tf.items()}


def spans_of(doc, feature: str) -> list[tuple[int, int]]:
    """Character spans (within the sentence) where the n-gram ``feature`` occurs."""
    gram = feature.removeprefix(PREFIX)
    view, _, text = gram.partition(":")
    tags, mixed, tokens = masked_views(doc)
    sequence, orders = (tags, TAG_ORDERS) if view == "t" else (mixed, WORD_ORDERS)
    n = len(text.split(" "))
    out = []
    for i, size, candidate in _grams(sequence, (n,)):
        if candidate == text:
            first, last = tokens[i], tokens[i + size - 1]
            out.append((first.idx, last.idx + len(last.text)))
    return out


def _has_word(feature: str) -> bool:
    """Whether an n-gram holds a word (a kept word, or a tag with the word's ending) and not only tags and punctuation."""
    tokens = feature.removeprefix(PREFIX).split(":", 1)[1].split(" ")
    return len(tokens) >= 2 and any(t.isalpha() and t.islower() or "~" in t for t in tokens)


def explain(sentence: Sentence, shares: dict[str, float], total: float) -> list[Reason]:
    """Up to MAX_EXPLAINED reasons naming the n-grams (of two or more tokens, with a word) that
    raised the score most, each with its span. An editor can act on a pattern with a word in it;
    a run of tags or punctuation alone ("NN ,") still counts in the score but is not shown."""
    def message(words: str, feature: str) -> str:
        pattern = feature.removeprefix(PREFIX).split(":", 1)[1]
        return f"“{words}” (pattern “{pattern}”) is a word pattern far more common in translated than in English-written news."
    return ngram_reasons(sentence, shares, total, prefix=PREFIX, shown=_has_word, spans_of=spans_of, message=message,
                         source="style", rule_id=RULE_ID, limit=MAX_EXPLAINED)


@signals.register("style")
class StyleSignal:
    name = "style"
    # Its n-grams contain the profile's masked n-grams (their "t:" view): both sub-models together are
    # collinear (the profile one got a negative weight), so the profile keeps only its direct features.
    contract = Contract(
        default=False, train_by_default=True, explains=("style.score",),
        summary_reason=("translated-ngrams", "The sentence's word patterns (names, numbers and topic words masked) are typical of translated news."),
        submodels=(Submodel("style.score", PREFIX, c=0.5, replaces=("profile.ngram",)),),
    )
    explain = staticmethod(explain)

    def __init__(self, settings: Settings):
        self.settings = settings

    def source_files(self) -> list[str]:
        return []  # its output depends on this module's code alone

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        from mtcheck.detect.signals.profile import parse

        return [SignalResult(features=ngram_features(doc)) for doc in parse([s.text for s in sentences])]
