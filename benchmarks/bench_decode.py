"""Where the rewriter's time goes on this machine, and why drafted tokens do not buy it back.

    python benchmarks/bench_decode.py [--drafts 0,2,3,4,10]

1. Forward passes of the rewriter (the model store's GGUF, `[rewrite] n_threads`) after the real
   system prompt (~1,000 tokens): the wall time of evaluating 1, 2, 3, 4, 8, 16, 32 and 64 tokens at once
   (median of five). Speculative decoding (prompt lookup, or a draft model) verifies a token plus
   its k drafts in one pass: it pays only where that pass costs much less than k + 1 single-token
   passes, and the best case (every draft accepted) is printed per k.
2. The seed's flagged sentences' prompts: user-message tokens and greedy answer tokens, so the
   floor of one greedy answer (its prompt read at the batch rate, its tokens written one at a time)
   can be set beside the 3 s per flagged sentence of issue #25.
3. Greedy seconds per prompt with prompt lookup drafting 0 (off), 2, 3, 4 and 10 tokens, and how
   many answers equal the undrafted ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BATCHES = (1, 2, 3, 4, 8, 16, 32, 64)


def pass_costs(llama, context: list[int], filler: list[int]) -> dict[int, float]:
    """Median seconds of one forward pass over k new tokens after ``context``."""
    llama.reset()
    llama.eval(context)
    costs = {}
    for k in BATCHES:
        times = []
        for _ in range(5):
            llama.n_tokens = len(context)
            started = time.perf_counter()
            llama.eval(filler[:k])
            times.append(time.perf_counter() - started)
        costs[k] = statistics.median(times)
    return costs


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", default="0,2,3,4,10", help="prompt-lookup draft lengths to time (0 = off)")
    args = parser.parse_args(argv)
    drafts = [int(d) for d in args.drafts.split(",") if d.strip()]

    from benchmarks.bench_rewrite import seed_jobs
    from mtcheck.config import Settings
    from mtcheck.rewrite import _max_tokens
    from mtcheck.rewrite.backends.base import load_backend

    _, jobs = seed_jobs(languagetool=False)
    settings = Settings(cache=False)
    backend = load_backend(settings, "llama_cpp")
    llama = backend.llama
    prompts = [job.prompt() for job in jobs]
    system = llama.tokenize(prompts[0].system.encode("utf-8"), add_bos=False)
    filler = llama.tokenize(prompts[0].user.encode("utf-8"), add_bos=False) * 4
    costs = pass_costs(llama, system, filler)
    single = costs[1]
    print(f"rewriter forward passes after the system prompt ({len(system)} tokens), {settings.rewrite_config.n_threads} threads:")
    print(f"  {'tokens in the pass':<20}{'ms':>8}{'ms per token':>14}{'best case with k = tokens - 1 drafts':>40}")
    for k, seconds in costs.items():
        best = f"{k * single / seconds:.2f}x" if k > 1 else ""
        print(f"  {k:<20}{seconds * 1000:8.1f}{seconds * 1000 / k:14.1f}{best:>40}")

    user_tokens = [len(llama.tokenize(p.user.encode("utf-8"), add_bos=False)) for p in prompts]
    answers: dict[int, list[str]] = {}
    cap = settings.rewrite_config.max_tokens
    for k in drafts:
        timed = load_backend(Settings(cache=False, tables={"rewrite": {"prompt_lookup": k}}), "llama_cpp")
        timed.generate(prompts[:1], max_tokens=8)  # loads the model and the system prompt: untimed
        started = time.perf_counter()
        answers[k] = [timed.generate([p], max_tokens=_max_tokens(p.sentence, cap))[0][0] for p in prompts]
        seconds = (time.perf_counter() - started) / len(jobs)
        if k == drafts[0]:
            answer_tokens = [len(llama.tokenize(a.encode("utf-8"), add_bos=False)) + 1 for a in answers[k]]
            # A user message is read in one pass: priced at the rate of the nearest measured batch size.
            batch = min(BATCHES, key=lambda b: abs(b - statistics.mean(user_tokens)))
            read = statistics.mean(user_tokens) * costs[batch] / batch
            write = statistics.mean(answer_tokens) * single
            print(f"seed prompts ({len(jobs)}): {statistics.mean(user_tokens):.0f} user tokens and {statistics.mean(answer_tokens):.0f} "
                  f"answer tokens on average; floor of a greedy answer {read + write:.2f} s "
                  f"(read {read:.2f} s at the {batch}-token batch rate, write {write:.2f} s at one pass per token)")
        same = sum(a == b for a, b in zip(answers[k], answers[drafts[0]]))
        label = "prompt lookup off" if k == 0 else f"prompt lookup, {k} drafted tokens"
        print(f"  greedy, {label:<34}{seconds:6.2f} s per prompt   answers equal to the first row's: {same}/{len(jobs)}")


if __name__ == "__main__":
    main()
