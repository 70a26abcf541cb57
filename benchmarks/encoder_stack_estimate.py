"""Experiment (issue #26): how much could stacking the fine-tuned encoder add to the shipped detector?
Figures only; nothing is asserted, nothing shipped changes.

    nice -n 10 python benchmarks/encoder_stack_estimate.py [--folds 5] [--json]

Stacking the encoder properly needs out-of-fold encoder scores of every training sentence, which
means training it five times (~40 minutes each on two cores). This asks first whether that could
pay: on the validation documents only (never fitted, tuned or calibrated on by either model), a
two-feature logistic regression over the shipped stack's sentence-alone log-odds and the committed
encoder's log-odds is fitted on some documents and scored on the others (grouped k-fold, whole
documents). Its weights are fitted on the very distribution it is scored on, so the blend's figures
are an upper estimate of what a properly stacked encoder would reach.

Printed per English-written source (WMT22 originals, BBC): AUROC and recall at FPR <= 3% of the
stack, the encoder alone and the blend, and how far the two scores agree (Pearson r).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEGATIVE_SOURCES = ("wmt22-en", "bbc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="development data folder (default: $MTCHECK_DATA or ../shared/data)")
    parser.add_argument("--folds", type=int, default=5, help="grouped folds over the validation documents")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from mtcheck.detect.base import default_training_signals
    from mtcheck.detect.classifier import load_model
    from mtcheck.detect.data import all_examples, data_dir
    from mtcheck.detect.encoder_model import load_scorer, masked_sentences, packaged_dir
    from mtcheck.detect.features import extract
    from mtcheck.evaluate.refit import score_separation

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    validation = [e for e in all_examples(data_dir(args.data)) if e.split == "validation" and (
        (e.label == "mt" and e.source == "wmt22") or (e.label == "original" and e.source in NEGATIVE_SOURCES))]
    say(f"{len(validation)} validation sentences")
    rows = extract([e.text for e in validation], default_training_signals(), progress=say)
    model = load_model()
    stack = np.array([model.sentence_logodds(row)[0] for row in rows])
    encoder = np.array(load_scorer(packaged_dir()).logodds([w for w, _ in masked_sentences([e.text for e in validation])]))
    labels = np.array([e.label == "mt" for e in validation])
    features = np.c_[stack, encoder]
    blend = np.zeros(len(validation))
    for fit, held in GroupKFold(args.folds).split(features, labels, np.array([e.doc_id for e in validation])):
        combiner = LogisticRegression(class_weight="balanced").fit(features[fit], labels[fit])
        blend[held] = combiner.decision_function(features[held])

    table: dict = {"pearson_r": round(float(np.corrcoef(stack, encoder)[0, 1]), 3), "sources": {}}
    for source in NEGATIVE_SOURCES:
        keep = np.array([e.label == "mt" or e.source == source for e in validation])
        figures: dict = {"n_pos": int(labels[keep].sum()), "n_neg": int((~labels[keep]).sum())}
        for name, scores in (("stack", stack), ("encoder", encoder), ("blend", blend)):
            auc, recall = score_separation(list(labels[keep]), list(scores[keep]))
            figures[name] = {"auroc": round(auc, 4), "recall_at_3": round(recall, 4)}
        table["sources"][source] = figures
    if args.json:
        print(json.dumps(table, indent=1))
        return
    print(f"validation documents, sentences alone; blend = {args.folds}-fold grouped stacking of stack + encoder (an upper estimate)")
    for source, figures in table["sources"].items():
        print(f"  WMT22 MT vs {source} ({figures['n_pos']} / {figures['n_neg']})")
        for name in ("stack", "encoder", "blend"):
            print(f"    {name:<8} AUROC {figures[name]['auroc']:.3f}  recall@3% {figures[name]['recall_at_3']:.3f}")
    print(f"  agreement of the two scores: Pearson r {table['pearson_r']:.3f}")


if __name__ == "__main__":
    main()
