"""Rewrite speed on the seed article: end to end with a cold cache, and per flagged sentence next
to raw llama.cpp generation.

    python benchmarks/bench_rewrite.py [--no-languagetool]

1. ``mtcheck check SEED --reference REF`` in a fresh process with an empty cache directory (only
   the LanguageTool jars are shared): an editor's first check after set-up (which prepared the
   rewriter's system-prompt state beside the models, ``mtcheck models prepare``), again with no
   prompt state at all (``persist_prefix = false``), and ``--no-rewrite``.
   Wall time and peak memory (the process tree's maximum resident set) of each.
2. In this process, warm: raw llama.cpp generation of the greedy answer to each flagged sentence's
   prompt, beside the rewrite stage's time per flagged sentence from step 1.
3. Tokens per second of the rewriter's answers (the greedy answer, and a sample of each prompt as
   ``[rewrite] candidates`` above 1 would ask for) with prompt-lookup decoding (``[rewrite]
   prompt_lookup``; off by default) and without it.

Targets (issue #25): the seed with rewrites, cold cache, in at most 60 s; at most 3 s per flagged sentence.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_57608c29d3a128ea.txt"
SEED_REF = ROOT / "seeds" / "002_81b0083cd9f1a0ed.txt"


def _run(cache: Path, *extra: str) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS (GB) and the JSON report of one ``mtcheck check`` in a fresh process."""
    out = cache / "report.json"
    env = {**os.environ, "MTCHECK_CACHE": str(cache)}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mtcheck", "check", str(SEED), "--reference", str(SEED_REF),
                             "--format", "json", "-o", str(out), "--fail-on", "none", *extra],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"mtcheck check failed: {proc.stderr.read().decode().strip() if proc.stderr else ''}")
    return seconds, usage.ru_maxrss / 1e6, json.loads(out.read_text(encoding="utf-8"))


def _fresh_cache(languagetool: Path) -> Path:
    cache = Path(tempfile.mkdtemp(prefix="mtcheck-bench-"))
    if languagetool.exists():
        (cache / "languagetool").symlink_to(languagetool)
    return cache


def seed_jobs(languagetool: bool = True) -> tuple:
    """(a rewriter without a generation cache, the prompts of the seed's flagged sentences that ask
    the model), as ``mtcheck check`` builds them."""
    from mtcheck.config import Settings
    from mtcheck.detect import Detector
    from mtcheck.load import load_document
    from mtcheck.rewrite import Rewriter
    from mtcheck.rewrite.cache import GenerationCache
    from mtcheck.segment import segment
    from mtcheck.services.factory import build_services

    settings = Settings(cache=False)
    services = build_services(settings, languagetool=languagetool)
    doc = load_document(str(SEED))
    sentences = segment(doc)
    detector = Detector(settings, services=services)
    targets = [f for f in detector.detect(doc, sentences).findings if f.flagged]
    rewriter = Rewriter(settings, detector, services=services, cache=GenerationCache(enabled=False))
    jobs = [job for job, f in zip(rewriter.jobs_for(sentences, targets, None, doc.text), targets) if rewriter._wants_llm(f, job)]
    return rewriter, jobs


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-languagetool", action="store_true", help="Run without LanguageTool (--no-languagetool).")
    args = parser.parse_args(argv)

    from mtcheck.config import cache_dir

    extra = ("--no-languagetool",) if args.no_languagetool else ()
    languagetool = cache_dir() / "languagetool"
    caches = []
    try:
        # An editor's first check after set-up: empty cache; `make setup` (mtcheck models prepare) has
        # evaluated the rewriter's system prompt and kept its state beside the models.
        cold = _fresh_cache(languagetool)
        caches.append(cold)
        cold_s, cold_gb, report = _run(cold, *extra)
        # The same with no prompt state anywhere (`persist_prefix = false`): what set-up saves.
        bare = _fresh_cache(languagetool)
        caches.append(bare)
        unprepared = bare / "unprepared.toml"
        unprepared.write_text("[rewrite]\npersist_prefix = false\n", encoding="utf-8")
        bare_s, bare_gb, _ = _run(bare, "--config", str(unprepared), *extra)
        plain = _fresh_cache(languagetool)
        caches.append(plain)
        plain_s, plain_gb, _ = _run(plain, "--no-rewrite", *extra)
    finally:
        for cache in caches:
            shutil.rmtree(cache, ignore_errors=True)

    (document,) = report["documents"]
    flagged = [s for s in document["sentences"] if s["flagged"]]
    suggested = sum(1 for s in flagged if (s.get("rewrite") or {}).get("text"))
    print(f"seed {SEED.name}: {len(flagged)} flagged sentences, {suggested} with a suggestion")
    print(f"{'mtcheck check, cold cache':<58}{'seconds':>9}{'peak GB':>9}")
    print(f"{'  with rewrites (prompt state prepared at set-up)':<58}{cold_s:>9.1f}{cold_gb:>9.2f}")
    print(f"{'  with rewrites, no prompt state at all':<58}{bare_s:>9.1f}{bare_gb:>9.2f}")
    print(f"{'  --no-rewrite':<58}{plain_s:>9.1f}{plain_gb:>9.2f}")
    per_sentence = (cold_s - plain_s) / max(1, len(flagged))

    # Raw generation, warm, in this process: the greedy answer to each flagged sentence's prompt.
    rewriter, jobs = seed_jobs(languagetool=not args.no_languagetool)
    rewriter.generate(jobs[0].prompt())  # loads the model and evaluates the system prompt: untimed
    started = time.perf_counter()
    for job in jobs:
        rewriter.generate(job.prompt())
    raw = (time.perf_counter() - started) / max(1, len(jobs))
    print(f"raw llama.cpp generation, greedy, warm: {raw:.2f} s per prompt ({len(jobs)} prompts; "
          f"{len(flagged) - len(jobs)} flagged sentences need none)")
    print(f"rewrite stage (rules, LanguageTool, greedy answer, a repair while unsettled, verification): "
          f"{per_sentence:.2f} s per flagged sentence")
    prompt_lookup_figures(jobs, max(1, rewriter.n - 1))
    print(f"target: at most 3 s per flagged sentence: {'met' if per_sentence <= 3 else 'not met'} ({per_sentence:.2f} s)")
    print(f"target: with rewrites, cold cache, <= 60 s: {'met' if cold_s <= 60 else 'not met'} ({cold_s:.1f} s after set-up; "
          f"{bare_s:.1f} s if set-up had not prepared the prompt state)")


