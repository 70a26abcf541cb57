"""Experiment (issue #26): which pretrained sentence encoder is worth fine-tuning? Frozen embeddings
of the masked sentences and a logistic regression, per encoder. Figures only; nothing shipped changes.

    nice -n 10 python benchmarks/frozen_encoders.py [--encoder NAME=DIR ...] [--train 6000] [--json]

Every encoder is a sentence-transformers folder; the model store's all-MiniLM-L6-v2 (the one
`mtcheck train --encoder` fine-tunes) is always measured. Sentences are masked as the `style`
signal masks them (names, numbers and topic words replaced), like the encoder's training input.
Training: a fixed random sample of `mtcheck train`'s training documents' sentences (WMT22 and
MLQE-PE MT against WMT22 English originals and BBC); validation: every sentence of the validation
documents (whole documents, never trained on), WMT22 MT against each English-written source.
Printed per encoder: encoding time, and AUROC and recall at FPR <= 3% for C in 0.3, 1 and 3.
Fine-tuning lifts every encoder, so what this compares is the starting point and the cost.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NEGATIVE_SOURCES = ("wmt22-en", "bbc")
STRENGTHS = (0.3, 1.0, 3.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", action="append", default=[], metavar="NAME=DIR",
                        help="another sentence-transformers folder to measure (repeatable)")
    parser.add_argument("--train", type=int, default=6000, help="training sentences sampled (seed 0)")
    parser.add_argument("--data", type=Path, default=None, help="development data folder (default: $MTCHECK_DATA or ../shared/data)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression

    from mtcheck.detect.data import all_examples, data_dir
    from mtcheck.detect.encoder_model import masked_sentences
    from mtcheck.evaluate.refit import score_separation
    from mtcheck.services.modelstore import ModelStore

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    torch.set_num_threads(2)
    encoders = {"all-MiniLM-L6-v2 (model store)": ModelStore.default().path("embedder")}
    encoders.update(dict(e.split("=", 1) for e in args.encoder))
    examples = [e for e in all_examples(data_dir(args.data)) if (e.label == "mt" and e.source in ("wmt22", "mlqepe"))
                or (e.label == "original" and e.source in NEGATIVE_SOURCES)]
    train = [e for e in examples if e.split == "train"]
    random.Random(0).shuffle(train)
    train = train[: args.train]
    validation = [e for e in examples if e.split == "validation" and (e.source == "wmt22" or e.label == "original")]
    texts = [" ".join(words) for words, _ in masked_sentences([e.text for e in train + validation])]
    say(f"{len(train)} training and {len(validation)} validation sentences masked")
    y_train = np.array([e.label == "mt" for e in train])
    y_val = np.array([e.label == "mt" for e in validation])
    table: dict = {}
    for name, folder in encoders.items():
        model = SentenceTransformer(str(folder), device="cpu")
        started = time.perf_counter()
        embedded = model.encode(texts, batch_size=64, normalize_embeddings=True)
        seconds = time.perf_counter() - started
        say(f"{name}: {len(texts)} sentences in {seconds:.0f} s")
        row: dict = {"seconds": round(seconds, 1), "sentences": len(texts)}
        for strength in STRENGTHS:
            fitted = LogisticRegression(C=strength, max_iter=2000, class_weight="balanced").fit(embedded[: len(train)], y_train)
            scores = fitted.decision_function(embedded[len(train):])
            for source in NEGATIVE_SOURCES:
                keep = np.array([e.label == "mt" or e.source == source for e in validation])
                auc, recall = score_separation(list(y_val[keep]), list(scores[keep]))
                row[f"C={strength} vs {source}"] = {"auroc": round(auc, 4), "recall_at_3": round(recall, 4)}
        table[name] = row
    if args.json:
        print(json.dumps(table, indent=1))
        return
    print("frozen embeddings of masked sentences + logistic regression; validation documents, WMT22 MT vs each source")
    for name, row in table.items():
        print(f"  {name}: {row['sentences']} sentences encoded in {row['seconds']:.0f} s")
        for strength in STRENGTHS:
            cells = "   ".join(f"vs {source}: AUROC {row[f'C={strength} vs {source}']['auroc']:.3f} "
                               f"recall@3% {row[f'C={strength} vs {source}']['recall_at_3']:.3f}" for source in NEGATIVE_SOURCES)
            print(f"    C={strength:<4} {cells}")


if __name__ == "__main__":
    main()
