"""A plug-in is one new file: a detection signal, an output format and a rewrite backend each
dropped into its registry's package are found, accepted by the option that names them and run,
with nothing else edited. (An interference rule is one function: tests/test_rules.py.)"""

from __future__ import annotations

import importlib
import sys
import textwrap
from pathlib import Path

import pytest

from mtcheck.config import Settings
from mtcheck.registry import Registry, backends, formats, signals
from mtcheck.services.factory import Services
from mtcheck.types import Document, Sentence

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
            reasons = () if at < 0 else (Reason("exclamation", "exclamation-mark", "an exclamation mark in news copy",
                                                s.start + at, s.start + at + 1, category="style", weight=0.1),)
            out.append(SignalResult(features={"exclamation.count": float(s.text.count("!"))}, reasons=reasons))
        return out
'''

FORMAT_FILE = '''
"""``--format tally``: one line per document, its path and how many sentences are flagged."""
from mtcheck.registry import formats


@formats.register("tally")
def render(results, options):
    return "".join(f"{r.document.path}\\t{len(r.flagged)}\\n" for r in results)
'''

BACKEND_FILE = '''
"""A backend that answers every prompt with the sentence in capitals (stands in for a new server API)."""
from mtcheck.registry import backends


@backends.register("shouting")
class ShoutingBackend:
    def __init__(self, settings, model=None):
        self.model_id = "shouting:" + (model or "none")

    def generate(self, prompts, n=1, temperature=0.0, max_tokens=96, seed=0):
        return [[p.user.upper()] * n for p in prompts]
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """Drop ``source`` as a new module file into ``registry``'s package (a second folder on the
    package's path, so the source tree is never written) and let the registry discover it."""

    def add(registry: Registry, name: str, source: str) -> None:
        registry.names()  # the shipped plug-ins first, so only the new file is imported below
        folder = tmp_path / registry.package.replace(".", "_")
        folder.mkdir(exist_ok=True)
        (folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        package = importlib.import_module(registry.package)
        monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
        monkeypatch.setattr(registry, "_discovered", False)
        monkeypatch.setattr(registry, "_items", dict(registry._items))
        monkeypatch.delitem(sys.modules, f"{registry.package}.{name}", raising=False)

    return add


def test_a_new_signal_file_is_run_by_the_detector_and_its_reasons_shown(plugin):
    from mtcheck.detect import Detector

    plugin(signals, "exclamation", SIGNAL_FILE)
    assert "exclamation" in signals.names()
    text = "Talks resumed in Geneva on Monday! Both sides said progress was slow."
    sentences = [Sentence(0, 0, 34, text[:34], block=0), Sentence(1, 35, len(text), text[35:], block=0)]
    detector = Detector(Settings(cache=False), services=Services.offline(), signals=["interference", "exclamation"])
    assert detector.features(sentences[:1])[0]["exclamation.count"] == 1.0
    result = detector.detect(Document("x.txt", text, "text", "utf-8"), sentences)
    first, second = result.findings
    assert any(r.source == "exclamation" and text[r.start:r.end] == "!" for r in first.reasons)
    assert not any(r.source == "exclamation" for r in second.reasons)


def test_a_new_format_file_is_accepted_by_format_and_renders(plugin):
    from mtcheck.report import ReportOptions, render
    from test_report_helpers import build_result

    plugin(formats, "tally", FORMAT_FILE)
    assert formats.check("tally", "--format") == "tally"
    result = build_result()
    assert render([result], "tally", ReportOptions()) == f"{result.document.path}\t{len(result.flagged)}\n"


def test_a_new_backend_file_is_accepted_by_backend_and_generates(plugin):
    from mtcheck.rewrite.backends.base import load_backend
    from mtcheck.rewrite.prompt import ChatPrompt

    plugin(backends, "shouting", BACKEND_FILE)
    assert backends.check("shouting", "--backend") == "shouting"
    backend = load_backend(Settings(), "shouting")
    assert backend.generate([ChatPrompt(system="Edit.", user="hello", sentence="hello")], n=2) == [["HELLO", "HELLO"]]
    services = Services(Settings(), languagetool=False, backend="shouting")
    assert services.rewriter_backend.model_id == "shouting:none"


def test_the_shipped_plugins_are_untouched_by_the_drop_in(plugin):
    before = set(formats.names())
    plugin(formats, "tally", FORMAT_FILE)
    assert set(formats.names()) == before | {"tally"}
    assert Path(importlib.import_module("mtcheck.report.formats").__path__[0]).joinpath("tally.py").exists() is False


def test_signal_options_are_checked_against_the_registry(monkeypatch, capsys):
    from conftest import run_main

    for command in (["train", "--signals", "interference,stlye"], ["eval", "detect", "--holdout", "--signals", "stlye"]):
        code, _, err = run_main(monkeypatch, capsys, *command)
        assert code == 2 and "unknown --signals 'stlye'" in err and "style" in err
