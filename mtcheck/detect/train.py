"""Fit the detector: features from the run-time signals, logistic regression, Platt calibration,
a threshold chosen on validation, and a document model over sentence log-odds.

The sentence model is stacked: sub-models over the masked n-gram profile (``profile.ng.*``) and
the masked MiniLM embedding (``embedding.d*``) are fitted first; their out-of-fold scores are
features of the small sentence model, next to the interference rules (fixed log-odds) and the
missing-article count. Everything is fitted on MT vs English-original training sentences only:
human translations from Russian carry the same translationese, and as negatives they taught the
model to ignore it (validation AUROC MT vs original 0.80 with them, 0.86 without).

``mtcheck train`` calls :func:`train`; with the same data and seeds it rewrites the committed
``mtcheck/resources/detector/model.json`` byte for byte, and writes ``provenance.json`` next to it.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from mtcheck.config import Settings
from mtcheck.detect.classifier import DOCUMENT_FEATURES, DetectorModel, LinearModel, document_features, logit, sigmoid
from mtcheck.detect.data import Example, all_examples, data_dir, documents, file_hashes
from mtcheck.types import Sentence

SEED = 13
DEFAULT_SIGNALS = ("interference", "profile", "embedding")
TARGET_FPR = 0.05
C = 0.3
SUBMODEL_C = 1.0
FLUENCY_PER_GROUP = 100
NEGATIVE_LABELS = ("original",)
# Derived feature -> the prefix of the raw features its sub-model reads.
SUBMODELS = {"profile.ngram": "profile.ng.", "embedding.score": "embedding.d"}
# Dense features the sentence model reads directly (besides the sub-model outputs and the rules).
DIRECT_FEATURES = ("profile.article-omission",)
NGRAM_MIN_COUNT = 2

Progress = Callable[[str], None]


@dataclass
class Features:
    names: list[str]
    rows: list[dict[str, float]]

    def matrix(self, names: Sequence[str]):
        import numpy as np

        return np.array([[row.get(n, 0.0) for n in names] for row in self.rows], dtype=float)


def extract(texts: Sequence[str], signals: Sequence[str], settings: Settings | None = None, progress: Progress | None = None) -> list[dict[str, float]]:
    """Features through the same Detector code path that runs in ``mtcheck check``."""
    from mtcheck.detect import Detector

    settings = settings or Settings()
    services = {}
    if "languagetool" in signals:
        from mtcheck.services.languagetool import LanguageToolService

        service = LanguageToolService(settings)
        service.ensure_running()
        services["languagetool"] = service
    # The cache stays on: the fluency signal keeps per-sentence statistics there, so a rerun is fast.
    detector = Detector(settings, services=services, signals=list(signals))
    rows: list[dict[str, float]] = []
    chunk = 256
    for i in range(0, len(texts), chunk):
        batch = [Sentence(index=j, start=0, end=len(t), text=t) for j, t in enumerate(texts[i : i + chunk])]
        rows.extend(detector.features(batch))
        if progress:
            progress(f"features {min(i + chunk, len(texts))}/{len(texts)}")
    return rows


def auroc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return float("nan")
    return float(roc_auc_score(list(labels), list(scores)))


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


def _logistic_with_offset(Z, y, offset, c: float, weight=None):
    """L2 logistic regression (sklearn's objective) with a fixed per-row offset in the log-odds."""
    import numpy as np
    from scipy.optimize import minimize
    from scipy.special import expit

    d = Z.shape[1]
    sw = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)

    def loss(params):
        w, b = params[:d], params[d]
        z = Z @ w + b + offset
        p = expit(z)
        value = np.sum(sw * (np.logaddexp(0.0, z) - y * z)) + 0.5 / c * (w @ w)
        r = sw * (p - y)
        grad = np.append(Z.T @ r + w / c, np.sum(r))
        return value, grad

    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": 5000})
    return result.x[:d], float(result.x[d])


