"""``mtcheck eval judge SHEET.jsonl ANSWERS.jsonl``: un-blind a judged rewrite sheet and count.

The sheet comes from ``mtcheck eval rewrite --judge-sheet``; the format of the sheet, its key and
the judge's answers, and the counting, are in mtcheck/evaluate/judging.py. This module only parses
the options and prints how often the suggestion was preferred, the tie rate, and the meaning-error
rates of suggestions and originals.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mtcheck.cli.evaluate import eval_app


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


@eval_app.command("judge")
def eval_judge(
    sheet: Path = typer.Argument(..., help="The blind sheet written by 'mtcheck eval rewrite --judge-sheet'."),
    answers: Path = typer.Argument(..., help="The judge's JSON lines: id, preferred (A/B/tie), meaning_error_A, meaning_error_B[, note]."),
    key: Path = typer.Option(None, "--key", help="The sheet's key (default: SHEET with .key.jsonl for .jsonl)."),
    json_out: Path = typer.Option(None, "--json", help="Also write the numbers and every un-blinded pair to this JSON file."),
    flagged: int = typer.Option(None, "--flagged", min=1,
                                help="Flagged sentences the run evaluated (its 'evaluated'): the fixed share of all of them."),
) -> None:
    """Un-blind a judged rewrite sheet: how often the suggestion beat the original, and meaning errors."""
    from mtcheck.evaluate.judging import key_path_for, score_sheet

    key_file = key or key_path_for(sheet)
    result = score_sheet(sheet, answers, key_file, flagged)

    n = result["pairs"]
    decided = result["suggestion_preferred"] + result["original_preferred"]
    typer.echo(f"{sheet.name}: {n} pairs judged (answers {answers.name}, key {key_file.name})")
    typer.echo(f"suggestion preferred: {result['suggestion_preferred']}, original preferred: "
               f"{result['original_preferred']}, ties: {result['ties']}")
    ci = result["suggestion_preference_ci95"]
    typer.echo(f"suggestion preferred in {_pct(result['suggestion_preference_rate'])} of {decided} non-tied pairs"
               + (f" (95% CI {ci[0]:.1%}-{ci[1]:.1%}, sign test p={result['sign_test_p']})" if ci else ""))
    typer.echo(f"tie rate: {_pct(result['tie_rate'])}")
    typer.echo(f"meaning errors: suggestions {result['suggestion_meaning_errors']} of {n} "
               f"({_pct(result['suggestion_meaning_error_rate'])}), originals {result['original_meaning_errors']} of {n} "
               f"({_pct(result['original_meaning_error_rate'])})")
    if result["publish_answered"]:
        typer.echo(f"fixed (the judge would publish the suggestion, not the original, meaning kept): {result['fixed']} "
                   f"of {n} pairs ({_pct(result['fixed_share_of_pairs'])})"
                   + (f", {_pct(result['fixed_share_of_flagged'])} of {flagged} flagged sentences" if flagged else ""))
    else:
        typer.echo("fixed: n/a (the answers have no publish_A / publish_B)")
    worse = [p for p in result["details"] if p["suggestion_meaning_error"] or p["verdict"] == "original"]
    if worse:
        typer.echo(f"suggestions with a meaning error or judged worse: {len(worse)}")
    for p in worse:
        why = [w for w, on in (("original preferred", p["verdict"] == "original"),
                               ("meaning error in the suggestion", p["suggestion_meaning_error"])) if on]
        typer.echo(f"  - {p['id']}: {', '.join(why)}")
        typer.echo(f"      original:   {p['original']}")
        typer.echo(f"      suggestion: {p['suggestion']}")
        if p["reference"]:
            typer.echo(f"      reference:  {p['reference']}")
        if p["note"]:
            typer.echo(f"      note:       {p['note']}")
    if json_out:
        from mtcheck.fsutil import atomic_write

        atomic_write(json_out, json.dumps({"sheet": str(sheet), "answers": str(answers), "key": str(key_file), **result},
                                          indent=2, ensure_ascii=False))
