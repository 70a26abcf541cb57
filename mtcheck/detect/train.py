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
from :mod:`mtcheck.detect.metrics`, and ``provenance.json`` from :mod:`mtcheck.detect.provenance`.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from mtcheck.detect.classifier import (
    CONTEXT_FEATURES,
    DOCUMENT_FEATURES,
    ContextModel,
    DetectorModel,
    LinearModel,
    context_features,
    document_features,
    logit,
    sigmoid,
)
from mtcheck.detect.data import Example, all_examples, articles, data_dir, documents, subsample
from mtcheck.detect.features import Progress, extract
from mtcheck.detect.metrics import validate

SEED = 13
DEFAULT_SIGNALS = ("interference", "profile", "embedding", "style", "syntax")
TARGET_FPR = 0.05
C = 0.3
SUBMODEL_C = 1.0
SUBMODEL_CS = {"style.ng.": 0.5, "syntax.ng.": 0.5}  # per sub-model (by feature prefix), chosen on training-split experiments
FLUENCY_PER_GROUP = 100
NEGATIVE_LABELS = ("original",)
# Derived feature -> the prefix of the raw features its sub-model reads.
SUBMODELS = {"profile.ngram": "profile.ng.", "embedding.score": "embedding.d", "style.score": "style.ng.", "syntax.score": "syntax.ng."}
# Dense features the sentence model reads directly (besides the sub-model outputs and the rules).
DIRECT_FEATURES = ("profile.article-omission",)
NGRAM_MIN_COUNT = 2
# The largest sub-models keep their strongest features only, so the committed file stays small.
SUBMODEL_MAX_FEATURES = 15000
# Within each class, the share of the training weight each data source gets: the 6,000 BBC
# sentences would otherwise outweigh the 366 WMT22 English originals twenty to one (and MLQE-PE's
# Reddit and Wikiquote MT the WMT22 news MT). A source not listed shares the rest equally.
SOURCE_SHARES = {True: {"wmt22": 0.6, "mlqepe": 0.4}, False: {"wmt22-en": 0.5, "bbc": 0.5}}
CONTEXT_C = 10.0
# Context sizes drawn for every training sentence; the largest is the context model's cap.
CONTEXT_SIZES = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16)
# The context model may not invert the evidence: own log-odds keep a weight >= 0, the others' mean >= 0.
CONTEXT_BOUNDS = {"ctx.own": (-1.0, None), "ctx.mean": (0.0, None), "ctx.mean_x_log_n": (0.0, None)}


@dataclass
class Features:
    names: list[str]
    rows: list[dict[str, float]]

    def matrix(self, names: Sequence[str]):
        import numpy as np

        return np.array([[row.get(n, 0.0) for n in names] for row in self.rows], dtype=float)


def threshold_for_fpr(negative_scores: Sequence[float], target: float = TARGET_FPR) -> float:
    """The lowest threshold whose false-positive rate on ``negative_scores`` is at most ``target``."""
    values = sorted(negative_scores, reverse=True)
    allowed = int(math.floor(target * len(values)))
    # Flag strictly above the (allowed+1)-th highest negative score.
    cut = values[allowed] if allowed < len(values) else 0.0
    return min(0.99, math.nextafter(cut, 1.0))


def prior_weights() -> dict[str, float]:
    """Fixed log-odds of the interference rules: linguistic knowledge, not fitted.

    WMT22 systems rarely produce these errors, so the data cannot estimate their weights
    (a rule that never fires gets a coefficient near zero); the hand-set weights of the
    provisional model are kept and the learned features are fitted around them (an offset).
    """
    from mtcheck.detect.classifier import provisional_model

    model = provisional_model().sentence
    return dict(zip(model.features, model.coef))


def balanced_weights(y):
    """Per-row weights giving both classes the same total (sklearn's class_weight="balanced")."""
    import numpy as np

    y = np.asarray(y)
    n_pos = max(1, int(y.sum()))
    n_neg = max(1, len(y) - n_pos)
    return np.where(y == 1, len(y) / (2 * n_pos), len(y) / (2 * n_neg))


