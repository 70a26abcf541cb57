"""``mtcheck eval rewrite FILE.jsonl``: what the verified rewrites do to the flagged MT.

Only the segments the detector flags are rewritten (that is what an editor would see). On that
subset it prints coverage (how many flagged sentences get a suggestion, and how many of their
flagged rule/LanguageTool problems the suggestions remove), chrF, BLEU and TER (sacrebleu, with
signatures) of the original, of the suggestions (the original where nothing passed) and of the
raw LLM output, for context only: one reference cannot tell a good fix from a bad one, so
quality is judged blind with ``--judge-sheet`` and ``mtcheck eval judge``. Then rejections by
check, seconds per sentence, and an audit of suggestions that change a number, date, name,
negation or hedge, implemented apart from the verifier (mtcheck/rewrite/facts.py) so it can
catch what the verifier misses.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer

from mtcheck.cli.evaluate import eval_app
from mtcheck.errors import InputError
from mtcheck.jsonl import json_lines
from mtcheck.registry import backends

# Each row remembers its position in the file (under a key no JSON file uses), so a judge-sheet
# id is stable whatever --system and --offset select.
_ROW = "\x00row"


def _read_rows(path: Path, source: str, reference: str, system: str | None, offset: int = 0) -> tuple[list[dict], str | None]:
    rows: list[dict] = []
    for n, row in json_lines(path, "data"):
        if source not in row or reference not in row:
            raise InputError(f"{path}:{n}: missing field {source!r} or {reference!r}",
                             fix="pass --source-field / --reference-field")
        row[_ROW] = len(rows)
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


_FULL_MONTHS = "January February March April May June July August September October November December".split()
_MONTHS = {m: i for i, m in enumerate(_FULL_MONTHS, 1)}
_MONTHS.update({"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "Jun": 6, "Jul": 7, "Aug": 8, "Sep": 9, "Sept": 9,
                "Oct": 10, "Nov": 11, "Dec": 12})
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?"
_FULL_MONTH = r"(?P<month>" + "|".join(_FULL_MONTHS) + r")\b"  # alone only in full ("Jan Kubis" is a name)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\b"
_YEAR = r"(?P<year>\d{4})\b"
# Most specific first; each match is blanked before the next pattern runs. Month names are
# matched capitalised only, so the modal "may" is never a date.
_DATE_PATTERNS = [re.compile(p) for p in (
    r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}|\d{2})\b",       # 12.12.2016 (Russian order)
    r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b",                  # 2016-12-12
    r"\b" + _DAY + r"(?:\s+of)?\s+" + _MONTH + r"(?:,?\s+" + _YEAR + ")?",      # 12 December (2016)
    r"\b" + _MONTH + r"\s+" + _DAY + r"(?:,?\s+" + _YEAR + ")?",              # December 12(, 2016)
    r"\b" + _MONTH + r"\s+" + _YEAR,                                          # December 2016
    r"\b" + _FULL_MONTH,                                                      # (in) December
)]


def _dates(text: str) -> tuple[list[str], str]:
    """Dates normalised to ``YYYY-MM-DD`` (``?`` where a part is not given), and the text with
    them blanked out, so "12.12.2016", "December 12, 2016" and "12 December 2016" are one value
    and their digits are not also read as numbers."""
    found: list[str] = []
    for pattern in _DATE_PATTERNS:
        def take(m: re.Match) -> str:
            month = m.group("month")
            month_n = int(month) if month.isdigit() else _MONTHS[month]
            parts = m.groupdict()
            day = int(parts["day"]) if parts.get("day") else None
            year = parts.get("year")
            if not 1 <= month_n <= 12 or (day is not None and not 1 <= day <= 31):
                return m.group(0)
            if year and len(year) == 2:
                year = str(2000 + int(year) if int(year) < 50 else 1900 + int(year))
            found.append(f"{year or '?'}-{month_n:02d}-{f'{day:02d}' if day else '?'}")
            return " "
        text = pattern.sub(take, text)
    return sorted(found), text


def audit_dates(text: str) -> list[str]:
    return _dates(text)[0]


def audit_values(text: str) -> list[float]:
    """Numbers as values, read token by token (independent of the verifier's regexes); the
    digits of dates are left to ``audit_dates``."""
    tokens = re.findall(r"\d[\d,.]*\d|\d|[A-Za-z]+", _dates(text)[1].replace("%", " percent "))
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
    words = _dates(text)[1].split()
    return {re.sub(r"[^\w-]", "", w).lower().removesuffix("s") for i, w in enumerate(words[1:], 1)
            if w[:1].isupper() and re.sub(r"[^\w-]", "", w)} - {""}


_NEGATION = re.compile(r"\b(?:not|never|cannot|without)\b|\bno\b(?!\.\s*\d)|n['’]t\b", re.I)
# Hedges and attribution by kind: a rewrite may swap "may" for "might" or "according to
# Reuters" for "Reuters reported", but must not leave a kind out.
_HEDGES = {
    "modal": re.compile(r"\b(?:may|might|could)\b", re.I),
    "attribution": re.compile(r"\baccording to\b|\b(?:say|says|said|saying|report|reports|reported|reporting|reportedly"
                              r"|cite|cites|cited|citing|state|states|stated|stating|told|tells|announced|announces"
                              r"|noted|notes|added|adds|claimed|claims|declared|declares|wrote|writes)\b", re.I),
    "allegedly": re.compile(r"\ballegedly\b|\balleged\b", re.I),
}


def audit_negations(text: str) -> int:
    return len(_NEGATION.findall(text))


def audit_hedges(text: str) -> dict[str, int]:
    plain = _dates(text)[1]  # "May 12" is a date, not a hedge
    return {kind: len(pattern.findall(plain)) for kind, pattern in _HEDGES.items()}


def fact_damage(original: str, rewrite: str) -> list[str]:
    """What the rewrite changed among numbers, dates, names, negation and hedges/attribution
    (empty: nothing). A change of format ("78 thousand" -> "78,000", "12.12.2016" ->
    "December 12, 2016") is not damage."""
    problems = []
    if audit_values(original) != audit_values(rewrite):
        problems.append(f"numbers {audit_values(original)} -> {audit_values(rewrite)}")
    if audit_dates(original) != audit_dates(rewrite):
        problems.append(f"dates {audit_dates(original)} -> {audit_dates(rewrite)}")
    plain = _dates(rewrite)[1]
    # Words as audit_names reads them too ("H&M," is "hm"), so a name is found in its own spelling.
    have = ({w.lower().removesuffix("s") for w in re.findall(r"[\w-]+", plain)}
            | {re.sub(r"[^\w-]", "", w).lower().removesuffix("s") for w in plain.split()})
    # "President of Ukraine" -> "Ukrainian President" keeps the name: a word of the rewrite that
    # starts with the name's first six letters counts.
    # "the CAR" -> "the Central African Republic" spells the same name out: the initials of a run of
    # capitalised words of the rewrite count ("of", "and", "the" inside the run are skipped).
    initials = set()
    for run in re.findall(r"[A-Z][\w-]*(?:\s+(?:(?:of|and|the|for)\s+)*[A-Z][\w-]*)+", plain):
        caps = "".join(w[0] for w in run.split() if w[0].isupper()).lower()
        initials |= {caps[i:j] for i in range(len(caps)) for j in range(i + 2, len(caps) + 1)}
    lost = sorted(n for n in audit_names(original)
                  if n not in have and n not in initials and not (len(n) >= 6 and any(w.startswith(n[:6]) for w in have)))
    if lost:
        problems.append("names dropped: " + ", ".join(lost))
    before, after = audit_negations(original), audit_negations(rewrite)
    if before != after:
        problems.append(f"negation {'dropped' if after < before else 'added'} ({before} -> {after})")
    hedges_before, hedges_after = audit_hedges(original), audit_hedges(rewrite)
    dropped = [f"{kind} {hedges_before[kind]} -> {hedges_after[kind]}" for kind in _HEDGES
               if hedges_after[kind] < hedges_before[kind]]
    if dropped:
        problems.append("hedge/attribution dropped: " + ", ".join(dropped))
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


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


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


def _sheet_ids(stem: str, rows: Sequence[dict]) -> list[str]:
    """``<file stem>:<row id>`` (the row's position in the file when it has no id), unique."""
    ids: list[str] = []
    seen: Counter[str] = Counter()
    for row in rows:
        base = f"{stem}:{row['id'] if row.get('id') is not None else row[_ROW]}"
        seen[base] += 1
        ids.append(base if seen[base] == 1 else f"{base}#{seen[base]}")
    return ids


@eval_app.command("rewrite")
def eval_rewrite(
    file: Path = typer.Argument(..., help="JSONL with a machine-translated and a reference field."),
    source_field: str = typer.Option("mt_en", "--source-field", help="Field with the text to check and rewrite."),
    reference_field: str = typer.Option("ref_en", "--reference-field", help="Field with the reference translation."),
    limit: int = typer.Option(50, "--limit", help="Stop after this many flagged segments."),
    offset: int = typer.Option(0, "--offset", help="Skip this many rows first (of the chosen system): keeps tuning and evaluation slices apart."),
    system: str = typer.Option(None, "--system", help="Rows of this system only (files with a 'system' field; default: the first)."),
    backend: str = typer.Option(None, "--backend", help=f"Rewrite backend: {backends.listing()}."),
    model: str = typer.Option(None, "--model", help="Rewriter model path or id (default: the model store's rewriter)."),
    languagetool: bool = typer.Option(False, "--languagetool/--no-languagetool", help="Use LanguageTool candidates and checks."),
    json_out: Path = typer.Option(None, "--json", help="Also write the numbers and every rewrite to this JSON file."),
    judge_sheet: Path = typer.Option(None, "--judge-sheet", help="Write a blind A/B sheet of original vs suggestion for a judge "
                                     "(JSON lines; its key goes to SHEET with .key.jsonl); score it with 'mtcheck eval judge'."),
    judge_seed: int = typer.Option(0, "--judge-seed", help="Seed of the A/B order on the judge sheet (same seed, same sheet)."),
    config: Path = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml."),
) -> None:
    """Rewrite the flagged segments: coverage, an independent fact audit, reference metrics for context, and a blind judge sheet."""
    from mtcheck.cli.eval_judge import key_path_for, write_judge_sheet
    from mtcheck.config import load_settings
    from mtcheck.detect import Detector
    from mtcheck.rewrite import Rewriter
    from mtcheck.rewrite.generate import sentence_reasons

    if limit < 1:
        raise InputError("--limit must be at least 1")
    if backend is not None:
        backends.check(backend, "--backend")
    if offset < 0:
        raise InputError("--offset must not be negative")
    if judge_sheet is not None and judge_sheet.is_dir():
        raise InputError(f"--judge-sheet {judge_sheet}: is a directory", fix="name a .jsonl file")
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

    originals: list[str] = []
    references: list[str] = []
    suggestions: list[str] = []
    raw: list[str] = []
    records: list[dict[str, Any]] = []
    evaluated_rows: list[dict] = []
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
        typer.echo(f"no flagged segments among {seen} segments; nothing to evaluate")
        if judge_sheet is not None:
            write_judge_sheet(judge_sheet, [], seed=judge_seed)
            typer.echo(f"judge sheet: 0 pairs written to {judge_sheet}")
        return

    n = len(originals)
    changed = sum(s != o for s, o in zip(suggestions, originals))
    damaged = [(o, s, fact_damage(o, s)) for o, s in zip(originals, suggestions) if s != o and fact_damage(o, s)]
    raw_damaged = sum(1 for o, r in zip(originals, raw) if r != o and fact_damage(o, r))
    reach = coverage(records)
    for record, sheet_id in zip(records, _sheet_ids(file.stem, evaluated_rows)):
        record["sheet_id"] = sheet_id
    result: dict[str, Any] = {
        "file": str(file), "system": chosen_system, "offset": offset, "segments_read": seen, "flagged_read": flagged_total, "evaluated": n,
        "model": getattr(getattr(rewriter, "_backend", None), "model_id", ""),
        "coverage": reach,
        "original": _scores(originals, references), "suggested": _scores(suggestions, references),
        "raw_llm": _scores(raw, references),
        "changed_share": round(changed / n, 3), "raw_llm_changed_share": round(sum(r != o for r, o in zip(raw, originals)) / n, 3),
        "rejections": dict(rejections.most_common()), "seconds_per_sentence": round(seconds / n, 2),
        "suggestions_damaging_facts": len(damaged), "raw_llm_damaging_facts": raw_damaged,
    }
    typer.echo(f"{file.name}: {n} flagged segments evaluated ({flagged_total} flagged of {seen} read"
               + (f" after skipping {offset} rows" if offset else "") + ")"
               + (f", system {chosen_system}" if chosen_system else "") + f", model {result['model']}")
    typer.echo(f"suggestions: {reach['suggestions']} of {n} flagged sentences ({_share(reach['suggestions'], n)})")
    typer.echo(f"partial: {reach['partial']} of {reach['suggestions']} suggestions leave a flagged problem")
    typer.echo(f"flagged rule/LanguageTool spans gone from the suggestions: {reach['problems_resolved']} of {reach['problems']} "
               f"({_share(reach['problems_resolved'], reach['problems'])}); over the sentences with a suggestion: "
               f"{reach['problems_resolved']} of {reach['problems_with_suggestion']} "
               f"({_share(reach['problems_resolved'], reach['problems_with_suggestion'])})")
    typer.echo(f"{'vs reference':12}{'chrF':>8}{'BLEU':>8}{'TER':>8}{'mean sent chrF':>16}"
               "  (for context, never as a gate: judge quality blind with --judge-sheet)")
    for label in ("original", "suggested", "raw_llm"):
        s = result[label]
        typer.echo(f"{label:12}{s['chrF'][0]:>8}{s['BLEU'][0]:>8}{s['TER'][0]:>8}{s['mean_sentence_chrF']:>16}")
    for name in ("chrF", "BLEU", "TER"):
        typer.echo(f"signature {name}: {result['original'][name][1]}")
    typer.echo(f"changed: {result['changed_share']:.1%} of segments (raw LLM {result['raw_llm_changed_share']:.1%})")
    typer.echo("rejections by check: " + (", ".join(f"{k} {v}" for k, v in rejections.most_common()) or "none"))
    typer.echo(f"seconds per sentence: {result['seconds_per_sentence']}")
    typer.echo(f"suggestions that change a number, date, name, negation or hedge (independent audit): {len(damaged)} (raw LLM {raw_damaged})")
    for original, suggestion, problems in damaged[:5]:
        typer.echo(f"  - {'; '.join(problems)}: {original!r} -> {suggestion!r}")
    if judge_sheet is not None:
        pairs = [{"id": r["sheet_id"], "original": r["original"], "suggestion": r["rewrite"], "reference": r["reference"],
                  "generator": r["generator"]}
                 for r in records if r["rewrite"] is not None and r["rewrite"] != r["original"]]
        key = write_judge_sheet(judge_sheet, pairs, seed=judge_seed)
        typer.echo(f"judge sheet: {len(pairs)} pairs written to {judge_sheet} (key {key.name}, seed {judge_seed}); "
                   f"{n - len(pairs)} evaluated sentences left out because the suggestion is the original "
                   "(ties by construction)")
        result["judge_sheet"] = {"path": str(judge_sheet), "key": str(key_path_for(judge_sheet)), "seed": judge_seed,
                                 "pairs": len(pairs), "left_out_identical": n - len(pairs)}
    if json_out:
        from mtcheck.fsutil import atomic_write

        atomic_write(json_out, json.dumps({**result, "rewrites": records}, indent=2, ensure_ascii=False))
