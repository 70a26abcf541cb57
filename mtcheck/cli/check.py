"""``mtcheck check``: the whole pipeline on one or more articles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from mtcheck import console
from mtcheck.cli import app
from mtcheck.config_tables import GateConfig
from mtcheck.errors import InputError
from mtcheck.load import DEFAULT_MAX_BYTES, INPUT_FORMATS
from mtcheck.registry import backends, formats, signals
from mtcheck.types import SEVERITY_ORDER

if TYPE_CHECKING:
    from mtcheck.config import Settings
    from mtcheck.report import ReportOptions
    from mtcheck.types import DocumentResult


# Measured with benchmarks/bench_sizes.py on the 2-core target machine (README, "Limits").
MAX_BYTES_HELP = (
    f"Refuse inputs larger than this many bytes (default {DEFAULT_MAX_BYTES:,}: news copy that size takes about "
    "4 minutes and 1.3 GB of memory at peak with --no-rewrite on 2 cores; time grows with the size, memory hardly does)."
)

FOLLOW_LINKS_HELP = ("In a folder, also read files that symbolic links lead to outside it (by default such links are "
                     "skipped with a warning: a folder's contents must not pull other files into a report).")

SIGNALS_HELP = ("Adjust the detection signals (comma-separated): +NAME adds one (e.g. +fluency), -NAME removes one "
                "(write --signals=-NAME), plain names replace the default set (the signals the model weighs, and the cheap ones "
                "it does not yet weigh, shown at weight 0). "
                f"From: {signals.listing()}; see `mtcheck plugins`.")

# Seconds before the progress line appears: a run that ends sooner prints nothing.
PROGRESS_DELAY = 2.0


class ProgressLine:
    """One line on stderr, updated in place, for a person watching a long run.

    It appears once the run has taken ``delay`` seconds and shows the latest stage's message and
    the time so far; ``stop()`` erases it (before any output or error message is printed)."""

    def __init__(self, console, delay: float = PROGRESS_DELAY):
        import threading
        import time

        self._clock = time.monotonic
        self._began = self._clock()
        self._message = "starting"
        self._status = console.status("")
        self._lock = threading.Lock()
        self._shown = self._stopped = False
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True
        self._timer.start()

    def __call__(self, message: str) -> None:
        self._message = message

    def __rich__(self):  # rendered on every refresh, so the clock keeps moving
        from rich.text import Text

        seconds = int(self._clock() - self._began)
        # One line whatever the terminal's width: a long path is cut short, never wrapped; a file
        # name's control characters are shown, not obeyed.
        message = console.printable(self._message)
        return Text(f"mtcheck {seconds // 60}:{seconds % 60:02d} {message}", no_wrap=True, overflow="ellipsis")

    def _show(self) -> None:
        with self._lock:
            if not self._stopped:
                self._status.update(self)
                self._status.start()
                self._shown = True

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._timer.cancel()
            if self._shown:
                self._status.stop()


def progress_printer(quiet: bool) -> ProgressLine | None:
    """Progress on stderr when a person is watching (a terminal) and the run is long; silence in
    pipes, CI logs and files, so stdout and redirected stderr carry only the report and errors."""
    if quiet or not sys.stderr.isatty():
        return None

    from rich.console import Console

    return ProgressLine(Console(stderr=True))


def check_input_format(value: str) -> None:
    """``--input-format`` is one of ``INPUT_FORMATS`` (check, fix and audit)."""
    if value not in INPUT_FORMATS:
        raise InputError(f"unknown --input-format {value!r} (choose from {', '.join(INPUT_FORMATS)})")


def check_languagetool_url(value: str) -> None:
    """``--languagetool-url`` must name a server: http(s), a host, a valid port."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(value)
        ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        ok = False
    if not ok:
        raise InputError(f"--languagetool-url {value!r} is not an http(s) URL with a host (e.g. http://localhost:8081)")