def _fit_sentence_model(X, y, groups, offset):
    """Logistic regression around the fixed offset, plus out-of-fold raw log-odds."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    Z = (X - mean) / scale
    oof = np.zeros(len(y))
    weight = balanced_weights(y)
    for train_idx, test_idx in GroupKFold(n_splits=5).split(Z, y, groups):
        w, b = _logistic_with_offset(Z[train_idx], y[train_idx], offset[train_idx], C, weight[train_idx])
        oof[test_idx] = Z[test_idx] @ w + b + offset[test_idx]
    w, b = _logistic_with_offset(Z, y, offset, C, weight)
    return w, b, mean, scale, oof


def _platt(raw, y, offset) -> tuple[float, float]:
    # Balanced: the score is the probability when translated and original sentences are equally likely.
    w, b = _logistic_with_offset(raw.reshape(-1, 1), y, offset, 1e6, balanced_weights(y))
    return float(w[0]), b


def _fit_submodel(rows: list[dict], y, prefix: str) -> LinearModel:
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
    fit = LogisticRegression(C=SUBMODEL_C, max_iter=5000, class_weight="balanced", random_state=SEED).fit(X, np.asarray(y))
    coef = fit.coef_[0]
    keep = [i for i, c in enumerate(coef) if abs(c) >= 1e-4]  # drop the dead weight from the committed file
    return LinearModel(
        features=tuple(names[i] for i in keep),
        coef=tuple(round(float(coef[i]), 5) for i in keep),
        intercept=round(float(fit.intercept_[0]), 5),
    )


def _stacked_features(rows: list[dict], y, groups, progress: Progress) -> tuple[dict[str, LinearModel], list[dict]]:
    """Sub-models fitted on all ``rows`` and, per row, the out-of-fold sub-model outputs."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    models: dict[str, LinearModel] = {}
    derived = [dict() for _ in rows]
    present = [k for k, prefix in SUBMODELS.items() if any(key.startswith(prefix) for key in rows[0])]
    for name in present:
        prefix = SUBMODELS[name]
        progress(f"fitting the {name} sub-model")
        for train_idx, test_idx in GroupKFold(n_splits=5).split(np.zeros(len(rows)), y, groups):
            sub = _fit_submodel([rows[i] for i in train_idx], y[train_idx], prefix)
            for i in test_idx:
                derived[i][name] = sub.contributions(rows[i])[0]
        models[name] = _fit_submodel(rows, y, prefix)
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


def subsample(examples: list[Example], per_group: int | None) -> list[Example]:
    """At most ``per_group`` sentences per (split, source, label) (half that for MLQE-PE validation).

    The language-model signal costs about a second per sentence on two cores, so a model
    that uses it is trained on a deterministic subsample.
    """
    if not per_group:
        return examples
    from mtcheck.detect.data import _unit

    ranked = sorted(examples, key=lambda e: _unit("subsample", e.doc_id, e.seg, e.system, e.label))
    kept, counts = [], {}
    for e in ranked:
        key = (e.split, e.source, e.label)
        limit = per_group if e.split == "train" or e.source != "mlqepe" else per_group // 2
        if limit is None or counts.get(key, 0) < limit:
            counts[key] = counts.get(key, 0) + 1
            kept.append(e)
    order = {id(e): i for i, e in enumerate(examples)}
    return sorted(kept, key=lambda e: order[id(e)])


