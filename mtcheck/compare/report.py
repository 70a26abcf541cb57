"""What ``mtcheck compare`` shows: every article sentence with its counterparts and scores."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mtcheck.compare import Comparer, SentenceAlignment, check_english, document_scores
from mtcheck.compare.score import as_dict, sentence_scores
from mtcheck.compare.terms import hints_for_pair, prime_hints
from mtcheck.config import Settings
from mtcheck.console import printable
from mtcheck.types import Sentence

if TYPE_CHECKING:
    from mtcheck.services.embedder import Embedder

JSON_VERSION = 1


@dataclass(frozen=True)
class Comparison:
    article: str
    reference: str
    sentences: tuple[Sentence, ...]
    alignments: dict[int, SentenceAlignment]
    scores: dict  # document level
    embedder: Embedder | None = None  # the comparer's, so term hints reuse its model and cache


def compare_files(article: str, reference: str, settings: Settings) -> Comparison:
    from mtcheck.load import load_document
    from mtcheck.segment import segment

    ours = segment(load_document(article))
    theirs = segment(load_document(reference))
    check_english(ours, f"article {article}")
    check_english(theirs, f"reference {reference}")
    comparer = Comparer(settings)
    alignments = comparer.align(ours, theirs)
    pairs = [(a.sentence.text, a.reference_text) for a in alignments if a.references]
    return Comparison(
        article, reference, tuple(ours), {a.sentence.index: a for a in alignments}, document_scores(alignments, pairs), comparer.embedder
    )


def sentence_record(sentence: Sentence, alignment: SentenceAlignment | None, embedder=None) -> dict:
    record: dict = {"index": sentence.index, "text": sentence.text, "kind": sentence.kind, "aligned": False, "references": []}
    if alignment is None or not alignment.references:
        return record
    record["aligned"] = True
    record["references"] = [{"index": r.index, "text": r.text, "similarity": r.similarity} for r in alignment.references]
    record["scores"] = {"before": as_dict(sentence_scores(sentence.text, alignment.reference_text))}
    if embedder is not None:
        record["hints"] = [
            {"ours": h.ours, "reference": h.reference, "message": h.message}
            for h in hints_for_pair(sentence.text, alignment.reference_text, embedder)
        ]
    return record


def _records(result: Comparison) -> list[dict]:
    from mtcheck.services.embedder import Embedder

    embedder = result.embedder or Embedder()
    prime_hints([(a.sentence.text, a.reference_text) for a in result.alignments.values() if a.references], embedder)
    return [sentence_record(s, result.alignments.get(s.index), embedder) for s in result.sentences]


def render_json(result: Comparison) -> str:
    data = {
        "version": JSON_VERSION,
        "article": result.article,
        "reference": result.reference,
        "sentences": _records(result),
        "document": {k: v for k, v in result.scores.items() if k != "after" and k != "delta"},
        "unaligned": result.scores["unaligned_sentences"],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_text(result: Comparison) -> str:
    lines = [f"{result.article} compared with {result.reference}", ""]
    for record in _records(result):
        if record["kind"] != "prose":
            continue
        lines.append(f"[{record['index']}] {record['text']}")
        if not record["aligned"]:
            lines.append("    no counterpart in the reference")
        for ref in record["references"]:
            lines.append(f"    -> ref [{ref['index']}] ({ref['similarity']:.2f}) {ref['text']}")
        if record.get("scores"):
            before = record["scores"]["before"]
            lines.append("    " + "  ".join(f"{m} {v['score']:.1f}" for m, v in before.items()))
        for hint in record.get("hints", []):
            lines.append(f"    term: {hint['message']}")
        lines.append("")
    scores = result.scores
    lines.append(f"aligned {scores['aligned']}, unaligned {scores['unaligned']}")
    for metric, value in scores.get("before", {}).items():
        lines.append(f"document {metric} {value['score']:.2f}  ({value['signature']})")
    # Each line shown as it is: the article's control characters (and newlines in names) made visible.
    return "\n".join(printable(line, keep="\t") for line in lines) + "\n"
