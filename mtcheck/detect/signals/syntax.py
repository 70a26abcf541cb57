"""Syntax: topic-free shape n-grams of the sentence, a second view beside ``style``.

Three masked views of the spaCy parse, none of which keeps a topic word:

* ``g:`` the fine-grained part-of-speech tags alone (2-4-grams: "IN DT JJ NN"): the sentence's
  grammatical shape, with no word at all;
* ``f:`` closed-class words kept, every run of content words collapsed to "_", names PROPN and
  numbers NUM (2-4-grams: "_ of the _ of _"): the function-word skeleton that translation
  from Russian bends (genitive chains, missing or extra articles), however long the nouns;
* ``c:`` character 3-5-grams over the ``style`` signal's "s" view (words frequent on both sides
  of the training data kept, other content words reduced to their last three letters, names X,
  numbers 0): suffix and function-word patterns across word boundaries ("ion of the ~").

The views are cheap (no language model: the parse the profile and style signals share), so a
sub-model (``syntax.score``) is trained on them. The n-grams that raised a sentence's score are
reported back with their spans (:func:`explain`), like the style signal's.
"""

from __future__ import annotations

import math
from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult, Submodel
from mtcheck.detect.signals._ngram_reasons import ngram_reasons
from mtcheck.registry import signals
from mtcheck.types import Reason, Sentence

PREFIX = "syntax.ng."
CLOSED_CLASSES = {"DET", "ADP", "PRON", "AUX", "CCONJ", "SCONJ", "PART", "PUNCT"}
TAG_ORDERS = (2, 3, 4)
SKELETON_ORDERS = (2, 3, 4)
CHAR_ORDERS = (3, 4, 5)
SUFFIX = 3
MAX_EXPLAINED = 2  # n-gram reasons per sentence
RULE_ID = "translated-shape"


def _category(token) -> str | None:
    if token.pos_ == "PROPN":
        return "PROPN"
    if token.like_num or token.pos_ == "NUM":
        return "NUM"
    if token.pos_ in CLOSED_CLASSES:
        return None  # a closed-class word: kept as itself
    return token.tag_ or token.pos_


def views(doc) -> dict[str, tuple[list[str], list[tuple[int, int]]]]:
    """view -> (units, token range [first, last] of each unit); for ``c`` the units are the
    characters of the joined "s" view and each one's token range."""
    from mtcheck.detect.signals.style import vocabulary

    words = vocabulary()
    tokens = [t for t in doc if not t.is_space]
    tags = [t.tag_ or t.pos_ for t in tokens]
    out: dict[str, tuple[list[str], list[tuple[int, int]]]] = {"g": (tags, [(i, i) for i in range(len(tokens))])}
    skeleton: list[str] = []
    ranges: list[tuple[int, int]] = []
    chars: list[str] = [" "]
    char_ranges: list[tuple[int, int]] = [(0, 0)]
    for i, t in enumerate(tokens):
        category = _category(t)
        if category is None:
            unit = t.lower_
        elif category in ("PROPN", "NUM"):
            unit = category
        else:
            unit = "_"
        if unit == "_" and skeleton and skeleton[-1] == "_":
            ranges[-1] = (ranges[-1][0], i)
        else:
            skeleton.append(unit)
            ranges.append((i, i))
        if category is None or (category not in ("PROPN", "NUM") and t.lower_ in words):
            shown = t.lower_
        elif category == "PROPN":
            shown = "X"
        elif category == "NUM" or any(ch.isdigit() for ch in t.text):
            # Any token with a digit is a number here: a suffix like "-19" (COVID-19) would tie the
            # score to the topics of the years the MT data comes from.
            shown = "0"
        else:
            shown = "~" + t.lower_[-SUFFIX:] if len(t.lower_) > SUFFIX + 1 else "~"
        chars.extend(shown)
        char_ranges.extend([(i, i)] * len(shown))
        chars.append(" ")
        char_ranges.append((i, min(i + 1, len(tokens) - 1)) if i + 1 < len(tokens) else (i, i))
    out["f"] = (skeleton, ranges)
    out["c"] = (chars, char_ranges)
    return out


def _grams(view: str, units: list[str], orders: Sequence[int]):
    joiner = "" if view == "c" else " "
    for n in orders:
        for i in range(len(units) - n + 1):
            yield i, n, joiner.join(units[i : i + n])


ORDERS = {"g": TAG_ORDERS, "f": SKELETON_ORDERS, "c": CHAR_ORDERS}


def ngram_features(doc) -> dict[str, float]:
    """Sublinear tf of every n-gram of the three views, L2-normalised over the sentence's n-grams."""
    counts: dict[str, int] = {}
    for view, (units, _) in views(doc).items():
        for _, _, gram in _grams(view, units, ORDERS[view]):
            key = f"{view}:{gram}"
            counts[key] = counts.get(key, 0) + 1
    tf = {g: 1.0 + math.log(c) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in tf.values())) or 1.0
    return {PREFIX + g: round(v / norm, 6) for g, v in tf.items()}


def spans_of(doc, feature: str) -> list[tuple[int, int]]:
    """Character spans (within the sentence) of the tokens where the n-gram ``feature`` occurs."""
    view, _, text = feature.removeprefix(PREFIX).partition(":")
    if view not in ORDERS:
        return []
    tokens = [t for t in doc if not t.is_space]
    units, ranges = views(doc)[view]
    n = len(text) if view == "c" else len(text.split(" "))
    out = []
    for i, size, candidate in _grams(view, units, (n,)):
        if candidate == text:
            first, last = tokens[ranges[i][0]], tokens[ranges[i + size - 1][1]]
            out.append((first.idx, last.idx + len(last.text)))
    return out


def _describe(feature: str) -> str:
    view, _, text = feature.removeprefix(PREFIX).partition(":")
    if view == "g":
        return f"part-of-speech sequence “{text}”"
    if view == "f":
        return f"function-word pattern “{text}”"
    return f"word-ending pattern “{text.strip()}”"


def _shown(feature: str) -> bool:
    """Whether an n-gram is worth naming: a function-word pattern with a word, a tag sequence of
    three or more, a character pattern with letters."""
    view, _, text = feature.removeprefix(PREFIX).partition(":")
    if view == "f":
        return any(t.isalpha() and t.islower() for t in text.split(" "))
    if view == "g":
        return len(text.split(" ")) >= 3
    return sum(ch.isalpha() for ch in text) >= 3


def explain(sentence: Sentence, shares: dict[str, float], total: float) -> list[Reason]:
    """Up to MAX_EXPLAINED reasons naming the n-grams that raised the score most, each with its
    span (see ``ngram_reasons``)."""
    def message(words: str, feature: str) -> str:
        return f"“{words}” ({_describe(feature)}) is a sentence shape far more common in translated than in English-written news."
    return ngram_reasons(sentence, shares, total, prefix=PREFIX, shown=_shown, spans_of=spans_of, message=message,
                         source="syntax", rule_id=RULE_ID, limit=MAX_EXPLAINED)


@signals.register("syntax")
class SyntaxSignal:
    name = "syntax"
    # Cheap (a spaCy parse): extracted in a training pass of its own, so editing it leaves the others' cached features valid.
    contract = Contract(
        default=False, train_by_default=True, explains=("syntax.score",), separate_pass=True,
        summary_reason=("translated-shapes", "The sentence's shape (part-of-speech and function-word sequences) is typical of translated news."),
        submodels=(Submodel("syntax.score", PREFIX, c=0.5),),
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
