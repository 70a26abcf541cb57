"""How often `--source` pairs a translated sentence with its own Russian sentence.

Each WMT22 ru-en development document is rebuilt as an article: its Russian segments joined into
one paragraph (so the Russian sentence splitter is measured too) and its machine-translated
segments as the English sentences. A segment is aligned right when the Russian it is given is its
own ``source_ru`` (or contains it, when two Russian sentences were paired with one English).

    python benchmarks/bench_source_align.py ../shared/data/wmt22_ruen_news.jsonl [--system NAME]
"""

from __future__ import annotations

import argparse
import json
from collections import OrderedDict
from pathlib import Path

from mtcheck.rewrite.source import source_sentences
from mtcheck.types import Sentence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--system", default=None, help="one MT system (default: every system)")
    args = parser.parse_args()
    docs: "OrderedDict[tuple[str, str], list[dict]]" = OrderedDict()
    with args.file.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if args.system is None or row["system"] == args.system:
                docs.setdefault((row["system"], row["doc_id"]), []).append(row)
    right = total = paired = 0
    en_chars = ru_chars = 0
    for rows in docs.values():
        rows.sort(key=lambda r: r["doc_seg_id"])
        sentences = [Sentence(index=k, start=0, end=len(r["mt_en"]), text=" ".join(r["mt_en"].split()))
                     for k, r in enumerate(rows)]
        found = source_sentences(sentences, " ".join(" ".join(r["source_ru"].split()) for r in rows))
        for k, row in enumerate(rows):
            own = " ".join(row["source_ru"].split())
            total += 1
            paired += k in found
            right += k in found and own in found[k]
            en_chars += len(row["mt_en"])
            ru_chars += len(row["source_ru"])
    print(f"documents {len(docs)}, segments {total}")
    print(f"paired {paired / total:.3f}, paired with its own Russian {right / total:.3f}")
    print(f"English characters per Russian character {en_chars / ru_chars:.3f}")


if __name__ == "__main__":
    main()
