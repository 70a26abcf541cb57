"""``mtcheck eval make-sets``: the validation sets as JSON lines, from the development data.

Every set holds validation documents only (see :mod:`mtcheck.detect.data` for the split), so
``mtcheck eval detect`` on them measures the detector on sentences it was never fitted on.
"""

from __future__ import annotations

import json
from pathlib import Path

from mtcheck.detect.data import (
    MIXED_INSERT,
    MIXED_MIN_HOST,
    Example,
    _unit,
    all_examples,
    articles,
    data_dir,
    document_examples,
    documents,
)


def write_sets(out_dir: Path, folder: Path | None = None) -> dict[str, int]:
    """The validation sets as JSONL (fields: text, label, doc_id, article, system, source).

    ``doc_id`` groups one system's sentences of a document (the document-level contrast);
    ``article`` groups the sentence sets into whole translated or original articles (see
    :func:`mtcheck.detect.data.articles`), the context the in-context scores are meant for.
    """
    folder = data_dir(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    val = [e for e in all_examples(folder) if e.split == "validation"]
    sets = {
        "sentences_mt_vs_original.jsonl": [e for e in val if e.label in ("mt", "original") and e.source in ("wmt22", "wmt22-en")],
        "sentences_mt_vs_bbc.jsonl": [e for e in val if (e.label == "mt" and e.source == "wmt22") or e.source == "bbc"],
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
                record = {
                    "text": e.text, "label": e.label, "doc_id": group, "article": article.get(id(e), group), "system": e.system, "source": e.source
                }
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts[name] = len(rows)
    # Mixed articles: a donor document can give runs to several hosts, so each row carries its own article key.
    mixed = mixed_articles(folder, val)
    with (out_dir / "mixed_articles.jsonl").open("w", encoding="utf-8") as handle:
        for key, members in mixed:
            for e in members:
                record = {"text": e.text, "label": e.label, "doc_id": key, "article": key, "system": e.system, "source": e.source}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    counts["mixed_articles.jsonl"] = sum(len(m) for _, m in mixed)
    for half, entries in gate_articles(folder, val).items():
        name = f"articles_gate_{half}.jsonl"
        with (out_dir / name).open("w", encoding="utf-8") as handle:
            for key, source, e in entries:
                record = {"text": e.text, "label": e.label, "doc_id": key, "article": key, "system": e.system, "source": source}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        counts[name] = len(entries)
    return counts


# English-written BBC articles the detector never saw, beyond the 88 of the validation split: the
# training budget (detect/data.py BBC_SENTENCES) leaves most of the 2,127 unused, and a false-alarm
# rate of 2% per article needs hundreds of articles to be measured at all.
GATE_BBC_ARTICLES = 500


def gate_articles(folder: Path, val: list[Example]) -> dict[str, list[tuple[str, str, Example]]]:
    """Whole articles for choosing and checking the per-article gate (mtcheck/gate.py), as
    (article key, source, sentence) in reading order, in two halves by a hash of the article key:
    ``calibration`` (thresholds are chosen on it) and ``test`` (reported, never tuned on).

    Sources: ``wmt22-mt`` (each validation document from each system, whole), ``wmt22-en`` (validation English originals)
    and ``bbc:<category>`` (validation BBC articles plus BBC articles the training budget left
    unused), so the gate is judged per outlet and per kind of story."""
    from mtcheck.detect.data import FILES, _split, bbc_examples, bbc_sentences, read_jsonl

    picked: list[tuple[str, str, list[Example]]] = []
    # Translated articles as a desk gets them: every segment of a validation document, from one
    # system, for each of the ten systems (the sentence sets give each segment's MT or its
    # reference, so their "articles" are fragments of a few sentences).
    wmt_rows = [r for r in read_jsonl(folder / FILES["wmt_ruen"]) if _split(r["doc_id"]) == "validation"]
    by_document: dict[tuple[str, str], list[dict]] = {}
    for r in wmt_rows:
        by_document.setdefault((r["doc_id"], r["system"]), []).append(r)
    for (doc_id, system), doc_rows in sorted(by_document.items()):
        ordered = sorted(doc_rows, key=lambda r: int(r["doc_seg_id"]))
        picked.append((f"mt:{doc_id}:{system}", "wmt22-mt",
                       [Example(r["mt_en"], "mt", doc_id, int(r["doc_seg_id"]), "wmt22", system, "validation") for r in ordered]))
    for key, members in sorted(articles(e for e in val if e.source == "wmt22-en" and e.label == "original").items()):
        picked.append((key, "wmt22-en", members))
    bbc_path = folder / FILES["bbc"]
    if bbc_path.exists():
        trained = {e.doc_id for e in bbc_examples(folder) if e.split == "train"}
        bbc_rows = [r for r in read_jsonl(bbc_path) if r["doc_id"] not in trained]
        bbc_rows.sort(key=lambda r: _unit("gate-bbc", r["doc_id"]))
        for row in bbc_rows[:GATE_BBC_ARTICLES]:
            sentences = bbc_sentences(row)
            if sentences:
                bbc_article = [Example(t, "original", row["doc_id"], k, "bbc", "", "validation") for k, t in enumerate(sentences, 1)]
                picked.append((f"original:bbc:{row['doc_id']}", f"bbc:{row.get('category', 'unknown')}", bbc_article))
    halves: dict[str, list[tuple[str, str, Example]]] = {"calibration": [], "test": []}
    for key, source, members in picked:
        half = "calibration" if _unit("gate-half", key) < 0.5 else "test"
        halves[half].extend((key, source, e) for e in members)
    return halves


def mixed_articles(folder: Path, val: list[Example] | None = None) -> list[tuple[str, list[Example]]]:
    """English-written validation articles (WMT22 originals and BBC) with a run of 1-4 consecutive
    translated sentences from another document spliced in at a pseudo-random position: the case
    of a translated quote or paragraph pasted into an English-written article. The inserted runs
    come from the validation MT documents (one system per document, README recipe), so no
    sentence of this set is seen in training. Returns (article key, sentences in reading order)."""
    if val is None:
        val = [e for e in all_examples(folder) if e.split == "validation"]
    hosts = [members for key, members in sorted(articles(e for e in val if e.label == "original").items())]
    hosts = [h for h in hosts if len(h) >= MIXED_MIN_HOST]
    donors = list(documents(document_examples(folder, "validation", "mt")).values())
    out: list[tuple[str, list[Example]]] = []
    if not donors:
        return out
    for host in hosts:
        host_id = f"{host[0].source}:{host[0].doc_id}"
        donor = donors[int(_unit("mixed-donor", host_id) * len(donors))]
        k = min(len(donor), MIXED_INSERT[0] + int(_unit("mixed-k", host_id) * (MIXED_INSERT[1] - MIXED_INSERT[0] + 1)))
        start = int(_unit("mixed-start", host_id) * (len(donor) - k + 1))
        at = int(_unit("mixed-at", host_id) * (len(host) + 1))
        out.append((f"mixed:{host_id}", host[:at] + donor[start : start + k] + host[at:]))
    return out
