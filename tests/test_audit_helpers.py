"""Helpers for the audit tests: a corpus of short articles from the dev data, and a stand-in pipeline.

``corpus_rows`` builds the integration tests' articles (WMT22 machine translations, WMT22
English originals, BBC articles, the seed articles), each cut to its first few sentences so that
a few hundred of them are checked in seconds. ``FakePipeline`` scores articles without any model,
for the unit tests of the engines, sharding and resume (it is importable by the local engine's
spawned worker processes, which get the test process's ``sys.path``).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from pathlib import Path

from mtcheck.types import Document, DocumentResult, Finding, Reason, Sentence

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def _date(i: int) -> str:
    return f"2024-{1 + i % 6:02d}-{1 + (i * 7) % 28:02d}"


def corpus_rows(data: Path, *, mt_docs: int = 80, systems_per_doc: int = 2, bbc: int = 100, lines: int = 6) -> list[dict]:
    """Articles as JSON-lines rows (id, text, source, date, url), in a fixed order."""
    from mtcheck.jsonl import json_rows

    rows: list[dict] = []
    by_doc: dict[str, list[dict]] = defaultdict(list)
    for row in json_rows(data / "wmt22_ruen_news.jsonl"):
        by_doc[row["doc_id"]].append(row)
    for d, doc_id in enumerate(sorted(by_doc)[:mt_docs]):
        systems = sorted({r["system"] for r in by_doc[doc_id]})
        for k in range(systems_per_doc):
            system = systems[(d + k) % len(systems)]
            segs = sorted((r for r in by_doc[doc_id] if r["system"] == system), key=lambda r: r["doc_seg_id"])[:lines]
            rows.append({"id": f"mt:{doc_id}:{system}", "source": "wmt22-mt", "text": "\n".join(r["mt_en"] for r in segs)})
    originals: dict[str, list[dict]] = defaultdict(list)
    for row in json_rows(data / "wmt22_en_original_news.jsonl"):
        originals[row["doc_id"]].append(row)
    for doc_id in sorted(originals):
        segs = sorted(originals[doc_id], key=lambda r: r["doc_seg_id"])[:lines]
        rows.append({"id": f"en:{doc_id}", "source": "wmt22-en", "text": "\n".join(r["text_en"] for r in segs)})
    for n, row in enumerate(json_rows(data / "bbc_en_original_news.jsonl")):
        if n >= bbc:
            break
        rows.append({"id": row["id"], "source": "bbc", "text": "\n".join(row["text"].split("\n")[: max(2, lines - 2)]),
                     "url": f"https://example.org/bbc/{row['doc_id']}"})
    for path in sorted(SEEDS.glob("*.txt")):
        rows.append({"id": f"seed:{path.stem}", "source": "seeds", "text": path.read_text(encoding="utf-8")})
    for i, row in enumerate(rows):
        row["date"] = _date(i)
    return rows


def write_jsonl(rows: list[dict], path: Path) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def write_tree(rows: list[dict], root: Path) -> dict[str, str]:
    """Each row as ROOT/<source>/<date>/<name>.txt; returns id -> relative path."""
    out = {}
    for row in rows:
        name = hashlib.sha1(row["id"].encode()).hexdigest()[:12]
        relative = f"{row['source']}/{row['date']}/{name}.txt"
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(row["text"], encoding="utf-8")
        out[row["id"]] = relative
    return out


# --------------------------------------------------------------------------- a stand-in pipeline


def fake_score(text: str) -> float:
    return int(hashlib.sha256(text.encode()).hexdigest()[:6], 16) / 0xFFFFFF


class FakePipeline:
    """Segments with the real segmenter; scores each sentence by a hash of its text, flags at 0.5,
    and gives the document the mean. Raises on an article containing FAIL-COMPONENT (a component
    failing) and BUG (an unexpected error)."""

    def __init__(self, config):
        self.config = config

    def segment(self, document: Document) -> tuple[Sentence, ...]:
        from mtcheck.segment import segment

        return segment(document)

    def check_document(self, document: Document, sentences) -> DocumentResult:
        from mtcheck.errors import ComponentError

        if "FAIL-COMPONENT" in document.text:
            raise ComponentError("the fake model fell over", fix="mtcheck models pull")
        if "BUG" in document.text:
            raise ValueError("unexpected")
        findings = []
        for s in sentences:
            score = fake_score(s.text) if s.kind == "prose" else 0.0
            flagged = s.kind == "prose" and score >= 0.5
            reasons = (Reason("interference", "FAKE_RULE", "A fake reason.", s.start, s.end, weight=score),) if flagged else ()
            findings.append(Finding(sentence=s, score=score, flagged=flagged, reasons=reasons, severity="warning" if flagged else "none"))
        prose = [f.score for f in findings if f.sentence.kind == "prose"]
        return DocumentResult(document=document, findings=tuple(findings), score=sum(prose) / len(prose) if prose else 0.0)


def fake_factory(config) -> FakePipeline:
    return FakePipeline(config)


FAKE = "test_audit_helpers:fake_factory"
