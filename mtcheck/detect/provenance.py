"""What ``mtcheck train`` writes to ``provenance.json`` beside the model: the data (by sha256),
the split, the sources and their counts, every fitting choice and its reason, and the metrics.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Sequence

from mtcheck.detect.base import submodels as declared_submodels
from mtcheck.detect.classifier import DOCUMENT_FEATURES, ContextModel, LinearModel
from mtcheck.detect.data import BBC_SENTENCES, SYSTEMS_PER_SEGMENT, Example, file_hashes
from mtcheck.detect.train_context import ContextData, ContextFit
from mtcheck.detect.training_choices import TrainingChoices


def training_provenance(
    choices: TrainingChoices,
    *,
    folder: Path,
    examples: Sequence[Example],
    fit_examples: Sequence[Example],
    y_fit,
    names: list[str],
    submodels: dict[str, LinearModel],
    priors: dict[str, float],
    thresholds: tuple[float, float, float],
    context: ContextFit,
    metrics: dict,
) -> dict:
    """The provenance of a model fitted by :func:`mtcheck.detect.train.train` with ``choices`` (the
    other arguments are that function's intermediate results; ``thresholds``: the isolated, in-context
    and mixed-article thresholds, whose strictest, rounded up, is the model's threshold)."""
    c = choices
    declared = declared_submodels()
    threshold = math.ceil(max(thresholds) * 1e4) / 1e4
    sources = sorted({e.source for e in fit_examples if e.label in c.negative_labels})
    threshold_isolated, threshold_context, threshold_mixed = thresholds
    return {
        "data_dir": folder.name,  # the files are identified by their sha256 below, not by where they were
        "files_sha256": file_hashes(folder),
        "seed": c.seed,
        "split": "by doc_id: sha256('split', doc_id) < 0.3 -> validation; each WMT segment gives either its reference or MT outputs",
        "systems_per_segment": SYSTEMS_PER_SEGMENT,
        "bbc": f"English-written BBC News articles, whole articles in a fixed pseudo-random order up to {BBC_SENTENCES} sentences per split, "
        "split into sentences by mtcheck.segment (title line skipped)",
        "subsample_per_group": c.per_group,
        "systems": sorted({e.system for e in examples if e.label == "mt"}),
        "counts": {
            f"{s}:{label}": sum(1 for e in examples if e.split == s and e.label == label)
            for s in ("train", "validation")
            for label in ("mt", "human", "original", "postedit")
        },
        "fitted_on": f"training-split sentences labelled mt (positive) or {', '.join(c.negative_labels)} (negative): "
        f"{int(y_fit.sum())} vs {int(len(y_fit) - y_fit.sum())}, class-balanced, each class's weight shared among its sources as {c.source_shares}",
        "sources": {f"{e_split}:{src}:{lab}": n for (e_split, src, lab), n in sorted(_source_counts(examples).items())},
        "signals": list(c.signals),
        "features": names,
        "submodels": {
            k: f"L2 logistic regression (C={c.submodel_c if declared[k].c is None else declared[k].c}, source-balanced weights) over "
            f"{len(v.features)} '{declared[k].prefix}*' features seen >= {c.ngram_min_count} times; "
            "out-of-fold (5-fold GroupKFold by doc_id) scores feed the sentence model"
            for k, v in submodels.items()
        },
        "masking": "n-grams: proper nouns -> PROPN, numbers -> NUM, content words -> Penn tag, closed-class words kept; "
        "embedding: proper nouns -> X, numbers -> N; "
        "style: as the n-grams, plus a view keeping the words of resources/detector/style_vocabulary.txt (frequent on both sides) "
        "and other content words as tag~last three letters",
        "classifier": f"balanced L2 logistic regression (C={c.c}) on standardised features around fixed interference-rule log-odds (prior_weights), "
        "Platt-calibrated (balanced) on 5-fold GroupKFold out-of-fold log-odds",
        "prior_weights": priors,
        "threshold": (
            f"{threshold}: the strictest of the lowest thresholds with FPR <= {c.target_fpr} on the training English-original "
            f"sentences' out-of-fold scores, per source ({', '.join(sources)}), alone ({threshold_isolated:.4f}) and in context "
            f"over their whole articles ({threshold_context:.4f}) and around translated runs spliced into them ({threshold_mixed:.4f}); "
            "validation data is not used"
        ),
        "context_model": {
            **_context_provenance(c, context.model, context.data, fit_examples),
            "bandwidth_choice": context.choice,
            "mixed_training_articles": len(context.mixed),
        }
        if context.model
        else NO_CONTEXT_PROVENANCE,
        "document_model": "monotone LogisticRegression (MT vs English-original documents) over "
        + ", ".join(DOCUMENT_FEATURES)
        + " of out-of-fold sentence log-odds, training documents and excerpts",
        "metrics": metrics,
    }


def _source_counts(examples: Sequence[Example]) -> dict[tuple[str, str, str], int]:
    counts: dict[tuple[str, str, str], int] = {}
    for e in examples:
        counts[(e.split, e.source, e.label)] = counts.get((e.split, e.source, e.label), 0) + 1
    return counts


NO_CONTEXT_PROVENANCE = "none: the training data has no multi-sentence articles of both kinds"


def _context_provenance(c: TrainingChoices, context: ContextModel, data: ContextData, examples: Sequence[Example]) -> dict:
    assert context.clip is not None, "a fitted context model always has its clipping range (_fit_context_model)"
    used = [i for i, w in enumerate(data.weight) if w > 0]
    return {
        "form": "in-context log-odds = own + intercept + w_own*c(own) + w_mean*mean + w_mean_n*mean*log(min(n, max_others)), "
        "own = the sentence's calibrated log-odds, mean = the leave-one-out mean of the other prose sentences' c(log-odds), "
        f"n = their number, c = clipping to [{context.clip[0]}, {context.clip[1]}] (percentiles {list(c.context_clip_percentiles)} "
        "of the training log-odds: no extrapolation); no other sentence: exactly the isolated log-odds"
        + ("" if context.bandwidth is None else
           f"; mean and n similarity-weighted: another sentence counts exp(-((c(own) - c(other))/{context.bandwidth})^2/2), "
           "n = the sum of those weights (at least 1)")
        + ("; raise only: the shift is max(0, shift), the in-context log-odds never below the own, and it is fitted "
           f"through that hinge (smoothed: softplus with sharpness {c.raise_sharpness})" if context.raise_only else ""),
        "fitted_on": "training documents only: out-of-fold calibrated sentence log-odds (5-fold GroupKFold by doc_id, the "
        "sentence model's folds) of WMT22 MT (positive) and English-original (negative) sentences, each with one random "
        f"context of every size in {list(c.context_sizes)} its article allows (data.articles: one MT output per segment, "
        "all of a document's sentences on one side)"
        + (", and mixed training articles (every English-original training article of 4+ sentences with a run of 1-4 "
           "translated training sentences spliced in), grouped with their host document" if c.context_mixed else ""),
        "instances": {
            "mt": sum(1 for i in used if data.positive[i]),
            "original": sum(1 for i in used if not data.positive[i]),
            "documents": len({examples[data.sentence[i]].doc_id for i in used}),
        },
        "weighting": "both classes weigh the same within each context size (the size alone carries no label)",
        "regularisation": f"L2, C={c.context_c}; bounds ("
        + ", ".join(f"{k} >= {low}" for k, (low, _) in c.context_bounds.items())
        + ") keep it monotone in the own and the others' log-odds",
        "threshold_basis": "its out-of-fold (5-fold GroupKFold by doc_id) in-context scores over whole training articles",
    }
