"""Audit throughput: articles/s of check --jobs 1 and of audit on the local and Ray engines with 1 and 2 workers.

    .venv/bin/python benchmarks/bench_audit.py [--articles 2000] [--lines 0] [--languagetool] [--data DIR] [--keep DIR]

Builds N articles from the development data (WMT22 machine translations, one system per article,
WMT22 English originals, BBC articles, the seed articles, interleaved so that any N is a mix) as a
folder of .txt files, then runs, one after another, the commands a user would type:
``mtcheck check DIR --jobs 1``, ``mtcheck audit DIR --engine local --workers 1`` and ``2``,
``mtcheck audit DIR --engine ray --workers 1`` and ``2`` (a local Ray instance), all with
``--no-rewrite``, without LanguageTool unless ``--languagetool``; check starts from an empty detection
cache (the audit never uses it).
Prints articles/s end to end (start-up and model loading included) and steady (from the first
article's result to the last, from the audit's runs.jsonl), the 2-vs-1-worker ratios and Ray against
the local engine for both, the peak RSS of each worker process and of the driver, and whether every
run gave the same document scores. Target (issue #14): 2 workers at least 1.6x one worker, Ray within 15% of local.
Figures are printed, never asserted; run it on the 2-core target machine with nothing else running.
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
TARGET_SCALING = 1.6
TARGET_RAY_GAP = 0.15


def build_articles(data: Path, n: int, lines: int = 0) -> list[dict]:
    """``n`` articles (id, source, text), taking in turn from machine translations, BBC articles and
    WMT22 English originals (each pool used up in order), the seed articles first; ``lines`` > 0 keeps
    the first lines of each."""
    from collections import defaultdict

    from mtcheck.jsonl import json_rows

    def cut(text: str) -> str:
        return "\n".join(text.split("\n")[:lines]) if lines > 0 else text

    mt_docs: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for row in json_rows(data / "wmt22_ruen_news.jsonl", "development data"):
        mt_docs[row["doc_id"]][row["system"]].append(row)
    mt = []
    systems = sorted({s for doc in mt_docs.values() for s in doc})
    for k in range(len(systems)):  # every document once per system, a different system first each round
        for d, doc_id in enumerate(sorted(mt_docs)):
            system = systems[(d + k) % len(systems)]
            segs = sorted(mt_docs[doc_id].get(system, []), key=lambda r: r["doc_seg_id"])
            if segs:
                mt.append({"id": f"mt/{doc_id}.{system}", "source": "wmt22-mt", "text": cut("\n".join(r["mt_en"] for r in segs))})
    en_docs: dict[str, list[dict]] = defaultdict(list)
    for row in json_rows(data / "wmt22_en_original_news.jsonl", "development data"):
        en_docs[row["doc_id"]].append(row)
    en = [{"id": f"en/{doc_id}", "source": "wmt22-en", "text": cut("\n".join(r["text_en"] for r in sorted(rows, key=lambda r: r["doc_seg_id"])))}
          for doc_id, rows in sorted(en_docs.items())]
    bbc = [{"id": f"bbc/{row['doc_id']}", "source": "bbc", "text": cut(row["text"])}
           for row in json_rows(data / "bbc_en_original_news.jsonl", "development data")]
    seeds = [{"id": f"seeds/{p.stem}", "source": "seeds", "text": cut(p.read_text(encoding="utf-8"))} for p in sorted((ROOT / "seeds").glob("*.txt"))]
    out = seeds[:n]
    pools = [mt, bbc, en]
    while len(out) < n and any(pools):
        for pool in pools:
            if pool and len(out) < n:
                out.append(pool.pop(0))
    return out


def write_tree(articles: list[dict], root: Path) -> None:
    for article in articles:
        path = root / f"{article['id'].replace(':', '_')}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article["text"], encoding="utf-8")


def ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a and b else None


def verdict(value: float | None, ok: bool) -> str:
    return "n/a" if value is None else f"{value:.2f}x ({'meets' if ok else 'misses'} the target)"


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB of the command's process and the children it waited for, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err}")
    return seconds, usage.ru_maxrss / 1024, err


def audit_scores(out: Path) -> dict[str, float]:
    from mtcheck.audit.shards import read_records

    return {r["id"]: r["score"] for r in read_records(out)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--articles", type=int, default=2000, help="How many articles (default 2000).")
    parser.add_argument("--lines", type=int, default=0, help="Keep only the first N lines of each article (default: whole articles).")
    parser.add_argument("--languagetool", action="store_true", help="Run with LanguageTool, as check does by default: the managed "
                        "server, started once here, or --languagetool-url.")
    parser.add_argument("--languagetool-url", help="A running LanguageTool server for --languagetool.")
    parser.add_argument("--data", help="The development data folder (default: $MTCHECK_DATA, else ../shared/data).")
    parser.add_argument("--keep", help="Keep the articles and every run's output in this folder.")
    parser.add_argument("--only", nargs="*", help="Run only these (check, local-1, local-2, ray-1, ray-2).")
    args = parser.parse_args(argv)

    from mtcheck.paths import data_dir

    data = data_dir(args.data)
    if not (data / "wmt22_ruen_news.jsonl").exists():
        raise SystemExit(f"no development data in {data} (use --data or MTCHECK_DATA)")
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-audit-"))
    work.mkdir(parents=True, exist_ok=True)
    ray_temp = Path(tempfile.mkdtemp(prefix="bray-"))  # short: Ray's socket paths must fit in 107 bytes
    try:
        articles = build_articles(data, args.articles, args.lines)
        tree = work / "articles"
        shutil.rmtree(tree, ignore_errors=True)
        write_tree(articles, tree)
        mix: dict[str, int] = {}
        for article in articles:
            mix[article["source"]] = mix.get(article["source"], 0) + 1
        lines = sum(len([x for x in a["text"].split("\n") if x.strip()]) for a in articles)
        print(f"{len(articles)} articles ({', '.join(f'{k} {v}' for k, v in mix.items())}), {lines} lines, "
              f"{sum(len(a['text']) for a in articles) / max(len(articles), 1):.0f} characters on average; "
              f"LanguageTool {'on' if args.languagetool or args.languagetool_url else 'off'}; {os.cpu_count()} CPUs")
        env = {**os.environ, "RAY_TMPDIR": str(ray_temp), "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
        lt = ["--no-languagetool"]
        if args.languagetool or args.languagetool_url:
            # One server for every run, found or started with the usual cache, since each run gets an empty one.
            url = args.languagetool_url
            if url is None:
                from mtcheck.config import Settings
                from mtcheck.services.languagetool import LanguageToolService

                url = LanguageToolService(Settings()).ensure_running()
            lt = ["--languagetool-url", url]
        mtcheck = [sys.executable, "-m", "mtcheck"]
        runs = {
            "check": ("check --jobs 1", [*mtcheck, "check", str(tree), "--jobs", "1", "--no-rewrite", "--format", "jsonl", "-o",
                                         str(work / "check.jsonl"), "--fail-on", "none", "-q", *lt]),
        }
        for engine in ("local", "ray"):
            for workers in (1, 2):
                out = work / f"audit-{engine}-{workers}"
                shutil.rmtree(out, ignore_errors=True)
                runs[f"{engine}-{workers}"] = (f"audit --engine {engine} --workers {workers}",
                                               [*mtcheck, "audit", str(tree), "--out", str(out), "--engine", engine, "--workers", str(workers),
                                                "-q", *lt])
        rates: dict[str, float] = {}
        steady: dict[str, float] = {}
        print(f"\n{'run':<36} {'seconds':>8} {'articles/s':>11} {'start-up s':>11} {'steady/s':>9}  peak RSS (MB)")
        scores: dict[str, dict[str, float]] = {}
        for key, (label, cmd) in runs.items():
            if args.only and key not in args.only:
                continue
            cache = work / "cache"  # empty for every run: check computes every score, as the audit does
            shutil.rmtree(cache, ignore_errors=True)
            seconds, own_rss, _ = run(cmd, {**env, "MTCHECK_CACHE": str(cache)})
            rates[key] = len(articles) / seconds
            start_up = rate = "-"
            if key == "check":
                memory = f"{own_rss:.0f} (the one process)"
            else:
                out = work / f"audit-{key}"
                run_log = json.loads((out / "runs.jsonl").read_text(encoding="utf-8").splitlines()[-1])
                workers = ", ".join(f"{v:.0f}" for v in run_log["peak_rss_mb"].values())
                memory = f"workers {workers}; driver {run_log['driver_peak_rss_mb']:.0f}"
                scores[key] = audit_scores(out)
                if run_log.get("steady_articles_per_s"):
                    steady[key] = run_log["steady_articles_per_s"]
                    start_up, rate = f"{run_log['start_up_s']:.1f}", f"{steady[key]:.2f}"
            print(f"{label:<36} {seconds:>8.1f} {rates[key]:>11.2f} {start_up:>11} {rate:>9}  {memory}", flush=True)
        print("\n(articles/s: end to end, start-up and model loading included; steady/s: from the first article's result to the last)")
        for name, figures in (("end to end", rates), ("steady", steady)):
            for engine in ("local", "ray"):
                value = ratio(figures.get(f"{engine}-2"), figures.get(f"{engine}-1"))
                print(f"{name}: {engine} 2 workers vs 1: {verdict(value, value is not None and value >= TARGET_SCALING)} "
                      f"(target >= {TARGET_SCALING})")
            for workers in (1, 2):
                value = ratio(figures.get(f"ray-{workers}"), figures.get(f"local-{workers}"))
                print(f"{name}: ray vs local, {workers} worker{'s' if workers > 1 else ''}: "
                      f"{verdict(value, value is not None and value >= 1 - TARGET_RAY_GAP)} (target >= {1 - TARGET_RAY_GAP:.2f})")
        value = ratio(rates.get("local-1"), rates.get("check"))
        print(f"end to end: audit local, 1 worker vs check --jobs 1: {'n/a' if value is None else f'{value:.2f}x'}")
        if len(scores) > 1:
            first = next(iter(scores.values()))
            same = all(s == first for s in scores.values())
            print(f"document scores identical in every audit run: {'yes' if same else 'NO'}")
    finally:
        shutil.rmtree(ray_temp, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
