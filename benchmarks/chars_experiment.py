"""Experiment (issue #26): the character n-gram signal (`chars`, masked as the style signal masks)
as one more sub-model of the stack. Figures only; nothing is asserted, nothing shipped changes.

    nice -n 15 python benchmarks/chars_experiment.py [--loso Online-W,wmt22-en,bbc] [--json]
    nice -n 15 python benchmarks/chars_experiment.py --write-model DIR   # `mtcheck train` with it

Grouped validation (whole documents held out: `mtcheck train`'s split by doc_id), sentences
alone, the whole stack refitted with and without `chars` on the same training sentences:
WMT22 MT (every system) against WMT22 English originals and against BBC separately, AUROC and
recall at FPR <= 3%, the worst system's AUROC, and the `chars` sub-model alone. With --loso, the
same for whole sources held out: leave one source out of the whole stack (mtcheck eval detect
--holdout) with and without `chars`, for the sources named.

The stack learns the sub-models the fitted signals' contracts declare; `chars` declares its own
(`chars.score` over `chars.ng.`) but is not a default training signal, so it enters the stack only
where this script passes it among the signals.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHARS_SCORE = "chars.score"  # the sub-model the chars signal's contract declares


def grouped_validation(model, examples, rows) -> dict:
    """Sentence-alone figures of ``model`` on the validation documents."""
    from mtcheck.evaluate.refit import sentence_separation

    mt = [r for e, r in zip(examples, rows) if e.split == "validation" and e.label == "mt" and e.source == "wmt22"]
    out = {}
    for source in ("wmt22-en", "bbc"):
        neg = [r for e, r in zip(examples, rows) if e.split == "validation" and e.label == "original" and e.source == source]
        auc, rec = sentence_separation(model, mt, neg)
        out[f"MT vs {source}"] = {"n_pos": len(mt), "n_neg": len(neg), "auroc": round(auc, 4), "recall_at_3": round(rec, 4)}
    neg = [r for e, r in zip(examples, rows) if e.split == "validation" and e.label == "original" and e.source == "wmt22-en"]
    per_system = {}
    for system in sorted({e.system for e in examples if e.source == "wmt22" and e.label == "mt"}):
        pos = [r for e, r in zip(examples, rows) if e.split == "validation" and e.label == "mt" and e.system == system]
        per_system[system] = round(sentence_separation(model, pos, neg)[0], 4)
    worst = min(per_system, key=lambda s: per_system[s])
    out["worst system vs wmt22-en"] = {"system": worst, "auroc": per_system[worst]}
    return out


def submodel_alone(model, examples, rows) -> dict:
    """The `chars` sub-model's own score as the sentence score (no stack)."""
    from mtcheck.detect.classifier import DetectorModel, LinearModel

    name = CHARS_SCORE
    alone = DetectorModel(sentence=LinearModel((name,), (1.0,), 0.0), submodels={name: model.submodels[name]}, signals=("chars",))
    return grouped_validation(alone, examples, rows)


def render(table: dict) -> str:
    lines = ["grouped validation (whole documents held out), sentences alone; recall at FPR <= 3%"]
    for variant, figures in table["validation"].items():
        for test, v in figures.items():
            if "system" in v:
                lines.append(f"  {variant:<22}{test:<26} {v['auroc']:.3f} ({v['system']})")
            else:
                lines.append(f"  {variant:<22}{test:<26} AUROC {v['auroc']:.3f}  recall@3% {v['recall_at_3']:.3f}  ({v['n_pos']} / {v['n_neg']})")
    for variant, held in table.get("loso", {}).items():
        lines.append(f"leave one source out of the whole stack, {variant}:")
        for h in held:
            lines.append(f"  {h['name']:<32} AUROC {h['sentence_auroc']:.3f}  recall@3% {h['recall_at_3']:.3f}  seen {h['seen_auroc']:.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="development data folder (default: $MTCHECK_DATA or ../shared/data)")
    parser.add_argument("--loso", default="", help="comma-separated sources to hold out of the whole stack, with and without chars")
    parser.add_argument("--write-model", type=Path, default=None, help="instead: run `mtcheck train` with chars, writing model.json to this folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from mtcheck.detect.base import default_training_signals
    from mtcheck.detect.data import all_examples, data_dir
    from mtcheck.detect.features import extract
    from mtcheck.detect.train import train
    from mtcheck.evaluate.refit import fit_stack

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    base_signals = default_training_signals()
    with_signals = base_signals + ("chars",)
    if args.write_model:
        train(args.write_model, data=args.data, signals=with_signals, progress=say)
        say(f"wrote {args.write_model / 'model.json'}")
        return
    folder = data_dir(args.data)
    examples = all_examples(folder)
    rows = extract([e.text for e in examples], with_signals, progress=say)
    table: dict = {"validation": {}}
    start = time.monotonic()
    base = fit_stack(examples, rows, base_signals, progress=say)  # ignores the chars features: no sub-model reads them
    say(f"stack without chars: {time.monotonic() - start:.0f} s")
    start = time.monotonic()
    extended = fit_stack(examples, rows, with_signals, progress=say)
    say(f"stack with chars: {time.monotonic() - start:.0f} s")
    table["validation"]["stack"] = grouped_validation(base, examples, rows)
    table["validation"]["stack + chars"] = grouped_validation(extended, examples, rows)
    table["validation"]["chars sub-model alone"] = submodel_alone(extended, examples, rows)
    table["chars_weight"] = dict(zip(extended.sentence.features, extended.sentence.coef))
    if args.loso:
        from dataclasses import asdict

        from mtcheck.evaluate.holdout import leave_one_source_out

        only = [s.strip() for s in args.loso.split(",") if s.strip()]
        table["loso"] = {"stack": [asdict(h) for h in leave_one_source_out(base, folder, say, only)]}
        table["loso"]["stack + chars"] = [asdict(h) for h in leave_one_source_out(extended, folder, say, only)]
    print(json.dumps(table, indent=1) if args.json else render(table))


if __name__ == "__main__":
    main()
