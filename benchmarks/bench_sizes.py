"""Peak memory and wall time of ``mtcheck check FILE --no-rewrite`` by input size (printed, never asserted).

    .venv/bin/python benchmarks/bench_sizes.py                 # 50 KB, 500 KB and the largest accepted input
    .venv/bin/python benchmarks/bench_sizes.py --sizes 50K,2M      # other sizes (K, M suffixes; "max" = the default --max-bytes;
                                                                  # a size over the limit is run with --max-bytes raised)
    .venv/bin/python benchmarks/bench_sizes.py --no-languagetool
    .venv/bin/python benchmarks/bench_sizes.py --write 500K out.txt   # only build an input file

Each size is checked by a fresh ``mtcheck`` subprocess (``--no-rewrite --format json -o``), so
model loading is inside the timing, and its peak resident memory is read with ``os.wait4`` when it
exits (the ``getrusage(RUSAGE_CHILDREN)`` figure, for that one child alone). The LanguageTool
server is a separate, long-lived Java process (its heap is capped by ``[tool.mtcheck.languagetool]
heap``) and is not counted; it is started before the first size, so its start-up is not timed.

The input text is built from the repository's seed articles (``seeds/``), repeated until the
size is reached. A repeated sentence would be parsed, embedded and checked once (every stage
deduplicates and caches), which would flatter the figures, so each copy of a sentence is made
unique: one or two ordinary words are inserted at seeded positions and names and numbers are
varied. Each run gets an empty detection cache (``MTCHECK_CACHE`` points to a fresh directory,
with the installed LanguageTool linked in), so nothing is served from an earlier run.

Target (issue 12): memory flat in the input size beyond a batch of sentences, at most 2 GB, for
every accepted input.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
MTCHECK = [sys.executable, "-m", "mtcheck"]
TARGET_MB = 2048  # issue 12: at most 2 GB for any accepted input with --no-rewrite

_INSERTS = (
    "also", "now", "reportedly", "again", "still", "already", "officially", "fully", "partly", "largely",
    "local", "new", "key", "main", "senior", "armed", "regional", "foreign", "military", "civil",
    "recently", "earlier", "later", "finally", "openly", "quickly", "jointly", "firmly", "only", "even",
)
_NAMES = {
    "Aleppo": ("Aleppo", "Homs", "Idlib", "Raqqa", "Deir ez-Zor", "Hama", "Palmyra", "Latakia"),
    "Reuters": ("Reuters", "Interfax", "TASS", "AFP", "Bloomberg", "RIA Novosti"),
    "Lavrov": ("Lavrov", "Ryabkov", "Zakharova", "Peskov", "Shoigu"),
    "Geneva": ("Geneva", "Vienna", "Astana", "Lausanne", "Munich"),
    "Saturday": ("Saturday", "Sunday", "Monday", "Tuesday", "Friday"),
}
_NUMBER = re.compile(r"\b\d+\b")


def seed_paragraphs() -> list[str]:
    paragraphs: list[str] = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        paragraphs.extend(p.strip() for p in re.split(r"\n\s*\n", text) if p.strip())
    return paragraphs


def _vary(sentence: str, rng: random.Random) -> str:
    for name, choices in _NAMES.items():
        if name in sentence:
            sentence = sentence.replace(name, rng.choice(choices))
    sentence = _NUMBER.sub(lambda m: str(max(1, int(m.group(0)) + rng.randint(-9, 9))) if len(m.group(0)) < 5 else m.group(0), sentence)
    words = sentence.split(" ")
    if len(words) >= 4:
        for _ in range(2):
            at = rng.randint(1, len(words) - 1)
            words.insert(at, rng.choice(_INSERTS))
    return " ".join(words)


def build_text(size: int, seed: int = 12) -> str:
    """About ``size`` bytes (never more) of UTF-8 news copy: the seed articles, repeated, each copy varied."""
    rng = random.Random(seed)
    paragraphs = seed_paragraphs()
    parts: list[str] = []
    total = 0
    while True:
        for paragraph in paragraphs:
            lines = [
                " ".join(_vary(s, rng) for s in re.split(r"(?<=[.!?”])\s+(?=[A-Z“])", line))
                for line in paragraph.split("\n")
            ]
            chunk = "\n".join(lines) + "\n\n"
            n = len(chunk.encode("utf-8"))
            if total + n > size:
                return "".join(parts) if parts else chunk.encode("utf-8")[:size].decode("utf-8", "ignore")
            parts.append(chunk)
            total += n


def parse_size(value: str, default_max: int) -> int:
    value = value.strip().upper()
    if value == "MAX":
        return default_max
    factor = 1
    if value.endswith("K"):
        factor, value = 1000, value[:-1]
    elif value.endswith("M"):
        factor, value = 1_000_000, value[:-1]
    return int(float(value) * factor)


def default_max_bytes() -> int:
    from mtcheck.pipeline import CheckOptions

    return CheckOptions().max_bytes


def _cache_dir(base: Path) -> Path:
    """A fresh detection cache that still finds the installed LanguageTool."""
    from mtcheck.config import cache_dir

    real = cache_dir() / "languagetool"
    base.mkdir(parents=True, exist_ok=True)
    if real.exists():
        (base / "languagetool").symlink_to(real, target_is_directory=True)
    return base


def run_size(size: int, workdir: Path, languagetool: bool, limit: int) -> dict:
    source = workdir / f"input-{size}.txt"
    source.write_text(build_text(size), encoding="utf-8")
    actual = source.stat().st_size
    out = workdir / f"report-{size}.json"
    env = {**os.environ, "MTCHECK_CACHE": str(_cache_dir(workdir / f"cache-{size}"))}
    cmd = [*MTCHECK, "check", str(source), "--no-rewrite", "--format", "json", "-o", str(out), "--fail-on", "none", "--quiet"]
    if not languagetool:
        cmd.append("--no-languagetool")
    if actual > limit:  # a size past the default limit: measured all the same
        cmd += ["--max-bytes", str(actual)]
    start = time.perf_counter()
    with open(workdir / "stdout", "wb") as stdout, open(workdir / "stderr", "w+b") as stderr:
        proc = subprocess.Popen(cmd, env=env, cwd=workdir, stdout=stdout, stderr=stderr)
        # wait4 gives this child's own resource usage (the RUSAGE_CHILDREN figures of this one child).
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        message = stderr.read().decode("utf-8", "replace")
    row = {"bytes": actual, "seconds": round(seconds, 1), "peak_mb": round(usage.ru_maxrss / 1024, 1), "exit": proc.returncode}
    if proc.returncode in (0, 1) and out.exists():
        report = json.loads(out.read_text(encoding="utf-8"))
        docs = report.get("documents", [])
        row["sentences"] = sum(d.get("counts", {}).get("prose", 0) for d in docs)
    else:
        row["error"] = (message.strip().splitlines() or ["(no message)"])[-1]
    return row


def _start_languagetool() -> None:
    """Start the managed server outside the timings (a no-op when it is already up)."""
    subprocess.run([*MTCHECK, "languagetool", "start"], capture_output=True, text=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50K,500K,max", help="comma-separated sizes (K, M suffixes; max = the default --max-bytes)")
    parser.add_argument("--no-languagetool", dest="languagetool", action="store_false")
    parser.add_argument("--write", nargs=2, metavar=("SIZE", "FILE"), help="only write an input of SIZE bytes to FILE")
    args = parser.parse_args(argv)
    limit = default_max_bytes()
    if args.write:
        Path(args.write[1]).write_text(build_text(parse_size(args.write[0], limit)), encoding="utf-8")
        return 0
    sizes = [parse_size(s, limit) for s in args.sizes.split(",") if s.strip()]
    if args.languagetool:
        _start_languagetool()
    print(f"mtcheck check FILE --no-rewrite{'' if args.languagetool else ' --no-languagetool'}; default --max-bytes {limit:,}")
    print(f"{'input bytes':>12} {'prose sentences':>15} {'wall s':>8} {'peak RSS MB':>12} {'exit':>4}")
    workdir = Path(tempfile.mkdtemp(prefix="mtcheck-bench-sizes-"))
    rows = []
    try:
        for size in sorted(sizes):
            row = run_size(size, workdir, args.languagetool, limit)
            rows.append(row)
            print(f"{row['bytes']:>12,} {row.get('sentences', '-'):>15} {row['seconds']:>8} {row['peak_mb']:>12} {row['exit']:>4}"
                  + (f"  {row['error']}" if "error" in row else ""), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    peaks = [r["peak_mb"] for r in rows]
    if peaks:
        print(f"peak memory {min(peaks):,.0f}-{max(peaks):,.0f} MB over the sizes "
              f"(target: at most {TARGET_MB:,} MB, flat in the size): {'within' if max(peaks) <= TARGET_MB else 'OVER'} the target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
