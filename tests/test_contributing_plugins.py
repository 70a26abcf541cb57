"""CONTRIBUTING's worked examples for signals and outside plug-ins are run as they are written, so
copying them works: the signal file and its test ("Adding a signal: its contract"), and the plug-in
package ("Plug-ins from other packages"), installed as a distribution and used by the real CLI.

Each example is a fenced code block whose first line is a comment naming its file.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from mtcheck.registry import signals

ROOT = Path(__file__).resolve().parent.parent
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def section(title: str) -> str:
    text = CONTRIBUTING.read_text(encoding="utf-8")
    start = text.index(f"\n### {title}\n")
    end = min(i for i in (text.find("\n## ", start + 1), text.find("\n### ", start + 1)) if i > 0)
    return text[start:end]


def files(title: str) -> dict[str, str]:
    """The section's code blocks by the file their first line names (``# path``)."""
    out = {}
    for _, body in BLOCK.findall(section(title)):
        first, _, rest = body.partition("\n")
        assert first.startswith("# "), f"a worked example's first line names its file: {first!r}"
        out[first[2:].strip()] = rest
    return out


def test_the_signal_example_and_its_test_run(tmp_path, monkeypatch):
    blocks = files("Adding a signal: its contract")
    [module_path] = [p for p in blocks if p.startswith("mtcheck/detect/signals/")]
    [test_path] = [p for p in blocks if p.startswith("tests/")]
    name = Path(module_path).stem
    signals.names()
    if name not in signals.names():  # not added to the package for real: drop it in beside it
        folder = tmp_path / "signals"
        folder.mkdir()
        (folder / f"{name}.py").write_text(blocks[module_path], encoding="utf-8")
        package = importlib.import_module(signals.package)
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
        monkeypatch.setattr(signals, "_discovered", False)
        monkeypatch.setattr(signals, "_items", dict(signals._items))
        monkeypatch.delitem(sys.modules, f"{signals.package}.{name}", raising=False)
    assert name in signals.names()
    namespace: dict = {}
    exec(compile(blocks[test_path], test_path, "exec"), namespace)
    tests = [fn for key, fn in namespace.items() if key.startswith("test_") and callable(fn)]
    assert tests
    for test in tests:
        test()


def install(blocks: dict[str, str], site: Path) -> dict:
    """The example package as an installer leaves it: its modules and a dist-info with its entry points."""
    project = tomllib.loads(blocks["pyproject.toml"])["project"]
    for path, text in blocks.items():
        if path.endswith(".py"):
            (site / path).parent.mkdir(parents=True, exist_ok=True)
            (site / path).write_text(text, encoding="utf-8")
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n", encoding="utf-8")
    groups = project["entry-points"]
    (info / "entry_points.txt").write_text(
        "".join(f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) + "\n" for group, eps in groups.items()), encoding="utf-8")
    return project


@pytest.fixture(scope="module")
def plugin_package(tmp_path_factory):
    site = tmp_path_factory.mktemp("contributing") / "site"
    project = install(files("Plug-ins from other packages (entry points)"), site)
    (site.parent / "article.txt").write_text('The aforementioned talks failed, officials said, calling them "over".\n', encoding="utf-8")
    return site, project


def run(site: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]), "MTCHECK_CACHE": str(site.parent / "cache")}
    return subprocess.run([sys.executable, "-m", "mtcheck", *args], cwd=site.parent, env=env, capture_output=True, text=True, timeout=600)


def test_the_entry_point_example_is_listed_with_its_distribution(plugin_package):
    site, project = plugin_package
    done = run(site, "plugins")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    origin = f"{project['name']} {project['version']}"
    rows = [line for line in done.stdout.splitlines() if origin in line]
    assert {tuple(line.split()[:2]) for line in rows} == {("rule", "desk-aforementioned"), ("signal", "quotes")}


def test_the_entry_point_example_works_in_check(plugin_package):
    site, _ = plugin_package
    done = run(site, "check", "article.txt", "--no-rewrite", "--no-languagetool", "--signals=-embedding,-profile,-style,-syntax",
               "--format", "json")
    assert done.returncode in (0, 1) and "Traceback" not in done.stderr, done.stderr
    reasons = {r["rule_id"]: r for doc in json.loads(done.stdout)["documents"] for s in doc["sentences"] for r in s.get("reasons", [])}
    assert reasons["desk-aforementioned"]["source"] == "interference" and reasons["desk-aforementioned"]["weight"] == 0.0
    assert reasons["straight-quote"]["source"] == "quotes" and reasons["straight-quote"]["weight"] == 0.0
