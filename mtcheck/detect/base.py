"""The interface every detection signal implements.

A signal looks at a batch of sentences and returns, for each one, numeric features
(for the classifier) and human-readable reasons with spans (for the editor). Signals
are registered in ``mtcheck.registry.signals``; each lives in one file under
``mtcheck/detect/signals/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, Sequence

from mtcheck.config import Settings
from mtcheck.types import Document, Reason, Sentence

if TYPE_CHECKING:
    from mtcheck.services.factory import Services


@dataclass(frozen=True)
class SignalResult:
    features: dict[str, float] = field(default_factory=dict)  # names prefixed "<signal>."
    reasons: tuple[Reason, ...] = ()


@dataclass
class SignalContext:
    settings: Settings
    document: Document | None = None
    # The run's shared services; a part that is switched off (``services.languagetool`` is None
    # under --no-languagetool) makes the signal return empty results rather than fail.
    services: "Services" = field(default_factory=lambda: _offline())


def _offline() -> "Services":
    from mtcheck.services.factory import Services

    return Services.offline()


class Signal(Protocol):
    name: str

    def __init__(self, settings: Settings) -> None: ...

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        """One result per sentence, in order. Batch the work: never one model call per sentence."""
        ...
