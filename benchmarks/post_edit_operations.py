"""The most frequent word-level operations of human post-edits (MLQE-PE train by default): what a
rule with a fix could be mined from.

    python benchmarks/post_edit_operations.py [--data DIR] [--top 25] [--min-words 2]

Each post-edit is aligned to its MT by words (difflib, case-folded) and every change of at most
three words on each side is counted. ``--min-words 2`` lists the phrase-level ones apart, the
candidates for an interference rule.
"""

from __future__ import annotations

import argparse
import difflib
import json
from collections import Counter
from pathlib import Path

from mtcheck.paths import data_dir, data_help


def operations(rows: list[dict]) -> tuple[Counter, int]:
    found: Counter = Counter()
    edited = 0
    for row in rows:
        mt, pe = str(row.get("mt_en") or "").split(), str(row.get("ref_en") or "").split()
        if not mt or mt == pe:
            continue
        edited += 1
        matcher = difflib.SequenceMatcher(a=[w.lower() for w in mt], b=[w.lower() for w in pe], autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal" and i2 - i1 <= 3 and j2 - j1 <= 3:
                found[(" ".join(mt[i1:i2]).lower(), " ".join(pe[j1:j2]).lower())] += 1
    return found, edited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help=data_help())
    parser.add_argument("--file", default="mlqepe_ruen_train.jsonl")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--min-words", type=int, default=2, help="phrase-level: at least this many words on one side")
    args = parser.parse_args()
    path = Path(data_dir(args.data)) / args.file
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    found, edited = operations(rows)
    print(f"{path.name}: {len(rows)} rows, {edited} post-edited, {sum(found.values())} operations of at most 3 words")
    print("most frequent operations (MT -> post-edit):")
    for (before, after), n in found.most_common(args.top):
        print(f"  {n:4}  {before or '(nothing)'!r} -> {after or '(nothing)'!r}")
    phrases = Counter({k: n for k, n in found.items() if max(len(k[0].split()), len(k[1].split())) >= args.min_words})
    print(f"most frequent phrase-level operations (at least {args.min_words} words on one side):")
    for (before, after), n in phrases.most_common(args.top):
        print(f"  {n:4}  {before or '(nothing)'!r} -> {after or '(nothing)'!r}")


if __name__ == "__main__":
    main()
