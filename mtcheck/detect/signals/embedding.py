"""Embedding: the MiniLM sentence embedding of the entity-masked sentence.

Translated sentences share an overall phrasing (nominal style, stacked prepositional phrases,
reporting formulas) that single counts miss; a linear model over the embedding picks it up.
Names and numbers are masked first ("X", "N") so the embedding carries phrasing rather than
who and where: the Russian-affairs MT and UK/US English originals of the development data
would otherwise be told apart by topic. The classifier reduces the 384 dimensions to one
learned score, reported to the editor as one summary reason.
"""

from __future__ import annotations

from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult, Submodel
from mtcheck.registry import signals
from mtcheck.types import Sentence

DIMENSIONS = 384


def feature_name(i: int) -> str:
    return f"embedding.d{i:03d}"


def masked_text(doc) -> str:
    """The sentence with proper nouns as "X" and numbers as "N" (the training masking)."""
    out = []
    for t in doc:
        if t.is_space:
            continue
        if t.pos_ == "PROPN":
            out.append("X")
        elif t.like_num or t.pos_ == "NUM":
            out.append("N")
        else:
            out.append(t.text)
    return " ".join(out)


def encode(texts: Sequence[str], settings: Settings | None = None):
    """Unit-length embeddings, one row per text, from the process-wide MiniLM."""
    from mtcheck.services.embedder import Embedder

    return Embedder(settings).encode(list(texts))


@signals.register("embedding")
class EmbeddingSignal:
    name = "embedding"
    # No reasons of its own: untrained, it would cost a MiniLM pass and show nothing.
    contract = Contract(
        default=False, model_role="embedder", train_by_default=True,
        summary_reason=("translated-phrasing", "The sentence's overall phrasing resembles machine-translated news more than English-written news."),
        submodels=(Submodel("embedding.score", "embedding.d"),),
    )

    def __init__(self, settings: Settings):
        self.settings = settings

    def source_files(self) -> list[str]:
        return []  # its output depends on this module's code alone

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        from mtcheck.detect.signals.profile import parse

        masked = [masked_text(doc) for doc in parse([s.text for s in sentences])]
        vectors = encode(masked, self.settings)
        return [
            SignalResult(features={feature_name(i): round(float(v), 5) for i, v in enumerate(row)})
            for row in vectors
        ]
