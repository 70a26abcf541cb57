"""Ranking of the candidates that passed: the most improvement for the least change.

A copy editor prefers the smallest edit that fixes the problem. The score is the drop in the
detector's MT probability per unit of character edit distance, so a two-word rule fix that
removes the problem beats a paraphrase that removes it no better; fluency and meaning only
break near-ties.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from mtcheck.rewrite.verify import Measured

# An edit smaller than this still costs this much: otherwise a one-character change with a
# tiny gain would outrank everything.
MIN_EDIT = 0.03


def rank_score(m: Measured) -> float:
    gain = m.gain if m.gain is not None else 0.0
    score = gain / max(m.edit, MIN_EDIT)
    if m.surprisal is not None:
        score -= 0.01 * m.surprisal
    if m.similarity is not None:
        score += 0.01 * m.similarity
    return round(score, 6)


def rank(measured: Sequence[Measured]) -> list[Measured]:
    """All candidates, scored; accepted ones first, best first; ties keep generation order."""
    scored = [dataclasses.replace(m, candidate=dataclasses.replace(m.candidate, score=rank_score(m))) for m in measured]
    order = sorted(range(len(scored)), key=lambda i: (not scored[i].candidate.accepted, -scored[i].candidate.score, i))
    return [scored[i] for i in order]


def best(measured: Sequence[Measured]) -> str | None:
    ranked = rank(measured)
    return ranked[0].candidate.text if ranked and ranked[0].candidate.accepted else None