def check_destinations(
    output: Path | None, html: Path | None, output_format: str, inputs: list[tuple[str, str]]
) -> tuple[Path | None, Path | None]:
    """Vet --output and --html before any work: each must be writable, neither may be an input,
    and they may share a file only when both are HTML. Returns the paths to write; ``html`` is
    None when the HTML report is the --output file itself."""
    from mtcheck.fsutil import check_destination, file_identity

    destinations = [(option, path) for option, path in (("--output", output), ("--html", html)) if path is not None]
    if not destinations:
        return output, html
    ids = {option: file_identity(path) for option, path in destinations}
    for what, name in inputs:
        if name == "-":
            continue
        identity = file_identity(name)
        if identity[0] != "inode":  # a missing input fails as "not found" when it is loaded
            continue
        for option, path in destinations:
            if ids[option] == identity:
                raise InputError(f"refusing to overwrite {what} {name} with {option} {path}", fix="write the report to another file")
    same = output is not None and html is not None and ids["--output"] == ids["--html"]
    if same and output_format != "html":
        raise InputError(
            f"--output and --html are the same file {output}, but --format is {output_format}",
            fix="give --html another file, or use --format html",
        )
    out_path = check_destination(output) if output is not None else None
    html_path = None if same or html is None else check_destination(html)
    return out_path, html_path


def check_signal_choice(value: str) -> tuple[str, ...]:
    """``--signals`` parsed, every name checked against the registry before any work."""
    from mtcheck.detect.detector import parse_signal_choice

    choice = parse_signal_choice(value)
    if not choice:
        raise InputError("--signals needs at least one signal name (+NAME adds, -NAME removes)")
    for entry in choice:
        signals.check(entry.lstrip("+-"), "--signals")
    return choice


def parse_model_flags(values: list[str]) -> dict[str, str]:
    from mtcheck.services.modelstore import parse_model_override

    overrides: dict[str, str] = {}
    for value in values:
        role, spec = parse_model_override(value)
        overrides[role] = spec
    return overrides


