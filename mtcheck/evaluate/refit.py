"""Refit the detector's sentence stack on part of the training sentences, for the travel tests
(leave one source out, time and outlet shift): what the detector would be had it never seen a
source.

:func:`fit_stack` repeats the first half of :func:`mtcheck.detect.train.train` with its own
fitting functions: the sub-models and their out-of-fold scores, the stacked sentence model with
the interference rules as fixed log-odds, the Platt calibration baked into its coefficients, the
threshold (FPR <= 5% on every English-written source's out-of-fold scores, sentences alone) and
the document model. Only the training split is fitted on, and only sentences ``keep`` accepts.
The context model is not refitted: the travel tests score sentences alone and whole documents,
which read the isolated log-odds.

It calls the same public fitting functions ``train`` calls (:func:`~mtcheck.detect.train.stacked_features`,
:func:`~mtcheck.detect.train.fit_sentence_model`, :func:`~mtcheck.detect.fitting.platt`,
:func:`~mtcheck.detect.train.document_rows`, :func:`~mtcheck.detect.train.fit_document_model`), and reads the
sub-models and direct features from the ``signals``' contracts as ``train`` does, so the two cannot drift apart.
"""

from __future__ import annotations

import math
import random
from typing import Callable, Sequence

from mtcheck.detect.classifier import DetectorModel, LinearModel, sigmoid
from mtcheck.detect.data import Example

Progress = Callable[[str], None]


def fit_stack(
    examples: Sequence[Example],
    rows: Sequence[dict[str, float]],
    signals: Sequence[str],
    keep: Callable[[Example], bool] = lambda e: True,
    progress: Progress | None = None,
) -> DetectorModel:
    """The stacked sentence model, its calibration, threshold and document model, fitted on the
    training-split MT and English-written sentences of ``examples`` that ``keep`` accepts
    (``rows[i]`` are the raw signal features of ``examples[i]``)."""
    import numpy as np

    from mtcheck.detect import train as training
    from mtcheck.detect.base import contracts
    from mtcheck.detect.base import submodels as declared_submodels
    from mtcheck.detect.fitting import platt, threshold_for_fpr
    from mtcheck.detect.training_choices import DEFAULTS

    say = progress or (lambda message: None)
    priors = training.prior_weights() if "interference" in signals else {}
    fit_idx = [
        i for i, e in enumerate(examples)
        if e.split == "train" and (e.positive or e.label in DEFAULTS.negative_labels) and keep(e)
    ]
    fit_examples = [examples[i] for i in fit_idx]
    if len({e.positive for e in fit_examples}) < 2:
        raise ValueError("fit_stack needs translated and English-written training sentences")
    y = np.array([e.positive for e in fit_examples], dtype=int)
    groups = np.array([e.doc_id for e in fit_examples])
    weight = training.source_weights(fit_examples)
    fit_rows = [rows[i] for i in fit_idx]

    submodels, oof_derived = training.stacked_features(fit_rows, y, groups, say, weight, signals)
    raw_names = {k for row in fit_rows for k in row}
    if submodels:
        direct = {k for c in contracts(signals).values() for k in c.direct_features}
        names = sorted(submodels) + sorted(k for k in direct if k in raw_names)
    else:
        sub_prefixes = tuple(sub.prefix for sub in declared_submodels().values())
        names = sorted(k for k in raw_names - set(priors) - {"interference.total"} if not k.startswith(sub_prefixes))
    stacked = [{**row, **derived} for row, derived in zip(fit_rows, oof_derived)]
    X = training.Features(names, stacked).matrix(names)
    offset = np.array([sum(w * row.get(k, 0.0) for k, w in priors.items()) for row in stacked])

    say(f"fitting the sentence model on {len(fit_idx)} sentences")
    w, intercept, mean, scale, oof = training.fit_sentence_model(X, y, groups, offset, weight)
    a, b = platt(oof - offset, y, offset, weight)
    prior_names = sorted(priors)
    sentence = LinearModel(
        features=tuple(names) + tuple(prior_names),
        coef=tuple(float(a * c) for c in w) + tuple(priors[k] for k in prior_names),
        intercept=float(a * intercept + b),
        mean=tuple(float(m) for m in mean) + (0.0,) * len(prior_names),
        scale=tuple(float(s) for s in scale) + (1.0,) * len(prior_names),
    )
    oof_calibrated = [a * float(z - p) + b + float(p) for z, p in zip(oof, offset)]
    sources = sorted({e.source for e in fit_examples if not e.positive})
    threshold = max(
        threshold_for_fpr([sigmoid(oof_calibrated[n]) for n, e in enumerate(fit_examples) if not e.positive and e.source == src])
        for src in sources
    )
    threshold = math.ceil(threshold * 1e4) / 1e4
    doc_rows, doc_labels = training.document_rows(fit_examples, dict(enumerate(oof_calibrated)), threshold, random.Random(DEFAULTS.seed))
    document = training.fit_document_model(doc_rows, doc_labels) if len(set(doc_labels)) == 2 else None
    return DetectorModel(
        sentence=sentence, document=document, threshold=threshold, signals=tuple(signals), name="refit", submodels=submodels
    )


def recall_at_fpr(labels: Sequence[bool], scores: Sequence[float], fpr: float = 0.05) -> float:
    """Recall on the positives at the lowest threshold whose false-positive rate on the negatives is
    at most ``fpr`` (flagging strictly above the cut); NaN without both classes."""
    negatives = sorted((s for s, label in zip(scores, labels) if not label), reverse=True)
    positives = [s for s, label in zip(scores, labels) if label]
    if not negatives or not positives:
        return float("nan")
    k = int(math.floor(fpr * len(negatives)))
    cut = negatives[k] if k < len(negatives) else -math.inf
    return sum(1 for s in positives if s > cut) / len(positives)


def sentence_separation(
    model: DetectorModel, positives: Sequence[dict[str, float]], negatives: Sequence[dict[str, float]], fpr: float = 0.03
) -> tuple[float, float]:
    """(AUROC, recall at FPR <= ``fpr``) of ``model``'s sentence-alone scores, translated
    sentences' feature rows ``positives`` against English-written ``negatives``."""
    labels = [True] * len(positives) + [False] * len(negatives)
    scores = [model.sentence_logodds(row)[0] for row in [*positives, *negatives]]
    return score_separation(labels, scores, fpr)


def score_separation(labels: Sequence[bool], scores: Sequence[float], fpr: float = 0.03) -> tuple[float, float]:
    """(AUROC, recall at FPR <= ``fpr``) of any scores, translated sentences labelled True; NaN
    for both without both classes."""
    from mtcheck.detect.metrics import auroc

    if all(labels) or not any(labels):
        return float("nan"), float("nan")
    return auroc(labels, scores), recall_at_fpr(labels, scores, fpr)