def source_weights(examples: Sequence[Example]):
    """Per-row weights: both classes weigh the same in total, and within a class each source its
    SOURCE_SHARES part (renormalised over the sources present)."""
    import numpy as np

    n = len(examples)
    counts: dict[tuple[bool, str], int] = {}
    for e in examples:
        counts[(e.positive, e.source)] = counts.get((e.positive, e.source), 0) + 1
    shares: dict[tuple[bool, str], float] = {}
    for cls in (True, False):
        present = [src for (c, src) in counts if c == cls]
        raw = {src: SOURCE_SHARES[cls].get(src, 0.0) for src in present}
        if not sum(raw.values()):
            raw = {src: 1.0 for src in present}
        total = sum(raw.values())
        shares.update(((cls, src), v / total) for src, v in raw.items())
    return np.array([shares[(e.positive, e.source)] / counts[(e.positive, e.source)] * n / 2 for e in examples])


# Sharpness of the smooth hinge (softplus(s*x)/s) a raise-only context shift is fitted through.
RAISE_SHARPNESS = 8.0


def _logistic_with_offset(Z, y, offset, c: float, weight=None, bounds=None, raise_only: bool = False):
    """L2 logistic regression (sklearn's objective) with a fixed per-row offset in the log-odds;
    ``bounds`` optionally box-constrains the coefficients (one (low, high) per column).

    ``raise_only``: the linear part enters the log-odds through a hinge, max(0, Zw + b), as a
    raise-only context shift is applied (fitted through a smooth hinge, softplus with sharpness
    RAISE_SHARPNESS, max error log(2)/RAISE_SHARPNESS at the kink). Fitted without the hinge and
    clipped afterwards, the shift's intercept, balanced by lowering English-original sentences in
    the fit, only raised them at run time."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import expit

    d = Z.shape[1]
    sw = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    s = RAISE_SHARPNESS

    def loss(params):
        w, b = params[:d], params[d]
        linear = Z @ w + b
        if raise_only:
            z = np.logaddexp(0.0, s * linear) / s + offset
            slope = expit(s * linear)
        else:
            z = linear + offset
            slope = 1.0
        p = expit(z)
        value = np.sum(sw * (np.logaddexp(0.0, z) - y * z)) + 0.5 / c * (w @ w)
        r = sw * (p - y) * slope
        grad = np.append(Z.T @ r + w / c, np.sum(r))
        return value, grad

    box = None if bounds is None else list(bounds) + [(None, None)]
    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=box, options={"maxiter": 5000})
    return result.x[:d], float(result.x[d])


def _fit_sentence_model(X, y, groups, offset, weight=None):
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
        w, b = _logistic_with_offset(Z[train_idx], y[train_idx], offset[train_idx], C, weight[train_idx])
        oof[test_idx] = Z[test_idx] @ w + b + offset[test_idx]
    w, b = _logistic_with_offset(Z, y, offset, C, weight)
    return w, b, mean, scale, oof


def _platt(raw, y, offset, weight=None) -> tuple[float, float]:
    # Balanced: the score is the probability when translated and original sentences are equally likely.
    w, b = _logistic_with_offset(raw.reshape(-1, 1), y, offset, 1e6, balanced_weights(y) if weight is None else weight)
    return float(w[0]), b


def _fit_submodel(rows: list[dict], y, prefix: str, weight=None) -> LinearModel:
    """Balanced L2 logistic regression over the raw features starting with ``prefix`` (no centring:
    sparse n-grams are 0 when absent, embeddings are already unit vectors)."""
    import numpy as np
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    counts: dict[str, int] = {}
    for row in rows:
        for k in row:
            if k.startswith(prefix):
                counts[k] = counts.get(k, 0) + 1
    names = sorted(k for k, c in counts.items() if c >= NGRAM_MIN_COUNT)
    index = {k: i for i, k in enumerate(names)}
    data, cols, ptr = [], [], [0]
    for row in rows:
        for k, v in row.items():
            if k in index and v:
                data.append(float(v))
                cols.append(index[k])
        ptr.append(len(data))
    X = csr_matrix((data, cols, ptr), shape=(len(rows), len(names)))
    c = SUBMODEL_CS.get(prefix, SUBMODEL_C)
    if weight is None:
        fit = LogisticRegression(C=c, max_iter=5000, class_weight="balanced", random_state=SEED).fit(X, np.asarray(y))
    else:
        fit = LogisticRegression(C=c, max_iter=5000, random_state=SEED).fit(X, np.asarray(y), sample_weight=np.asarray(weight))
    coef = fit.coef_[0]
    keep = [i for i, c in enumerate(coef) if abs(c) >= 1e-4]  # drop the dead weight from the committed file
    if len(keep) > SUBMODEL_MAX_FEATURES:
        keep = sorted(sorted(keep, key=lambda i: -abs(coef[i]))[:SUBMODEL_MAX_FEATURES])
    return LinearModel(
        features=tuple(names[i] for i in keep),
        coef=tuple(round(float(coef[i]), 5) for i in keep),
        intercept=round(float(fit.intercept_[0]), 5),
    )


def _stacked_features(rows: list[dict], y, groups, progress: Progress, weight=None) -> tuple[dict[str, LinearModel], list[dict]]:
    """Sub-models fitted on all ``rows`` and, per row, the out-of-fold sub-model outputs."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    models: dict[str, LinearModel] = {}
    derived: list[dict[str, float]] = [dict() for _ in rows]
    present = [k for k, prefix in SUBMODELS.items() if any(key.startswith(prefix) for key in rows[0])]
    if "style.score" in present and "profile.ngram" in present:
        # The style n-grams contain the profile's masked n-grams (their "t:" view): both in the
        # stack are collinear (the profile one got a negative weight), so the profile keeps only
        # its direct features.
        present.remove("profile.ngram")
    for name in present:
        prefix = SUBMODELS[name]
        progress(f"fitting the {name} sub-model")
        for train_idx, test_idx in GroupKFold(n_splits=5).split(np.zeros(len(rows)), y, groups):
            sub = _fit_submodel([rows[i] for i in train_idx], y[train_idx], prefix, None if weight is None else weight[train_idx])
            for i in test_idx:
                derived[i][name] = sub.contributions(rows[i])[0]
        models[name] = _fit_submodel(rows, y, prefix, weight)
    return models, derived


