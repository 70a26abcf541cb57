"""The ``mtcheck`` command. It only parses options and wires stages together.

Sub-commands live in sibling modules; every heavy import happens inside a command,
so ``mtcheck --help`` never loads torch, transformers or llama_cpp.
"""

from __future__ import annotations

import os
import sys

import typer

from mtcheck import __version__
from mtcheck.errors import EXIT_COMPONENT, MtcheckError

app = typer.Typer(
    name="mtcheck",
    help="Find English that reads as machine-translated from Russian, explain why, and propose verified rewrites.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mtcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version and exit."),
) -> None:
    """Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or input error, 3 a component failed."""


COMMAND_MODULES = ("check", "compare", "models", "languagetool", "train", "evaluate")


def _register() -> None:
    # Importing the modules registers their commands on ``app``; they import nothing heavy.
    for name in COMMAND_MODULES:
        __import__(f"mtcheck.cli.{name}")


def _quiet_libraries() -> None:
    """Model libraries print progress bars and warnings on stderr; mtcheck's stderr is for its own lines."""
    for name, value in (
        ("HF_HUB_DISABLE_PROGRESS_BARS", "1"),
        ("TRANSFORMERS_VERBOSITY", "error"),
        ("TOKENIZERS_PARALLELISM", "false"),
        ("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1"),
    ):
        os.environ.setdefault(name, value)


def main() -> None:
    _quiet_libraries()
    _register()
    try:
        app()
    except MtcheckError as err:
        typer.echo(f"mtcheck: error: {err}", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        typer.echo("mtcheck: interrupted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as err:  # a bug or an unexpected library failure: one line, not a traceback
        if os.environ.get("MTCHECK_DEBUG"):
            raise
        typer.echo(f"mtcheck: internal error: {type(err).__name__}: {err} (set MTCHECK_DEBUG=1 for details)", err=True)
        sys.exit(EXIT_COMPONENT)
