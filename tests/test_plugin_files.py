"""Acceptance: adding a rule, a signal or a backend is one new file, with no other file edited.

A copy of the package gets three new files (and nothing else changes); the real CLI, run on that
copy in a subprocess, lists them in ``mtcheck plugins`` and uses them at once: the rule's flag
shows, the new signal runs by default with its reasons at weight 0 ("not yet weighted", the model
has no weight for it), and ``--backend`` accepts the new backend. (Formats: tests/test_formats.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mtcheck.detect import UNWEIGHTED_NOTE

ROOT = Path(__file__).resolve().parent.parent

RULE_FILE = '''
"""'heretofore': a stiff dictionary rendering of Russian 'до сих пор' that news copy avoids."""
import re

from mtcheck.detect.rules import Match, rule


@rule("heretofore", category="style", weight=1.0, message="“heretofore” is stiff in news copy.", fix="Write “until now”.",
      examples=[("The plan was heretofore secret.", "heretofore", "until now", "The plan was secret until now.")])
def heretofore(text):
    for m in re.finditer(r"\\bheretofore\\b", text, re.I):
        yield Match(m.start(), m.end(), suggestion="until now")
'''

SIGNAL_FILE = '''
"""Exclamation marks: rare in wire copy, common in pasted social-media text."""
from mtcheck.detect.base import SignalResult
from mtcheck.registry import signals
from mtcheck.types import Reason


@signals.register("exclamation")
class ExclamationSignal:
    name = "exclamation"

    def __init__(self, settings):
        self.settings = settings

    def run(self, sentences, context):
        out = []
        for s in sentences:
            at = s.text.find("!")
            reasons = () if at < 0 else (Reason("exclamation", "exclamation-mark", "An exclamation mark in news copy.",
                                                s.start + at, s.start + at + 1, category="style", weight=0.5),)
            out.append(SignalResult(features={"exclamation.count": float(s.text.count("!"))}, reasons=reasons))
        return out
'''

BACKEND_FILE = '''
"""A backend that answers every prompt with the sentence in capitals (stands in for a new server API)."""
from mtcheck.registry import backends


@backends.register("shouting")
class ShoutingBackend:
    def __init__(self, settings, model=None):
        self.model_id = "shouting:" + (model or "none")

    def generate(self, prompts, n=1, temperature=0.0, max_tokens=96, seed=0):
        return [[p.sentence.upper()] * n for p in prompts]
'''

NEW_FILES = {
    "detect/rules/heretofore.py": RULE_FILE,
    "detect/signals/exclamation.py": SIGNAL_FILE,
    "rewrite/backends/shouting.py": BACKEND_FILE,
}

ARTICLE = ("The ministry said the plan was heretofore secret and would stay so for now.\n\n"
           "Officials cheered the decision outside the building on Monday!\n")


def run_copy(copy: Path, *args: str) -> subprocess.CompletedProcess:
    """``mtcheck ARGS`` on the package copy (first on the path), with this checkout's models."""
    env = {**os.environ, "PYTHONPATH": str(copy), "MTCHECK_HOME": str(ROOT), "MTCHECK_CACHE": str(copy.parent / "cache")}
    return subprocess.run([sys.executable, "-m", "mtcheck", *args], cwd=copy.parent, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    """A copy of the package with the three new files dropped in; nothing else differs."""
    src = tmp_path_factory.mktemp("plugin-files") / "src"
    shutil.copytree(ROOT / "mtcheck", src / "mtcheck", ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in NEW_FILES.items():
        (src / "mtcheck" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    (src.parent / "article.txt").write_text(ARTICLE, encoding="utf-8")
    return src


@pytest.fixture(scope="module")
def checked(copy) -> dict:
    # The model-backed signals the shipped model weighs are left out to keep the run short; the new
    # signal is not named: it runs because its (default) contract says so.
    run = run_copy(copy, "check", "article.txt", "--no-rewrite", "--no-languagetool", "--backend", "shouting",
                   "--signals=-embedding,-profile,-style,-syntax", "--format", "json")
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    return json.loads(run.stdout)


def _reasons(report: dict) -> list[dict]:
    return [r for doc in report["documents"] for s in doc["sentences"] for r in s.get("reasons", [])]


def test_the_copy_differs_from_the_package_by_the_new_files_only(copy):
    def files(root: Path) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}

    assert files(copy / "mtcheck") - files(ROOT / "mtcheck") == set(NEW_FILES)
    for name in files(ROOT / "mtcheck") - set(NEW_FILES):
        assert (copy / "mtcheck" / name).read_bytes() == (ROOT / "mtcheck" / name).read_bytes(), name


def test_plugins_lists_the_new_files_as_built_in(copy):
    run = run_copy(copy, "plugins")
    assert run.returncode == 0, run.stderr
    rows = {tuple(line.split()[:3]) for line in run.stdout.splitlines()}
    assert {("rule", "heretofore", "built-in"), ("signal", "exclamation", "built-in"), ("backend", "shouting", "built-in")} <= rows


def test_a_new_rule_file_flags_in_check(checked):
    [reason] = [r for r in _reasons(checked) if r["rule_id"] == "heretofore"]
    assert reason["source"] == "interference" and reason["suggestions"] == ["until now"]
    # The shipped model has no weight for it yet: shown, marked, adding nothing.
    assert reason["weight"] == 0.0 and UNWEIGHTED_NOTE in reason["message"]


def test_a_new_signal_file_runs_by_default_with_its_reasons_at_weight_0(checked):
    assert "exclamation" in checked["settings"]["signature"].split("|signals:")[1].split("|")[0].split(",")
    [reason] = [r for r in _reasons(checked) if r["source"] == "exclamation"]
    assert reason["rule_id"] == "exclamation-mark" and reason["weight"] == 0.0
    assert reason["message"] == f"An exclamation mark in news copy. {UNWEIGHTED_NOTE}"


def test_a_new_backend_file_is_selectable(copy, checked):
    # --backend shouting was accepted by the check run above; a name no file declares is refused.
    run = run_copy(copy, "check", "article.txt", "--no-rewrite", "--backend", "whispering")
    assert run.returncode == 2 and "unknown --backend 'whispering'" in run.stderr and "shouting" in run.stderr
