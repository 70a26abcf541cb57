"""``mtcheck audit``: the detector over a whole archive, on a process pool or Ray, resumable."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from mtcheck import console
from mtcheck.cli import app
from mtcheck.cli.check import FOLLOW_LINKS_HELP, MAX_BYTES_HELP, check_input_format, check_languagetool_url, parse_model_flags
from mtcheck.errors import InputError
from mtcheck.load import DEFAULT_MAX_BYTES, INPUT_FORMATS
from mtcheck.registry import backends

if TYPE_CHECKING:
    from mtcheck.audit.run import AuditOutcome


@app.command()
def audit(
    source: str = typer.Argument(..., help="A folder of articles (.txt, .md, .html; read recursively) or a JSON-lines file "
                                           "(one article a line: id, text, optional url, date, source)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder: manifest, shards, summary. The same command again resumes."),
    engine: Optional[str] = typer.Option(None, "--engine", help="local: a process pool on this machine (default); "
                                                                "ray: Ray Data on a local Ray instance, or on --address."),
    address: Optional[str] = typer.Option(None, "--address", help="A running Ray cluster: HOST:PORT of its head, ray://HOST:PORT, "
                                                                  "or auto (implies --engine ray)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1,
                                          help="Worker processes, each loading the models once (default: the CPUs of this machine, "
                                               "or of the Ray cluster, at most one per 2 GB of memory)."),
    rewrite: bool = typer.Option(False, "--rewrite/--no-rewrite", help="Also propose rewrites of flagged sentences (at scale, point "
                                                                       "[rewrite] backend = \"openai\" at one shared server)."),
    sample: Optional[int] = typer.Option(None, "--sample", min=1, help="Check only N articles, spread over the source, for a quick look."),
    doc_threshold: float = typer.Option(0.5, "--doc-threshold", help="An article counts as machine-translated in the summary when "
                                                                     "its document score is at least this (0-1)."),
    top: int = typer.Option(50, "--top", min=1, help="How many of the most translated-looking articles the summary lists."),
    shard_size: int = typer.Option(100, "--shard-size", min=1, help="Articles per shard: the unit written at once, and redone after a crash."),
    parquet: bool = typer.Option(False, "--parquet", help="Also write articles.parquet (one row per article)."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="Flag sentences whose score is at least this (0-1)."),
    languagetool: bool = typer.Option(True, "--languagetool/--no-languagetool", help="Use the local LanguageTool server."),
    languagetool_url: Optional[str] = typer.Option(None, "--languagetool-url",
                                                   help="Use this running LanguageTool server instead of the managed one."),
    backend: Optional[str] = typer.Option(None, "--backend", help=f"Rewrite backend: {backends.listing()}."),
    model: list[str] = typer.Option([], "--model", help="Point a model role at another model: ROLE=PATH|DIR|hub:ORG/NAME (repeatable)."),
    input_format: str = typer.Option("auto", "--input-format", help=f"How to read articles: {', '.join(INPUT_FORMATS)}."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help=MAX_BYTES_HELP),
    exclude: list[str] = typer.Option([], "--exclude", metavar="GLOB", help="Skip folder files matching this gitignore-style glob (repeatable)."),
    follow_links: bool = typer.Option(False, "--follow-links", help=FOLLOW_LINKS_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Audit an archive: how much of it reads as machine-translated, per source and month.

    Writes shards of per-article results (JSON lines) and a manifest to --out, then summary.csv,
    top.csv, errors.csv and summary.html. Interrupted (Ctrl-C, a crash), the same command checks
    only what is missing; a folder holding another audit (other source, settings or detector) is
    refused. Articles that cannot be read are listed in errors.csv and the audit goes on.

    Exit codes: 0 done, 2 usage or input error, 3 a component failed, 130 interrupted (run it again to resume).
    """
    from mtcheck.audit.run import AuditOptions, run_audit
    from mtcheck.config import load_settings
    from mtcheck.pipeline import CheckOptions

    chosen = engine or ("ray" if address else "local")  # run_audit checks the pair before any work
    check_input_format(input_format)
    if backend is not None:
        backends.check(backend, "--backend")
    for name, value in (("--threshold", threshold), ("--doc-threshold", doc_threshold)):
        if value is not None and not 0.0 <= value <= 1.0:
            raise InputError(f"{name} must be between 0 and 1")
    if languagetool_url is not None:
        check_languagetool_url(languagetool_url)

    settings = load_settings(config).with_overrides(threshold=threshold)
    overrides = parse_model_flags(model) if model else {}
    if overrides:
        settings = settings.with_table_values("models", overrides)
    check_options = CheckOptions(
        input_format=input_format, max_bytes=max_bytes, rewrite=rewrite, languagetool=languagetool,
        languagetool_url=languagetool_url, backend=backend, model_overrides=overrides, jobs=1, keep_going=True,
    )
    options = AuditOptions(engine=chosen, address=address, workers=workers, sample=sample, shard_size=shard_size,
                           doc_threshold=doc_threshold, top=top, parquet=parquet, exclude=tuple(exclude),
                           follow_links=follow_links)

    progress = None
    if not quiet and sys.stderr.isatty():
        from mtcheck.audit.progress import AuditProgress

        progress = AuditProgress()
    try:
        outcome = run_audit(source, out, settings, check_options, options, progress=progress)
    finally:
        if progress is not None:
            progress.stop()

    lines = outcome_lines(outcome, doc_threshold)
    sys.stdout.write("\n".join(console.printable(line) for line in lines) + "\n")
    sys.stdout.flush()
    raise typer.Exit(0)


def outcome_lines(outcome: AuditOutcome, doc_threshold: float) -> list[str]:
    """What the audit found and where the summary is, in three lines for the terminal."""
    checked = outcome.articles - outcome.errors
    share = f"{outcome.flagged / checked:.0%}" if checked else "-"
    mean = f"{outcome.mean_score:.3f}" if outcome.mean_score is not None else "-"
    earlier = f", {outcome.resumed_articles:,} from earlier runs" if outcome.resumed_articles else ""
    speed = outcome.checked_now / outcome.seconds if outcome.seconds > 0 else 0.0
    rate = f" in {outcome.seconds:.0f} s ({speed:.{1 if speed >= 1 else 2}f} articles/s, start-up included)" if outcome.checked_now else ""
    return [
        f"mtcheck audit: {outcome.articles:,} articles in {outcome.shards:,} shards: {outcome.checked_now:,} checked now{rate}{earlier}; "
        f"{outcome.errors:,} could not be checked",
        f"  {outcome.flagged:,} of {checked:,} read as machine-translated ({share}, document score >= {doc_threshold:.2f}); "
        f"mean document score {mean}",
        f"  summary: {outcome.out / 'summary.html'} (also summary.csv, top.csv, errors.csv)",
    ]
