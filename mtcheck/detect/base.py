"""The interface every detection signal implements.

A signal looks at a batch of sentences and returns, for each one, numeric features
(for the classifier) and human-readable reasons with spans (for the editor). Signals
are registered in ``mtcheck.registry.signals``; each lives in one file under
``mtcheck/detect/signals/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from mtcheck.config import Settings
from mtcheck.types import Document, Reason, Sentence


@dataclass(frozen=True)
class SignalResult:
    features: dict[str, float] = field(default_factory=dict)  # names prefixed "<signal>."
    reasons: tuple[Reason, ...] = ()


@dataclass
class SignalContext:
    settings: Settings
    document: Document | None = None
    # Shared, already-started services, e.g. {"languagetool": LanguageToolService}; a
    # missing key means the component is switched off (--no-languagetool) and the signal
    # must return empty results rather than fail.
    services: dict[str, Any] = field(default_factory=dict)


class Signal(Protocol):
    name: str

    def __init__(self, settings: Settings) -> None: ...

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        """One result per sentence, in order. Batch the work: never one model call per sentence."""
        ...
