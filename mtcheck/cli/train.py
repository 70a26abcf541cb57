"""``mtcheck train``: refit the detector on the development data and rewrite the committed model."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mtcheck.cli import app
from mtcheck.paths import data_help
from mtcheck.registry import signals as signal_registry


@app.command("train")
def train_command(
    out: Optional[Path] = typer.Option(
        None, "--out", help="Write model.json and provenance.json here (default: the packaged mtcheck/resources/detector/)."
    ),
    data: Optional[Path] = typer.Option(None, "--data", help=data_help()),
    signals: Optional[str] = typer.Option(
        None, "--signals", help=f"Comma-separated signals the classifier uses (from: {signal_registry.listing()}; "
        "default: those whose contract says train_by_default, in the current model's order, see `mtcheck plugins`)."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final metrics."),
    encoder: bool = typer.Option(
        False, "--encoder", help="Fine-tune the sentence encoder instead (LoRA adapter + head into encoder/ beside model.json; CPU, ~30 min)."
    ),
    sample: Optional[int] = typer.Option(
        None, "--sample", min=1, help="With --encoder: at most N sentences per split, source and label (a quick run)."
    ),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1, help="With --encoder: training epochs (default 3)."),
    leave_out: Optional[str] = typer.Option(
        None, "--leave-out",
        help="With --encoder: train without these MT systems or original sources (wmt22-en, bbc; comma-separated), to measure them held out."
    ),
) -> None:
    """Fit the calibrated sentence and document classifiers (fixed seeds: reruns give the same file)."""
    import json

    from mtcheck.detect.base import default_training_signals
    from mtcheck.detect.classifier import default_model_path, rules_without_weight
    from mtcheck.detect.train import train
    from mtcheck.errors import InputError

    if encoder:
        _train_encoder(out, data, quiet, sample, epochs, leave_out)
        return
    if sample is not None or epochs is not None or leave_out is not None:
        raise InputError("--sample, --epochs and --leave-out go with --encoder")
    target = out or default_model_path().parent
    if signals is None:
        names = list(default_training_signals(_current_signals(target / "model.json")))
    else:
        names = [s.strip() for s in signals.split(",") if s.strip()]
    if not names:
        raise InputError("--signals needs at least one signal name")
    for name in names:  # before any data is read: a typo should not cost a long feature pass
        signal_registry.check(name, "--signals")
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


def _current_signals(path: Path) -> tuple[str, ...]:
    """The signals of the model a training will replace (none when there is no readable one)."""
    from mtcheck.detect.classifier import load_model
    from mtcheck.errors import MtcheckError

    if not path.is_file():
        return ()
    try:
        return tuple(load_model(str(path)).signals)
    except (MtcheckError, OSError, ValueError):
        return ()


def _train_encoder(out: Optional[Path], data: Optional[Path], quiet: bool, sample: Optional[int], epochs: Optional[int],
                   leave_out: Optional[str]) -> None:
    import json

    from mtcheck.detect.classifier import default_model_path
    from mtcheck.detect.encoder_model import encoder_dir
    from mtcheck.detect.encoder_train import EPOCHS, train_encoder

    target = encoder_dir(str((out or default_model_path().parent) / "model.json"))
    progress = None if quiet else (lambda message: typer.echo(message, err=True))
    held_out = tuple(s.strip() for s in (leave_out or "").split(",") if s.strip())
    manifest = train_encoder(target, data=data, per_group=sample, epochs=epochs or EPOCHS, leave_out=held_out, progress=progress)
    typer.echo(json.dumps(manifest["validation"], indent=1))
    typer.echo(f"wrote {target} in {manifest['training']['seconds']} s of training")
