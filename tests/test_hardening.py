"""``mtcheck check`` hardening: outputs never overwrite inputs, destinations are vetted before any
work and written both-or-neither, usage errors are one line, Ctrl-C is one line.

Every test here fails before a model would load (or replaces the pipeline with a fake), so the
file runs in seconds.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

import mtcheck.pipeline as pipeline_module
import mtcheck.report as report_module
from conftest import ROOT, SEED_MT, SEED_REF, error_line, run_main
from mtcheck.errors import InputError
from mtcheck.types import DocumentResult
from test_cli_check import mtcheck, one_error_line

LIGHT = ("--no-rewrite", "--no-languagetool")


# --------------------------------------------------------------------------- helpers




class NoPipeline:
    """Stands in for the pipeline where the run must stop before any model is loaded."""

    def __init__(self, *args, **kwargs):
        raise AssertionError("the pipeline was built: the error came after models started loading")


class FakePipeline:
    """Loads the documents for real and finds nothing: the report stages without a model."""

    def __init__(self, settings, options, progress=None):
        self.options = options
        self.detector = SimpleNamespace(threshold=0.5)

    def run(self, files):
        from mtcheck.load import load_document

        return [DocumentResult(document=load_document(f, max_bytes=self.options.max_bytes), findings=(), score=0.1)
                for f in files]


@pytest.fixture
def no_pipeline(monkeypatch):
    monkeypatch.setattr(pipeline_module, "Pipeline", NoPipeline)


@pytest.fixture
def fake_pipeline(monkeypatch):
    monkeypatch.setattr(pipeline_module, "Pipeline", FakePipeline)


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "a.txt"
    shutil.copy(SEED_REF, path)
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- 1. never overwrite an input


@pytest.mark.parametrize("option", ["--output", "--html"])
def test_output_that_is_the_input_is_refused_and_the_input_kept(article, option):
    before = article.read_bytes()
    proc = mtcheck("check", str(article), *LIGHT, option, str(article))
    assert proc.returncode == 2, proc.stderr.decode()
    line = one_error_line(proc)
    assert "refusing to overwrite" in line and str(article) in line and option in line
    assert article.read_bytes() == before


@pytest.mark.parametrize("spelling", ["dot-dot", "symlink", "hardlink", "relative"])
@pytest.mark.parametrize("option", ["--output", "--html"])
def test_output_is_compared_with_inputs_found_in_a_directory_by_file_identity(
    tmp_path, monkeypatch, capsys, no_pipeline, spelling, option
):
    folder = tmp_path / "copy"
    (folder / "sub").mkdir(parents=True)
    inner = folder / "sub" / "a.txt"
    shutil.copy(SEED_REF, inner)
    before = inner.read_bytes()
    if spelling == "dot-dot":
        target = str(folder / "sub" / ".." / "sub" / "a.txt")
    elif spelling == "symlink":
        target = str(tmp_path / "link.txt")
        os.symlink(inner, target)
    elif spelling == "hardlink":
        target = str(tmp_path / "other-name.txt")
        os.link(inner, target)
    else:
        monkeypatch.chdir(folder)
        target = "sub/a.txt"
    code, out, err = run_main(monkeypatch, capsys, "check", str(folder), *LIGHT, option, target)
    assert code == 2, err
    line = error_line(err)
    assert "refusing to overwrite the input" in line and "a.txt" in line
    assert inner.read_bytes() == before


@pytest.mark.parametrize("option", ["--reference", "--baseline", "--config"])
def test_output_that_is_another_file_the_run_reads_is_refused(tmp_path, monkeypatch, capsys, no_pipeline, option):
    other = tmp_path / "read-me.txt"
    other.write_text("[tool]\n" if option == "--config" else "x\n")
    before = other.read_bytes()
    code, _, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, option, str(other), "-o", str(other))
    assert code == 2, err
    assert f"refusing to overwrite the {option} file {other}" in error_line(err)
    assert other.read_bytes() == before


def test_output_and_html_the_same_file_need_format_html(tmp_path, monkeypatch, capsys, no_pipeline):
    page = tmp_path / "report.html"
    code, _, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "-f", "json", "-o", str(page),
                            "--html", str(tmp_path / "." / "report.html"))
    assert code == 2, err
    line = error_line(err)
    assert "--output and --html are the same file" in line and "report.html" in line
    assert not page.exists()


def test_output_and_html_the_same_html_file_is_written_once(tmp_path, monkeypatch, capsys, fake_pipeline):
    page = tmp_path / "report.html"
    code, out, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "--fail-on", "none",
                              "-f", "html", "-o", str(page), "--html", str(page))
    assert code == 0, err
    assert page.read_text().lstrip().lower().startswith("<!doctype html")
    assert out == "" and leftovers(tmp_path) == []


def test_an_unrelated_output_is_still_written(tmp_path, monkeypatch, capsys, fake_pipeline):
    report = tmp_path / "out.json"
    code, out, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "--fail-on", "none",
                              "-f", "json", "-o", str(report))
    assert code == 0, err
    assert json.loads(report.read_text())["documents"][0]["path"] == str(SEED_MT)


# --------------------------------------------------------------------------- 2. destinations vetted first, written together


@pytest.fixture
def unwritable_dir(tmp_path):
    """A directory no file can be created in, even for root (who ignores permission bits)."""
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    candidates = [locked, Path("/sys"), Path("/proc")]
    try:
        for folder in candidates:
            probe = folder / ".mtcheck-probe"
            try:
                probe.write_text("x")
            except OSError:
                yield folder
                return
            probe.unlink()
        pytest.skip("no unwritable directory on this machine")
    finally:
        locked.chmod(0o755)


@pytest.mark.parametrize("option", ["--output", "--html"])
@pytest.mark.parametrize("case", ["missing-dir", "parent-is-file", "is-a-directory", "not-regular", "unwritable"])
def test_bad_destination_fails_at_once_before_any_model(request, tmp_path, monkeypatch, capsys, no_pipeline, case, option):
    if case == "missing-dir":
        target, why = tmp_path / "no-such-dir" / "x.json", "does not exist"
    elif case == "parent-is-file":
        (tmp_path / "file").write_text("x")
        target, why = tmp_path / "file" / "x.json", "is not a directory"
    elif case == "is-a-directory":
        target, why = tmp_path, "it is a directory"
    elif case == "not-regular":
        if not Path("/dev/null").exists():
            pytest.skip("no /dev/null")
        target, why = Path("/dev/null"), "not a regular file"
    else:
        target, why = request.getfixturevalue("unwritable_dir") / "x.json", "is not writable"
    code, out, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, option, str(target))
    assert code == 2, err
    line = error_line(err)
    assert line.startswith(f"mtcheck: error: cannot write {target}: ") and why in line, line
    assert not (tmp_path / "no-such-dir").exists()
    if case == "not-regular":
        assert Path("/dev/null").is_char_device()


def test_unwritable_output_in_a_real_run_stops_before_the_detector_loads(tmp_path):
    start = time.monotonic()
    proc = mtcheck("check", str(SEED_MT), *LIGHT, "-o", str(tmp_path / "missing" / "x.json"))
    assert proc.returncode == 2
    assert "does not exist" in one_error_line(proc)
    assert not (tmp_path / "missing").exists()
    # Not a speed target: only "well before a model could have loaded".
    assert time.monotonic() - start < 60


def test_output_through_a_symlink_keeps_the_link(tmp_path, monkeypatch, capsys, fake_pipeline):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, _, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "--fail-on", "none",
                            "-f", "json", "-o", str(link))
    assert code == 0, err
    assert link.is_symlink() and json.loads(real.read_text())["documents"]


def _old_outputs(tmp_path: Path) -> tuple[Path, Path]:
    report, page = tmp_path / "out.json", tmp_path / "page.html"
    report.write_text("old report")
    page.write_text("old page")
    return report, page


def test_both_outputs_are_rendered_before_either_is_written(tmp_path, monkeypatch, capsys, fake_pipeline):
    report, page = _old_outputs(tmp_path)
    real_render = report_module.render

    def render(results, fmt, options):
        if fmt == "html":
            raise RuntimeError("the html report failed to render")
        return real_render(results, fmt, options)

    monkeypatch.setattr(report_module, "render", render)
    code, _, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "--fail-on", "none",
                            "-f", "json", "-o", str(report), "--html", str(page))
    assert code == 3
    assert "the html report failed to render" in err
    assert report.read_text() == "old report" and page.read_text() == "old page"
    assert leftovers(tmp_path) == []


def test_a_failed_second_write_puts_the_first_back(tmp_path, monkeypatch, capsys, fake_pipeline):
    report, page = _old_outputs(tmp_path)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst) == page and str(src).endswith(".tmp"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    code, _, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "--fail-on", "none",
                            "-f", "json", "-o", str(report), "--html", str(page))
    assert code == 2
    assert error_line(err) == f"mtcheck: error: cannot write {page}: No space left on device"
    assert report.read_text() == "old report" and page.read_text() == "old page"
    assert leftovers(tmp_path) == []


def test_both_outputs_are_written(tmp_path, monkeypatch, capsys, fake_pipeline):
    report, page = _old_outputs(tmp_path)
    code, out, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT, "--fail-on", "none",
                              "-f", "json", "-o", str(report), "--html", str(page))
    assert code == 0, err
    assert json.loads(report.read_text())["documents"]
    assert "<html" in page.read_text().lower()
    assert out == "" and leftovers(tmp_path) == []


def test_atomic_write_all_is_all_or_nothing(tmp_path, monkeypatch):
    from mtcheck.fsutil import atomic_write_all

    kept, fresh, failing = tmp_path / "kept.txt", tmp_path / "fresh.txt", tmp_path / "failing.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if Path(dst) == failing:
            raise OSError(5, "Input/output error")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(InputError, match=r"cannot write .*failing\.txt: Input/output error"):
        atomic_write_all([(kept, "new"), (fresh, "new"), (failing, "new")])
    assert kept.read_text() == "old" and kept.stat().st_mode & 0o777 == 0o640
    assert not fresh.exists() and not failing.exists()
    assert leftovers(tmp_path) == []
    monkeypatch.setattr(os, "replace", real_replace)
    atomic_write_all([(kept, "new"), (fresh, "new")])
    assert kept.read_text() == fresh.read_text() == "new"
    assert kept.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []
    atomic_write_all([])  # stdout only: nothing to write


def test_check_destination_and_same_file(tmp_path):
    from mtcheck.fsutil import check_destination, same_file

    (tmp_path / "a.txt").write_text("x")
    assert check_destination(tmp_path / "new.json") == tmp_path / "new.json"
    assert check_destination(tmp_path / "a.txt") == tmp_path / "a.txt"
    assert leftovers(tmp_path) == []
    assert same_file(tmp_path / "a.txt", tmp_path / "." / "a.txt")
    assert same_file(tmp_path / "x" / ".." / "new.json", tmp_path / "new.json")
    assert not same_file(tmp_path / "a.txt", tmp_path / "new.json")


# --------------------------------------------------------------------------- 3. usage errors are one line


@pytest.mark.parametrize(
    "args, words",
    [
        (["check", str(SEED_MT), "--threshold", "abc"], "--threshold"),
        (["check", str(SEED_MT), "--max-flagged-ratio", "lots"], "--max-flagged-ratio"),
        (["check", str(SEED_MT), "--bogus"], "--bogus"),
        (["check", str(SEED_MT), "-f"], "-f"),
        (["check"], "paths"),
        (["nosuch"], "nosuch"),
        (["models", "list", "--bogus"], "--bogus"),
        (["languagetool", "status", "--bogus"], "--bogus"),
        (["compare", str(SEED_MT), "--bogus"], "--bogus"),
    ],
    ids=["bad-float", "bad-ratio", "unknown-option", "missing-value", "missing-argument", "unknown-command",
         "models", "languagetool", "compare"],
)
def test_usage_errors_are_one_line_and_exit_2(args, words):
    proc = mtcheck(*args)
    assert proc.returncode == 2, proc.stderr.decode()
    line = one_error_line(proc)
    assert words in line and "Usage:" not in line
    assert proc.stdout == b""


def test_help_and_version_still_work():
    for args in (["--help"], ["check", "--help"], ["models", "--help"]):
        proc = mtcheck(*args)
        assert proc.returncode == 0, args
        assert proc.stdout.decode().startswith("Usage:") and proc.stderr == b""
    proc = mtcheck("--version")
    assert proc.returncode == 0 and proc.stdout.decode().startswith("mtcheck ")
    proc = mtcheck()  # no arguments: the help, as before
    assert proc.returncode == 2
    assert "Commands:" in (proc.stdout + proc.stderr).decode()


def test_command_exit_codes_pass_through(tmp_path, monkeypatch, capsys, fake_pipeline):
    clean = tmp_path / "clean.txt"
    clean.write_text("The council met on Tuesday.\n")
    code, out, err = run_main(monkeypatch, capsys, "check", str(clean), *LIGHT, "--fail-on", "none", "-f", "json")
    assert code == 0 and json.loads(out)["summary"]["exit_code"] == 0, err


@pytest.mark.parametrize("interrupt", [KeyboardInterrupt, "abort"])
def test_interrupt_inside_a_command_is_one_line_and_130(monkeypatch, capsys, interrupt):
    import typer

    exc = typer.Abort() if interrupt == "abort" else KeyboardInterrupt()

    class Interrupted(FakePipeline):
        def run(self, files):
            raise exc

    monkeypatch.setattr(pipeline_module, "Pipeline", Interrupted)
    code, out, err = run_main(monkeypatch, capsys, "check", str(SEED_MT), *LIGHT)
    assert code == 130
    assert err.strip() == "mtcheck: interrupted"


READ_SYSCALL = {"x86_64": 0, "aarch64": 63}


def test_sigint_while_reading_stdin_is_one_line_and_130():
    number = READ_SYSCALL.get(platform.machine())
    if number is None or not Path(f"/proc/{os.getpid()}/syscall").exists():
        pytest.skip("needs /proc/PID/syscall to see the process wait for input")
    # A shell that runs this suite in the background leaves SIGINT ignored, and Python keeps an
    # inherited "ignore": give the child the default disposition, as a terminal would.
    proc = subprocess.Popen(
        [sys.executable, "-m", "mtcheck", "check", "-", *LIGHT],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until it blocks reading standard input (fd 0)
            try:
                call = Path(f"/proc/{proc.pid}/syscall").read_text().split()
            except OSError:
                call = []
            if call[:2] == [str(number), "0x0"]:
                break
            assert proc.poll() is None, proc.stderr.read().decode()
            time.sleep(0.05)
        else:
            pytest.fail("mtcheck never waited for standard input")
        proc.send_signal(signal.SIGINT)
        # Keep standard input open until it exits: closing it (as communicate() does) races the
        # signal on a busy machine, and an empty input is then read instead.
        proc.wait(timeout=60)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err.decode()
    assert err.decode().strip() == "mtcheck: interrupted"


# --------------------------------------------------------------------------- 4. small ones


@pytest.mark.parametrize(
    "args, words",
    [
        (["--max-bytes", "-1"], "Invalid value for '--max-bytes'"),
        (["--max-bytes", "0"], "Invalid value for '--max-bytes'"),
        (["--jobs", "0"], "Invalid value for '--jobs'"),
        (["--languagetool-url", "notaurl"], "--languagetool-url 'notaurl' is not an http(s) URL"),
        (["--languagetool-url", "localhost:8081"], "is not an http(s) URL"),
        (["--languagetool-url", "ftp://lt.example.org"], "is not an http(s) URL"),
        (["--languagetool-url", "http://"], "is not an http(s) URL"),
        (["--languagetool-url", "http://host:port"], "is not an http(s) URL"),
    ],
    ids=["max-bytes-negative", "max-bytes-zero", "jobs-zero", "lt-url-word", "lt-url-no-scheme", "lt-url-ftp",
         "lt-url-no-host", "lt-url-bad-port"],
)
def test_bad_values_are_one_line_and_exit_2(args, words):
    proc = mtcheck("check", str(SEED_MT), "--no-rewrite", *args)
    assert proc.returncode == 2, proc.stderr.decode()
    assert words in one_error_line(proc)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8081", "https://lt.example.org/", "http://[::1]:8081", "HTTP://localhost"])
def test_good_languagetool_urls_pass(url):
    from mtcheck.cli.check import check_languagetool_url

    check_languagetool_url(url)