def train(
    out_dir: Path,
    data: Path | None = None,
    signals: Sequence[str] = DEFAULT_SIGNALS,
    progress: Progress | None = None,
    per_group: int | None = None,
) -> dict:
    import numpy as np

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

    submodels, oof_derived = _stacked_features([rows[i] for i in fit_idx], y_fit, groups, say)
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
    w, intercept, mean, scale, oof = _fit_sentence_model(X, y_fit, groups, offset)
    # Platt scaling of the learned part only (the rule log-odds stay as set), baked into the
    # coefficients so that the stored model's calibration is the identity.
    a, b = _platt(oof - offset, y_fit, offset)
    prior_names = sorted(priors)
    sentence = LinearModel(
        features=tuple(names) + tuple(prior_names),
        coef=tuple(round(float(a * c), 6) for c in w) + tuple(priors[k] for k in prior_names),
        intercept=round(a * intercept + b, 6),
        mean=tuple(round(float(m), 6) for m in mean) + (0.0,) * len(prior_names),
        scale=tuple(round(float(s), 6) for s in scale) + (1.0,) * len(prior_names),
    )
    model = DetectorModel(sentence=sentence, signals=tuple(signals), name="trained", submodels=submodels)

    val_idx = [i for i, e in enumerate(examples) if e.split == "validation"]
    val_logodds = {i: model.sentence_logodds(rows[i])[0] for i in val_idx}
    val_prob = {i: sigmoid(v) for i, v in val_logodds.items()}
    original_val = [val_prob[i] for i in val_idx if examples[i].label == "original"]
    threshold = math.ceil(threshold_for_fpr(original_val) * 1e4) / 1e4

    say("fitting the document model")
    fit_examples = [examples[i] for i in fit_idx]
    oof_calibrated = {n: a * float(z - p) + b + float(p) for n, (z, p) in enumerate(zip(oof, offset))}
    rng = random.Random(SEED)
    doc_rows, doc_labels = _document_rows(fit_examples, oof_calibrated, threshold, rng)
    document = _fit_document_model(doc_rows, doc_labels)
    model = DetectorModel(
        sentence=sentence, calibration=model.calibration, document=document, threshold=threshold,
        signals=tuple(signals), name="trained", submodels=submodels,
    )

    metrics = _validation_metrics(examples, val_idx, val_prob, threshold, model)
    say(json.dumps(metrics))
    model = DetectorModel(**{**model.__dict__, "metrics": metrics})
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "model.json").write_text(model.to_json() + "\n", encoding="utf-8")
    provenance = {
        "data_dir": str(folder),
        "files_sha256": file_hashes(folder),
        "seed": SEED,
        "split": "by doc_id: sha256('split', doc_id) < 0.3 -> validation; each WMT segment gives either its reference or MT outputs",
        "systems_per_segment": 2,
        "subsample_per_group": per_group,
        "systems": sorted({e.system for e in examples if e.label == "mt"}),
        "counts": {f"{s}:{l}": sum(1 for e in examples if e.split == s and e.label == l) for s in ("train", "validation") for l in ("mt", "human", "original", "postedit")},
        "fitted_on": f"training-split sentences labelled mt (positive) or {', '.join(NEGATIVE_LABELS)} (negative): {int(y_fit.sum())} vs {int(len(y_fit) - y_fit.sum())}, class-balanced",
        "signals": list(signals),
        "features": names,
        "submodels": {
            k: f"balanced L2 logistic regression (C={SUBMODEL_C}) over {len(v.features)} '{SUBMODELS[k]}*' features seen >= {NGRAM_MIN_COUNT} times; out-of-fold (5-fold GroupKFold by doc_id) scores feed the sentence model"
            for k, v in submodels.items()
        },
        "masking": "n-grams: proper nouns -> PROPN, numbers -> NUM, content words -> Penn tag, closed-class words kept; embedding: proper nouns -> X, numbers -> N",
        "classifier": f"balanced L2 logistic regression (C={C}) on standardised features around fixed interference-rule log-odds (prior_weights), Platt-calibrated (balanced) on 5-fold GroupKFold out-of-fold log-odds",
        "prior_weights": priors,
        "threshold": f"{threshold}: lowest with FPR <= {TARGET_FPR} on English-original validation sentences",
        "document_model": "monotone LogisticRegression (MT vs English-original documents) over " + ", ".join(DOCUMENT_FEATURES) + " of out-of-fold sentence log-odds, training documents and excerpts",
        "metrics": metrics,
    }
    (out_dir / "provenance.json").write_text(json.dumps(provenance, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return provenance


def _validation_metrics(examples, val_idx, val_prob, threshold, model) -> dict:
    def contrast(neg_label: str, source: str | None = None) -> dict:
        idx = [i for i in val_idx if examples[i].label in ("mt", neg_label) and (source is None or examples[i].source in source)]
        labels = [examples[i].positive for i in idx]
        scores = [val_prob[i] for i in idx]
        neg = [s for s, l in zip(scores, labels) if not l]
        pos = [s for s, l in zip(scores, labels) if l]
        return {
            "n_pos": len(pos),
            "n_neg": len(neg),
            "auroc": round(auroc(labels, scores), 4),
            "recall": round(sum(s >= threshold for s in pos) / max(1, len(pos)), 4),
            "fpr": round(sum(s >= threshold for s in neg) / max(1, len(neg)), 4),
        }

    val_examples = [examples[i] for i in val_idx]
    logodds = {id(examples[i]): logit(val_prob[i]) for i in val_idx}
    doc_scores = {}
    for key, doc in documents(val_examples).items():
        doc_scores[key] = (doc[0].positive, model.document_probability([logodds[id(e)] for e in doc]))
    def doc_auc(neg_label: str) -> float:
        items = [(p, s) for k, (p, s) in doc_scores.items() if k.startswith(("mt:", f"{neg_label}:"))]
        return round(auroc([p for p, _ in items], [s for _, s in items]), 4)

    return {
        "threshold": threshold,
        "sentences_mt_vs_original": contrast("original", ("wmt22", "wmt22-en")),
        "sentences_mt_vs_human": contrast("human", ("wmt22",)),
        "sentences_mlqepe_mt_vs_postedit": contrast("postedit", ("mlqepe",)),
        "documents_mt_vs_original_auroc": doc_auc("original"),
        "documents_mt_vs_human_auroc": doc_auc("human"),
    }