def _fit_document_model(doc_rows: list[dict], doc_labels: list[bool]) -> LinearModel:
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
        fit = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced", random_state=SEED).fit((X - mean) / scale, y)
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


def _document_rows(examples: list[Example], logodds: dict[int, float], threshold: float, rng: random.Random):
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


@dataclass(frozen=True)
class ContextData:
    """Training instances of the context model: a sentence and a random subset of its article."""

    sentence: tuple[int, ...]  # positions into the sentence arrays
    others: tuple[tuple[int, ...], ...]
    positive: tuple[bool, ...]
    group: tuple[str, ...]  # doc_id, for grouped folds
    weight: tuple[float, ...]


def _article_positions(examples: Sequence[Example]) -> list[list[int]]:
    """Each article (see data.articles) as positions into ``examples``."""
    index = {id(e): i for i, e in enumerate(examples)}
    return [[index[id(e)] for e in members] for _, members in sorted(articles(examples).items())]


def _mixed_positions(examples: Sequence[Example], rng: random.Random) -> list[tuple[list[int], list[int]]]:
    """Training mixed articles: every English-original article of at least MIXED_MIN_HOST sentences
    with a run of 1-4 consecutive sentences of a translated article spliced in (as in
    evaluate.sets.mixed_articles, from training documents only). Returns (positions in reading order,
    positions of the inserted run)."""
    from mtcheck.detect.data import MIXED_INSERT, MIXED_MIN_HOST

    arts = _article_positions(examples)
    hosts = [a for a in arts if not examples[a[0]].positive and len(a) >= MIXED_MIN_HOST]
    donors = [a for a in arts if examples[a[0]].positive and examples[a[0]].source == "wmt22" and len(a) >= 1]
    out: list[tuple[list[int], list[int]]] = []
    if not donors:
        return out
    for host in hosts:
        donor = rng.choice(donors)
        k = min(len(donor), rng.randint(*MIXED_INSERT))
        start = rng.randint(0, len(donor) - k)
        at = rng.randint(0, len(host))
        run = donor[start : start + k]
        out.append((host[:at] + run + host[at:], run))
    return out


