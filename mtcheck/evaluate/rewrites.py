"""``mtcheck eval rewrite FILE.jsonl``: what the verified rewrites do to the flagged MT.

Only the segments the detector flags are rewritten (that is what an editor would see). On that
subset it measures coverage (how many flagged sentences get a suggestion, and how many of their
flagged rule/LanguageTool problems the suggestions remove), chrF, BLEU and TER (sacrebleu, with
signatures) of the original, of the suggestions (the original where nothing passed) and of the
raw LLM output, for context only: one reference cannot tell a good fix from a bad one, so
quality is judged blind (mtcheck/evaluate/judging.py). Then rejections by check, seconds per
sentence, and the independent audit of suggestions that change a number, date, name, negation
or hedge (mtcheck/evaluate/fact_audit.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mtcheck.config import Settings
from mtcheck.errors import InputError
from mtcheck.evaluate.fact_audit import fact_damage
from mtcheck.jsonl import json_lines

# Each row remembers its position in the file (under a key no JSON file uses), so a judge-sheet
# id is stable whatever --system and --offset select.
_ROW = "\x00row"


def read_rows(path: Path, source: str, reference: str, system: str | None, offset: int = 0,
              slice_name: str | None = None) -> tuple[list[dict], str | None]:
    rows: list[dict] = []
    for n, row in json_lines(path, "data"):
        if source not in row or reference not in row:
            raise InputError(f"{path}:{n}: missing field {source!r} or {reference!r}",
                             fix="pass --source-field / --reference-field")
        row[_ROW] = len(rows)
        rows.append(row)
    if slice_name is not None:
        return _slice_rows(path, rows, slice_name), "mixed"
    if rows and "system" in rows[0]:
        # A document must be one system's output; the first system in the file unless chosen.
        system = system or rows[0]["system"]
        rows = [r for r in rows if r.get("system") == system]
        if not rows:
            raise InputError(f"{path}: no rows of system {system!r}")
    # Rows before the offset are skipped (after the system filter), so a tuning slice and an
    # evaluation slice of one file never share a segment.
    return rows[offset:], system


def _slice_rows(path: Path, rows: list[dict], slice_name: str) -> list[dict]:
    from mtcheck.evaluate.slices import named_slice

    chosen = named_slice(slice_name)
    if path.name != chosen.data_file:
        raise InputError(f"slice {chosen.name!r} is defined on {chosen.data_file}, not {path.name}")
    return chosen.select(rows)


def documents(rows: list[dict], source: str):
    """Rows grouped into documents (by doc_id, in seg order), one sentence per segment."""
    from mtcheck.types import Block, Document, Sentence

    groups: "OrderedDict[str, list[dict]]" = OrderedDict()
    for i, row in enumerate(rows):
        groups.setdefault(str(row.get("doc_id", f"row{i}")), []).append(row)
    for doc_id, members in groups.items():
        members.sort(key=lambda r: r.get("doc_seg_id", 0))
        texts = [" ".join(str(r[source]).split()) for r in members]
        blocks, sentences, at = [], [], 0
        for k, text in enumerate(texts):
            blocks.append(Block(text=text, start=at, end=at + len(text), split=False))
            sentences.append(Sentence(index=k, start=at, end=at + len(text), text=text, block=k))
            at += len(text) + 1
        # Every segment is its own block: an unrelated neighbour must not become the prompt's context.
        yield Document(path=doc_id, text="\n".join(texts), format="lines", encoding="utf-8", blocks=tuple(blocks)), tuple(sentences), members


def reference_scores(hyps: list[str], refs: list[str]) -> dict[str, Any]:
    from sacrebleu.metrics import BLEU, CHRF, TER

    out: dict[str, Any] = {}
    for name, metric in (("chrF", CHRF()), ("BLEU", BLEU()), ("TER", TER())):
        score = metric.corpus_score(hyps, [refs])
        out[name] = (round(score.score, 2), str(metric.get_signature()))
    sentence_chrf = CHRF()
    out["mean_sentence_chrF"] = round(sum(sentence_chrf.sentence_score(h, [r]).score for h, r in zip(hyps, refs)) / max(1, len(hyps)), 2)
    return out


def coverage(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How far the suggestions go, from the evaluated records: ``problems`` (the original's fixable
    flagged rule/LanguageTool problems, the same for every candidate of a sentence), and for the
    chosen suggestion ``resolved`` / ``remaining`` (None when there is no suggestion)."""
    with_suggestion = [r for r in records if r["rewrite"] is not None]
    problems = sum(r["problems"] for r in records)
    problems_suggested = sum(r["problems"] for r in with_suggestion)
    resolved = sum(len(r["resolved"]) for r in with_suggestion)
    return {
        "flagged": len(records), "suggestions": len(with_suggestion),
        "suggestion_share": round(len(with_suggestion) / len(records), 4) if records else None,
        "partial": sum(1 for r in with_suggestion if r["remaining"]),
        "problems": problems, "problems_resolved": resolved,
        "problems_resolved_share": round(resolved / problems, 4) if problems else None,
        "problems_with_suggestion": problems_suggested,
        "problems_resolved_share_with_suggestion": round(resolved / problems_suggested, 4) if problems_suggested else None,
    }


