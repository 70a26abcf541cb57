"""Leave-one-source-out validation: how well the detector travels to an MT system or a kind of
English-written news it has never seen.

For every held-out source (each MT system in turn; the BBC originals; the WMT22 originals) the
sub-models (masked n-grams, style n-grams, embedding) are refitted on the training split without
that source, and the held-out source's *validation* documents are scored against the other side's
validation documents:

* a held-out MT system: its sentences (and whole documents, one system per document) against
  the WMT22 English-original validation sentences (documents);
* held-out originals: the validation MT (every system) against the held-out originals' validation
  sentences (documents).

Nothing of a held-out source's documents is seen by the refitted sub-models. The stacking
weights, the calibration and the document model are the evaluated model's own (a handful of
numbers over the sub-model scores, fitted on all training sources): refitting them too would
take five-fold stacking per held-out source for a few coefficients; the leak is those
coefficients only, and it is named in the report.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

from mtcheck.detect.classifier import DetectorModel, sigmoid
from mtcheck.detect.data import FILES, Example, _split, all_examples, data_dir, read_jsonl

Progress = Callable[[str], None]
OUT_OF_DOMAIN_SYSTEM = "mlqepe-transformer"


@dataclass(frozen=True)
class HeldOut:
    name: str  # "system:<name>" | "originals:<source>"
    n_pos: int
    n_neg: int
    sentence_auroc: float
    recall_at_5: float  # recall on the positives at the lowest threshold with FPR <= 5% on these negatives
    n_documents: int
    document_auroc: float


def recall_at_fpr(labels: Sequence[bool], scores: Sequence[float], fpr: float = 0.05) -> float:
    negatives = sorted((s for s, label in zip(scores, labels) if not label), reverse=True)
    positives = [s for s, label in zip(scores, labels) if label]
    if not negatives or not positives:
        return float("nan")
    k = int(math.floor(fpr * len(negatives)))
    cut = negatives[k] if k < len(negatives) else -math.inf
    return sum(1 for s in positives if s > cut) / len(positives)


def _validation_documents(folder: Path, system: str | None) -> list[Example]:
    """Whole validation MT documents of one system (every system when ``system`` is None)."""
    out = []
    for r in read_jsonl(folder / FILES["wmt_ruen"]):
        if _split(r["doc_id"]) == "validation" and (system is None or r["system"] == system):
            out.append(Example(r["mt_en"], "mt", r["doc_id"], int(r["doc_seg_id"]), "wmt22", r["system"], "validation"))
    return out


def _groups(examples: Sequence[Example]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for k, e in enumerate(examples):
        groups.setdefault(f"{e.label}:{e.source}:{e.doc_id}:{e.system}", []).append(k)
    return {key: sorted(ks, key=lambda k: examples[k].seg) for key, ks in groups.items()}


def holdout_report(
    model_path: str | None, data: Path | None = None, progress: Progress | None = None, only: Sequence[str] = ()
) -> list[HeldOut]:
    """:func:`leave_one_source_out` of the model file ``model_path`` (default: ``[detect] model``
    in the config, else the packaged model)."""
    from mtcheck.config import load_settings
    from mtcheck.detect.classifier import load_model

    detector_model = load_model(model_path or load_settings().detect_config.model)
    return leave_one_source_out(detector_model, data, progress=progress, only=only)


def leave_one_source_out(model: DetectorModel, data: Path | None = None, progress: Progress | None = None, only: Sequence[str] = ()) -> list[HeldOut]:
    import numpy as np

    from mtcheck.detect.base import submodels as declared_submodels
    from mtcheck.detect.features import extract
    from mtcheck.detect.metrics import auroc
    from mtcheck.detect.train import fit_submodel, source_weights

    say = progress or (lambda message: None)
    folder = data_dir(data)
    examples = all_examples(folder)
    systems = sorted({e.system for e in examples if e.label == "mt"})
    originals = sorted({e.source for e in examples if e.label == "original"})
    docs_mt = _validation_documents(folder, None)
    docs_original = [e for e in examples if e.label == "original" and e.split == "validation"]
    # The training examples in training order (`mtcheck train` extracted them in these batches: the
    # feature cache serves them), then the validation documents' other sentences.
    texts = [e.text for e in examples]
    say(f"features of {len(texts)} labelled sentences (cached by `mtcheck train`)")
    features = dict(zip(texts, extract(texts, model.signals, progress=say)))
    extra = list(dict.fromkeys(e.text for e in docs_mt if e.text not in features))
    say(f"features of {len(extra)} more sentences of whole validation documents")
    features.update(zip(extra, extract(extra, model.signals, progress=say)))
    declared = declared_submodels()
    sub_names = [k for k in declared if k in model.submodels]

    def scores(fitted: DetectorModel, items: Sequence[Example]) -> list[float]:
        return [fitted.sentence_logodds(features[e.text])[0] for e in items]

    targets = [f"system:{s}" for s in systems] + [f"originals:{s}" for s in originals]
    if only:
        targets = [t for t in targets if t in only or t.split(":", 1)[1] in only]
    out = []
    for target in targets:
        kind, name = target.split(":", 1)

        # kind and name bound as defaults: each iteration's filter uses its own target.
        def held(e: Example, kind: str = kind, name: str = name) -> bool:
            return (e.label == "mt" and e.system == name) if kind == "system" else (e.label == "original" and e.source == name)

        fit = [e for e in examples if e.split == "train" and e.label in ("mt", "original") and not held(e)]
        y = np.array([e.positive for e in fit], dtype=int)
        weight = source_weights(fit)
        rows = [features[e.text] for e in fit]
        say(f"held out {target}: refitting {', '.join(sub_names)} on {len(fit)} training sentences")
        submodels = {k: fit_submodel(rows, y, declared[k], weight) for k in sub_names}
        fitted = replace(model, submodels=submodels)
        if kind == "system":
            pos = [e for e in examples if e.split == "validation" and e.label == "mt" and e.system == name]
            neg = [e for e in examples if e.split == "validation" and e.label == "original" and e.source == "wmt22-en"]
            doc_pos = [e for e in docs_mt if e.system == name] if name != "mlqepe-transformer" else []
            doc_neg = [e for e in docs_original if e.source == "wmt22-en"]
        else:
            pos = [e for e in examples if e.split == "validation" and e.label == "mt" and e.source == "wmt22"]
            neg = [e for e in examples if e.split == "validation" and e.label == "original" and e.source == name]
            doc_pos = _one_system_per_document(docs_mt)
            doc_neg = [e for e in docs_original if e.source == name]
        labels = [True] * len(pos) + [False] * len(neg)
        values = [sigmoid(z) for z in scores(fitted, pos + neg)]
        doc_items = doc_pos + doc_neg
        doc_auc = float("nan")
        n_docs = 0
        if doc_pos and doc_neg:
            logodds = scores(fitted, doc_items)
            groups = _groups(doc_items)
            doc_labels = [doc_items[ks[0]].positive for ks in groups.values()]
            doc_scores = [fitted.document_probability([logodds[k] for k in ks]) for ks in groups.values()]
            doc_auc, n_docs = auroc(doc_labels, doc_scores), len(groups)
        out.append(HeldOut(target, len(pos), len(neg), auroc(labels, values), recall_at_fpr(labels, values), n_docs, doc_auc))
    return out


def _one_system_per_document(rows: Sequence[Example]) -> list[Example]:
    """Every validation MT document once, from the system the README recipe picks for it."""
    from mtcheck.detect.data import _unit

    systems = sorted({e.system for e in rows})
    chosen = {doc: min(systems, key=lambda s: _unit("docsystem", doc, s)) for doc in {e.doc_id for e in rows}}
    return [e for e in rows if e.system == chosen[e.doc_id]]


def render(rows: Sequence[HeldOut]) -> str:
    def fmt(v: float) -> str:
        return "  n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.3f}"

    lines = [
        "leave one source out (sub-models refitted without the held-out source; validation documents only)",
        f"{'held out':<34}{'pos':>6}{'neg':>6}{'AUROC':>8}{'rec@5%':>8}{'docs':>6}{'docAUROC':>10}",
    ]
    for r in rows:
        lines.append(f"{r.name:<34}{r.n_pos:>6}{r.n_neg:>6}{fmt(r.sentence_auroc):>8}{fmt(r.recall_at_5):>8}{r.n_documents:>6}{fmt(r.document_auroc):>10}")
    # MLQE-PE's system translated Reddit and Wikiquote, not news: its row measures a change of
    # domain as well as of system, so the news systems' worst case is reported on its own.
    news = [r for r in rows if r.name.startswith("system:") and r.name != f"system:{OUT_OF_DOMAIN_SYSTEM}"]
    other = [r for r in rows if r.name == f"system:{OUT_OF_DOMAIN_SYSTEM}"]
    groups = (("news MT systems", news), ("out-of-domain MT (MLQE-PE)", other), ("originals", [r for r in rows if r.name.startswith("originals:")]))
    for label, group in groups:
        finite = [r for r in group if not math.isnan(r.sentence_auroc)]
        if finite:
            worst = min(finite, key=lambda r: r.sentence_auroc)
            docs = [r for r in group if not math.isnan(r.document_auroc)]
            worst_doc = min(docs, key=lambda r: r.document_auroc) if docs else None
            lines.append(
                f"worst held-out {label}: sentence AUROC {fmt(worst.sentence_auroc)} ({worst.name})"
                + (f", document AUROC {fmt(worst_doc.document_auroc)} ({worst_doc.name})" if worst_doc else "")
            )
    lines.append("sentences: the held-out source's validation sentences against the other side's (MT systems vs WMT22 English originals;")
    lines.append("held-out originals vs every system's validation MT); rec@5%: recall at the threshold with FPR <= 5% on those negatives;")
    lines.append("documents: whole validation documents, one system per document. Stacking weights, calibration and document model are")
    lines.append("the evaluated model's own (fitted with every source): only the sub-models are refitted.")
    return "\n".join(lines)
