"""``mtcheck eval ...``: evaluation commands, one module each (eval_detect, eval_rewrite, eval_align)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import typer

from mtcheck.cli import app
from mtcheck.errors import InputError

def json_lines(path: Path, what: str) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON-lines file; anything else is an input error."""
    if not path.is_file():
        raise InputError(f"{path}: no such {what} file")
    try:
        with path.open(encoding="utf-8") as fh:
            lines = list(fh)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror or err}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            raise InputError(f"{path}:{n}: not a JSON line") from None
        if not isinstance(row, dict):
            raise InputError(f"{path}:{n}: not a JSON object")
        yield n, row


eval_app = typer.Typer(help="Evaluate detection, rewriting and alignment on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

for _name in ("eval_detect", "eval_rewrite", "eval_judge", "eval_align"):
    try:
        __import__(f"mtcheck.cli.{_name}")
    except ModuleNotFoundError as err:
        if err.name != f"mtcheck.cli.{_name}":
            raise
