"""``mtcheck fix`` on the seed article with the real pipeline: LanguageTool, the detector, the
verification models and (once, for --unsafe-fixes) the local LLM."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT, SEED_MT

pytestmark = pytest.mark.integration

# The safe rules' fixes the seed must get (rule: the words before -> after).
SAFE = {
    "thousand-count": ("1.3 thousand militants", "1,300 militants"),
    "numeric-date": ("opposition 12.12.2016", "opposition December 12, 2016"),
    "reporting-inversion": ("As reports Reuters,", "As Reuters reports,"),
}


def mtcheck(*args: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mtcheck", *args], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ), timeout=timeout)


def _changed(diff: str) -> tuple[list[str], list[str]]:
    removed = [line[1:] for line in diff.splitlines() if line.startswith("-") and not line.startswith("---")]
    added = [line[1:] for line in diff.splitlines() if line.startswith("+") and not line.startswith("+++")]
    return removed, added


@pytest.fixture(scope="module")
def seed_copy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fix")
    path = folder / SEED_MT.name
    shutil.copy(SEED_MT, path)
    return path


@pytest.fixture(scope="module")
def safe_diff(seed_copy):
    before = seed_copy.read_bytes()
    proc = mtcheck("fix", str(seed_copy), "--diff", "--quiet")
    assert seed_copy.read_bytes() == before  # --diff writes nothing
    return proc


@pytest.fixture(scope="module")
def unsafe_diff(seed_copy):
    # The one run of the LLM in this module (about 60-90 s on 2 cores).
    return mtcheck("fix", str(seed_copy), "--diff", "--unsafe-fixes", "--quiet")


def test_diff_shows_the_safe_fixes_and_nothing_else(safe_diff):
    assert safe_diff.returncode == 1, safe_diff.stderr
    removed, added = _changed(safe_diff.stdout)
    old, new = "\n".join(removed), "\n".join(added)
    for words, fixed in SAFE.values():
        assert words in old and fixed in new and words not in new
    assert "(7 safe)" in safe_diff.stderr or "safe)" in safe_diff.stderr
    assert "unsafe" not in safe_diff.stderr
    # Every changed line differs from its original only where a safe rule's fix applies: undo the
    # safe rules' replacements and the line is the original again.
    undo = [(fixed, words) for words, fixed in SAFE.values()] + [
        ("the agency", "the Agency"), ("Foreign Minister", "foreign Minister"), ("78,000", "78 thousand"),
        ("RIA “Novosti” said.", "said RIA “Novosti”."), ("RIA Novosti said.", "said RIA “Novosti”.")]
    assert len(removed) == len(added)
    for original, changed in zip(removed, added):
        for after, before in undo:
            changed = changed.replace(after, before)
        assert changed == original


def test_unsafe_fixes_add_the_llm_suggestions(safe_diff, unsafe_diff):
    assert unsafe_diff.returncode == 1, unsafe_diff.stderr
    assert "unsafe" in unsafe_diff.stderr
    _, safe_added = _changed(safe_diff.stdout)
    _, unsafe_added = _changed(unsafe_diff.stdout)
    assert unsafe_added != safe_added
    assert any(fixed in "\n".join(unsafe_added) for _, fixed in SAFE.values())


def test_applied_fixes_leave_none_of_their_findings_and_a_second_fix_changes_nothing(seed_copy, safe_diff, unsafe_diff):
    proc = mtcheck("fix", str(seed_copy), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "7 sentences fixed" in proc.stdout or "sentences fixed" in proc.stdout
    text = seed_copy.read_text(encoding="utf-8")
    assert text.count("\n") == SEED_MT.read_text(encoding="utf-8").count("\n")
    check = mtcheck("check", str(seed_copy), "--format", "json", "--no-rewrite", "--fail-on", "none")
    assert check.returncode == 0, check.stderr
    rules = {r["rule_id"] for s in json.loads(check.stdout)["documents"][0]["sentences"] for r in s["reasons"]}
    assert not rules & set(SAFE), rules
    again = mtcheck("fix", str(seed_copy), "--diff", "--quiet")
    assert again.returncode == 0 and again.stdout == "", again.stdout
