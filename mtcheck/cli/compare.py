"""``mtcheck compare ARTICLE --reference REF``: alignment and sacrebleu scores alone (no detection, no rewrite)."""

from __future__ import annotations

from typing import Optional

import typer

from mtcheck.cli import app
from mtcheck.errors import InputError

FORMATS = ("text", "json")


@app.command("compare")
def compare_command(
    article: str = typer.Argument(..., help="The article to compare ('-' for standard input)."),
    reference: str = typer.Option(..., "--reference", "-r", help="A reference article on the same story."),
    fmt: str = typer.Option("text", "--format", "-f", help="Output format: text or json."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the result to this file instead of standard output."),
    config: Optional[str] = typer.Option(None, "--config", help="Configuration file (default: mtcheck.toml or pyproject.toml)."),
) -> None:
    """Align ARTICLE with a reference article and score its phrasing with sacrebleu (chrF, BLEU, TER)."""
    if fmt not in FORMATS:
        raise InputError(f"unknown --format {fmt!r} (choose text or json)")
    from mtcheck.compare.report import compare_files, render_json, render_text
    from mtcheck.config import load_settings

    result = compare_files(article, reference, load_settings(config))
    text = render_json(result) if fmt == "json" else render_text(result)
    if output:
        from mtcheck.fsutil import atomic_write

        atomic_write(output, text)
    else:
        typer.echo(text, nl=not text.endswith("\n"))