def _context_data(
    examples: Sequence[Example], rng: random.Random, extra: Sequence[tuple[Sequence[int], Sequence[int]]] = ()
) -> ContextData:
    """For every sentence with other sentences in its article, one random context of every size in
    CONTEXT_SIZES it allows, weighted so that both classes weigh the same *within each size*.

    English-original articles are longer than the translated ones here (whole documents vs the
    segments that gave MT), so unbalanced the context size alone would tell the classes apart;
    balanced per size it carries no label, only how much the others' mean can be trusted.
    """
    sentence, others, positive, group = [], [], [], []
    # A mixed article (``extra``: positions, inserted run) is grouped with its host document.
    articles_: list[tuple[list[int], str | None]] = [(a, None) for a in _article_positions(examples)]
    articles_ += [(list(a), examples[next(n for n in a if n not in run)].doc_id) for a, run in extra]
    for article, host in articles_:
        for n in article:
            pool = [m for m in article if m != n]
            for k in CONTEXT_SIZES:
                if k <= len(pool):
                    sentence.append(n)
                    others.append(tuple(sorted(rng.sample(pool, k))))
                    positive.append(examples[n].positive)
                    group.append(host or examples[n].doc_id)
    counts: dict[tuple[int, bool], int] = {}
    for o, y in zip(others, positive):
        counts[(len(o), y)] = counts.get((len(o), y), 0) + 1
    raw = [1.0 / counts[(len(o), y)] if counts.get((len(o), not y)) else 0.0 for o, y in zip(others, positive)]
    scale = len(raw) / sum(raw) if sum(raw) else 0.0
    return ContextData(tuple(sentence), tuple(others), tuple(positive), tuple(group), tuple(w * scale for w in raw))


CONTEXT_CLIP_PERCENTILES = (1.0, 99.0)
# Mixed training articles (English-written with a translated run spliced in) join the context
# model's instances, and the neighbours' weighting is chosen among these bandwidths (None: the
# plain leave-one-out article mean).
CONTEXT_MIXED = True
CONTEXT_BANDWIDTHS = (None, 2.0, 1.0)
# Each bandwidth is tried with the plain shift and with the shift that may only raise (ContextModel.raise_only).
CONTEXT_RAISE_ONLY = (False, True)


def _context_objective(examples, alone, pure: dict[int, float], mixed: list[tuple[float, bool]]) -> dict:
    """At the threshold the training would pick (FPR <= TARGET_FPR on English-original sentences
    alone, in their articles and around inserted runs), the recall on translated articles' sentences
    and on inserted sentences; the objective is their mean."""
    negatives = [n for n, e in enumerate(examples) if not e.positive]
    by_source: dict[str, list[int]] = {}
    for n in negatives:
        by_source.setdefault(examples[n].source, []).append(n)
    cuts = [threshold_for_fpr([sigmoid(alone[n]) for n in ns]) for ns in by_source.values()]
    cuts += [threshold_for_fpr([sigmoid(pure.get(n, alone[n])) for n in ns]) for ns in by_source.values()]
    mixed_neg = [sigmoid(z) for z, inserted in mixed if not inserted]
    if mixed_neg:
        cuts.append(threshold_for_fpr(mixed_neg))
    t = max(cuts)
    positives = [n for n, e in enumerate(examples) if e.positive and e.source == "wmt22"]
    recall_pure = sum(sigmoid(pure.get(n, alone[n])) >= t for n in positives) / max(1, len(positives))
    inserted = [sigmoid(z) for z, flag in mixed if flag]
    recall_mixed = sum(s >= t for s in inserted) / max(1, len(inserted)) if inserted else recall_pure
    return {"threshold": round(t, 4), "recall_articles": round(recall_pure, 4), "recall_inserted": round(recall_mixed, 4),
            "objective": round((recall_pure + recall_mixed) / 2, 4)}


def _context_matrix(data: ContextData, rows: Sequence[int], logodds, context: ContextModel):
    import numpy as np

    X = np.zeros((len(rows), len(CONTEXT_FEATURES)))
    for r, i in enumerate(rows):
        own, others = context.bounded(float(logodds[data.sentence[i]])), data.others[i]
        weighted, n, _ = context.neighbours(own, [context.bounded(float(logodds[m])) for m in others])
        values = context_features(own, weighted, n, context.max_others)
        X[r] = [values[k] for k in CONTEXT_FEATURES]
    return X


