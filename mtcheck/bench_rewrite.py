"""Rewrite latency per sentence with the default model, next to raw llama.cpp generation.

    python -m mtcheck.bench_rewrite [--sentences N] [--languagetool]

Every model (the rewriter, the detector, spaCy, MiniLM, SmolLM2) is loaded and run once before
anything is timed, as in a long ``mtcheck check`` run. Then, per flagged seed sentence:

- raw: the backend generating the rewrite for the editor prompt (llama.cpp alone);
- generate: the stage's candidate generation for the same sentence (the same LLM call, plus
  the rule and LanguageTool candidates; cache off);
- verify+rank: verification of all the sentence's candidates (one batched detector call,
  one MiniLM encode, one spaCy pipe, SmolLM2 once per distinct text) and ranking.

Target: verify+rank adds at most 25% to the raw generation time.
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
    parser.add_argument("--languagetool", action="store_true", help="Also LanguageTool candidates and checks.")
    args = parser.parse_args(argv)

    from mtcheck.detect import Detector
    from mtcheck.load import load_document
    from mtcheck.rewrite import Rewriter, _max_tokens
    from mtcheck.rewrite.generate import sentence_reasons
    from mtcheck.rewrite.cache import GenerationCache
    from mtcheck.rewrite.prompt import editor_prompt
    from mtcheck.rewrite.rank import rank
    from mtcheck.segment import segment

    settings = Settings(cache=False)
    services = {}
    if args.languagetool:
        from mtcheck.services.languagetool import LanguageToolService

        service = LanguageToolService(settings)
        service.ensure_running()
        services["languagetool"] = service
    document = load_document(str(SEED))
    sentences = segment(document)
    detector = Detector(settings, services=services)
    findings = detector.detect(document, sentences).findings
    flagged = [f for f in findings if f.flagged][: args.sentences]
    rewriter = Rewriter(settings, detector, services=services, backend=args.backend, cache=GenerationCache(enabled=False))
    backend = rewriter.backend

    # Warm-up, untimed: load the rewriter and run it once, then every verification model.
    started = time.perf_counter()
    backend.generate([editor_prompt("The talks ended.")], n=1, max_tokens=8)
    rewriter.verifier.warm_up()
    print(f"model: {backend.model_id}; {len(flagged)} flagged seed sentences; warm-up {time.perf_counter() - started:.1f}s (untimed)")

    rows = []
    for finding in flagged:
        text, before, after, hints = rewriter.jobs_for(sentences, [finding])[0]
        prompt = editor_prompt(text, before, after, hints)
        budget = _max_tokens(text, rewriter.max_tokens)

        _forget_prompt(backend)
        started = time.perf_counter()
        backend.generate([prompt], n=rewriter.n, max_tokens=budget)
        raw_s = time.perf_counter() - started

        _forget_prompt(backend)
        started = time.perf_counter()
        (candidates,) = rewriter.candidates_for(document, sentences, [finding])
        generate_s = time.perf_counter() - started

        started = time.perf_counter()
        (measured,) = rewriter.verifier.verify([(text, candidates)], reasons=[len(sentence_reasons(finding.reasons))])
        ranked = rank(measured)
        verify_s = time.perf_counter() - started
        rows.append((raw_s, generate_s, verify_s))
        chosen = ranked[0].candidate.generator if ranked and ranked[0].candidate.accepted else "none (original kept)"
        print(f"sentence {finding.sentence.index:>3}: raw llama.cpp {raw_s:6.2f}s | stage generate {generate_s:6.2f}s"
              f" + verify+rank {verify_s:5.2f}s ({len(candidates)} candidates) | chosen: {chosen}")
    if rows:
        raw = sum(r[0] for r in rows) / len(rows)
        generate = sum(r[1] for r in rows) / len(rows)
        verify = sum(r[2] for r in rows) / len(rows)
        print(f"mean per sentence: raw generation {raw:.2f}s; stage generate {generate:.2f}s + verify+rank {verify:.2f}s "
              f"= {generate + verify:.2f}s")
        print(f"verification + ranking add {100 * verify / raw:+.1f}% to raw generation (target <= +25%); "
              f"whole stage vs raw {100 * (generate + verify - raw) / raw:+.1f}%")


if __name__ == "__main__":
    main()
