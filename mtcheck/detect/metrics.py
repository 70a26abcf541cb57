"""The validation measurements ``mtcheck train`` stores with the model (``metrics`` in model.json
and provenance.json): AUROC, recall and false-positive rate at the model's threshold, alone and in
context, document AUROCs, on the validation split and on whole validation articles.

Only validation documents are measured here; nothing is fitted or tuned on them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from mtcheck.detect.classifier import DetectorModel, logit, sigmoid
from mtcheck.detect.data import Example, articles, document_examples, documents
from mtcheck.detect.features import Progress, extract


def auroc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return float("nan")
    return float(roc_auc_score(list(labels), list(scores)))


def validate(
    model: DetectorModel,
    threshold: float,
    examples: Sequence[Example],
    rows: Sequence[dict[str, float]],
    folder: Path,
    signals: Sequence[str],
    per_group: int | None,
    say: Progress,
) -> dict:
    """The validation metrics of a fitted ``model`` at ``threshold``: the validation ``examples``
    (``rows``: the features of all ``examples``), and whole validation articles from ``folder``
    unless the training data was subsampled (``per_group``)."""
    val_idx = [i for i, e in enumerate(examples) if e.split == "validation"]
    val_prob = {i: sigmoid(model.sentence_logodds(rows[i])[0]) for i in val_idx}
    full = []
    if per_group is None:  # whole validation articles (one system per document); skipped when subsampling
        full = [e for label in ("mt", "original", "human") for e in document_examples(folder, "validation", label)]
    full_rows = extract([e.text for e in full], signals, progress=say) if full else []
    full_logodds = [model.sentence_logodds(r)[0] for r in full_rows]
    return _validation_metrics(examples, val_idx, val_prob, threshold, model, (full, full_logodds))


def _binary(labels: Sequence[bool], scores: Sequence[float], threshold: float) -> dict:
    neg = [s for s, label in zip(scores, labels) if not label]
    pos = [s for s, label in zip(scores, labels) if label]
    return {
        "n_pos": len(pos),
        "n_neg": len(neg),
        "auroc": round(auroc(labels, scores), 4),
        "recall": round(sum(s >= threshold for s in pos) / max(1, len(pos)), 4),
        "fpr": round(sum(s >= threshold for s in neg) / max(1, len(neg)), 4),
    }


def _validation_metrics(examples, val_idx, val_prob, threshold, model, full=((), ())) -> dict:
    """Sentence metrics alone and in context (each validation article scored as one document),
    document AUROCs, and the same on whole validation articles when ``full`` is given."""
    val_examples = [examples[i] for i in val_idx]
    logodds = {id(examples[i]): logit(val_prob[i]) for i in val_idx}
    in_context: dict[int, float] = {}
    for members in articles(val_examples).values():
        values = model.in_context_logodds([logodds[id(e)] for e in members])
        in_context.update((id(e), sigmoid(z)) for e, z in zip(members, values))

    def contrast(neg_label: str, source: tuple[str, ...], context: bool = False) -> dict:
        idx = [i for i in val_idx if examples[i].label in ("mt", neg_label) and examples[i].source in source]
        scores = [in_context[id(examples[i])] if context else val_prob[i] for i in idx]
        return _binary([examples[i].positive for i in idx], scores, threshold)

    doc_scores = {}
    for key, doc in documents(val_examples).items():
        doc_scores[key] = (doc[0].positive, model.document_probability([logodds[id(e)] for e in doc]))
    def doc_auc(neg_label: str) -> float:
        items = [(p, s) for k, (p, s) in doc_scores.items() if k.startswith(("mt:", f"{neg_label}:"))]
        return round(auroc([p for p, _ in items], [s for _, s in items]), 4)

    metrics = {
        "threshold": threshold,
        "sentences_mt_vs_original": contrast("original", ("wmt22", "wmt22-en")),
        "sentences_mt_vs_original_in_context": contrast("original", ("wmt22", "wmt22-en"), True),
        "sentences_mt_vs_human": contrast("human", ("wmt22",)),
        "sentences_mt_vs_human_in_context": contrast("human", ("wmt22",), True),
        # MLQE-PE sentences have no article: in context they keep their isolated scores.
        "sentences_mlqepe_mt_vs_postedit": contrast("postedit", ("mlqepe",)),
        "documents_mt_vs_original_auroc": doc_auc("original"),
        "documents_mt_vs_human_auroc": doc_auc("human"),
    }
    if any(examples[i].source == "bbc" for i in val_idx):
        metrics["sentences_mt_vs_bbc"] = contrast("original", ("wmt22", "bbc"))
        metrics["sentences_mt_vs_bbc_in_context"] = contrast("original", ("wmt22", "bbc"), True)
    full_examples, full_logodds = full
    if full_examples:
        metrics.update(_article_metrics(list(full_examples), list(full_logodds), threshold, model))
    return metrics


def _article_metrics(full: list[Example], logodds: list[float], threshold: float, model: DetectorModel) -> dict:
    """Whole validation articles (one MT system per document, every segment): sentence metrics
    alone and in context, and the document AUROC, MT vs English-original and MT vs human."""
    groups: dict[str, list[int]] = {}
    for k, e in enumerate(full):
        groups.setdefault(f"{e.label}:{e.doc_id}:{e.system}", []).append(k)
    alone = [sigmoid(z) for z in logodds]
    context = model.in_context_probabilities(logodds, groups.values())
    doc = {key: (full[ks[0]].positive, model.document_probability([logodds[k] for k in ks])) for key, ks in groups.items()}
    out = {}
    for neg in ("original", "human"):
        ks = [k for k, e in enumerate(full) if e.label in ("mt", neg)]
        labels = [full[k].positive for k in ks]
        items = [v for key, v in doc.items() if key.startswith(("mt:", f"{neg}:"))]
        out[f"articles_mt_vs_{neg}"] = {
            "sentences": _binary(labels, [alone[k] for k in ks], threshold),
            "sentences_in_context": _binary(labels, [context[k] for k in ks], threshold),
            "documents_auroc": round(auroc([p for p, _ in items], [s for _, s in items]), 4),
            "n_documents": len(items),
        }
    return out
