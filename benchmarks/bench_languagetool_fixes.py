"""Do LanguageTool's automatic fixes move MT towards what a human post-editor wrote?

    python benchmarks/bench_languagetool_fixes.py [--rows 3000] [--data DIR]

For the first N rows of MLQE-PE *train* (never dev; ``mlqepe_ruen_train.jsonl`` in --data, else
$MTCHECK_DATA, else ../shared/data), applies each LanguageTool match's first
replacement on its own and counts, per category, how often sentence TER against the human
post-edit went down (closer) or up (further). The rewrite stage's choice of which categories it
applies automatically (mtcheck/rewrite/generate.py) rests on these figures.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from itertools import islice


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--data", default=None, help="development data folder (default: $MTCHECK_DATA, else ../shared/data)")
    args = parser.parse_args(argv)

    from sacrebleu.metrics import TER

    from mtcheck.config import Settings
    from mtcheck.jsonl import json_rows
    from mtcheck.paths import data_dir
    from mtcheck.services.languagetool import LanguageToolService

    path = data_dir(args.data) / "mlqepe_ruen_train.jsonl"
    rows = list(islice(json_rows(path, "development data"), args.rows))
    service = LanguageToolService(Settings())
    service.ensure_running()
    texts = [r["mt_en"].strip() for r in rows]
    ter = TER()
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # matches, closer, further
    for row, text, matches in zip(rows, texts, service.check_paragraphs(texts)):
        before = ter.sentence_score(text, [row["ref_en"]]).score
        for m in matches:
            if not m.replacements:
                continue
            fixed = text[: m.offset] + m.replacements[0] + text[m.offset + m.length :]
            change = ter.sentence_score(fixed, [row["ref_en"]]).score - before
            c = counts[m.category]
            c[0] += 1
            c[1] += change < 0
            c[2] += change > 0
    print(f"{path.name}, first {len(rows)} rows: each LanguageTool fix applied alone, TER vs the post-edit")
    print(f"{'category':<24}{'fixes':>8}{'closer':>8}{'further':>9}")
    for category, (n, closer, further) in sorted(counts.items(), key=lambda kv: -kv[1][0]):
        print(f"{category:<24}{n:>8}{closer:>8}{further:>9}")


if __name__ == "__main__":
    main()
