"""Shared test set-up: everything offline, and the seed articles at hand."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from mtcheck.pipeline import Pipeline
from mtcheck.types import DocumentResult, Finding

# The hub is unreachable here and must never be needed by default; fail fast instead of retrying.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_MT = SEEDS / "000_57608c29d3a128ea.txt"
SEED_REF = SEEDS / "002_81b0083cd9f1a0ed.txt"
# The development data: $MTCHECK_DATA, else ../shared/data beside the checkout (mtcheck.paths).
SHARED_DATA = Path(os.environ.get("MTCHECK_DATA") or ROOT.parent / "shared" / "data")


@pytest.fixture(scope="session")
def seed_mt() -> Path:
    return SEED_MT


@pytest.fixture(scope="session")
def seed_ref() -> Path:
    return SEED_REF


@pytest.fixture(scope="session")
def seed_checked(tmp_path_factory) -> SimpleNamespace:
    """The seed article checked once per session as an editor runs it, with rewrites and the
    reference (real detector, LanguageTool, the default rewriter): the HTML report and the JSON of
    one run, shared by the browser test and the rewrite integration tests (a run costs minutes)."""
    import subprocess

    folder = tmp_path_factory.mktemp("seed-checked")
    page, data = folder / "seed-000.html", folder / "seed-000.json"
    proc = subprocess.run(
        [sys.executable, "-m", "mtcheck", "check", str(SEED_MT), "--reference", str(SEED_REF), "--html", str(page),
         "--format", "json", "--output", str(data), "--fail-on", "warning"],
        capture_output=True, cwd=ROOT, timeout=900,
    )
    return SimpleNamespace(page=page, data=data, returncode=proc.returncode, stderr=proc.stderr.decode())


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"no development data at {SHARED_DATA} (set MTCHECK_DATA)")
    return SHARED_DATA


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """``mtcheck ARGS`` in this process, through the real entry point; (exit code, stdout, stderr)."""
    from mtcheck.cli import main

    monkeypatch.setattr(sys, "argv", ["mtcheck", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return (0 if code is None else code), out, err


def error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("mtcheck: error: "), err
    return lines[0]


class ReutersFlaggingPipeline(Pipeline):
    """The real loading, segmenting and error entries; a detector that flags sentences naming Reuters."""

    detector = SimpleNamespace(threshold=0.5)

    def check_document(self, document, sentences):
        findings = tuple(
            Finding(sentence=s, score=0.9 if "Reuters" in s.text else 0.1, flagged=s.kind == "prose" and "Reuters" in s.text,
                    severity="error" if s.kind == "prose" and "Reuters" in s.text else "none")
            for s in sentences
        )
        return DocumentResult(document=document, findings=findings, score=0.5)
