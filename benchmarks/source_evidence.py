"""Study (issue #25): how well the Russian source tells a good edit from a bad one, the evidence
behind ``[rewrite] source_gain`` and ``source_loss`` (mtcheck/rewrite/adequacy.py).

    nice -n 15 python benchmarks/source_evidence.py [--rows 80] [--json out.json]

On MLQE-PE train (ru-en MT with human post-edits; never the evaluation slices), rows with a light
post-edit (HTER 0.05-0.25), shuffled with a fixed seed. Every ERRANT edit of the post-edit is
applied alone to the MT (a human edit: content or form), and for each human content replacement
two damaged versions at the same place: its words swapped for a word of another post-edit, and
its words dropped. Each text is scored by the rewriter's model against the Russian; printed per
kind of edit: the share whose gain in log P(text | Russian) (nats, against the unedited MT) is above
each admission bar and below each refusal bar, and the same for the information about the source
(log P(text | Russian) - log P(text)), which ranked real model edits worse. Figures only; nothing
is asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATA = ROOT.parent / "shared" / "data" / "mlqepe_ruen_train.jsonl"


def measure(rows: int, data: Path) -> list[dict]:
    from mtcheck.rewrite.adequacy import _SYSTEM_NONE, _SYSTEM_SOURCE, SourceInformation
    from mtcheck.rewrite.edits import Edit, EditExtractor
    from mtcheck.services.english import english
    from mtcheck.services.modelstore import ModelStore

    scorer = SourceInformation(str(ModelStore.default().path("rewriter")))
    table = [json.loads(line) for line in data.open(encoding="utf-8")]
    table = [r for r in table if 0.05 <= r["hter"] <= 0.25 and len(r["mt_en"]) < 200]
    random.Random(7).shuffle(table)
    extractor = EditExtractor(english())
    # Replacement words from other post-edits, never from the rows measured.
    pool = [w for r in table[1000:1300] for w in r["ref_en"].split() if w.isalpha() and len(w) > 4]
    out: list[dict] = []
    started = time.perf_counter()
    for i, row in enumerate(table[:rows]):
        mt, pe, ru = row["mt_en"], row["ref_en"], row["source_ru"]
        items = []
        for e in extractor.edits(mt, pe):
            items.append(("human " + e.kind, e, extractor.apply(mt, [e])))
            if e.kind == "content" and e.original and e.replacement:
                swapped = Edit(e.start, e.end, e.original, random.Random(i * 31 + e.start).choice(pool), e.type)
                items.append(("swapped words", swapped, extractor.apply(mt, [swapped])))
                items.append(("dropped words", e, extractor.apply(mt, [Edit(e.start, e.end, e.original, "", "U:OTHER")])))
        if not items:
            continue
        texts = [mt] + [t for _, _, t in items]
        given = scorer._logprobs(_SYSTEM_SOURCE, ru, texts)
        alone = scorer._logprobs(_SYSTEM_NONE, "", texts)
        for label, e, text in items:
            out.append({"label": label, "type": e.type, "original": e.original, "replacement": e.replacement,
                        "given": given[text] - given[mt], "alone": alone[text] - alone[mt], "row": row["id"]})
        print(f"  {i + 1} rows, {len(out)} edits, {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return out


def report(items: list[dict]) -> None:
    for name, value in (("log P(text | Russian), the evidence [rewrite] source_gain and source_loss read", lambda x: x["given"]),
                        ("information about the source, log P(text | Russian) - log P(text) (not used)",
                         lambda x: x["given"] - x["alone"])):
        by: dict[str, list[float]] = defaultdict(list)
        for x in items:
            by[x["label"]].append(value(x))
        print(f"\n{name}, gain against the unedited MT (nats)")
        print(f"  {'edit':16s} {'n':>4s} {'median':>7s}  " + " ".join(f"{'>' + str(t):>5s}" for t in (0, 2, 3, 4))
              + "  " + " ".join(f"{'<-' + str(t):>5s}" for t in (4, 6, 8)))
        for label in sorted(by):
            v = sorted(by[label])
            n = len(v)
            print(f"  {label:16s} {n:4d} {v[n // 2]:+7.2f}  " + " ".join(f"{sum(g > t for g in v) / n:5.2f}" for t in (0, 2, 3, 4))
                  + "  " + " ".join(f"{sum(g < -t for g in v) / n:5.2f}" for t in (4, 6, 8)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=80)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path, help="also write every scored edit here")
    parser.add_argument("--from-json", type=Path, help="report a previous --json run instead of measuring")
    args = parser.parse_args(argv)
    items = json.loads(args.from_json.read_text(encoding="utf-8")) if args.from_json else measure(args.rows, args.data)
    if args.json:
        args.json.write_text(json.dumps(items, ensure_ascii=False), encoding="utf-8")
    report(items)


if __name__ == "__main__":
    main()