def _speed(jobs: list, prompt_lookup: int, samples: int) -> tuple[float, float, float]:
    """(greedy tokens/s, sample tokens/s, seconds per prompt for both) of a fresh llama.cpp backend."""
    from mtcheck.config import Settings
    from mtcheck.rewrite import _max_tokens
    from mtcheck.rewrite.backends.base import load_backend

    settings = Settings(cache=False, tables={"rewrite": {"prompt_lookup": prompt_lookup}})
    backend = load_backend(settings, "llama_cpp")
    cap = settings.rewrite_config.max_tokens
    backend.generate([jobs[0].prompt()], max_tokens=8)  # loads the model and the system prompt: untimed
    counted = {"greedy": [0, 0.0], "sample": [0, 0.0]}
    for job in jobs:
        prompt = job.prompt()
        for kind, n, temperature in (("greedy", 1, 0.0), ("sample", samples, 0.7)):
            started = time.perf_counter()
            texts = backend.generate([prompt], n=n, temperature=temperature, max_tokens=_max_tokens(prompt.sentence, cap),
                                     seed=1)[0]
            counted[kind][1] += time.perf_counter() - started
            counted[kind][0] += sum(len(backend.llama.tokenize(t.encode("utf-8"), add_bos=False)) + 1 for t in texts)
    total = counted["greedy"][1] + counted["sample"][1]
    return (counted["greedy"][0] / counted["greedy"][1], counted["sample"][0] / counted["sample"][1],
            total / max(1, len(jobs)))


def prompt_lookup_figures(jobs: list, samples: int) -> None:
    from mtcheck.config import Settings

    default = Settings().rewrite_config.prompt_lookup or 10
    print(f"rewriter tokens/s, greedy answer + {samples} samples per prompt ({len(jobs)} prompts, warm; samples are "
          f"asked for only with [rewrite] candidates above 1, default {Settings().rewrite_config.candidates}):")
    for label, k in ((f"with prompt lookup ({default} drafted tokens)", default), ("without prompt lookup", 0)):
        greedy, sampled, per_prompt = _speed(jobs, k, samples)
        print(f"  {label:<42} greedy {greedy:6.1f} tok/s   samples {sampled:6.1f} tok/s   {per_prompt:5.2f} s per prompt")


if __name__ == "__main__":
    main()
