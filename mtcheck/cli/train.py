"""``mtcheck train``: refit the detector on the development data and rewrite the committed model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mtcheck.cli import app
from mtcheck.detect.train import DEFAULT_SIGNALS
from mtcheck.paths import data_help
from mtcheck.registry import signals as signal_registry


@app.command("train")
def train_command(
    out: Optional[Path] = typer.Option(
        None, "--out", help="Write model.json and provenance.json here (default: the packaged mtcheck/resources/detector/)."
    ),
    data: Optional[Path] = typer.Option(None, "--data", help=data_help()),
    signals: str = typer.Option(
        ",".join(DEFAULT_SIGNALS), "--signals", help=f"Comma-separated signals the classifier uses (from: {signal_registry.listing()})."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final metrics."),
) -> None:
    """Fit the calibrated sentence and document classifiers (fixed seeds: reruns give the same file)."""
    import json

    from mtcheck.detect.classifier import default_model_path, rules_without_weight
    from mtcheck.detect.train import train
    from mtcheck.errors import InputError

    names = [s.strip() for s in signals.split(",") if s.strip()]
    if not names:
        raise InputError("--signals needs at least one signal name")
    for name in names:  # before any data is read: a typo should not cost a long feature pass
        signal_registry.check(name, "--signals")
    target = out or default_model_path().parent
    progress = None if quiet else (lambda message: typer.echo(message, err=True))
    # Interference rules added since the current model was trained: shown but not weighed until now.
    before = rules_without_weight(target / "model.json")
    if before and progress is not None:
        plan = "this training weighs them" if "interference" in names else "add interference to --signals to weigh them"
        progress(f"the current model has no weight for {len(before)} interference rule{'s' if len(before) != 1 else ''}: "
                 f"{', '.join(before)} ({plan})")
    provenance = train(target, data=data, signals=names, progress=progress)
    typer.echo(json.dumps(provenance["metrics"], indent=1))
    typer.echo(f"wrote {target / 'model.json'} and {target / 'provenance.json'}")
    still = rules_without_weight(target / "model.json")
    weighted = [r for r in before if r not in still] if "interference" in names else []
    if weighted:
        typer.echo(f"weighted now: {', '.join(weighted)}")
    if still:
        typer.echo(f"still without a weight: {', '.join(still)}")
