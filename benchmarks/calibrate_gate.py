"""Choose the per-article gate's thresholds ([gate] share_low, document_score) on held-out articles,
and print what they do on articles never used for the choice. Figures only; nothing is asserted.

    mtcheck eval make-sets --out reports/eval
    mtcheck eval detect reports/eval/articles_gate_calibration.jsonl --group-field article --languagetool --json > cal.json
    mtcheck eval detect reports/eval/articles_gate_test.jsonl --group-field article --languagetool --json > test.json
    python benchmarks/calibrate_gate.py cal.json test.json

Per source (WMT22 MT, WMT22 English originals, BBC per category) it counts the English-written
articles the gate fails (the false alarms a desk sees) and the translated articles it passes (the
misses), for every pair of thresholds on a grid, and picks the pair with the fewest translated
articles passed while at most MAX_ENGLISH_FAIL of the English-written articles of every source
fail on the calibration half (ties: the higher thresholds, further from failing English copy).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_ENGLISH_FAIL = 0.02
MAX_TRANSLATED_PASS = 0.05
SHARE_LOWS = [round(0.05 * k, 2) for k in range(2, 17)]
DOCUMENT_SCORES = [round(0.5 + 0.01 * k, 2) for k in range(50)] + [0.995, 0.999, 1.01]  # 1.01: the score never decides


def articles(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    threshold = data["threshold"]
    for a in data["articles"]:
        labels = a["labels"]
        if len(set(labels)) != 1:
            continue
        flagged = sum(1 for p in a["in_context"] if p >= threshold)
        out.append({"source": a["source"], "translated": labels[0], "sentences": len(labels), "flagged": flagged, "score": a["score"]})
    return out


def outcome(rows: list[dict], share_low: float, document_score: float) -> dict[str, tuple[int, int]]:
    from mtcheck.config_tables import GateConfig
    from mtcheck.gate import article_decision

    policy = GateConfig(share_low=share_low, document_score=document_score)
    out: dict[str, list[int]] = {}
    for a in rows:
        fail = article_decision(a["flagged"], a["sentences"], a["score"], policy).fail
        entry = out.setdefault(a["source"], [0, 0])
        entry[0] += fail
        entry[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}


def kinds(rows: list[dict]) -> dict[str, bool]:
    return {a["source"]: a["translated"] for a in rows}


def rates(result: dict[str, tuple[int, int]], translated: dict[str, bool]) -> tuple[float, float]:
    """(worst English-written source's fail rate, worst translated source's pass rate)."""
    english = [f / n for s, (f, n) in result.items() if not translated[s]]
    machine = [(n - f) / n for s, (f, n) in result.items() if translated[s]]
    return max(english, default=0.0), max(machine, default=0.0)


def choose(rows: list[dict]) -> tuple[float, float]:
    translated = kinds(rows)
    best = None
    for share_low in SHARE_LOWS:
        for document_score in DOCUMENT_SCORES:
            english, machine = rates(outcome(rows, share_low, document_score), translated)
            if english > MAX_ENGLISH_FAIL:
                continue
            key = (machine, -share_low, -document_score)
            if best is None or key < best[0]:
                best = (key, share_low, document_score)
    if best is None:
        raise SystemExit("no pair of thresholds keeps English-written articles under the limit")
    return best[1], best[2]


def table(title: str, rows: list[dict], share_low: float, document_score: float) -> None:
    translated = kinds(rows)
    result = outcome(rows, share_low, document_score)
    print(f"{title}: share_low {share_low:g}, document_score {document_score:g}")
    print(f"  {'source':<24}{'articles':>9}{'failing':>9}{'share':>8}   kind")
    for source, (fail, n) in result.items():
        kind = "translated: share passing" if translated[source] else "English-written: share failing"
        shown = (n - fail) / n if translated[source] else fail / n
        print(f"  {source:<24}{n:>9}{fail:>9}{shown:>8.1%}   {kind}")
    english = [s for s in result if not translated[s]]
    fails = sum(result[s][0] for s in english)
    total = sum(result[s][1] for s in english)
    print(f"  all English-written: {fails} of {total} fail ({fails / max(1, total):.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("calibration", type=Path)
    parser.add_argument("test", type=Path, nargs="?")
    args = parser.parse_args()
    cal = articles(args.calibration)
    share_low, document_score = choose(cal)
    table("calibration half (thresholds chosen here)", cal, share_low, document_score)
    if args.test:
        table("test half (never used for the choice)", articles(args.test), share_low, document_score)
        from mtcheck.config_tables import GateConfig

        default = GateConfig()
        table("test half, the shipped defaults", articles(args.test), default.share_low, default.document_score)


if __name__ == "__main__":
    main()
