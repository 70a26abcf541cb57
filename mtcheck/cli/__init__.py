"""The ``mtcheck`` command. It only parses options and wires stages together.

Sub-commands live in sibling modules; every heavy import happens inside a command,
so ``mtcheck --help`` never loads torch, transformers or llama_cpp.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import typer

try:  # typer 0.29 carries its own copy of click; its exceptions are not the click package's
    from typer._click import exceptions as click_exceptions
except ImportError:  # a typer that uses the click package
    from click import exceptions as click_exceptions  # type: ignore[no-redef]

from mtcheck import __version__, console
from mtcheck.errors import EXIT_COMPONENT, MtcheckError

if TYPE_CHECKING:  # the click context a usage error carries (typer.Context is a subclass of it)
    from typer._click.core import Context as ClickContext

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
    """Exit codes: 0 clean, 1 an article fails the gate or a finding reaches --fail-on, 2 usage or input error, 3 a component failed."""


COMMAND_MODULES = ("check", "fix", "audit", "compare", "models", "languagetool", "train", "evaluate", "serve", "plugins")


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


EXIT_INTERRUPTED = 130


def _help_hint(ctx: ClickContext | None) -> str:
    """``mtcheck check --help``, whatever name the program was started under."""
    names: list[str] = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["mtcheck", *reversed(names), "--help"])


def _usage_error(err: click_exceptions.ClickException) -> str:
    """Click's message on one line, without the usage block it prints in standalone mode."""
    message = " ".join(err.format_message().split())
    if isinstance(err, click_exceptions.UsageError):
        message += f" ({_help_hint(err.ctx)})"
    return message


def _interrupted() -> None:
    typer.echo("mtcheck: interrupted", err=True)
    sys.exit(EXIT_INTERRUPTED)


def main() -> None:
    _quiet_libraries()
    _register()
    try:
        # standalone_mode=False: click hands usage errors and exit codes back instead of printing
        # its multi-line usage text and exiting, so every error is one line.
        code = app(standalone_mode=False)
    except click_exceptions.NoArgsIsHelpError as err:  # `mtcheck`, `mtcheck models`: the help text
        err.show()
        sys.exit(err.exit_code)
    except click_exceptions.ClickException as err:  # bad option value, unknown option, missing argument
        console.error(_usage_error(err))
        sys.exit(err.exit_code)
    except MtcheckError as err:
        console.error(str(err))
        sys.exit(err.exit_code)
    except (KeyboardInterrupt, typer.Abort):  # Ctrl-C or end of input at a prompt
        _interrupted()
    except BrokenPipeError:
        sys.exit(0)
    except Exception as err:  # a bug or an unexpected library failure: one line, not a traceback
        if os.environ.get("MTCHECK_DEBUG"):
            raise
        console.error(f"{type(err).__name__}: {err} (set MTCHECK_DEBUG=1 for details)", prefix="internal error")
        sys.exit(EXIT_COMPONENT)
    # Typer turns Ctrl-C inside a command into exit code 130 without a word.
    if code == EXIT_INTERRUPTED:
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)
