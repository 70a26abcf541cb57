"""Outside plug-ins: a distribution that declares mtcheck entry points (``mtcheck.rules``,
``mtcheck.signals``, ``mtcheck.formats``, ``mtcheck.backends``) is picked up without touching
mtcheck, listed by ``mtcheck plugins`` with its name and version, and used by ``mtcheck check``;
a broken plug-in is one warning line naming it, never a traceback, and the rest still work.

The test distribution is installed the way an installer leaves it: its package and its
``*.dist-info`` folder (METADATA, entry_points.txt) in a folder on the path of the CLI's process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mtcheck.detect import UNWEIGHTED_NOTE

ROOT = Path(__file__).resolve().parent.parent

PACKAGE = {
    "desk_rules/__init__.py": '"""A newsroom\'s own mtcheck plug-ins."""\n',
    "desk_rules/words.py": '''
        """Words the desk's style guide bans."""
        import re

        from mtcheck.detect.rules import Match, rule


        @rule("desk-aforementioned", category="style", weight=1.0, message="“aforementioned” is banned by the desk's style guide.",
              fix="Name the thing again.", examples=[("The aforementioned talks failed.", "aforementioned", None, "The talks failed.")])
        def aforementioned(text):
            for m in re.finditer(r"\\baforementioned\\b", text, re.I):
                yield Match(m.start(), m.end())
    ''',
    "desk_rules/tally.py": '''
        """``--format tally``: one line per document, its path and how many sentences are flagged, then a closing line."""

        MARKER = "# mtcheck tally:"


        def render(results, options):
            lines = [f"{r.document.path}\\t{len(r.flagged)}\\n" for r in results]
            return "".join(lines) + f"{MARKER} {len(lines)} documents\\n"


        def recognise(head):  # its marker closes the report, so the first line alone cannot tell
            return any(line.startswith(MARKER) for line in head.splitlines())


        render.recognise = recognise  # how a render function named by its entry point declares its recogniser

        NOT_A_PLUGIN = 42
    ''',
}

ENTRY_POINTS = """
    [mtcheck.rules]
    desk = desk_rules.words

    [mtcheck.formats]
    tally = desk_rules.tally:render
    number = desk_rules.tally:NOT_A_PLUGIN

    [mtcheck.signals]
    missing = desk_rules.no_such_module:Signal
"""


def install(folder: Path, entry_points: str = ENTRY_POINTS) -> Path:
    """The distribution ``desk-rules 1.2`` as an installer would leave it in ``folder``."""
    for name, text in PACKAGE.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    info = folder / "desk_rules-1.2.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: desk-rules\nVersion: 1.2\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(textwrap.dedent(entry_points), encoding="utf-8")
    return folder


def run(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]), "MTCHECK_CACHE": str(site.parent / "cache")}
    return subprocess.run([sys.executable, "-m", "mtcheck", *args], cwd=site.parent, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = install(tmp_path_factory.mktemp("dist") / "site")
    (folder.parent / "article.txt").write_text("The aforementioned talks failed in Geneva on Monday, officials said.\n", encoding="utf-8")
    return folder


def warnings(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith("mtcheck: warning:")]


def test_plugins_lists_the_distribution_and_names_each_broken_plugin_on_one_line(site):
    done = run(site, "plugins")
    assert done.returncode == 0, done.stderr
    rows = {tuple(line.split()[:4]) for line in done.stdout.splitlines()}
    assert ("rule", "desk-aforementioned", "desk-rules", "1.2") in rows
    assert ("format", "tally", "desk-rules", "1.2") in rows
    assert ("rule", "calque", "built-in") in {r[:3] for r in rows} and ("format", "json", "built-in") in {r[:3] for r in rows}
    lines = warnings(done.stderr)
    [missing] = [line for line in lines if "'missing'" in line]
    assert "signal plug-in" in missing and "desk-rules 1.2" in missing and "cannot be loaded" in missing
    [number] = [line for line in lines if "'number'" in line]
    assert "format plug-in" in number and "is not a render function" in number
    assert len(lines) == 2, done.stderr
    assert not any(r[1] in ("missing", "number") for r in rows)


def test_check_uses_the_distributions_rule_and_format(site):
    done = run(site, "check", "article.txt", "--no-rewrite", "--no-languagetool", "--signals", "interference", "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    reasons = [r for doc in json.loads(done.stdout)["documents"] for s in doc["sentences"] for r in s.get("reasons", [])]
    [reason] = [r for r in reasons if r["rule_id"] == "desk-aforementioned"]
    assert reason["weight"] == 0.0 and UNWEIGHTED_NOTE in reason["message"]  # the shipped model has no weight for it yet
    assert len(warnings(done.stderr)) == 2  # the broken ones, named; the run goes on
    tally = run(site, "check", "article.txt", "--no-rewrite", "--no-languagetool", "--signals", "interference", "--format", "tally")
    assert tally.returncode in (0, 1), tally.stderr
    assert tally.stdout.startswith("article.txt\t") and tally.stdout.endswith("# mtcheck tally: 1 documents\n")


def test_a_folder_run_skips_the_outside_formats_own_report(site):
    folder = site.parent / "desk"
    folder.mkdir()
    (folder / "article.txt").write_text("The aforementioned talks failed in Geneva on Monday, officials said.\n", encoding="utf-8")
    tally = run(site, "check", "desk/article.txt", "--no-rewrite", "--no-languagetool", "--signals", "interference", "--format", "tally")
    (folder / "report.txt").write_text(tally.stdout, encoding="utf-8")
    done = run(site, "check", "desk", "--no-rewrite", "--no-languagetool", "--signals", "interference", "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    assert [Path(doc["path"]).name for doc in json.loads(done.stdout)["documents"]] == ["article.txt"]


def test_a_rule_module_that_fails_to_import_is_one_line(tmp_path):
    site = install(tmp_path / "site", "[mtcheck.rules]\nbroken = desk_rules.words_typo\n")
    (tmp_path / "article.txt").write_text("As reports Reuters, the talks failed.\n", encoding="utf-8")
    done = run(site, "check", "article.txt", "--no-rewrite", "--no-languagetool", "--signals", "interference", "--format", "json")
    assert done.returncode in (0, 1), done.stderr
    [line] = warnings(done.stderr)
    assert "rule plug-in 'broken'" in line and "desk-rules 1.2" in line and "ModuleNotFoundError" in line
    reasons = [r for doc in json.loads(done.stdout)["documents"] for s in doc["sentences"] for r in s.get("reasons", [])]
    assert any(r["rule_id"] == "reporting-inversion" for r in reasons)  # the built-in rules still work
