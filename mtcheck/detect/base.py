"""The interface every detection signal implements, and the contract it declares.

A signal looks at a batch of sentences and returns, for each one, numeric features
(for the classifier) and human-readable reasons with spans (for the editor). Signals
are registered in ``mtcheck.registry.signals``; each lives in one file under
``mtcheck/detect/signals/`` (or in an outside package, through the ``mtcheck.signals`` entry point).

Everything else the detector and ``mtcheck train`` need to know about a signal is declared in
that same file, as the class's :class:`Contract` (``contract = Contract(...)``) and its
``source_files()``: nothing about a signal is listed anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Sequence

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


@dataclass(frozen=True)
class Submodel:
    """A sub-model ``mtcheck train`` fits over the signal's raw features starting with ``prefix``;
    its output, the derived feature ``feature``, is what the sentence model reads."""

    feature: str  # "style.score"
    prefix: str  # "style.ng."
    c: float | None = None  # its L2 regularisation; None: the training default (TrainingChoices.submodel_c)
    # Other signals' sub-model features this one makes redundant when both are fitted (collinear).
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contract:
    """What a signal declares about itself (its defaults suit a small, cheap signal with its own reasons).

    ``default``: whether ``mtcheck check`` runs it when the detector model has no weights for it
    (a signal added since the model was trained: its reasons are shown at weight 0, marked "not yet
    weighted"). False for a costly signal (a language model), or one that shows nothing without its
    trained sub-model; ``--signals +name`` still runs it. A signal the model weighs always runs.
    """

    default: bool = True
    background: bool = False  # it waits on another process (a server): run it in a thread beside the others
    service: str | None = None  # the run's service it needs ("languagetool"); switched off, the signal is skipped
    model_role: str | None = None  # the model-store role it runs on (part of the cache key)
    # (rule id, message) of the one reason naming the signal's whole-sentence evidence when it matters.
    summary_reason: tuple[str, str] | None = None
    # Derived features (sub-model outputs) whose own n-grams the signal names as reasons: the class
    # then has ``explain(sentence, shares, total) -> list[Reason]`` (shares: the sub-model's per-feature log-odds).
    explains: tuple[str, ...] = ()
    # Untrained, its reasons keep the weights the signal gave them (instead of 0 and marked): an
    # advisory checker the model is not meant to weigh (LanguageTool).
    own_weights: bool = False
    # -- training (``mtcheck train``) --
    train_by_default: bool = False  # among ``mtcheck train``'s default --signals
    submodels: tuple[Submodel, ...] = ()
    direct_features: tuple[str, ...] = ()  # dense features the sentence model reads beside the sub-models
    training_per_group: int | None = None  # a slow signal trains on a subsample of this many sentences per group
    # Extracted in a feature pass of its own, so adding or editing it leaves the others' cached features valid.
    separate_pass: bool = False


class Signal(Protocol):
    name: str
    contract: ClassVar[Contract]

    def __init__(self, settings: Settings) -> None: ...

    def source_files(self) -> list[str]:
        """Files whose change changes this signal's output beyond its own module (rules, an adapter's
        manifest): part of the detect cache's key (``detect.signature.code_version``)."""
        ...

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        """One result per sentence, in order. Batch the work: never one model call per sentence."""
        ...


def contract_of(signal: Any) -> Contract:
    """The contract a signal class (or instance) declares; the defaults for one that declares none."""
    found = getattr(signal, "contract", None)
    return found if isinstance(found, Contract) else Contract()


def contracts(names: Sequence[str] | None = None) -> dict[str, Contract]:
    """Signal name -> its contract, for the registered signals (or ``names``), in registry order."""
    from mtcheck.registry import signals

    items = signals.items()
    return {name: contract_of(cls) for name, cls in items if names is None or name in names}


def default_training_signals(current: Sequence[str] = ()) -> tuple[str, ...]:
    """``mtcheck train``'s default --signals: those whose contract says ``train_by_default``; the
    ``current`` model's first, in its order (a retrain writes the same model), then the others."""
    wanted = [name for name, contract in contracts().items() if contract.train_by_default]
    return tuple([n for n in current if n in wanted] + [n for n in wanted if n not in current])


def submodels(names: Sequence[str] | None = None) -> dict[str, Submodel]:
    """Derived feature -> the sub-model the signals (all, or ``names``) declare for it."""
    return {sub.feature: sub for contract in contracts(names).values() for sub in contract.submodels}
