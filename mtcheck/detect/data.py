"""Labelled sentences and documents from the development data (data/README.md recipes).

Labels: ``mt`` (WMT22 ru→en system output), ``human`` (the WMT22 reference translation),
``original`` (English-original WMT22 news), and MLQE-PE ``mt``/``postedit`` as a harder,
out-of-domain contrast. Everything is split by ``doc_id`` (a document never straddles the
split), each WMT segment gives either MT outputs or its reference, never both, and every
choice is a deterministic function of the ids, so a rerun builds the same sets.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from mtcheck.errors import InputError
from mtcheck.jsonl import json_rows
from mtcheck.paths import DATA_ENV
from mtcheck.paths import data_dir as data_location

FILES = {
    "wmt_ruen": "wmt22_ruen_news.jsonl",
    "wmt_en": "wmt22_en_original_news.jsonl",
    "mlqe_train": "mlqepe_ruen_train.jsonl",
    "mlqe_dev": "mlqepe_ruen_dev.jsonl",
    "bbc": "bbc_en_original_news.jsonl",  # optional: English-written BBC News articles
}
OPTIONAL_FILES = ("bbc",)
VALIDATION_SHARE = 0.3
SYSTEMS_PER_SEGMENT = 10  # every system: the MT side of a segment gives all its outputs
MLQE_PER_SIDE = 700
# MLQE-PE train segments whose MT is used (more translated-from-Russian text; the post-edit
# contrast keeps MLQE_PER_SIDE).
MLQE_MT_TRAIN = 3000
# BBC sentences per split, taken as whole articles in a fixed pseudo-random order: the embedding
# signal costs about 1/40 s per sentence, so all 40,000 sentences would cost half an hour of
# feature extraction for a gain the development experiments did not show (6,000 training
# sentences gave a masked n-gram model 0.866 sentence AUROC, 12,000 gave 0.869, all 28,000 0.871).
BBC_SENTENCES = {"train": 6000, "validation": 1500}


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
    folder = data_location(path)
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
    """The rows of a development-data file (blank lines skipped), through the one reader in mtcheck/jsonl.py."""
    return json_rows(path, "development data")


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for key, name in FILES.items()
        if key not in OPTIONAL_FILES or (folder / name).exists()
    }


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
        mt_limit = max(limit, MLQE_MT_TRAIN) if split == "train" and per_side == MLQE_PER_SIDE else limit
        mt = [r for r in rows if _unit("side", r["id"]) < 0.5][:mt_limit]
        # An untouched post-edit is the MT itself: only edited ones are a contrast.
        post = [r for r in rows if _unit("side", r["id"]) >= 0.5 and r["ref_en"] != r["mt_en"]][:limit]
        out += [Example(r["mt_en"], "mt", r["id"], 1, "mlqepe", "mlqepe-transformer", split) for r in mt]
        out += [Example(r["ref_en"], "postedit", r["id"], 1, "mlqepe", "", split) for r in post]
    return out


def bbc_sentences(row: dict) -> list[str]:
    """The sentences of one BBC article (its title line skipped), split by mtcheck's own segmenter."""
    from mtcheck.segment import split_sentences

    out: list[str] = []
    for line in str(row["text"]).split("\n")[1:]:
        out.extend(s for s in split_sentences(line) if any(ch.isalpha() for ch in s))
    return out


def bbc_examples(folder: Path, budget: dict[str, int] | None = None) -> list[Example]:
    """English-written BBC News sentences, whole articles split by doc_id like the WMT data, up to
    ``budget`` sentences per split (articles in a fixed pseudo-random order); none when the file is absent."""
    path = folder / FILES["bbc"]
    if not path.exists():
        return []
    budget = dict(BBC_SENTENCES if budget is None else budget)
    out: list[Example] = []
    for row in sorted(read_jsonl(path), key=lambda r: _unit("bbc", r["doc_id"])):
        split = _split(row["doc_id"])
        sentences = bbc_sentences(row)
        if budget.get(split, 0) <= 0 or not sentences:
            continue
        budget[split] -= len(sentences)
        out.extend(Example(t, "original", row["doc_id"], k, "bbc", "", split) for k, t in enumerate(sentences, 1))
    return out


def all_examples(folder: Path | None = None) -> list[Example]:
    folder = data_dir(folder)
    return wmt_examples(folder) + original_examples(folder) + bbc_examples(folder) + mlqe_examples(folder)


def subsample(examples: list[Example], per_group: int | None) -> list[Example]:
    """At most ``per_group`` sentences per (split, source, label) (half that for MLQE-PE validation).

    The language-model signal costs about a second per sentence on two cores, so a model
    that uses it is trained on a deterministic subsample.
    """
    if not per_group:
        return examples
    ranked = sorted(examples, key=lambda e: _unit("subsample", e.doc_id, e.seg, e.system, e.label))
    kept: list[Example] = []
    counts: dict[tuple[str, str, str], int] = {}
    for e in ranked:
        key = (e.split, e.source, e.label)
        limit = per_group if e.split == "train" or e.source != "mlqepe" else per_group // 2
        if limit is None or counts.get(key, 0) < limit:
            counts[key] = counts.get(key, 0) + 1
            kept.append(e)
    order = {id(e): i for i, e in enumerate(examples)}
    return sorted(kept, key=lambda e: order[id(e)])


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
    for (label, doc_id, _seg), group in sorted(by_segment.items()):
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
            seen: dict[int, dict] = {}
            for r in doc_rows:
                seen.setdefault(int(r["doc_seg_id"]), r)
            out += [Example(r["ref_en"], "human", doc_id, s, "wmt22", "reference", split) for s, r in sorted(seen.items())]
        else:
            system = min(systems, key=lambda s: _unit("docsystem", doc_id, s))
            pick = sorted((r for r in doc_rows if r["system"] == system), key=lambda r: int(r["doc_seg_id"]))
            out += [Example(r["mt_en"], "mt", doc_id, int(r["doc_seg_id"]), "wmt22", system, split) for r in pick]
    return out


# Mixed articles (a run of translated sentences spliced into an English-written one), for the
# context model's training (detect/train.py) and the mixed validation set (evaluate/sets.py).
MIXED_MIN_HOST = 4  # sentences an English-written host article needs
MIXED_INSERT = (1, 4)  # translated sentences spliced into each host
