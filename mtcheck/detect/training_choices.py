"""Every choice ``mtcheck train`` makes that is not learned from the data, in one frozen value.

The fitting code (``detect.train``, ``detect.train_context``, ``detect.fitting``) reads the defaults
(:data:`DEFAULTS`); :func:`mtcheck.detect.train.train` passes the run's choices (with its signals and
subsample) to :func:`mtcheck.detect.provenance.training_provenance`, which writes them down. The
signals' own training choices (their sub-models, their regularisation, their direct features) are
in their contracts (``detect.base.Contract``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrainingChoices:
    signals: tuple[str, ...] = ()  # the signals trained on (default: those whose contract says train_by_default)
    per_group: int | None = None  # subsample per group (None: every sentence)
    seed: int = 13
    target_fpr: float = 0.05  # the threshold's false-positive rate on English-original sentences
    c: float = 0.3  # the sentence model's L2 regularisation
    submodel_c: float = 1.0  # a sub-model's, unless its contract says otherwise
    negative_labels: tuple[str, ...] = ("original",)
    ngram_min_count: int = 2
    # The largest sub-models keep their strongest features only, so the committed file stays small.
    submodel_max_features: int = 15000
    # Within each class, the share of the training weight each data source gets: the 6,000 BBC
    # sentences would otherwise outweigh the 366 WMT22 English originals twenty to one (and MLQE-PE's
    # Reddit and Wikiquote MT the WMT22 news MT). A source not listed shares the rest equally.
    source_shares: dict = field(default_factory=lambda: {True: {"wmt22": 0.6, "mlqepe": 0.4}, False: {"wmt22-en": 0.5, "bbc": 0.5}})
    context_c: float = 10.0
    # Context sizes drawn for every training sentence; the largest is the context model's cap.
    context_sizes: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16)
    # The context model may not invert the evidence: own log-odds keep a weight >= 0, the others' mean >= 0.
    context_bounds: dict = field(default_factory=lambda: {"ctx.own": (-1.0, None), "ctx.mean": (0.0, None), "ctx.mean_x_log_n": (0.0, None)})
    context_clip_percentiles: tuple[float, float] = (1.0, 99.0)
    # Mixed training articles (English-written with a translated run spliced in) join the context
    # model's instances, and the neighbours' weighting is chosen among these bandwidths (None: the
    # plain leave-one-out article mean).
    context_mixed: bool = True
    context_bandwidths: tuple[float | None, ...] = (None, 2.0, 1.0)
    # Each bandwidth is tried with the plain shift and with the shift that may only raise (ContextModel.raise_only).
    context_raise_only: tuple[bool, ...] = (False, True)
    # Sharpness of the smooth hinge (softplus(s*x)/s) a raise-only context shift is fitted through.
    raise_sharpness: float = 8.0


DEFAULTS = TrainingChoices()
