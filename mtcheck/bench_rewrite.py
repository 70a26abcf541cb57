"""Rewrite latency per sentence with the default model, next to raw llama.cpp generation.

    python -m mtcheck.bench_rewrite [--sentences N]

Prints, per flagged seed sentence: the seconds the model takes to generate the rewrite
(backend only) and the seconds the whole rewrite stage takes for the same prompt (generate
-> verify -> rank, cache off). Models are loaded and warmed up before timing, as in a long
``mtcheck check`` run. Target: verification and ranking add at most 25% to generation.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from mtcheck.config import Settings

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_57608c29d3a128ea.txt"


def _forget_prompt(backend) -> None:
    # llama.cpp reuses the KV cache of a repeated prompt prefix: without a reset the second
    # of two identical prompts would be timed nearly for free.
    llama = getattr(backend, "llama", None)
    if llama is not None:
        llama.reset()


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=4)
    parser.add_argument("--backend", default=None)
    args = parser.parse_args(argv)

    from mtcheck.detect import Detector
    from mtcheck.load import load_document
    from mtcheck.rewrite import Rewriter
    from mtcheck.rewrite.cache import GenerationCache
    from mtcheck.rewrite import _max_tokens
    from mtcheck.rewrite.prompt import editor_prompt
    from mtcheck.segment import segment

    settings = Settings(cache=False)
    document = load_document(str(SEED))
    sentences = segment(document)
    detector = Detector(settings)
    findings = detector.detect(document, sentences).findings
    flagged = [f for f in findings if f.flagged][: args.sentences]
    rewriter = Rewriter(settings, detector, backend=args.backend, cache=GenerationCache(enabled=False))
    backend = rewriter.backend
    print(f"model: {backend.model_id}; {len(flagged)} flagged seed sentences")

    # Warm-up: load every model once (the generator, spaCy, MiniLM, SmolLM2, the detector).
    rewriter.rewrite_texts(document, sentences, flagged[:1])

    rows = []
    for finding in flagged:
        text, before, after, hints = rewriter.jobs_for(sentences, [finding])[0]
        prompt = editor_prompt(text, before, after, hints)

        budget = _max_tokens(finding.sentence.text, rewriter.max_tokens)
        _forget_prompt(backend)
        started = time.perf_counter()
        backend.generate([prompt], n=rewriter.n, max_tokens=budget)
        generate_s = time.perf_counter() - started
        _forget_prompt(backend)
        started = time.perf_counter()
        candidates = rewriter.candidates_for(document, sentences, [finding])
        stage_generate_s = time.perf_counter() - started
        started = time.perf_counter()
        rewriter.verifier.verify([(finding.sentence.text, candidates[0])])
        verify_s = time.perf_counter() - started
        rows.append((generate_s, stage_generate_s, verify_s))
        print(f"sentence {finding.sentence.index:>3}: raw llama.cpp {generate_s:6.2f}s | stage: candidates "
              f"{stage_generate_s:6.2f}s + verify/rank {verify_s:5.2f}s = {stage_generate_s + verify_s:6.2f}s")
    if rows:
        raw = sum(r[0] for r in rows) / len(rows)
        total = sum(r[1] + r[2] for r in rows) / len(rows)
        print(f"mean per sentence: raw generation {raw:.2f}s, full rewrite {total:.2f}s, "
              f"overhead {100 * (total - raw) / raw:+.1f}% (target <= +25%)")


if __name__ == "__main__":
    main()
