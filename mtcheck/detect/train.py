"""Fit the detector: features from the run-time signals, logistic regression, Platt calibration,
a context model for in-context sentence scores, a threshold, and a document model over sentence
log-odds. Only training documents are fitted on or tuned on; validation documents are only measured.

The sentence model is stacked: sub-models over the masked n-gram profile (``profile.ng.*``) and
the masked MiniLM embedding (``embedding.d*``) are fitted first; their out-of-fold scores are
features of the small sentence model, next to the interference rules (fixed log-odds) and the
missing-article count. Everything is fitted on MT vs English-original training sentences only:
human translations from Russian carry the same translationese, and as negatives they taught the
model to ignore it (validation AUROC MT vs original 0.80 with them, 0.86 without).

The context model, the threshold and the document model read the sentence model's out-of-fold
(GroupKFold by doc_id) log-odds of the training documents, as they would see unseen sentences.

``mtcheck train`` calls :func:`train`; with the same data and seeds it rewrites the committed
``mtcheck/resources/detector/model.json`` byte for byte, and writes ``provenance.json`` next to it.
The features come from :mod:`mtcheck.detect.features`, the validation metrics stored with the model
from :mod:`mtcheck.detect.metrics`, the context model from :mod:`mtcheck.detect.train_context`, and
``provenance.json`` from :mod:`mtcheck.detect.provenance`. The choices that are not learned are in
:mod:`mtcheck.detect.training_choices`; each signal's own (its sub-models, their regularisation, its
direct features, its subsample) in its contract (``detect.base.Contract``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from mtcheck.detect.base import Submodel, contracts, default_training_signals
from mtcheck.detect.base import submodels as declared_submodels
from mtcheck.detect.classifier import DOCUMENT_FEATURES, DetectorModel, LinearModel, document_features, logit, sigmoid
from mtcheck.detect.data import Example, all_examples, data_dir, documents, subsample
from mtcheck.detect.features import Progress, extract
from mtcheck.detect.fitting import balanced_weights, logistic_with_offset, platt, threshold_for_fpr
from mtcheck.detect.metrics import validate
from mtcheck.detect.train_context import fit_context
from mtcheck.detect.training_choices import DEFAULTS


@dataclass
class Features:
    names: list[str]
    rows: list[dict[str, float]]

    def matrix(self, names: Sequence[str]):
        import numpy as np

        return np.array([[row.get(n, 0.0) for n in names] for row in self.rows], dtype=float)


def prior_weights() -> dict[str, float]:
    """Fixed log-odds of the interference rules: linguistic knowledge, not fitted.

    WMT22 systems rarely produce these errors, so the data cannot estimate their weights
    (a rule that never fires gets a coefficient near zero); the hand-set weights of the
    provisional model are kept and the learned features are fitted around them (an offset).
    """
    from mtcheck.detect.classifier import provisional_model

    model = provisional_model().sentence
    return dict(zip(model.features, model.coef))


def source_weights(examples: Sequence[Example]):
    """Per-row weights: both classes weigh the same in total, and within a class each source its
    ``TrainingChoices.source_shares`` part (renormalised over the sources present)."""
    import numpy as np

    n = len(examples)
    counts: dict[tuple[bool, str], int] = {}
    for e in examples:
        counts[(e.positive, e.source)] = counts.get((e.positive, e.source), 0) + 1
    shares: dict[tuple[bool, str], float] = {}
    for cls in (True, False):
        present = [src for (c, src) in counts if c == cls]
        raw = {src: DEFAULTS.source_shares[cls].get(src, 0.0) for src in present}
        if not sum(raw.values()):
            raw = {src: 1.0 for src in present}
        total = sum(raw.values())
        shares.update(((cls, src), v / total) for src, v in raw.items())
    return np.array([shares[(e.positive, e.source)] / counts[(e.positive, e.source)] * n / 2 for e in examples])


def fit_sentence_model(X, y, groups, offset, weight=None):
    """Logistic regression around the fixed offset, plus out-of-fold raw log-odds."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    oof = np.zeros(len(y))
    weight = balanced_weights(y) if weight is None else weight
    for train_idx, test_idx in GroupKFold(n_splits=5).split(Z, y, groups):
        w, b = logistic_with_offset(Z[train_idx], y[train_idx], offset[train_idx], DEFAULTS.c, weight[train_idx])
        oof[test_idx] = Z[test_idx] @ w + b + offset[test_idx]
    w, b = logistic_with_offset(Z, y, offset, DEFAULTS.c, weight)
    return w, b, mean, scale, oof