def sheet_ids(stem: str, rows: Sequence[dict]) -> list[str]:
    """``<file stem>:<row id>`` (the row's position in the file when it has no id), unique."""
    ids: list[str] = []
    seen: Counter[str] = Counter()
    for row in rows:
        base = f"{stem}:{row['id'] if row.get('id') is not None else row[_ROW]}"
        seen[base] += 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return ids


@dataclass
class RewriteRun:
    """What :func:`evaluate_rewrites` found: the rows read, one record per evaluated flagged sentence
    (the ``rewrites`` of ``--json``), and the numbers (None when nothing was flagged)."""

    segments_read: int
    flagged_read: int
    records: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    damaged: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (original, suggestion, problems)
    rejections: Counter = field(default_factory=Counter)


def _components(settings: Settings, languagetool: bool, backend: str | None) -> tuple[Any, Any]:
    """The detector and the rewriter under evaluation, with a running LanguageTool when asked for."""
    from mtcheck.detect import Detector
    from mtcheck.rewrite import Rewriter
    from mtcheck.services.factory import build_services

    services = build_services(settings, languagetool=languagetool, backend=backend)
    detector = Detector(settings, services=services)
    rewriter = Rewriter(settings, detector, services=services)
    return detector, rewriter


def evaluate_rewrites(
    file: Path,
    settings: Settings,
    source_field: str = "mt_en",
    reference_field: str = "ref_en",
    limit: int = 50,
    offset: int = 0,
    system: str | None = None,
    backend: str | None = None,
    languagetool: bool = False,
    slice_name: str | None = None,
    russian_field: str | None = None,
) -> RewriteRun:
    """Rewrite the first ``limit`` flagged segments of ``file`` (after ``offset`` rows of the chosen
    ``system``) and measure them: coverage, reference metrics, rejections, time and the fact audit."""
    from mtcheck.rewrite.generate import sentence_reasons

    rows, chosen_system = read_rows(file, source_field, reference_field, system, offset, slice_name)
    detector, rewriter = _components(settings, languagetool, backend)

    originals: list[str] = []
    references: list[str] = []
    suggestions: list[str] = []
    raw: list[str] = []
    records: list[dict[str, Any]] = []
    evaluated_rows: list[dict] = []
    rejections: Counter = Counter()
    seen = flagged_total = 0
    seconds = 0.0
    for document, sentences, members in documents(rows, source_field):
        detection = detector.detect(document, sentences)
        targets = [f for f in detection.findings if f.flagged][: limit - len(originals)]
        seen += len(sentences)
        flagged_total += sum(f.flagged for f in detection.findings)
        if not targets:
            continue
        started = time.perf_counter()
        sources = None
        if russian_field is not None:  # one segment per sentence: its own Russian, no alignment needed
            sources = {k: " ".join(str(row.get(russian_field) or "").split()) for k, row in enumerate(members)}
        ranked = rewriter.rewrite_texts(document, sentences, targets, sources=sources)
        seconds += time.perf_counter() - started
        for finding, measured in zip(targets, ranked):
            original = finding.sentence.text
            row = members[finding.sentence.index]
            chosen = measured[0] if measured and measured[0].candidate.accepted else None
            best = chosen.candidate.text if chosen is not None else None
            llm = next((m.candidate.text for m in measured if m.candidate.generator == "llm"), None)
            for m in measured:
                rejections.update(m.candidate.rejected_by)
            originals.append(original)
            references.append(" ".join(str(row[reference_field]).split()))
            suggestions.append(best or original)
            raw.append(llm or original)
            evaluated_rows.append(row)
            records.append({"id": row.get("id"), "original": original, "rewrite": best,
                            "generator": chosen.candidate.generator if chosen is not None else None,
                            "raw_llm": llm, "reference": references[-1],
                            "reasons": len(sentence_reasons(finding.reasons)),
                            # The original's fixable flagged problems (the same split for every
                            # candidate), and which of them the chosen suggestion removes / keeps.
                            "problems": len(measured[0].resolved) + len(measured[0].remaining) if measured else 0,
                            "resolved": list(chosen.resolved) if chosen is not None else None,
                            "remaining": list(chosen.remaining) if chosen is not None else None,
                            "edits": [dataclasses.asdict(e) for e in getattr(rewriter, "edit_decisions", {}).get(original, ())],
                            "candidates": [{"generator": m.candidate.generator, "text": m.candidate.text,
                                            "accepted": m.candidate.accepted, "rejected_by": list(m.candidate.rejected_by),
                                            "detector": m.detector, "original_detector": m.original_detector,
                                            "surprisal": m.surprisal, "similarity": m.similarity, "edit": round(m.edit, 4),
                                            "resolved": list(m.resolved), "remaining": list(m.remaining),
                                            "score": m.candidate.score}
                                           for m in measured]})
        if len(originals) >= limit:
            break
    if not originals:
        return RewriteRun(seen, flagged_total, rejections=rejections)

    n = len(originals)
    changed = sum(s != o for s, o in zip(suggestions, originals))
    damaged = [(o, s, fact_damage(o, s)) for o, s in zip(originals, suggestions) if s != o and fact_damage(o, s)]
    raw_damaged = sum(1 for o, r in zip(originals, raw) if r != o and fact_damage(o, r))
    reach = coverage(records)
    for record, sheet_id in zip(records, sheet_ids(file.stem, evaluated_rows)):
        record["sheet_id"] = sheet_id
    result: dict[str, Any] = {
        "file": str(file), "with_source": russian_field is not None, "system": chosen_system, "offset": offset,
        "segments_read": seen, "flagged_read": flagged_total, "evaluated": n,
        "model": getattr(getattr(rewriter, "_backend", None), "model_id", ""),
        "coverage": reach,
        "original": reference_scores(originals, references), "suggested": reference_scores(suggestions, references),
        "raw_llm": reference_scores(raw, references),
        "changed_share": round(changed / n, 3), "raw_llm_changed_share": round(sum(r != o for r, o in zip(raw, originals)) / n, 3),
        "rejections": dict(rejections.most_common()), "seconds_per_sentence": round(seconds / n, 2),
        "suggestions_damaging_facts": len(damaged), "raw_llm_damaging_facts": raw_damaged,
    }
    return RewriteRun(seen, flagged_total, records, result, damaged, rejections)


def judge_pairs(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pairs for the blind judge sheet: every evaluated sentence whose suggestion differs from
    the original (an identical one is a tie by construction)."""
    return [{"id": r["sheet_id"], "original": r["original"], "suggestion": r["rewrite"], "reference": r["reference"],
            "generator": r["generator"]}
            for r in records if r["rewrite"] is not None and r["rewrite"] != r["original"]]