def _fit_context_model(
    data: ContextData, rows: Sequence[int], logodds, bandwidth: float | None = None, raise_only: bool = False
) -> ContextModel | None:
    """The shift of the own log-odds, fitted around them (an offset) on the instances ``rows``."""
    import numpy as np

    rows = [i for i in rows if data.weight[i] > 0]
    if not rows or len({data.positive[i] for i in rows}) < 2:
        return None
    seen = np.array([float(logodds[n]) for n in sorted({data.sentence[i] for i in rows})])
    low, high = (round(float(v), 4) for v in np.percentile(seen, CONTEXT_CLIP_PERCENTILES))
    frame = ContextModel(shift=LinearModel((), (), 0.0), max_others=max(len(data.others[i]) for i in rows), clip=(low, high), bandwidth=bandwidth)
    X = _context_matrix(data, rows, logodds, frame)
    y = np.array([data.positive[i] for i in rows], dtype=int)
    offset = np.array([float(logodds[data.sentence[i]]) for i in rows])
    weight = np.array([data.weight[i] for i in rows])
    bounds = [CONTEXT_BOUNDS[k] for k in CONTEXT_FEATURES]
    w, b = _logistic_with_offset(X, y, offset, CONTEXT_C, weight, bounds, raise_only=raise_only)
    shift = LinearModel(features=CONTEXT_FEATURES, coef=tuple(round(float(c), 6) for c in w), intercept=round(b, 6))
    return ContextModel(shift=shift, max_others=frame.max_others, clip=frame.clip, bandwidth=bandwidth, raise_only=raise_only)


