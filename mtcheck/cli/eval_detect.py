"""``mtcheck eval detect`` and ``mtcheck eval make-sets``: measure the detector on labelled JSONL.

Options and printing only; the measuring is in mtcheck/evaluate/ (detection.py, holdout.py, sets.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from mtcheck.cli.evaluate import eval_app
from mtcheck.paths import data_help
from mtcheck.registry import signals as signal_registry


@eval_app.command("detect")
def detect_command(
    file: Optional[Path] = typer.Argument(None, help="JSONL file with one labelled sentence per line (optional with --holdout)."),
    text_field: str = typer.Option("text", "--text-field", help="Field holding the sentence."),
    label_field: str = typer.Option("label", "--label-field", help="Field holding the label."),
    positive: str = typer.Option("mt", "--positive", help="The label of machine-translated sentences."),
    group_field: Optional[str] = typer.Option(
        None, "--group-field", help="Rows sharing this field form one document, in file order: adds in-context sentence scores and document scores."
    ),
    signals: Optional[str] = typer.Option(
        None, "--signals", help=f"Comma-separated signals (default: those the model was trained on; from: {signal_registry.listing()})."
    ),
    languagetool: bool = typer.Option(False, "--languagetool/--no-languagetool", help="Start LanguageTool and include its signal."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Detector model file to evaluate (default: [detect] model in the config, else the packaged one)."
    ),
    holdout: bool = typer.Option(
        False,
        "--holdout",
        help="Also print the leave-one-source-out report (each MT system, the BBC and the WMT22 originals held out in turn; "
        "refits the detector on the development data without it).",
    ),
    holdout_refit: str = typer.Option(
        "stack", "--holdout-refit", help="What --holdout refits without the held-out source: 'stack' (sub-models, sentence model, "
        "calibration, threshold and document model; 2-5 minutes each on two cores) or 'submodels' (quicker; the stacking "
        "weights stay the model's own)."
    ),
    holdout_only: Optional[str] = typer.Option(
        None, "--holdout-only", help="Comma-separated held-out sources to run (e.g. Online-A,bbc); default all."
    ),
    data: Optional[Path] = typer.Option(None, "--data", help="Development data for --holdout. " + data_help()),
) -> None:
    """AUROC, precision/recall/F1 and false-positive rate at the default threshold, speed, and per-signal baselines.

    Sentences are scored alone; with --group-field also in context (each group scored as one
    article, as `mtcheck check` does) and as documents.
    """
    from mtcheck.errors import InputError

    if file is None and not holdout:
        raise InputError("give a labelled JSONL file, or --holdout for the leave-one-source-out report")
    from mtcheck.evaluate.holdout import REFITS

    if holdout_refit not in REFITS:
        raise InputError(f"--holdout-refit must be one of: {', '.join(REFITS)} (not {holdout_refit!r})")
    model_path = str(model) if model else None
    names = [s.strip() for s in signals.split(",") if s.strip()] if signals else None
    for name in names or ():  # before any work: a typo should not cost a long run
        signal_registry.check(name, "--signals")
    if file is not None:
        from mtcheck.evaluate.detection import evaluate, read_labelled, render

        rows = read_labelled(file, text_field, label_field, group_field)
        result = evaluate(rows, positive, names, languagetool, model_path)
        typer.echo(json.dumps(result, indent=1) if as_json else render(result))
    if holdout:
        from mtcheck.evaluate.holdout import holdout_report
        from mtcheck.evaluate.holdout import render as render_holdout

        only = [s.strip() for s in holdout_only.split(",") if s.strip()] if holdout_only else ()
        held = holdout_report(model_path, data, progress=lambda m: typer.echo(m, err=True), only=only, refit=holdout_refit)
        if as_json:
            import dataclasses

            typer.echo(json.dumps([dataclasses.asdict(h) for h in held], indent=1))
        else:
            typer.echo(render_holdout(held))


@eval_app.command("make-sets")
def make_sets_command(
    out: Path = typer.Option(Path("reports/eval"), "--out", help="Folder for the JSONL validation sets."),
    data: Optional[Path] = typer.Option(None, "--data", help=data_help()),
) -> None:
    """Write the validation sets (sentence and document level; MT vs English-original, MT vs human, MLQE-PE)."""
    from mtcheck.evaluate.sets import write_sets

    for name, count in write_sets(out, data).items():
        typer.echo(f"{out / name}: {count} rows")
    typer.echo(
        f"evaluate with: mtcheck eval detect {out}/sentences_mt_vs_original.jsonl  (in context: add --group-field article;"
        f" whole articles and documents: {out}/documents_mt_vs_original.jsonl --group-field doc_id; mixed articles:"
        f" {out}/mixed_articles.jsonl --group-field article; sources held out: mtcheck eval detect --holdout)"
    )
