"""Chars: character n-grams of the sentence as the ``style`` signal masks it (an experiment).

Issue #26 measured a character n-gram logistic regression at 0.849 sentence-alone AUROC on
unseen news, above the stacked detector's sentence-level evidence. This signal gives the stack
that evidence without the topic: the sentence is first rewritten as the style signal's ``s:``
view (closed-class and common words kept, names and numbers replaced by their category, other
content words by a one-letter tag plus their last three letters), then its character 2-4-grams
are counted (across word boundaries, so "of the" and "-tion of" patterns count).

The placeholders are single capital letters (the kept words are lower case), so a placeholder's
own spelling adds no n-grams: ``P`` a proper noun, ``D`` a number, ``N``/``V``/``J``/``R`` a noun,
verb, adjective or adverb (``X`` any other tag), followed by the word's last three letters.

A sub-model of the classifier (``chars.score``, prefix ``chars.ng.``) turns the n-grams into one
score. It is not among the default training signals (see README, "Travel tests"): the n-grams
are not shown as reasons.
"""

from __future__ import annotations

import math
from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult, Submodel
from mtcheck.registry import signals
from mtcheck.types import Sentence

PREFIX = "chars.ng."
ORDERS = (2, 3, 4)
PLACEHOLDERS = {"PROPN": "P", "NUM": "D"}
TAG_LETTERS = {"N": "N", "V": "V", "J": "J", "R": "R"}  # Penn tag's first letter -> placeholder


def _placeholder(token: str) -> str:
    """A style ``s:`` token as the compact form the n-grams are counted over."""
    if token in PLACEHOLDERS:
        return PLACEHOLDERS[token]
    tag, tilde, tail = token.partition("~")
    if tilde or (tag.isupper() and tag.isalpha()):  # a Penn tag (kept words are lower case)
        return TAG_LETTERS.get(tag[:1], "X") + tail
    return token


def masked_text(doc) -> str:
    """The sentence as the style signal masks it (its ``s:`` view), in the compact placeholder form."""
    from mtcheck.detect.signals.style import masked_views

    _, mixed, _ = masked_views(doc)
    return " ".join(_placeholder(t) for t in mixed)


def char_ngrams(text: str) -> dict[str, float]:
    """Sublinear tf of every character n-gram of ``text`` (padded with a space each side),
    L2-normalised over the sentence's n-grams."""
    padded = f" {text} "
    counts: dict[str, int] = {}
    for n in ORDERS:
        for i in range(len(padded) - n + 1):
            gram = padded[i : i + n]
            if gram.strip():
                counts[gram] = counts.get(gram, 0) + 1
    tf = {g: 1.0 + math.log(c) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in tf.values())) or 1.0
    return {PREFIX + g: round(v / norm, 5) for g, v in tf.items()}


@signals.register("chars")
class CharsSignal:
    name = "chars"
    # An experiment: not run by ``mtcheck check`` unless weighed (``--signals +chars`` runs it), not among
    # ``mtcheck train``'s default signals; cheap (a spaCy parse), so extracted in a pass of its own.
    contract = Contract(default=False, train_by_default=False, separate_pass=True, submodels=(Submodel("chars.score", PREFIX),))

    def __init__(self, settings: Settings):
        self.settings = settings

    def source_files(self) -> list[str]:
        return []  # its output depends on this module's code (and the style signal's masking) alone

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        from mtcheck.detect.signals.profile import parse

        return [SignalResult(features=char_ngrams(masked_text(doc))) for doc in parse([s.text for s in sentences])]
