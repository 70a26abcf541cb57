"""The signal contract: what each signal declares in its own file (``contract = Contract(...)``,
``source_files()``) is what the detector and ``mtcheck train`` go by; which signals run, and how an
untrained signal's reasons are shown (weight 0, "not yet weighted"), and ``--signals``."""

from __future__ import annotations

import json

import pytest

from conftest import error_line, run_main
from mtcheck.config import Settings
from mtcheck.detect import UNWEIGHTED_NOTE, Detector, choose_signals, parse_signal_choice
from mtcheck.detect.base import Contract, SignalResult, contract_of, contracts, default_training_signals, submodels
from mtcheck.detect.classifier import load_model
from mtcheck.errors import InputError
from mtcheck.registry import signals
from mtcheck.services.factory import Services
from mtcheck.types import Document, Reason, Sentence

KNOWN = {"cheap": Contract(), "costly": Contract(default=False), "server": Contract(service="languagetool"), "trained": Contract(default=False)}


class Switch:
    """A stand-in for the run's services: the LanguageTool part on or off."""

    def __init__(self, languagetool: bool):
        self.languagetool_enabled = languagetool


def test_the_model_weighs_some_the_cheap_untrained_ones_run_too_and_the_costly_ones_on_request():
    assert choose_signals(["trained"], KNOWN) == ["trained", "cheap", "server"]
    assert choose_signals(["trained"], KNOWN, Switch(False)) == ["trained", "cheap"]
    assert choose_signals(["trained"], KNOWN, choice=("+costly", "-cheap")) == ["trained", "server", "costly"]
    assert choose_signals(["trained"], KNOWN, choice=("server", "cheap")) == ["cheap", "server"]  # plain names replace, in order
    with pytest.raises(InputError, match="unknown signal 'nope'"):
        choose_signals([], KNOWN, choice=("+nope",))
    assert parse_signal_choice(" +fluency, -languagetool ,") == ("+fluency", "-languagetool")


def test_every_shipped_signal_declares_its_contract_and_its_cache_inputs():
    for name, cls in signals.items():
        assert isinstance(getattr(cls, "contract", None), Contract), name
        assert isinstance(cls(Settings()).source_files(), list), name
        assert cls.name == name


def test_the_shipped_model_was_trained_on_the_declared_training_defaults():
    model = load_model()
    assert default_training_signals(model.signals) == model.signals  # a retrain keeps the model's signals, in order
    assert set(default_training_signals()) == set(model.signals)
    assert set(model.submodels) <= set(submodels())
    # Costly signals the model does not weigh stay out of the default run.
    assert not contracts()["encoder"].default and not contracts()["fluency"].default


def test_the_default_run_is_the_weighed_signals_and_the_cheap_untrained_ones():
    detector = Detector(Settings(cache=False), services=Services.offline())
    weighed = [n for n in signals.names() if n in detector.model.signals]
    cheap = [n for n, c in contracts().items() if n not in detector.model.signals and c.default and c.service is None]
    assert list(detector.signal_names) == weighed + cheap
    assert "encoder" not in detector.signal_names and "fluency" not in detector.signal_names


def test_detect_signals_in_the_config_adjust_the_default_run():
    settings = Settings(cache=False, tables={"detect": {"signals": ["+fluency", "-embedding"]}})
    names = Detector(settings, services=Services.offline()).signal_names
    assert "fluency" in names and "embedding" not in names and "interference" in names


@pytest.fixture
def extra_signal(monkeypatch):
    """Register a signal class at run time (as a drop-in file or a distribution would)."""

    def add(name: str, contract: Contract):
        class Marker:
            def __init__(self, settings):
                self.settings = settings

            def source_files(self) -> list[str]:
                return []

            def run(self, sentences, context):
                return [SignalResult(features={f"{name}.hits": 1.0},
                                     reasons=(Reason(name, "marker", "A marker.", s.start, s.start + 3, category="style", weight=0.7),))
                        for s in sentences]

        Marker.name = name  # type: ignore[attr-defined]
        Marker.contract = contract  # type: ignore[attr-defined]
        signals.names()
        monkeypatch.setattr(signals, "_items", {**signals._items, name: Marker})
        return Marker

    return add


def _reasons(detector: Detector, source: str) -> list[Reason]:
    text = "As reports Reuters, the talks failed in Geneva on Monday."
    sentence = Sentence(index=0, start=0, end=len(text), text=text)
    finding = detector.detect(Document("t.txt", text, "text", "utf-8"), [sentence]).findings[0]
    return [r for r in finding.reasons if r.source == source]


def test_an_untrained_signal_runs_by_default_and_its_reasons_are_marked_at_weight_0(extra_signal):
    extra_signal("marker", Contract())
    # The model-backed signals are left out for speed; "marker" is not named, it runs by default.
    light = Settings(cache=False, tables={"detect": {"signals": ["-embedding", "-profile", "-style", "-syntax"]}})
    detector = Detector(light, services=Services.offline())
    assert "marker" in detector.signal_names
    [reason] = _reasons(detector, "marker")
    assert reason.weight == 0.0 and reason.message == f"A marker. {UNWEIGHTED_NOTE}"


def test_an_advisory_signal_keeps_its_own_weights_and_a_costly_one_runs_on_request(extra_signal):
    extra_signal("advisory", Contract(own_weights=True))
    [reason] = _reasons(Detector(Settings(cache=False), services=Services.offline(), signals=["interference", "advisory"]), "advisory")
    assert reason.weight == 0.7 and UNWEIGHTED_NOTE not in reason.message
    extra_signal("costly", Contract(default=False))
    assert "costly" not in Detector(Settings(cache=False), services=Services.offline()).signal_names
    asked = Settings(cache=False, tables={"detect": {"signals": ["+costly"]}})
    assert "costly" in Detector(asked, services=Services.offline()).signal_names
    assert contract_of(object()) == Contract()  # a signal that declares nothing gets the defaults


def test_check_signals_option(monkeypatch, capsys, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("As reports Reuters, the talks failed in Geneva on Monday.\n", encoding="utf-8")
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    code, out, err = run_main(monkeypatch, capsys, "check", str(article), "--no-rewrite", "--no-languagetool", "--signals", "interference",
                              "--format", "json")
    assert code in (0, 1), err
    assert "|signals:interference|" in json.loads(out)["settings"]["signature"]
    code, _, err = run_main(monkeypatch, capsys, "check", str(article), "--no-rewrite", "--signals", "+stlye")
    assert code == 2 and "unknown --signals 'stlye'" in error_line(err)
