"""``mtcheck eval ...``: evaluation commands, one module each (eval_detect, eval_rewrite, eval_judge, eval_align).

They parse options, call mtcheck/evaluate/ and print; the evaluation logic lives there.
"""

from __future__ import annotations

import typer

from mtcheck.cli import app
from mtcheck.jsonl import json_lines

__all__ = ["eval_app", "json_lines"]  # json_lines lives in mtcheck/jsonl.py; the old import path still works

eval_app = typer.Typer(help="Evaluate detection, rewriting and alignment on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")

for _name in ("eval_detect", "eval_rewrite", "eval_judge", "eval_align"):
    try:
        __import__(f"mtcheck.cli.{_name}")
    except ModuleNotFoundError as err:
        if err.name != f"mtcheck.cli.{_name}":
            raise
