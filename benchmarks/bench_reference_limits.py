"""What the rewrite acceptance numbers can reward: evidence from the development data.

    python benchmarks/bench_reference_limits.py [--pairs 100] [--no-translation-model] [--data DIR]

The development data comes from --data, else $MTCHECK_DATA, else ../shared/data.

1. MLQE-PE *train* (never dev): among pairs where the human post-editor made a small edit
   (0 < HTER <= 0.3), how often does each signal available here prefer the post-edit to the MT?
   A rewriter can only beat "do nothing" on post-edited data if something it can compute points
   towards the post-editor's edit: the fluency LM (SmolLM2), mtcheck's own detector, and the
   rewriter model itself reading the Russian source (forced decoding: log P(English | Russian)).
   It also mines the train post-edits for a recurring edit (a token change in the same context)
   that editors apply reliably, i.e. a deterministic fix worth making.
2. WMT22: when a system writes "N thousand", which form does the human reference use, and which
   does English-original news use? That decides what rewriting it to "N,000" does to chrF.
"""

from __future__ import annotations

import argparse
import difflib
import random
import re
from collections import Counter
from pathlib import Path

# Pairs where the post-editor changed little: a fluent-English signal should see those edits best.
SMALL_EDIT = (0.0, 0.3)
_TOKEN = re.compile(r"\w+|[^\w\s]")


def _rows(path: Path) -> list[dict]:
    from mtcheck.jsonl import json_rows

    return list(json_rows(path, "development data"))


def _prefers(label: str, mt: list[float], pe: list[float], lower_is_better: bool, margin: float) -> None:
    diff = [(m - p) if lower_is_better else (p - m) for m, p in zip(mt, pe)]
    print(f"{label:<44}{sum(d > 0 for d in diff):>6}{sum(d < 0 for d in diff):>6}"
          f"{sum(d > margin for d in diff):>22}{sum(d < -margin for d in diff):>6}   (margin {margin})")


def _translation_logprob(llama, source: str, text: str) -> float:
    """log P(text | Russian source) under the rewriter (Qwen chat format), summed over tokens."""
    from mtcheck.services.fluency_lm import token_logprobs

    prompt = ("<|im_start|>system\nYou are a professional Russian-to-English translator.<|im_end|>\n"
              f"<|im_start|>user\nTranslate into English:\n{source}<|im_end|>\n<|im_start|>assistant\n")
    head = llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
    tail = llama.tokenize((text + "<|im_end|>").encode("utf-8"), add_bos=False, special=True)
    return float(sum(token_logprobs(llama, head + tail, first=len(head))))


