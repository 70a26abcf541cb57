"""Time and outlet shift (issue #26, item 4): the whole detector stack refitted without one BBC
category, or without one family of WMT22 systems, and tested on what it never saw. Figures only;
nothing is asserted.

    nice -n 15 python benchmarks/travel_shift.py [--only bbc:tech,family:online] [--json]

Shifts:

* ``bbc:<category>``: no BBC article of that category in training (the other English-written
  sources stay); tested: the category's validation sentences against the validation MT of every
  WMT22 system, and all its sentences (none was fitted on once it is held out).
* ``family:online`` / ``family:research``: no MT of the online engines (Online-A/B/G/W/Y), or of
  the submitted research and industry systems (ALMAnaCH-Inria, HuaweiTSC, JDExploreAcademy,
  Lan-Bridge, SRPOL), in training (MLQE-PE's MT stays); tested: the family's validation MT against
  the WMT22 English originals' and BBC's validation sentences, and its worst system.

Beside every figure, the same stack refitted with everything ("with it") on the same sentences:
the difference is what the shift costs. Sentences are scored alone; recall is read at the cut
with FPR <= 3% on the negatives of that row. One refit is the first half of `mtcheck train`
(the features come from its cache: run `mtcheck train` or `eval detect --holdout` once first).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FAMILIES = {
    "online": ("Online-A", "Online-B", "Online-G", "Online-W", "Online-Y"),
    "research": ("ALMAnaCH-Inria", "HuaweiTSC", "JDExploreAcademy", "Lan-Bridge", "SRPOL"),
}


@dataclass(frozen=True)
class Test:
    name: str
    positives: Callable  # Example -> bool
    negatives: Callable


@dataclass(frozen=True)
class Shift:
    name: str
    held: Callable  # Example -> bool: left out of training
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class Row:
    shift: str
    test: str
    n_pos: int
    n_neg: int
    auroc: float
    recall_at_3: float
    auroc_with: float
    recall_at_3_with: float


def shifts(categories: dict[str, str], systems: Sequence[str]) -> list[Shift]:
    """Every shift: one per BBC category in ``categories`` (doc_id -> category) and one per family
    with a system among ``systems``."""

    def validation_mt(e) -> bool:
        return e.split == "validation" and e.label == "mt" and e.source == "wmt22"

    out = []
    for cat in sorted(set(categories.values())):
        def in_cat(e, cat: str = cat) -> bool:
            return e.label == "original" and e.source == "bbc" and categories.get(e.doc_id) == cat

        out.append(Shift(f"bbc:{cat}", in_cat, (
            Test("WMT22 MT vs the category (validation)", validation_mt, lambda e, f=in_cat: f(e) and e.split == "validation"),
            Test("WMT22 MT vs the category (all its sentences)", validation_mt, in_cat),
        )))
    for family, members in FAMILIES.items():
        present = [s for s in members if s in systems]
        if not present:
            continue

        def in_family(e, members: tuple = tuple(present)) -> bool:
            return e.label == "mt" and e.system in members

        def originals(source: str):
            return lambda e: e.split == "validation" and e.label == "original" and e.source == source

        tests = [Test("family vs WMT22 originals", lambda e, f=in_family: f(e) and e.split == "validation", originals("wmt22-en")),
                 Test("family vs BBC", lambda e, f=in_family: f(e) and e.split == "validation", originals("bbc"))]
        tests += [Test(f"{s} vs WMT22 originals", lambda e, s=s: e.split == "validation" and e.label == "mt" and e.system == s, originals("wmt22-en"))
                  for s in present]
        out.append(Shift(f"family:{family}", in_family, tuple(tests)))
    return out


def measure(shift: Shift, held_model, full_model, examples, rows) -> list[Row]:
    from mtcheck.evaluate.refit import sentence_separation

    out = []
    for test in shift.tests:
        pos = [r for e, r in zip(examples, rows) if test.positives(e)]
        neg = [r for e, r in zip(examples, rows) if test.negatives(e)]
        auc, rec = sentence_separation(held_model, pos, neg)
        auc_with, rec_with = sentence_separation(full_model, pos, neg)
        out.append(Row(shift.name, test.name, len(pos), len(neg), auc, rec, auc_with, rec_with))
    return out


def render(rows: Sequence[Row]) -> str:
    lines = [
        "time and outlet shift: the whole stack refitted without the shifted part (sentences alone; recall at FPR <= 3%)",
        f"{'shift':<18}{'test':<44}{'pos':>6}{'neg':>6}{'AUROC':>8}{'rec@3%':>8}{'| with it':>10}{'rec@3%':>8}",
    ]
    for r in rows:
        lines.append(f"{r.shift:<18}{r.test:<44}{r.n_pos:>6}{r.n_neg:>6}{r.auroc:>8.3f}{r.recall_at_3:>8.3f}{r.auroc_with:>10.3f}{r.recall_at_3_with:>8.3f}")
    return "\n".join(lines)


def bbc_categories(folder: Path) -> dict[str, str]:
    from mtcheck.detect.data import FILES, read_jsonl

    path = folder / FILES["bbc"]
    return {r["doc_id"]: r["category"] for r in read_jsonl(path)} if path.exists() else {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="development data folder (default: $MTCHECK_DATA or ../shared/data)")
    parser.add_argument("--only", default="", help="comma-separated shifts to run (e.g. bbc:tech,family:online); default all")
    parser.add_argument("--model", default=None, help="detector model whose signals are used (default: the packaged one)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args()

    from mtcheck.detect.classifier import load_model
    from mtcheck.detect.data import all_examples, data_dir
    from mtcheck.detect.features import extract
    from mtcheck.evaluate.refit import fit_stack

    def say(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    folder = data_dir(args.data)
    signals = load_model(args.model).signals
    examples = all_examples(folder)
    rows = extract([e.text for e in examples], signals)
    chosen = [s for s in shifts(bbc_categories(folder), sorted({e.system for e in examples}))
              if not args.only or s.name in args.only.split(",")]
    say(f"{len(examples)} sentences; refitting with everything")
    start = time.monotonic()
    full = fit_stack(examples, rows, signals)
    say(f"one whole-stack fit: {time.monotonic() - start:.0f} s")
    out: list[Row] = []
    for shift in chosen:
        say(f"refitting without {shift.name}")
        held = fit_stack(examples, rows, signals, keep=lambda e, s=shift: not s.held(e))
        out.extend(measure(shift, held, full, examples, rows))
    print(json.dumps([asdict(r) for r in out], indent=1) if args.json else render(out))


if __name__ == "__main__":
    main()
