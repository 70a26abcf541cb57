"""``mtcheck train``: refit the detector on the development data and rewrite the committed model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mtcheck.cli import app
from mtcheck.detect.train import DEFAULT_SIGNALS
from mtcheck.paths import data_help


@app.command("train")
def train_command(
    out: Optional[Path] = typer.Option(
        None, "--out", help="Write model.json and provenance.json here (default: the packaged mtcheck/resources/detector/)."
    ),
    data: Optional[Path] = typer.Option(None, "--data", help=data_help()),
    signals: str = typer.Option(",".join(DEFAULT_SIGNALS), "--signals", help="Comma-separated signals whose features the classifier uses."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final metrics."),
) -> None:
    """Fit the calibrated sentence and document classifiers (fixed seeds: reruns give the same file)."""
    import json

    from mtcheck.detect.classifier import default_model_path
    from mtcheck.detect.train import train
    from mtcheck.errors import InputError

    names = [s.strip() for s in signals.split(",") if s.strip()]
    if not names:
        raise InputError("--signals needs at least one signal name")
    target = out or default_model_path().parent
    progress = None if quiet else (lambda message: typer.echo(message, err=True))
    provenance = train(target, data=data, signals=names, progress=progress)
    typer.echo(json.dumps(provenance["metrics"], indent=1))
    typer.echo(f"wrote {target / 'model.json'} and {target / 'provenance.json'}")