def recurring_edits(rows: list[dict], min_count: int = 4) -> list[tuple[float, int, int, str]]:
    """(share applied, times applied, times the context occurs, edit) for every token edit with its
    neighbours that post-editors made at least ``min_count`` times, most reliable first."""
    edits: Counter = Counter()
    tokenized = []
    for row in rows:
        mt, pe = _TOKEN.findall(row["mt_en"]), _TOKEN.findall(row["ref_en"])
        tokenized.append(" " + " ".join(["<s>"] + mt + ["</s>"]) + " ")
        matcher = difflib.SequenceMatcher(a=mt, b=pe, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "equal":
                left = mt[i1 - 1] if i1 > 0 else "<s>"
                right = mt[i2] if i2 < len(mt) else "</s>"
                edits[(left, " ".join(mt[i1:i2]), right, " ".join(pe[j1:j2]))] += 1
    out = []
    for (left, old, right, new), count in edits.items():
        if count < min_count:
            continue
        context = " " + " ".join(t for t in (left, old, right) if t) + " "
        occurs = sum(context in t for t in tokenized)
        out.append((count / max(1, occurs), count, occurs, f"{left} [{old} -> {new}] {right}"))
    return sorted(out, reverse=True)


def postedit_signals(data: Path, pairs: int, translation_model: bool) -> None:
    rows = _rows(data / "mlqepe_ruen_train.jsonl")
    small = [r for r in rows if SMALL_EDIT[0] < r["hter"] <= SMALL_EDIT[1]]
    random.Random(1).shuffle(small)
    sample = small[:pairs]
    mts, pes = [r["mt_en"] for r in sample], [r["ref_en"] for r in sample]
    print(f"MLQE-PE train: {len(sample)} pairs with {SMALL_EDIT[0]} < HTER <= {SMALL_EDIT[1]} "
          f"(of {len(small)}; seed 1). How often each signal prefers the post-edit (PE) to the MT:")
    print(f"{'signal':<44}{'PE':>6}{'MT':>6}{'beyond a margin: PE':>22}{'MT':>6}")

    from mtcheck.config import load_settings
    from mtcheck.detect import Detector
    from mtcheck.services.fluency_lm import Surprisal

    surprisal = Surprisal()
    _prefers("fluency LM (SmolLM2 mean surprisal)", surprisal(mts), surprisal(pes), True, 0.1)
    detector = Detector(load_settings())
    _prefers("detector (MT probability, sentence alone)", detector.score_texts(mts), detector.score_texts(pes), True, 0.05)
    if translation_model:
        from mtcheck.services.llama import load_llama
        from mtcheck.services.modelstore import ModelStore

        llama = load_llama(str(ModelStore.default().path("rewriter")), n_ctx=1024, logits_all=True)
        mt_lp = [_translation_logprob(llama, r["source_ru"], r["mt_en"]) for r in sample]
        pe_lp = [_translation_logprob(llama, r["source_ru"], r["ref_en"]) for r in sample]
        _prefers("rewriter reading the Russian (log P(en|ru))", mt_lp, pe_lp, False, 1.0)

    found = recurring_edits(rows)
    print(f"\nrecurring post-edits in all {len(rows)} train rows (made >= 4 times; share = made / context occurs):")
    for share, count, occurs, edit in found[:5]:
        print(f"  {share:6.1%}  {count:>4} of {occurs:<5} {edit}")
    common = [f for f in found if f[2] >= 20]
    if common:
        share, count, occurs, edit = common[0]
        print(f"  most reliable edit whose context occurs >= 20 times: {share:.1%} ({count} of {occurs}) {edit}")


def number_style(data: Path) -> None:
    thousand = re.compile(r"\b(\d+(?:[.,]\d+)?)\s+thousand\b")
    forms: Counter = Counter()
    for row in _rows(data / "wmt22_ruen_news.jsonl"):
        for match in thousand.finditer(row["mt_en"]):
            ref = row["ref_en"]
            form = ("'N thousand'" if re.search(r"\d\s+thousand\b", ref)
                    else "'N,000'" if re.search(r"\d,\d{3}\b", ref) else "other")
            kind = "decimal" if re.search(r"[.,]", match.group(1)) else "whole"
            forms[(kind, form)] += 1
    print("\nWMT22 ru-en news, every system: 'N thousand' in the MT, and the form in the human reference")
    for (kind, form), n in sorted(forms.items()):
        print(f"  {kind:<8} number -> reference writes {form:<14}{n:>5}")
    originals = " ".join(r["text_en"] for r in _rows(data / "wmt22_en_original_news.jsonl"))
    written = len(re.findall(r"\d\s+thousand\b", originals))
    figures = len(re.findall(r"\d,\d{3}\b", originals))
    print(f"WMT22 English-original news: 'N thousand' {written}, 'N,000' {figures}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--no-translation-model", dest="translation_model", action="store_false",
                        help="skip the forced-decoding measurement (the slow one: ~4 s per pair on 2 cores)")
    parser.add_argument("--data", default=None, help="development data folder (default: $MTCHECK_DATA, else ../shared/data)")
    args = parser.parse_args(argv)

    from mtcheck.paths import data_dir

    data = data_dir(args.data)
    postedit_signals(data, args.pairs, args.translation_model)
    number_style(data)


if __name__ == "__main__":
    main()