def fit_submodel(rows: list[dict], y, submodel: Submodel, weight=None) -> LinearModel:
    """Balanced L2 logistic regression over the raw features starting with ``submodel.prefix`` (no centring:
    sparse n-grams are 0 when absent, embeddings are already unit vectors)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    prefix = submodel.prefix
    counts: dict[str, int] = {}
    for row in rows:
        for k in row:
            if k.startswith(prefix):
                counts[k] = counts.get(k, 0) + 1
    names = sorted(k for k, c in counts.items() if c >= DEFAULTS.ngram_min_count)
    index = {k: i for i, k in enumerate(names)}
    data, cols, ptr = [], [], [0]
    for row in rows:
        for k, v in row.items():
            if k in index and v:
                data.append(float(v))
                cols.append(index[k])
        ptr.append(len(data))
    X = csr_matrix((data, cols, ptr), shape=(len(rows), len(names)))
    c = DEFAULTS.submodel_c if submodel.c is None else submodel.c
    if weight is None:
        fit = LogisticRegression(C=c, max_iter=5000, class_weight="balanced", random_state=DEFAULTS.seed).fit(X, np.asarray(y))
    else:
        fit = LogisticRegression(C=c, max_iter=5000, random_state=DEFAULTS.seed).fit(X, np.asarray(y), sample_weight=np.asarray(weight))
    coef = fit.coef_[0]
    keep = [i for i, c in enumerate(coef) if abs(c) >= 1e-4]  # drop the dead weight from the committed file
    if len(keep) > DEFAULTS.submodel_max_features:
        keep = sorted(sorted(keep, key=lambda i: -abs(coef[i]))[:DEFAULTS.submodel_max_features])
    return LinearModel(
        features=tuple(names[i] for i in keep),
        coef=tuple(round(float(coef[i]), 5) for i in keep),
        intercept=round(float(fit.intercept_[0]), 5),
    )


def stacked_features(
    rows: list[dict], y, groups, progress: Progress, weight=None, signals: Sequence[str] = ()
) -> tuple[dict[str, LinearModel], list[dict]]:
    """Sub-models (those the ``signals``' contracts declare) fitted on all ``rows`` and, per row, the out-of-fold sub-model outputs."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    models: dict[str, LinearModel] = {}
    derived: list[dict[str, float]] = [dict() for _ in rows]
    declared = declared_submodels(signals or None)
    present = [k for k, sub in declared.items() if any(key.startswith(sub.prefix) for key in rows[0])]
    # A sub-model that makes another redundant (collinear: style's n-grams contain the profile's) replaces it.
    present = [k for k in present if not any(k in declared[other].replaces for other in present)]
    for name in present:
        progress(f"fitting the {name} sub-model")
        for train_idx, test_idx in GroupKFold(n_splits=5).split(np.zeros(len(rows)), y, groups):
            sub = fit_submodel([rows[i] for i in train_idx], y[train_idx], declared[name], None if weight is None else weight[train_idx])
            for i in test_idx:
                derived[i][name] = sub.contributions(rows[i])[0]
        models[name] = fit_submodel(rows, y, declared[name], weight)
    return models, derived


def fit_document_model(doc_rows: list[dict], doc_labels: list[bool]) -> LinearModel:
    """Logistic regression over document statistics, kept monotone: more or stronger evidence
    must never lower the score, so features that get a negative weight (collinear quantiles)
    are dropped one by one and the model is refitted."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    names = [k for k in DOCUMENT_FEATURES if k not in ("doc.q25", "doc.q50")]  # the lower half is noise
    y = np.array(doc_labels, dtype=int)
    while True:
        X = np.array([[r[k] for k in names] for r in doc_rows])
        mean, scale = X.mean(axis=0), X.std(axis=0)
        scale[scale == 0] = 1.0
        # Balanced: the share of translated articles in use is unknown, so neither kind is favoured.
        fit = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=DEFAULTS.seed).fit((X - mean) / scale, y)
        coef = fit.coef_[0]
        if coef.min() >= 0 or len(names) == 1:
            break
        names.pop(int(np.argmin(coef)))
    return LinearModel(
        features=tuple(names),
        coef=tuple(round(float(c), 6) for c in coef),
        intercept=round(float(fit.intercept_[0]), 6),
        mean=tuple(round(float(m), 6) for m in mean),
        scale=tuple(round(float(v), 6) for v in scale),
    )


def document_rows(examples: list[Example], logodds: dict[int, float], threshold: float, rng: random.Random):
    """Whole documents plus random contiguous excerpts (articles come in every length)."""
    index = {id(e): i for i, e in enumerate(examples)}
    rows, labels = [], []
    # Human translations from Russian carry the same interference as MT, so as negatives they
    # only blur the document model; it separates MT from English-original articles.
    for _, doc in sorted(documents(e for e in examples if e.label in ("mt", "original")).items()):
        values = [logodds[index[id(e)]] for e in doc]
        pieces = [values]
        for _ in range(3):
            if len(values) > 3:
                size = rng.randint(3, max(3, len(values) - 1))
                start = rng.randint(0, len(values) - size)
                pieces.append(values[start : start + size])
        for piece in pieces:
            rows.append(document_features(piece, logit(threshold)))
            labels.append(doc[0].positive)
    return rows, labels


def train(
    out_dir: Path,
    data: Path | None = None,
    signals: Sequence[str] | None = None,
    progress: Progress | None = None,
    per_group: int | None = None,
) -> dict:
    """Fit on ``signals`` (default: those whose contract says ``train_by_default``) and write
    ``model.json`` and ``provenance.json`` to ``out_dir``; returns the provenance."""
    import numpy as np

    from mtcheck.detect.provenance import training_provenance

    say = progress or (lambda message: None)
    folder = data_dir(data)
    signals = tuple(default_training_signals() if signals is None else signals)
    if per_group is None:  # a slow signal (a language model) trains on a subsample
        per_group = min((c.training_per_group for c in contracts(signals).values() if c.training_per_group), default=None)
    choices = dataclasses.replace(DEFAULTS, signals=signals, per_group=per_group)
    examples = subsample(all_examples(folder), per_group)
    say(f"{len(examples)} labelled sentences from {folder}")
    rows = extract([e.text for e in examples], signals, progress=say)
    priors = prior_weights() if "interference" in signals else {}
    fit_idx = [i for i, e in enumerate(examples) if e.split == "train" and (e.positive or e.label in DEFAULTS.negative_labels)]
    y_fit = np.array([examples[i].positive for i in fit_idx], dtype=int)
    groups = np.array([examples[i].doc_id for i in fit_idx])
    weight = source_weights([examples[i] for i in fit_idx])

    submodels, oof_derived = stacked_features([rows[i] for i in fit_idx], y_fit, groups, say, weight, signals)
    raw_names = {k for i in fit_idx for k in rows[i]}
    if submodels:
        direct = {k for c in contracts(signals).values() for k in c.direct_features}
        names = sorted(submodels) + sorted(k for k in direct if k in raw_names)
    else:  # no high-dimensional signal: the sentence model reads the signals' features directly
        sub_prefixes = tuple(sub.prefix for sub in declared_submodels().values())
        names = sorted(k for k in raw_names - set(priors) - {"interference.total"} if not k.startswith(sub_prefixes))
    fit_rows = [{**rows[i], **oof_derived[n]} for n, i in enumerate(fit_idx)]
    X = Features(names, fit_rows).matrix(names)
    offset = np.array([sum(w * row.get(k, 0.0) for k, w in priors.items()) for row in fit_rows])

    say("fitting the sentence model")
    w, intercept, mean, scale, oof = fit_sentence_model(X, y_fit, groups, offset, weight)
    # Platt scaling of the learned part only (the rule log-odds stay as set), baked into the
    # coefficients so that the stored model's calibration is the identity.
    a, b = platt(oof - offset, y_fit, offset, weight)
    prior_names = sorted(priors)
    sentence = LinearModel(
        features=tuple(names) + tuple(prior_names),
        coef=tuple(round(float(a * c), 6) for c in w) + tuple(priors[k] for k in prior_names),
        intercept=round(a * intercept + b, 6),
        mean=tuple(round(float(m), 6) for m in mean) + (0.0,) * len(prior_names),
        scale=tuple(round(float(s), 6) for s in scale) + (1.0,) * len(prior_names),
    )
    model = DetectorModel(sentence=sentence, signals=tuple(signals), name="trained", submodels=submodels)

    # Everything below is fitted and tuned on the training documents' out-of-fold log-odds only.
    fit_examples = [examples[i] for i in fit_idx]
    oof_calibrated = [a * float(z - p) + b + float(p) for z, p in zip(oof, offset)]
    say("fitting the context model")
    context_fit = fit_context(fit_examples, oof_calibrated, say)
    context, oof_context = context_fit.model, context_fit.oof_pure
    # One threshold serves both a lone sentence (isolated score) and a sentence in an article: the
    # stricter of the two keeps the false-positive rate on English-original sentences within target,
    # and on every source of them (WMT22 originals, BBC) separately.
    sources = sorted({e.source for e in fit_examples if e.label in DEFAULTS.negative_labels})
    by_source = {src: [n for n, e in enumerate(fit_examples) if e.label in DEFAULTS.negative_labels and e.source == src] for src in sources}
    threshold_isolated = max(threshold_for_fpr([sigmoid(oof_calibrated[n]) for n in ns]) for ns in by_source.values())
    threshold_context = max(threshold_for_fpr([sigmoid(oof_context.get(n, oof_calibrated[n])) for n in ns]) for ns in by_source.values())
    mixed_neighbours = [sigmoid(z) for z, inserted in context_fit.oof_mixed if not inserted]
    threshold_mixed = threshold_for_fpr(mixed_neighbours) if mixed_neighbours else 0.0
    threshold = math.ceil(max(threshold_isolated, threshold_context, threshold_mixed) * 1e4) / 1e4

    say("fitting the document model")
    rng = random.Random(DEFAULTS.seed)
    doc_rows, doc_labels = document_rows(fit_examples, dict(enumerate(oof_calibrated)), threshold, rng)
    document = fit_document_model(doc_rows, doc_labels)
    model = DetectorModel(
        sentence=sentence, calibration=model.calibration, document=document, threshold=threshold,
        signals=tuple(signals), name="trained", submodels=submodels, context=context,
    )

    metrics = validate(model, threshold, examples, rows, folder, signals, per_group, say)
    say(json.dumps(metrics))
    model = DetectorModel(**{**model.__dict__, "metrics": metrics})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.json").write_text(model.to_json() + "\n", encoding="utf-8")
    provenance = training_provenance(
        choices, folder=folder, examples=examples, fit_examples=fit_examples, y_fit=y_fit, names=names, submodels=submodels,
        priors=priors, thresholds=(threshold_isolated, threshold_context, threshold_mixed), context=context_fit, metrics=metrics,
    )
    (out_dir / "provenance.json").write_text(json.dumps(provenance, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return provenance
