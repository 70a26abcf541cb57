"""``mtcheck eval rewrite FILE.jsonl``: what the verified rewrites do to the flagged MT.

Options and printing only: the rewriting and measuring are in mtcheck/evaluate/rewrites.py, the
independent fact audit in mtcheck/evaluate/fact_audit.py, the blind judge sheet in
mtcheck/evaluate/judging.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mtcheck.cli.evaluate import eval_app
from mtcheck.errors import InputError
from mtcheck.registry import backends


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


@eval_app.command("rewrite")
def eval_rewrite(
    file: Path = typer.Argument(..., help="JSONL with a machine-translated and a reference field."),
    source_field: str = typer.Option("mt_en", "--source-field", help="Field with the text to check and rewrite."),
    reference_field: str = typer.Option("ref_en", "--reference-field", help="Field with the reference translation."),
    limit: int = typer.Option(None, "--limit", help="Stop after this many flagged segments (default 50, or the slice's)."),
    offset: int = typer.Option(0, "--offset", help="Skip this many rows first (of the chosen system): keeps tuning and evaluation slices apart."),
    system: str = typer.Option(None, "--system", help="Rows of this system only (files with a 'system' field; default: the first)."),
    slice_name: str = typer.Option(None, "--slice", help="A named evaluation slice (mtcheck/evaluate/slices.py, docs/evaluation-slices.md): "
                                   "its documents and systems instead of --system/--offset, and its --limit unless given."),
    backend: str = typer.Option(None, "--backend", help=f"Rewrite backend: {backends.listing()}."),
    model: str = typer.Option(None, "--model", help="Rewriter model path or id (default: the model store's rewriter)."),
    languagetool: bool = typer.Option(False, "--languagetool/--no-languagetool", help="Use LanguageTool candidates and checks."),
    with_source: bool = typer.Option(False, "--with-source", help="Give the rewriter each segment's Russian original "
                                     "(the --russian-field), as 'mtcheck check --source' does."),
    russian_field: str = typer.Option("source_ru", "--russian-field", help="Field with the Russian original (--with-source)."),
    demonstrations: Path = typer.Option(None, "--demonstrations", help="Post-edits to show the model, the nearest few per "
                                        "sentence ([rewrite] demonstrations): JSONL of mt_en/ref_en pairs, e.g. MLQE-PE train."),
    json_out: Path = typer.Option(None, "--json", help="Also write the numbers and every rewrite to this JSON file."),
    judge_sheet: Path = typer.Option(None, "--judge-sheet", help="Write a blind A/B sheet of original vs suggestion for a judge "
                                     "(JSON lines; its key goes to SHEET with .key.jsonl); score it with 'mtcheck eval judge'."),
    judge_seed: int = typer.Option(0, "--judge-seed", help="Seed of the A/B order on the judge sheet (same seed, same sheet)."),
    config: Path = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml."),
) -> None:
    """Rewrite the flagged segments: coverage, an independent fact audit, reference metrics for context, and a blind judge sheet."""
    from mtcheck.config import load_settings
    from mtcheck.evaluate.judging import key_path_for, write_judge_sheet
    from mtcheck.evaluate.rewrites import evaluate_rewrites, judge_pairs

    if slice_name is not None:
        from mtcheck.evaluate.slices import named_slice

        if system is not None or offset:
            raise InputError("--slice chooses the documents and systems itself: drop --system and --offset")
        limit = named_slice(slice_name).flagged_limit if limit is None else limit
    limit = 50 if limit is None else limit
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
        settings = settings.with_table_values("rewrite", {"model": model})
    if demonstrations is not None:
        if not demonstrations.is_file():
            raise InputError(f"--demonstrations {demonstrations}: no such file")
        settings = settings.with_table_values("rewrite", {"demonstrations": str(demonstrations)})
    run = evaluate_rewrites(file, settings, source_field, reference_field, limit, offset, system, backend, languagetool, slice_name,
                            russian_field=russian_field if with_source else None)
    seen, flagged_total, records, result = run.segments_read, run.flagged_read, run.records, run.result
    if result is None:
        typer.echo(f"no flagged segments among {seen} segments; nothing to evaluate")
        if judge_sheet is not None:
            write_judge_sheet(judge_sheet, [], seed=judge_seed)
            typer.echo(f"judge sheet: 0 pairs written to {judge_sheet}")
        return

    n, chosen_system, reach, rejections = result["evaluated"], result["system"], result["coverage"], run.rejections
    typer.echo(f"{file.name}: {n} flagged segments evaluated ({flagged_total} flagged of {seen} read"
               + (f" after skipping {offset} rows" if offset else "") + ")"
               + (f", system {chosen_system}" if chosen_system else "") + f", model {result['model']}"
               + (", with the Russian source" if result.get("with_source") else "")
               + (f", demonstrations from {demonstrations.name}" if demonstrations is not None else ""))
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
    typer.echo(f"suggestions that change a number, date, name, negation or hedge (independent audit): {len(run.damaged)} "
               f"(raw LLM {result['raw_llm_damaging_facts']})")
    for original, suggestion, problems in run.damaged[:5]:
        typer.echo(f"  - {'; '.join(problems)}: {original!r} -> {suggestion!r}")
    if judge_sheet is not None:
        pairs = judge_pairs(records)
        key = write_judge_sheet(judge_sheet, pairs, seed=judge_seed)
        typer.echo(f"judge sheet: {len(pairs)} pairs written to {judge_sheet} (key {key.name}, seed {judge_seed}); "
                   f"{n - len(pairs)} evaluated sentences left out because the suggestion is the original "
                   "(ties by construction)")
        result["judge_sheet"] = {"path": str(judge_sheet), "key": str(key_path_for(judge_sheet)), "seed": judge_seed,
                                 "pairs": len(pairs), "left_out_identical": n - len(pairs)}
    if json_out:
        from mtcheck.fsutil import atomic_write

        atomic_write(json_out, json.dumps({**result, "rewrites": records}, indent=2, ensure_ascii=False))
