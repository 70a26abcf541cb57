"""Training features: the run-time signals' features of labelled sentences, through the same
Detector code path that runs in ``mtcheck check`` (``mtcheck train`` and the leave-one-source-out
report read them; the feature cache serves a rerun).
"""

from __future__ import annotations

from typing import Callable, Sequence

from mtcheck.config import Settings
from mtcheck.types import Sentence

# Cheap signals (a spaCy parse, no language model) extracted in a pass of their own: adding or
# editing one leaves the cached features of the others (MiniLM: ~25 sentences/s) valid.
SEPARATE_SIGNALS = ("syntax", "chars")

Progress = Callable[[str], None]


def extract(
    texts: Sequence[str], signals: Sequence[str], settings: Settings | None = None, progress: Progress | None = None
) -> list[dict[str, float]]:
    """Features through the same Detector code path that runs in ``mtcheck check``; the
    SEPARATE_SIGNALS in passes of their own (the cache is keyed by the signals of a pass)."""
    main = [s for s in signals if s not in SEPARATE_SIGNALS]
    passes = ([main] if main else []) + [[s] for s in signals if s in SEPARATE_SIGNALS]
    if len(passes) > 1:
        merged: list[dict[str, float]] = [dict() for _ in texts]
        for names in passes:
            for row, part in zip(merged, _extract(texts, names, settings, progress)):
                row.update(part)
        return merged
    return _extract(texts, signals, settings, progress)


def _extract(
    texts: Sequence[str], signals: Sequence[str], settings: Settings | None = None, progress: Progress | None = None
) -> list[dict[str, float]]:
    settings = settings or Settings()
    detector = _detector(settings, signals)
    rows: list[dict[str, float]] = []
    chunk = 256
    for i in range(0, len(texts), chunk):
        batch = [Sentence(index=j, start=0, end=len(t), text=t) for j, t in enumerate(texts[i : i + chunk])]
        rows.extend(detector.features(batch))
        if progress:
            progress(f"features {min(i + chunk, len(texts))}/{len(texts)}")
    return rows


def _detector(settings: Settings, signals: Sequence[str]):
    """The Detector the features come from, with a running LanguageTool when a signal needs one."""
    from mtcheck.detect import Detector
    from mtcheck.services.factory import build_services

    services = build_services(settings, languagetool="languagetool" in signals)
    # The cache stays on: the fluency signal keeps per-sentence statistics there, so a rerun is fast.
    return Detector(settings, services=services, signals=list(signals))
