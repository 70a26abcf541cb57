"""``mtcheck eval rewrite FILE.jsonl``: how much the verified rewrites move flagged MT toward a reference.

Only the segments the detector flags are rewritten (that is what an editor would see). On
that subset it prints chrF, BLEU and TER (sacrebleu, with signatures) of the original and of
the suggestions (the original where nothing passed), the same for the raw LLM output without
verification, rejections by check, seconds per sentence, and an audit of suggestions that
drop or change a number or a name, implemented apart from the verifier so it can catch it.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, OrderedDict
from pathlib import Path
from typing import Any

import typer

from mtcheck.cli.evaluate import eval_app
from mtcheck.errors import InputError


def _read_rows(path: Path, source: str, reference: str, system: str | None, offset: int = 0) -> tuple[list[dict], str | None]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise InputError(f"{path}:{n}: not a JSON line") from None
            if source not in row or reference not in row:
                raise InputError(f"{path}:{n}: missing field {source!r} or {reference!r}",
                                 fix="pass --source-field / --reference-field")
            rows.append(row)
    if rows and "system" in rows[0]:
        # A document must be one system's output; the first system in the file unless chosen.
        system = system or rows[0]["system"]
        rows = [r for r in rows if r.get("system") == system]
        if not rows:
            raise InputError(f"{path}: no rows of system {system!r}")
    # Rows before the offset are skipped (after the system filter), so a tuning slice and an
    # evaluation slice of one file never share a segment.
    return rows[offset:], system


def _documents(rows: list[dict], source: str):
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


_WORD_VALUES = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_WORD_VALUES.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
_MULTIPLIERS = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}


def audit_values(text: str) -> list[float]:
    """Numbers as values, read token by token (independent of the verifier's regexes)."""
    tokens = re.findall(r"\d[\d,.]*\d|\d|[A-Za-z]+", text.replace("%", " percent "))
    values: list[float] = []
    at: list[int] = []  # the token index each value came from
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in _MULTIPLIERS and values and values[-1] < 1000:
            values[-1] *= _MULTIPLIERS[low]
            # A range shares its scale word: "3 to 6 thousand", "10-15 thousand" (the dash is
            # not a token, so the two numbers are neighbours).
            if len(values) >= 2 and (at[-2] == at[-1] - 1 or (at[-2] == at[-1] - 2 and tokens[at[-1] - 1].lower() in ("to", "and"))) \
                    and values[-2] * _MULTIPLIERS[low] < values[-1]:
                values[-2] *= _MULTIPLIERS[low]
            continue
        if token[0].isdigit():
            if re.fullmatch(r"\d{1,3}(,\d\d\d)+", token):
                values.append(float(token.replace(",", "")))
            else:
                try:
                    values.append(float(token.replace(",", ".").rstrip(".")))
                except ValueError:
                    values.extend(float(p) for p in re.findall(r"\d+", token))
        elif low in _WORD_VALUES and low not in ("one", "zero"):
            values.append(float(_WORD_VALUES[low]))
        at.extend([i] * (len(values) - len(at)))
    return sorted(round(v, 4) for v in values)


def audit_names(text: str) -> set[str]:
    words = text.split()
    return {re.sub(r"[^\w-]", "", w).lower().removesuffix("s") for i, w in enumerate(words[1:], 1)
            if w[:1].isupper() and re.sub(r"[^\w-]", "", w)} - {""}


def fact_damage(original: str, rewrite: str) -> list[str]:
    problems = []
    if audit_values(original) != audit_values(rewrite):
        problems.append(f"numbers {audit_values(original)} -> {audit_values(rewrite)}")
    have = {w.lower().removesuffix("s") for w in re.findall(r"[\w-]+", rewrite)}
    lost = sorted(n for n in audit_names(original) if n not in have)
    if lost:
        problems.append("names dropped: " + ", ".join(lost))
    return problems


def _scores(hyps: list[str], refs: list[str]) -> dict[str, Any]:
    from sacrebleu.metrics import BLEU, CHRF, TER

    out: dict[str, Any] = {}
    for name, metric in (("chrF", CHRF()), ("BLEU", BLEU()), ("TER", TER())):
        score = metric.corpus_score(hyps, [refs])
        out[name] = (round(score.score, 2), str(metric.get_signature()))
    sentence_chrf = CHRF()
    out["mean_sentence_chrF"] = round(sum(sentence_chrf.sentence_score(h, [r]).score for h, r in zip(hyps, refs)) / max(1, len(hyps)), 2)
    return out


@eval_app.command("rewrite")
def eval_rewrite(
    file: Path = typer.Argument(..., help="JSONL with a machine-translated and a reference field."),
    source_field: str = typer.Option("mt_en", "--source-field", help="Field with the text to check and rewrite."),
    reference_field: str = typer.Option("ref_en", "--reference-field", help="Field with the reference translation."),
    limit: int = typer.Option(50, "--limit", help="Stop after this many flagged segments."),
    offset: int = typer.Option(0, "--offset", help="Skip this many rows first (of the chosen system): keeps tuning and evaluation slices apart."),
    system: str = typer.Option(None, "--system", help="Rows of this system only (files with a 'system' field; default: the first)."),
    backend: str = typer.Option(None, "--backend", help="llama_cpp (default), transformers or openai."),
    model: str = typer.Option(None, "--model", help="Rewriter model path or id (default: the model store's rewriter)."),
    languagetool: bool = typer.Option(False, "--languagetool/--no-languagetool", help="Use LanguageTool candidates and checks."),
    json_out: Path = typer.Option(None, "--json", help="Also write the numbers and every rewrite to this JSON file."),
    config: Path = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml."),
) -> None:
    """Rewrite the flagged segments and compare original, raw LLM and verified rewrites with the reference."""
    from mtcheck.config import load_settings
    from mtcheck.detect import Detector
    from mtcheck.rewrite import Rewriter
    from mtcheck.rewrite.generate import sentence_reasons

    if limit < 1:
        raise InputError("--limit must be at least 1")
    if offset < 0:
        raise InputError("--offset must not be negative")
    settings = load_settings(config)
    if model:
        settings = settings.with_overrides(tables={**settings.tables, "rewrite": {**settings.section("rewrite"), "model": model}})
    rows, chosen_system = _read_rows(file, source_field, reference_field, system, offset)
    services: dict[str, Any] = {}
    if languagetool:
        from mtcheck.services.languagetool import LanguageToolService

        service = LanguageToolService(settings)
        service.ensure_running()
        services["languagetool"] = service
    detector = Detector(settings, services=services)
    rewriter = Rewriter(settings, detector, services=services, backend=backend)

    originals, references, suggestions, raw, records = [], [], [], [], []
    rejections: Counter = Counter()
    seen = flagged_total = 0
    seconds = 0.0
    for document, sentences, members in _documents(rows, source_field):
        detection = detector.detect(document, sentences)
        targets = [f for f in detection.findings if f.flagged][: limit - len(originals)]
        seen += len(sentences)
        flagged_total += sum(f.flagged for f in detection.findings)
        if not targets:
            continue
        started = time.perf_counter()
        ranked = rewriter.rewrite_texts(document, sentences, targets)
        seconds += time.perf_counter() - started
        for finding, measured in zip(targets, ranked):
            original = finding.sentence.text
            best = measured[0].candidate.text if measured and measured[0].candidate.accepted else None
            llm = next((m.candidate.text for m in measured if m.candidate.generator == "llm"), None)
            for m in measured:
                rejections.update(m.candidate.rejected_by)
            originals.append(original)
            references.append(" ".join(str(members[finding.sentence.index][reference_field]).split()))
            suggestions.append(best or original)
            raw.append(llm or original)
            records.append({"id": members[finding.sentence.index].get("id"), "original": original, "rewrite": best,
                            "raw_llm": llm, "reference": references[-1],
                            "reasons": len(sentence_reasons(finding.reasons)),
                            "candidates": [{"generator": m.candidate.generator, "text": m.candidate.text,
                                            "accepted": m.candidate.accepted, "rejected_by": list(m.candidate.rejected_by),
                                            "detector": m.detector, "original_detector": m.original_detector,
                                            "surprisal": m.surprisal, "similarity": m.similarity, "edit": round(m.edit, 4),
                                            "score": m.candidate.score}
                                           for m in measured]})
        if len(originals) >= limit:
            break
    if not originals:
        typer.echo(f"no flagged segments among {seen} segments; nothing to evaluate")
        return

    n = len(originals)
    changed = sum(s != o for s, o in zip(suggestions, originals))
    damaged = [(o, s, fact_damage(o, s)) for o, s in zip(originals, suggestions) if s != o and fact_damage(o, s)]
    raw_damaged = sum(1 for o, r in zip(originals, raw) if r != o and fact_damage(o, r))
    result = {
        "file": str(file), "system": chosen_system, "offset": offset, "segments_read": seen, "flagged_read": flagged_total, "evaluated": n,
        "model": getattr(rewriter._backend, "model_id", ""),
        "original": _scores(originals, references), "suggested": _scores(suggestions, references),
        "raw_llm": _scores(raw, references),
        "changed_share": round(changed / n, 3), "raw_llm_changed_share": round(sum(r != o for r, o in zip(raw, originals)) / n, 3),
        "rejections": dict(rejections.most_common()), "seconds_per_sentence": round(seconds / n, 2),
        "suggestions_damaging_facts": len(damaged), "raw_llm_damaging_facts": raw_damaged,
    }
    typer.echo(f"{file.name}: {n} flagged segments evaluated ({flagged_total} flagged of {seen} read"
               + (f" after skipping {offset} rows" if offset else "") + ")"
               + (f", system {chosen_system}" if chosen_system else "") + f", model {result['model']}")
    typer.echo(f"{'':12}{'chrF':>8}{'BLEU':>8}{'TER':>8}{'mean sent chrF':>16}")
    for label in ("original", "suggested", "raw_llm"):
        s = result[label]
        typer.echo(f"{label:12}{s['chrF'][0]:>8}{s['BLEU'][0]:>8}{s['TER'][0]:>8}{s['mean_sentence_chrF']:>16}")
    for name in ("chrF", "BLEU", "TER"):
        typer.echo(f"signature {name}: {result['original'][name][1]}")
    typer.echo(f"changed: {result['changed_share']:.1%} of segments (raw LLM {result['raw_llm_changed_share']:.1%})")
    typer.echo("rejections by check: " + (", ".join(f"{k} {v}" for k, v in rejections.most_common()) or "none"))
    typer.echo(f"seconds per sentence: {result['seconds_per_sentence']}")
    typer.echo(f"suggestions that drop or change a number or name (independent audit): {len(damaged)} (raw LLM {raw_damaged})")
    for original, suggestion, problems in damaged[:5]:
        typer.echo(f"  - {'; '.join(problems)}: {original!r} -> {suggestion!r}")
    if json_out:
        json_out.write_text(json.dumps({**result, "rewrites": records}, indent=2, ensure_ascii=False), encoding="utf-8")
