"""Warm `mtcheck serve` against a cold `mtcheck check`: latency, throughput and memory (printed, never asserted).

    .venv/bin/python benchmarks/bench_serve.py                       # everything (about 15 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_serve.py --rss-requests 200    # a shorter memory run
    .venv/bin/python benchmarks/bench_serve.py --no-cold             # skip the cold CLI runs

For two texts built from the machine-translated seed (a 3-sentence paragraph and the 15-sentence
article), it prints the p50/p95 latency of a warm ``POST /v2/check`` with the LanguageTool
server's matches merged (the default) and without (``--no-grammar``), beside the wall time of a
cold ``mtcheck check FILE --no-rewrite`` of the same text (a fresh process: model loading
included; the LanguageTool server is already running, as it is between an editor's runs, and the
detection cache is empty). Then requests per second with 2 and 4 concurrent clients sending the
paragraph, and the server's peak resident memory (VmHWM) after 10 and after ``--rss-requests``
requests, each a different paragraph (seed sentences in a rotating order, with a varying number),
so that nothing is answered from a memo.

Target (issue 22): a warm paragraph answered in under 1 s p95; the cold CLI takes 10+ s.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = next((ROOT / "seeds").glob("000_*.txt"))
MTCHECK = [sys.executable, "-m", "mtcheck"]


def texts() -> dict[str, str]:
    """The paragraph (the seed's first 3 prose sentences) and the article (the seed itself, 15 prose sentences)."""
    article = SEED.read_text(encoding="utf-8")
    sentences = seed_sentences()
    return {"paragraph (3 sentences)": " ".join(sentences[:3]), "article (15 sentences)": article}


def seed_sentences() -> list[str]:
    prose = [p for p in SEED.read_text(encoding="utf-8").split("\n\n") if len(p.split()) > 8]
    return [s for p in prose for s in re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", p.strip())]


def varied_paragraph(n: int, sentences: list[str]) -> str:
    """The n-th distinct paragraph: three seed sentences in a rotating order, one number changed."""
    k = len(sentences)
    picked = [sentences[(n + i * 7) % k] for i in range(3)]
    return " ".join(picked) + f" The convoy carried {100 + n} people."


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Server:
    def __init__(self, *args: str):
        self.proc = subprocess.Popen([*MTCHECK, "serve", "--port", "0", "--workers", "2", "--queue", "16", *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                                     start_new_session=True)
        self.url = ""
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            hit = re.search(r"listening on (http://\S+)", line)
            if hit:
                self.url = hit.group(1)
                break
        if not self.url:
            raise SystemExit(f"mtcheck serve did not start (exit {self.proc.wait()})")
        # Keep reading its log so the pipe never fills.
        threading.Thread(target=lambda: [None for _ in self.proc.stderr or ()], daemon=True).start()

    def check(self, session, text: str) -> float:
        began = time.perf_counter()
        answer = session.post(self.url + "/v2/check", data={"text": text, "language": "en-US"}, timeout=300)
        answer.raise_for_status()
        return time.perf_counter() - began

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=120)


def latencies(server: Server, text: str, runs: int) -> tuple[float, float]:
    import requests

    with requests.Session() as session:
        server.check(session, text)  # the first answer for this text
        times = [server.check(session, text) for _ in range(runs)]
    return statistics.median(times), percentile(times, 0.95)


def throughput(server: Server, text: str, clients: int, total: int) -> float:
    import requests

    def one(_: int) -> float:
        with requests.Session() as session:
            return server.check(session, text)

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(total)))
    return total / (time.perf_counter() - began)


def cold_check(text: str) -> float:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "text.txt"
        path.write_text(text, encoding="utf-8")
        env = {**os.environ, "MTCHECK_CACHE": str(Path(folder) / "cache")}
        lt_home = Path.home() / ".cache" / "mtcheck" / "languagetool"
        if lt_home.is_dir():  # the installed LanguageTool (and its running server's state), not a reinstall
            (Path(folder) / "cache").mkdir()
            (Path(folder) / "cache" / "languagetool").symlink_to(lt_home)
        began = time.perf_counter()
        done = subprocess.run([*MTCHECK, "check", str(path), "--no-rewrite", "--format", "json", "--fail-on", "none", "-q"],
                              capture_output=True, cwd=ROOT, env=env)
        seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"mtcheck check failed: {done.stderr.decode()[-500:]}")
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="warm requests per text and mode (default 20)")
    parser.add_argument("--throughput-requests", type=int, default=40, help="requests per concurrency level (default 40)")
    parser.add_argument("--rss-requests", type=int, default=1000, help="requests before the second memory reading (default 1000)")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold `mtcheck check` runs")
    args = parser.parse_args()

    import requests

    samples = texts()
    rows: dict[str, dict[str, str]] = {name: {} for name in samples}
    for mode, flags in (("grammar merged", ()), ("--no-grammar", ("--no-grammar",))):
        print(f"starting mtcheck serve {' '.join(flags)}".rstrip(), file=sys.stderr, flush=True)
        server = Server(*flags)
        try:
            for name, text in samples.items():
                p50, p95 = latencies(server, text, args.runs)
                rows[name][mode] = f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms"
            if mode == "grammar merged":
                paragraph = samples["paragraph (3 sentences)"]
                rates = {n: throughput(server, paragraph, n, args.throughput_requests) for n in (2, 4)}
                sentences = seed_sentences()
                with requests.Session() as session:
                    for n in range(10):
                        server.check(session, varied_paragraph(n, sentences))
                    after_10 = server.peak_rss_mb()
                    began = time.perf_counter()
                    for n in range(10, args.rss_requests):
                        server.check(session, varied_paragraph(n, sentences))
                    memory_seconds = time.perf_counter() - began
                    after_many = server.peak_rss_mb()
        finally:
            server.stop()
    if not args.no_cold:
        for name, text in samples.items():
            rows[name]["cold check"] = f"{cold_check(text):.1f} s"

    print(f"\nmtcheck serve benchmark ({os.cpu_count()} cores; LanguageTool running; {args.runs} warm requests per cell)\n")
    columns = ["grammar merged", "--no-grammar"] + ([] if args.no_cold else ["cold check"])
    print(f"| text | {' | '.join('warm /v2/check, ' + c if c != 'cold check' else 'cold `mtcheck check --no-rewrite`' for c in columns)} |")
    print("|" + " --- |" * (len(columns) + 1))
    for name, row in rows.items():
        print(f"| {name} | {' | '.join(row.get(c, '') for c in columns)} |")
    print("\nthroughput, the paragraph, grammar merged, 2 workers:")
    for n, rate in rates.items():
        print(f"  {n} concurrent client{'s' if n > 1 else ''}: {rate:.2f} requests/s")
    print(f"\npeak resident memory of the server (VmHWM): after 10 requests {after_10:.0f} MB, "
          f"after {args.rss_requests} requests {after_many:.0f} MB "
          f"({args.rss_requests - 10} distinct paragraphs in {memory_seconds:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
