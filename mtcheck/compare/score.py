"""sacrebleu scores with their signatures, so every number can be reproduced with its CLI.

Sentence scores use the settings of ``sacrebleu -sl`` (BLEU with effective order); document
scores are ``corpus_score`` over the aligned pairs with the CLI's corpus defaults.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from mtcheck.types import Score

METRICS = ("chrF", "BLEU", "TER")


@lru_cache(maxsize=2)
def _metrics(sentence_level: bool) -> tuple:
    from sacrebleu.metrics import BLEU, CHRF, TER

    return (CHRF(), BLEU(effective_order=sentence_level), TER())


def _round(value: float) -> float:
    return round(float(value), 4)


def sentence_scores(hypothesis: str, reference: str) -> tuple[Score, ...]:
    scores = []
    for name, metric in zip(METRICS, _metrics(True)):
        result = metric.sentence_score(hypothesis, [reference])
        scores.append(Score(name, _round(result.score), str(metric.get_signature())))
    return tuple(scores)


def corpus_scores(hypotheses: Sequence[str], references: Sequence[str]) -> tuple[Score, ...]:
    scores = []
    for name, metric in zip(METRICS, _metrics(False)):
        result = metric.corpus_score(list(hypotheses), [list(references)])
        scores.append(Score(name, _round(result.score), str(metric.get_signature())))
    return tuple(scores)


def chrf(hypothesis: str, reference: str) -> float:
    """Sentence chrF in 0..1, the lexical half of the alignment similarity."""
    return _metrics(True)[0].sentence_score(hypothesis, [reference]).score / 100.0


def as_dict(scores: Sequence[Score]) -> dict[str, dict]:
    return {s.metric: {"score": s.value, "signature": s.signature} for s in scores}


def delta(before: Sequence[Score], after: Sequence[Score]) -> dict[str, float]:
    """After minus before; for TER (an error rate) a negative change is an improvement."""
    old = {s.metric: s.value for s in before}
    return {s.metric: _round(s.value - old[s.metric]) for s in after if s.metric in old}
