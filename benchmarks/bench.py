"""Speed figures, printed (never asserted): ``python benchmarks/bench.py [--languagetool] [--sentences N] [--data DIR]``.

Detection throughput on one N-sentence document (default 500; distinct MT sentences from the
development data's ``wmt22_ruen_news.jsonl`` when it is there, else the seed article): cold (a fresh Detector,
models loaded inside the timing), warm (the same Detector again, cache off, so all the work is
redone) and cached (an unchanged article checked again), next to LanguageTool alone on the
same text when its server is available. Run on the 2-core target machine.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_document(n: int, data_dir: str | Path | None = None) -> tuple[object, list]:
    from mtcheck.jsonl import json_rows
    from mtcheck.paths import data_dir as data_location
    from mtcheck.types import Document, Sentence

    texts: list[str] = []
    data = data_location(data_dir) / "wmt22_ruen_news.jsonl"
    if data.exists():
        seen = set()
        for row in json_rows(data, "development data"):
            text = row["mt_en"].strip()
            if text and text not in seen:
                seen.add(text)
                texts.append(text)
            if len(texts) >= n:
                break
    seed = ROOT / "seeds" / "000_57608c29d3a128ea.txt"
    base = ([t.strip() for t in seed.read_text(encoding="utf-8").replace("\n", " ").split(". ") if len(t.split()) > 4]
            if seed.exists() else ["As reports Reuters, the talks went on."])
    while len(texts) < n:
        texts.append(f"{base[len(texts) % len(base)]} ({len(texts)})")
    sentences, pos, body = [], 0, []
    for i, t in enumerate(texts[:n]):
        sentences.append(Sentence(index=i, start=pos, end=pos + len(t), text=t))
        body.append(t)
        pos += len(t) + 1
    return Document(path="bench.txt", text="\n".join(body), format="text", encoding="utf-8"), sentences


def bench_detection(
    n: int = 500, languagetool: bool = False, signals: list[str] | None = None, data_dir: str | Path | None = None
) -> dict[str, float]:
    import os
    import tempfile

    from mtcheck.config import Settings
    from mtcheck.detect import Detector

    document, sentences = bench_document(n, data_dir)
    results: dict[str, float] = {"sentences": len(sentences)}
    from mtcheck.services.factory import Services

    service = None
    if languagetool:
        from mtcheck.services.languagetool import LanguageToolService

        service = LanguageToolService(Settings())
        service.ensure_running()
        started = time.perf_counter()
        service.check_paragraphs([document.text])
        results["languagetool_alone_sentences_per_s"] = len(sentences) / (time.perf_counter() - started)

    with tempfile.TemporaryDirectory() as cache:
        os.environ["MTCHECK_CACHE"] = cache
        started = time.perf_counter()
        detector = Detector(Settings(cache=False), services=Services.with_parts(languagetool=service), signals=signals)
        detector.detect(document, sentences)
        results["cold_sentences_per_s"] = len(sentences) / (time.perf_counter() - started)
        # Warm: the models are loaded, but LanguageTool is asked again (fresh services, no answers kept).
        detector = Detector(Settings(cache=False), services=Services.with_parts(languagetool=service), signals=signals)
        started = time.perf_counter()
        detector.detect(document, sentences)
        results["warm_sentences_per_s"] = len(sentences) / (time.perf_counter() - started)
        cached = Detector(Settings(cache=True), services=Services.with_parts(languagetool=service), signals=signals)
        cached.detect(document, sentences)
        started = time.perf_counter()
        cached.detect(document, sentences)
        results["cached_recheck_seconds"] = time.perf_counter() - started
        results["signals"] = ",".join(detector.signal_names)  # type: ignore[assignment]
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python benchmarks/bench.py", description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=500)
    parser.add_argument("--languagetool", action="store_true", help="also time LanguageTool alone (starts the managed server)")
    parser.add_argument("--signals", help="comma-separated detection signals (default: the trained model's)")
    parser.add_argument("--data", default=None, help="development data folder (default: $MTCHECK_DATA, else ../shared/data)")
    args = parser.parse_args(argv)
    signals = [s for s in args.signals.split(",") if s] if args.signals else None
    for key, value in bench_detection(args.sentences, args.languagetool, signals, args.data).items():
        print(f"detect {key}: {value:.1f}" if isinstance(value, float) else f"detect {key}: {value}")


if __name__ == "__main__":
    main()
