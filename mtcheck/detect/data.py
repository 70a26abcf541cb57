"""Labelled sentences and documents from the development data (data/README.md recipes).

Labels: ``mt`` (WMT22 ru→en system output), ``human`` (the WMT22 reference translation),
``original`` (English-original WMT22 news), and MLQE-PE ``mt``/``postedit`` as a harder,
out-of-domain contrast. Everything is split by ``doc_id`` (a document never straddles the
split), each WMT segment gives either MT outputs or its reference, never both, and every
choice is a deterministic function of the ids, so a rerun builds the same sets.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from mtcheck.errors import InputError

DATA_ENV = "MTCHECK_DATA"
DEFAULT_DATA = Path("/work/shared/data")
FILES = {
    "wmt_ruen": "wmt22_ruen_news.jsonl",
    "wmt_en": "wmt22_en_original_news.jsonl",
    "mlqe_train": "mlqepe_ruen_train.jsonl",
    "mlqe_dev": "mlqepe_ruen_dev.jsonl",
}
VALIDATION_SHARE = 0.3
SYSTEMS_PER_SEGMENT = 2
MLQE_PER_SIDE = 700


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # "mt" | "human" | "original" | "postedit"
    doc_id: str  # the grouping key for splits and documents
    seg: int
    source: str  # "wmt22" | "wmt22-en" | "mlqepe"
    system: str = ""
    split: str = "train"  # "train" | "validation"

    @property
    def positive(self) -> bool:
        return self.label == "mt"


def data_dir(path: str | Path | None = None) -> Path:
    folder = Path(path or os.environ.get(DATA_ENV) or DEFAULT_DATA)
    if not (folder / FILES["wmt_ruen"]).exists():
        raise InputError(f"development data not found in {folder}", fix=f"set {DATA_ENV} to the folder holding {FILES['wmt_ruen']}")
    return folder


def _unit(*keys: object) -> float:
    """A stable pseudo-random number in [0, 1) derived from ``keys``."""
    digest = hashlib.sha256("\x1f".join(map(str, keys)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _split(doc_id: str) -> str:
    return "validation" if _unit("split", doc_id) < VALIDATION_SHARE else "train"


def read_jsonl(path: Path) -> Iterable[dict]:
    """The rows of a JSON-lines file (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def file_hashes(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in FILES.values()}


def wmt_examples(folder: Path, systems_per_segment: int = SYSTEMS_PER_SEGMENT) -> list[Example]:
    rows: dict[tuple[str, int], list[dict]] = {}
    for row in read_jsonl(folder / FILES["wmt_ruen"]):
        rows.setdefault((row["doc_id"], int(row["doc_seg_id"])), []).append(row)
    out = []
    for (doc_id, seg), group in sorted(rows.items()):
        split = _split(doc_id)
        if _unit("side", doc_id, seg) < 0.5:  # this segment gives its reference translation
            out.append(Example(group[0]["ref_en"], "human", doc_id, seg, "wmt22", "reference", split))
            continue
        chosen = sorted(group, key=lambda r: _unit("system", doc_id, seg, r["system"]))[:systems_per_segment]
        out.extend(Example(r["mt_en"], "mt", doc_id, seg, "wmt22", r["system"], split) for r in chosen)
    return out


def original_examples(folder: Path) -> list[Example]:
    return [
        Example(r["text_en"], "original", r["doc_id"], int(r["doc_seg_id"]), "wmt22-en", "", _split(r["doc_id"]))
        for r in read_jsonl(folder / FILES["wmt_en"])
    ]


def mlqe_examples(folder: Path, per_side: int = MLQE_PER_SIDE) -> list[Example]:
    """MLQE-PE train -> training, dev -> validation; each segment gives its MT or its post-edit."""
    out = []
    for key, split in (("mlqe_train", "train"), ("mlqe_dev", "validation")):
        rows = sorted(read_jsonl(folder / FILES[key]), key=lambda r: _unit("mlqe", r["id"]))
        limit = per_side if split == "train" else per_side // 2
        mt = [r for r in rows if _unit("side", r["id"]) < 0.5][:limit]
        # An untouched post-edit is the MT itself: only edited ones are a contrast.
        post = [r for r in rows if _unit("side", r["id"]) >= 0.5 and r["ref_en"] != r["mt_en"]][:limit]
        out += [Example(r["mt_en"], "mt", r["id"], 1, "mlqepe", "mlqepe-transformer", split) for r in mt]
        out += [Example(r["ref_en"], "postedit", r["id"], 1, "mlqepe", "", split) for r in post]
    return out


def all_examples(folder: Path | None = None) -> list[Example]:
    folder = data_dir(folder)
    return wmt_examples(folder) + original_examples(folder) + mlqe_examples(folder)


def documents(examples: Iterable[Example]) -> dict[str, list[Example]]:
    """Whole documents: one system's (or the reference's, or the original's) sentences in order."""
    docs: dict[str, list[Example]] = {}
    for ex in examples:
        if ex.source == "mlqepe":
            continue
        docs.setdefault(f"{ex.label}:{ex.doc_id}:{ex.system}", []).append(ex)
    return {k: sorted(v, key=lambda e: e.seg) for k, v in docs.items()}


def articles(examples: Iterable[Example]) -> dict[str, list[Example]]:
    """Article-like documents for in-context scoring: at most one sentence per segment, in order.

    A WMT segment that gives MT gives ``SYSTEMS_PER_SEGMENT`` outputs; the j-th chosen output of
    every segment of a document forms its j-th article, so each sentence is in exactly one article
    and the article reads as translated throughout (``documents`` would split it by system into
    fragments of a sentence or two). References and English originals give one article per
    document; an MLQE-PE sentence is an article on its own.
    """
    by_segment: dict[tuple[str, str, int], list[Example]] = {}
    for ex in examples:
        by_segment.setdefault((ex.label, ex.doc_id, ex.seg), []).append(ex)
    out: dict[str, list[Example]] = {}
    for (label, doc_id, seg), group in sorted(by_segment.items()):
        ranked = sorted(group, key=lambda e: _unit("system", e.doc_id, e.seg, e.system))  # the choice order
        for j, ex in enumerate(ranked):
            out.setdefault(f"{label}:{doc_id}:{j}", []).append(ex)
    return out


def document_examples(folder: Path, split: str, label: str) -> list[Example]:
    """Full documents for evaluation: every segment of a document from one system (README recipe)."""
    out: list[Example] = []
    if label == "original":
        return [e for e in original_examples(folder) if e.split == split]
    rows = [r for r in read_jsonl(folder / FILES["wmt_ruen"]) if _split(r["doc_id"]) == split]
    systems = sorted({r["system"] for r in rows})
    for doc_id in sorted({r["doc_id"] for r in rows}):
        doc_rows = [r for r in rows if r["doc_id"] == doc_id]
        if label == "human":
            seen = {}
            for r in doc_rows:
                seen.setdefault(int(r["doc_seg_id"]), r)
            out += [Example(r["ref_en"], "human", doc_id, s, "wmt22", "reference", split) for s, r in sorted(seen.items())]
        else:
            system = min(systems, key=lambda s: _unit("docsystem", doc_id, s))
            pick = sorted((r for r in doc_rows if r["system"] == system), key=lambda r: int(r["doc_seg_id"]))
            out += [Example(r["mt_en"], "mt", doc_id, int(r["doc_seg_id"]), "wmt22", system, split) for r in pick]
    return out


def write_sets(out_dir: Path, folder: Path | None = None) -> dict[str, int]:
    """The validation sets as JSONL (fields: text, label, doc_id, article, system, source).

    ``doc_id`` groups one system's sentences of a document (the document-level contrast);
    ``article`` groups the sentence sets into whole translated or original articles (see
    :func:`articles`), the context the in-context scores are meant for.
    """
    folder = data_dir(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    val = [e for e in all_examples(folder) if e.split == "validation"]
    sets = {
        "sentences_mt_vs_original.jsonl": [e for e in val if e.label in ("mt", "original") and e.source != "mlqepe"],
        "sentences_mt_vs_human.jsonl": [e for e in val if e.label in ("mt", "human") and e.source == "wmt22"],
        "sentences_mlqepe_mt_vs_postedit.jsonl": [e for e in val if e.source == "mlqepe"],
        "documents_mt_vs_original.jsonl": document_examples(folder, "validation", "mt") + document_examples(folder, "validation", "original"),
        "documents_mt_vs_human.jsonl": document_examples(folder, "validation", "mt") + document_examples(folder, "validation", "human"),
    }
    article = {id(e): key for key, members in articles(val).items() for e in members}
    counts = {}
    for name, rows in sets.items():
        with (out_dir / name).open("w", encoding="utf-8") as handle:
            for e in rows:
                group = f"{e.label}:{e.doc_id}:{e.system}"
                # A full-document set's documents are whole articles already.
                record = {"text": e.text, "label": e.label, "doc_id": group, "article": article.get(id(e), group), "system": e.system, "source": e.source}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts[name] = len(rows)
    return counts