@app.command()
def check(
    paths: list[str] = typer.Argument(..., help="Articles to check (.txt, .md, .html), directories, or - for stdin."),
    output_format: str = typer.Option(formats.default, "--format", "-f", help=f"Output format: {formats.listing(mark_default=False)}."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the output here (atomically) instead of stdout."),
    html: Optional[Path] = typer.Option(None, "--html", help="Also write the HTML review report to this file."),
    reference: Optional[str] = typer.Option(None, "--reference", "-r", help="A reference article on the same story to compare with."),
    source: Optional[str] = typer.Option(None, "--source", help="The Russian original of the article (one input): "
                                         "each flagged sentence's Russian goes into its rewrite prompt."),
    fail_on: Optional[str] = typer.Option(None, "--fail-on", help=f"Exit 1 if a finding reaches this severity: {', '.join(SEVERITY_ORDER)}"
                                          " (default from config, else warning)."),
    gate_mode: Optional[str] = typer.Option(None, "--gate", help="How the run decides: document (an article fails on its translated share "
                                            "or document score; default) or sentence (any finding at --fail-on fails)."),
    max_flagged_ratio: Optional[float] = typer.Option(None, "--max-flagged-ratio",
                                                      help="Exit 1 if a document's share of flagged prose sentences exceeds this (0-1)."),
    threshold: Optional[float] = typer.Option(None, "--threshold", help="Flag sentences whose score is at least this (0-1)."),
    rewrite: bool = typer.Option(True, "--rewrite/--no-rewrite", help="Propose verified rewrites for flagged sentences."),
    languagetool: bool = typer.Option(True, "--languagetool/--no-languagetool", help="Use the local LanguageTool server."),
    languagetool_url: Optional[str] = typer.Option(None, "--languagetool-url",
                                                   help="Use this running LanguageTool server instead of the managed one."),
    input_format: str = typer.Option("auto", "--input-format",
                                     help=f"How to read inputs: {', '.join(INPUT_FORMATS)} (lines: one segment per non-empty line)."),
    max_bytes: int = typer.Option(DEFAULT_MAX_BYTES, "--max-bytes", min=1, help=MAX_BYTES_HELP),
    model: list[str] = typer.Option([], "--model", help="Point a model role at another model: ROLE=PATH|DIR|hub:ORG/NAME (repeatable)."),
    backend: Optional[str] = typer.Option(None, "--backend", help=f"Rewrite backend: {backends.listing()}."),
    signal_choice: Optional[str] = typer.Option(None, "--signals", help=SIGNALS_HELP),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="Accepted findings (.mtcheck-baseline.json) that must not fail the run."),
    changed_only: bool = typer.Option(False, "--changed-only", help="Only report sentences on lines changed against --git-ref."),
    git_ref: str = typer.Option("HEAD", "--git-ref", help="The git ref for --changed-only."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Check this many documents in parallel."),
    exclude: list[str] = typer.Option([], "--exclude", metavar="GLOB",
                                      help="Skip files matching this gitignore-style glob when expanding a directory"
                                      " (repeatable; a .mtcheckignore in the directory adds more)."),
    follow_links: bool = typer.Option(False, "--follow-links", help=FOLLOW_LINKS_HELP),
    config: Optional[Path] = typer.Option(None, "--config", help="Read settings from this TOML file instead of mtcheck.toml / pyproject.toml."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
) -> None:
    """Check articles for sentences that read as machine-translated from Russian.

    Exit codes: 0 clean, 1 an article fails the gate (it reads as translated) or a finding reaches --fail-on,
    2 usage or input error, 3 a component failed.
    In a run over a directory or several files, an input that cannot be read is reported as an
    error entry in the output, the others are checked, and the exit code is 2.
    """
    from mtcheck import gate
    from mtcheck.inputs import expand_paths, skipped_links_message
    from mtcheck.pipeline import CheckOptions

    _check_values(output_format, input_format, fail_on, backend, threshold, max_flagged_ratio, languagetool_url, gate_mode)
    signal_names = check_signal_choice(signal_choice) if signal_choice is not None else None
    settings = _settings(config, threshold, fail_on, max_flagged_ratio, gate_mode, signal_names)
    skipped: list[str] = []
    files = expand_paths(paths, exclude=exclude, follow_links=follow_links, skipped=skipped)
    if skipped:
        console.warning(skipped_links_message(skipped))
    # Every destination is vetted before any model loads: a run must not end in "cannot write",
    # and a report must never replace an article, the reference, the baseline or the config.
    inputs = [("the input", f) for f in files]
    inputs += [(f"the {option} file", str(value)) for option, value in
               (("--reference", reference), ("--source", source), ("--baseline", baseline), ("--config", config))
               if value is not None]
    output_path, html_path = check_destinations(output, html, output_format, inputs)
    accepted = gate.load_baseline(baseline) if baseline else None
    options = CheckOptions(
        input_format=input_format,
        max_bytes=max_bytes,
        rewrite=rewrite,
        reference=reference,
        source=source,
        languagetool=languagetool,
        languagetool_url=languagetool_url,
        backend=backend,
        model_overrides=parse_model_flags(model) if model else {},
        jobs=jobs,
        # One bad file among several (a directory, a shell glob) is an error entry, not the end of the run.
        keep_going=len(files) > 1 or any(p != "-" and Path(p).is_dir() for p in paths),
    )
    if options.model_overrides:
        settings = settings.with_table_values("models", options.model_overrides)

    pipeline, results = _run(settings, options, files, quiet)
    results, code = gate.finish(results, gate.FinishOptions.from_settings(
        settings, baseline=frozenset(accepted) if accepted is not None else None, changed_ref=git_ref if changed_only else None))

    checked_any = any(not r.error for r in results)  # no detector is built when every input failed
    report_options = _report_options(settings, pipeline.detector if checked_any else None, rewrite=rewrite, reference=reference,
                                     code=code, to_file=output is not None)
    _write_reports(results, output_format, report_options, output_path, html_path, to_stdout=output is None)
    for result in results:  # the same line a single bad input gives, for logs that do not keep the report
        if result.error:
            console.error(result.error)
    raise typer.Exit(code)


def _check_values(output_format: str, input_format: str, fail_on: str | None, backend: str | None, threshold: float | None,
                  max_flagged_ratio: float | None, languagetool_url: str | None, gate_mode: str | None) -> None:
    """The option values ``check`` takes, each checked before anything is read."""
    formats.check(output_format, "--format")
    check_input_format(input_format)
    if fail_on is not None and fail_on not in SEVERITY_ORDER:
        raise InputError(f"unknown --fail-on {fail_on!r} (choose from {', '.join(SEVERITY_ORDER)})")
    if backend is not None:
        backends.check(backend, "--backend")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise InputError("--threshold must be between 0 and 1")
    if max_flagged_ratio is not None and not 0.0 <= max_flagged_ratio <= 1.0:
        raise InputError("--max-flagged-ratio must be between 0 and 1")
    if languagetool_url is not None:
        check_languagetool_url(languagetool_url)
    if gate_mode is not None and gate_mode not in GateConfig.CHOICES["mode"]:
        raise InputError(f"unknown --gate {gate_mode!r} (choose from {', '.join(GateConfig.CHOICES['mode'])})")


def _settings(config: Path | None, threshold: float | None, fail_on: str | None, max_flagged_ratio: float | None,
              gate_mode: str | None, signal_names: tuple[str, ...] | None = None) -> Settings:
    from mtcheck.config import load_settings

    settings = load_settings(config).with_overrides(threshold=threshold, fail_on=fail_on, max_flagged_ratio=max_flagged_ratio)
    if gate_mode is not None:
        settings = settings.with_table_values("gate", {"mode": gate_mode})
    if signal_names is not None:  # --signals replaces [detect] signals
        settings = settings.with_table_values("detect", {"signals": signal_names})
    return settings


def _run(settings: Settings, options: Any, files: list[str], quiet: bool) -> tuple[Any, list[DocumentResult]]:
    """The pipeline over ``files``, with a progress line for a person watching."""
    from mtcheck.pipeline import Pipeline

    progress = progress_printer(quiet)
    try:
        pipeline = Pipeline(settings, options, progress=progress)
        return pipeline, pipeline.run(files)
    finally:
        if progress is not None:
            progress.stop()


def _report_options(settings: Settings, detector: Any, *, rewrite: bool, reference: str | None, code: int,
                    to_file: bool) -> ReportOptions:
    """What the report says about the run; ``detector`` is None when no input could be checked."""
    from mtcheck.report import ReportOptions

    return ReportOptions.from_settings(
        settings.with_overrides(threshold=detector.threshold if detector is not None else None),
        reference_path=reference,
        exit_code=code,
        color=False if to_file else None,  # a file gets plain text even when stdout is a terminal
        signature=_signature(detector, rewrite) if detector is not None else None,
    )


def _write_reports(results: list[DocumentResult], output_format: str, options: ReportOptions, output_path: Path | None,
                   html_path: Path | None, *, to_stdout: bool) -> None:
    """Render everything first, then write the files together (both or neither), then stdout."""
    from mtcheck.fsutil import atomic_write_all
    from mtcheck.report import render

    text = render(results, output_format, options)
    writes: list[tuple[Path, str]] = []
    if output_path is not None:
        writes.append((output_path, text))
    if html_path is not None:
        writes.append((html_path, render(results, "html", options)))
    atomic_write_all(writes)
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()


def _signature(detector: Any, rewrite: bool) -> str | None:
    """mtcheck's version, the detector's own signature and the rewrite prompt's version (none for a
    stand-in detector that has no signature of its own)."""
    from mtcheck import __version__
    from mtcheck.rewrite.prompt import PROMPT_VERSION

    own = getattr(detector, "public_signature", None)
    if not callable(own):
        return None
    return f"mtcheck:{__version__}|{own()}|prompt:{PROMPT_VERSION if rewrite else 'none'}"