def _out_of_fold_context(
    examples: Sequence[Example],
    data: ContextData,
    logodds,
    bandwidth: float | None = None,
    mixed: Sequence[tuple[list[int], list[int]]] = (),
    raise_only: bool = False,
) -> tuple[dict[int, float], list[tuple[float, bool]]]:
    """Every sentence's in-context log-odds over its whole article, from a context model fitted
    without its document (5-fold GroupKFold by doc_id): an honest basis for the threshold. Also
    (in-context log-odds, inserted?) of every sentence of the ``mixed`` articles whose host
    document is held out (a mixed article's instances are grouped with its host)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    out: dict[int, float] = {}
    mixed_out: list[tuple[float, bool]] = []
    groups = np.array(data.group)
    for train_idx, test_idx in GroupKFold(n_splits=5).split(np.zeros(len(groups)), None, groups):
        model = _fit_context_model(data, train_idx.tolist(), logodds, bandwidth, raise_only)
        held_out = set(groups[test_idx])
        for article in _article_positions(examples):
            if examples[article[0]].doc_id in held_out:
                values = [float(logodds[n]) for n in article]
                out.update(zip(article, model.in_context(values) if model else values))
        for article, run in mixed:
            host = next(n for n in article if n not in run)
            if examples[host].doc_id in held_out:
                values = [float(logodds[n]) for n in article]
                scored = model.in_context(values) if model else values
                inserted = set(run)
                mixed_out.extend((z, n in inserted) for n, z in zip(article, scored))
    return out, mixed_out


def train(
    out_dir: Path,
    data: Path | None = None,
    signals: Sequence[str] = DEFAULT_SIGNALS,
    progress: Progress | None = None,
    per_group: int | None = None,
) -> dict:
    import numpy as np

    from mtcheck.detect.provenance import training_provenance  # here: it imports this module's constants

    say = progress or (lambda message: None)
    folder = data_dir(data)
    if per_group is None and "fluency" in signals:
        per_group = FLUENCY_PER_GROUP
    examples = subsample(all_examples(folder), per_group)
    say(f"{len(examples)} labelled sentences from {folder}")
    rows = extract([e.text for e in examples], signals, progress=say)
    priors = prior_weights() if "interference" in signals else {}
    fit_idx = [i for i, e in enumerate(examples) if e.split == "train" and (e.positive or e.label in NEGATIVE_LABELS)]
    y_fit = np.array([examples[i].positive for i in fit_idx], dtype=int)
    groups = np.array([examples[i].doc_id for i in fit_idx])
    weight = source_weights([examples[i] for i in fit_idx])

    submodels, oof_derived = _stacked_features([rows[i] for i in fit_idx], y_fit, groups, say, weight)
    sub_prefixes = tuple(SUBMODELS[k] for k in submodels)
    raw_names = {k for i in fit_idx for k in rows[i]}
    if submodels:
        names = sorted(submodels) + sorted(k for k in DIRECT_FEATURES if k in raw_names)
    else:  # no high-dimensional signal: the sentence model reads the signals' features directly
        names = sorted(k for k in raw_names - set(priors) - {"interference.total"} if not k.startswith(sub_prefixes + ("profile.ng.",)))
    fit_rows = [{**rows[i], **oof_derived[n]} for n, i in enumerate(fit_idx)]
    X = Features(names, fit_rows).matrix(names)
    offset = np.array([sum(w * row.get(k, 0.0) for k, w in priors.items()) for row in fit_rows])

    say("fitting the sentence model")
    w, intercept, mean, scale, oof = _fit_sentence_model(X, y_fit, groups, offset, weight)
    # Platt scaling of the learned part only (the rule log-odds stay as set), baked into the
    # coefficients so that the stored model's calibration is the identity.
    a, b = _platt(oof - offset, y_fit, offset, weight)
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
    mixed = _mixed_positions(fit_examples, random.Random(SEED)) if CONTEXT_MIXED else []
    context_data = _context_data(fit_examples, random.Random(SEED), mixed)
    # The neighbours' weighting is chosen on the training articles' out-of-fold scores (pure and mixed).
    choice = {}
    variants = [(b, r) for r in CONTEXT_RAISE_ONLY for b in CONTEXT_BANDWIDTHS]
    for variant in variants:
        oof_pure, oof_mixed = _out_of_fold_context(fit_examples, context_data, oof_calibrated, variant[0], mixed, variant[1])
        choice[variant] = (_context_objective(fit_examples, oof_calibrated, oof_pure, oof_mixed), oof_pure, oof_mixed)
        say(f"context bandwidth {variant[0]}, raise only {variant[1]}: {choice[variant][0]}")
    variant = max(variants, key=lambda v: choice[v][0]["objective"])  # the first of equals: the simpler form
    bandwidth, raise_only = variant
    context = _fit_context_model(context_data, range(len(context_data.sentence)), oof_calibrated, bandwidth, raise_only)
    oof_context = choice[variant][1] if context else {}
    context_choice = {f"bandwidth={b}, raise_only={r}": v[0] for (b, r), v in choice.items()}
    # One threshold serves both a lone sentence (isolated score) and a sentence in an article: the
    # stricter of the two keeps the false-positive rate on English-original sentences within target,
    # and on every source of them (WMT22 originals, BBC) separately.
    sources = sorted({e.source for e in fit_examples if e.label in NEGATIVE_LABELS})
    by_source = {src: [n for n, e in enumerate(fit_examples) if e.label in NEGATIVE_LABELS and e.source == src] for src in sources}
    threshold_isolated = max(threshold_for_fpr([sigmoid(oof_calibrated[n]) for n in ns]) for ns in by_source.values())
    threshold_context = max(threshold_for_fpr([sigmoid(oof_context.get(n, oof_calibrated[n])) for n in ns]) for ns in by_source.values())
    mixed_neighbours = [sigmoid(z) for z, inserted in choice[variant][2] if not inserted]
    threshold_mixed = threshold_for_fpr(mixed_neighbours) if mixed_neighbours else 0.0
    threshold = math.ceil(max(threshold_isolated, threshold_context, threshold_mixed) * 1e4) / 1e4

    say("fitting the document model")
    rng = random.Random(SEED)
    doc_rows, doc_labels = _document_rows(fit_examples, dict(enumerate(oof_calibrated)), threshold, rng)
    document = _fit_document_model(doc_rows, doc_labels)
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
        folder=folder, per_group=per_group, examples=examples, y_fit=y_fit, signals=signals, names=names,
        submodels=submodels, priors=priors, threshold=threshold, sources=sources,
        thresholds=(threshold_isolated, threshold_context, threshold_mixed), context=context,
        context_data=context_data, fit_examples=fit_examples, context_choice=context_choice, mixed=mixed, metrics=metrics,
    )
    (out_dir / "provenance.json").write_text(json.dumps(provenance, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return provenance
