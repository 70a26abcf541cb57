"""Ranking of the candidates that passed: the most flagged problems fixed, then the most fluent,
then the smallest.

An editor wants the problem fixed first: "As Reuters reports, … leave the city the corridors"
is a smaller edit than "… leave the city through the corridors" but leaves the error in. Among
candidates that fix as much, the one that reads best wins (the fluency LM's surprisal and the
detector's sentence-alone score, both relative to the original); only candidates that read about
as well are told apart by size.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from mtcheck.rewrite.verify import Measured

# Fluency differences smaller than this (nats of mean surprisal, plus the detector's probability
# scaled by DETECTOR_WEIGHT) are noise between equally fluent paraphrases: size decides there.
FLUENCY_STEP = 0.15
DETECTOR_WEIGHT = 2.0


def fluency(m: Measured) -> float:
    """How much less fluent than the original the candidate reads (lower is better)."""
    value = 0.0
    if m.surprisal is not None and m.original_surprisal is not None:
        value += m.surprisal - m.original_surprisal
    if m.detector is not None and m.original_detector is not None:
        value += DETECTOR_WEIGHT * (m.detector - m.original_detector)
    return value


def rank_key(m: Measured) -> tuple[int, int, float]:
    """Sort key, smaller first: problems resolved, then fluency in steps, then edit size."""
    return (-len(m.resolved), round(fluency(m) / FLUENCY_STEP), round(m.edit, 6))


def rank_score(m: Measured) -> float:
    """The ranking as one number, higher is better (shown in reports and JSON)."""
    resolved, step, edit = rank_key(m)
    return round(-resolved * 1000 - step - edit, 6)


def rank(measured: Sequence[Measured]) -> list[Measured]:
    """All candidates, scored; accepted ones first, best first; ties keep generation order."""
    scored = [dataclasses.replace(m, candidate=dataclasses.replace(m.candidate, score=rank_score(m))) for m in measured]
    order = sorted(range(len(scored)), key=lambda i: (not scored[i].candidate.accepted, rank_key(scored[i]), i))
    return [scored[i] for i in order]


def best(measured: Sequence[Measured]) -> str | None:
    ranked = rank(measured)
    return ranked[0].candidate.text if ranked and ranked[0].candidate.accepted else None
