"""Ranking of the candidates that passed: most natural, closest in meaning, smallest edit."""

from __future__ import annotations

import dataclasses
from typing import Sequence

from mtcheck.rewrite.verify import Measured


def rank_score(m: Measured) -> float:
    # Detector probability and surprisal say "reads as translated"; similarity guards meaning;
    # the edit penalty prefers the minimal fix an editor would make (a post-editor's habit).
    score = 0.0
    if m.detector is not None:
        score -= 2.0 * m.detector
    if m.surprisal is not None:
        score -= 0.5 * m.surprisal
    if m.similarity is not None:
        score += 1.0 * m.similarity
    score -= 1.5 * m.edit
    return round(score, 6)


def rank(measured: Sequence[Measured]) -> list[Measured]:
    """All candidates, scored; accepted ones first, best first; ties keep generation order."""
    scored = [dataclasses.replace(m, candidate=dataclasses.replace(m.candidate, score=rank_score(m))) for m in measured]
    order = sorted(range(len(scored)), key=lambda i: (not scored[i].candidate.accepted, -scored[i].candidate.score, i))
    return [scored[i] for i in order]


def best(measured: Sequence[Measured]) -> str | None:
    ranked = rank(measured)
    return ranked[0].candidate.text if ranked and ranked[0].candidate.accepted else None
