"""``mtcheck fix``: apply the safe fixes (and with --unsafe-fixes the verified rewrites, or with
--decisions an editor's choices from the HTML report) to the articles themselves."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from mtcheck.cli import app
from mtcheck.cli.check import MAX_BYTES_HELP, check_input_format, check_languagetool_url, parse_model_flags, progress_printer
from mtcheck.errors import EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT, InputError
from mtcheck.load import DEFAULT_MAX_BYTES, INPUT_FORMATS
from mtcheck.registry import backends


@app.command()
def fix(
    paths: list[str] = typer.Argument(..., help="Articles to fix (.txt, .md, .html) or directories."),
    diff: bool = typer.Option(False, "--diff",
                              help="Print a unified diff of the fixes and write nothing (exit 1 when there is something to fix)."),
    unsafe_fixes: bool = typer.Option(False, "--unsafe-fixes", help="Also apply the verified rewrites (the LLM's), not only the safe rule fixes."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Write the fixed article here (a folder for several inputs) instead of in place."),
    decisions: Optional[Path] = typer.Option(None, "--decisions", help="Apply exactly the choices exported from the HTML report (no models run)."),
    languagetool: bool = typer.Option(True, "--languagetool/--no-languagetool", help="Use the local LanguageTool server."),
    languagetool_url: Optional[str] = typer.Option(None, "--languagetool-url",
                                                   help="Use this running LanguageTool server instead of the managed one."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="Flag sentences whose score is at least this (0-1)."),
    input_format: str = typer.Option("auto", "--input-format", help=f"How to read inputs: {', '.join(INPUT_FORMATS)}."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help=MAX_BYTES_HELP),
    model: list[str] = typer.Option([], "--model", help="Point a model role at another model: ROLE=PATH|DIR|hub:ORG/NAME (repeatable)."),
    backend: Optional[str] = typer.Option(None, "--backend", help=f"Rewrite backend: {backends.listing()}."),
    exclude: list[str] = typer.Option([], "--exclude", metavar="GLOB", help="Skip files matching this glob when expanding a directory (repeatable)."),
    config: Optional[Path] = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
) -> None:
    """Fix articles: the safe rule fixes by default, verified like any rewrite.

    Exit codes: 0 fixed (or nothing to fix), 1 with --diff when there is something to fix,
    2 usage or input error (a file that cannot be fixed; the others are fixed), 3 a component failed.
    """
    from mtcheck.fix import run

    if decisions is not None and unsafe_fixes:
        raise InputError("--decisions applies the editor's choices; it does not combine with --unsafe-fixes")
    check_input_format(input_format)
    if "-" in paths:
        raise InputError("mtcheck fix edits files; standard input (-) has none to write back to")
    if backend is not None:
        backends.check(backend, "--backend")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError("--threshold must be between 0 and 1")
    if languagetool_url is not None:
        check_languagetool_url(languagetool_url)

    from mtcheck.inputs import expand_paths

    files = expand_paths(paths, exclude=exclude)
    out = str(output) if output is not None else None
    targets = {} if diff else run.check_targets(files, run.destinations(files, out), out)

    if decisions is not None:
        from mtcheck.fix.decisions import load_decisions

        entries = load_decisions(decisions)
        plans = run.plans_from_decisions(files, entries, str(decisions), input_format, max_bytes)
    else:
        plans = run.plans_from_results(_check(files, unsafe_fixes, languagetool, languagetool_url, threshold,
                                              input_format, max_bytes, model, backend, config, quiet), unsafe_fixes)

    from mtcheck import console

    errors = [p for p in plans if p.error]
    if diff:
        patch = "".join(run.unified_diff(p) for p in plans)
        # A patch piped to a file stays byte-exact; on a terminal an article's control characters are shown, not obeyed.
        sys.stdout.write(console.printable(patch, keep="\n\t\r") if sys.stdout.isatty() else patch)
        sys.stdout.flush()
        for plan in plans:
            if not plan.error:
                typer.echo(console.printable(plan.summary("to fix")), err=True)
    else:
        run.write_plans(plans, targets, copy_unchanged=out is not None)
        for plan in plans:
            if not plan.error:
                typer.echo(console.printable(plan.summary()))
    for plan in errors:
        console.error(f"{plan.path}: {plan.error}")
    if errors:
        raise typer.Exit(EXIT_INPUT)
    raise typer.Exit(EXIT_FINDINGS if diff and any(p.changed for p in plans) else EXIT_CLEAN)


def _check(files, unsafe_fixes, languagetool, languagetool_url, threshold, input_format, max_bytes, model, backend,
           config, quiet):
    """The pipeline's findings with rewrites: only the deterministic candidates (no LLM) unless
    ``unsafe_fixes``; inline suppressions honoured."""
    from mtcheck import gate
    from mtcheck.config import load_settings
    from mtcheck.pipeline import CheckOptions, Pipeline

    settings = load_settings(config).with_overrides(threshold=threshold)
    if not unsafe_fixes:
        settings = settings.with_table_values("rewrite", {"llm": False})
    options = CheckOptions(input_format=input_format, max_bytes=max_bytes, rewrite=True, languagetool=languagetool,
                           languagetool_url=languagetool_url, backend=backend,
                           model_overrides=parse_model_flags(model) if model else {}, keep_going=True)
    if options.model_overrides:
        settings = settings.with_table_values("models", options.model_overrides)
    progress = progress_printer(quiet)
    try:
        results = Pipeline(settings, options, progress=progress).run(files)
    finally:
        if progress is not None:
            progress.stop()
    return gate.apply_inline_suppressions(results)
