"""The shared pieces every stage relies on: settings, registry, atomic writes, path expansion, serialisation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mtcheck.config import Settings, load_settings, severity_for
from mtcheck.errors import ConfigError, InputError
from mtcheck.fsutil import atomic_write
from mtcheck.inputs import expand_paths
from mtcheck.registry import Registry, backends, formats, signals
from mtcheck.report.serialize import SCHEMA_VERSION, results_to_dict
from mtcheck.types import Document, DocumentResult, Finding, Reason, Sentence

ROOT = Path(__file__).resolve().parent.parent


def test_settings_from_pyproject_table(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.mtcheck]\nthreshold = 0.6\nfail_on = "error"\nallow = ["Ryabkov"]\n'
        '[tool.mtcheck.languagetool]\nport = 9999\n'
    )
    settings = load_settings(tmp_path / "pyproject.toml")
    assert settings.threshold == 0.6
    assert settings.fail_on == "error"
    assert settings.allow == ("Ryabkov",)
    assert settings.section("languagetool") == {"port": 9999}
    assert settings.section("missing") == {}


def test_bad_config_is_an_input_error(tmp_path):
    bad = tmp_path / "mtcheck.toml"
    bad.write_text("threshold = [")
    with pytest.raises(ConfigError):
        load_settings(bad)
    bad.write_text('fail_on = "sometimes"')
    with pytest.raises(ConfigError, match="fail_on"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "nope.toml")


def test_severity_bands():
    bands = Settings().severity_bands
    assert severity_for(0.95, True, bands) == "error"
    assert severity_for(0.75, True, bands) == "warning"
    assert severity_for(0.55, True, bands) == "info"
    assert severity_for(0.99, False, bands) == "none"


def test_registry_discovers_plugins_and_names_unknown_ones():
    assert "json" in formats.names()
    assert formats.get("json").__module__ == "mtcheck.report.formats.json"
    with pytest.raises(KeyError, match="unknown format 'nope'"):
        formats.get("nope")


@pytest.mark.parametrize("registry", [formats, backends, signals], ids=lambda r: r.kind)
def test_registry_names_read_from_the_plugin_files_are_the_registered_ones(registry):
    # Help text lists declared() (no plug-in imported at start-up); validation uses names(), which
    # also holds plug-ins other tests register at run time from outside the package.
    in_package = [name for name, item in registry.items() if item.__module__.startswith(registry.package + ".")]
    assert registry.declared() == in_package and in_package


def test_registry_checks_option_values_and_lists_the_default_first():
    assert formats.check("json", "--format") == "json"
    with pytest.raises(InputError, match=rf"^unknown --format 'yaml' \(choose from {re.escape(', '.join(formats.names()))}\)$"):
        formats.check("yaml", "--format")
    others = sorted(name for name in backends.declared() if name != backends.default)
    assert backends.listing() == ", ".join([f"{backends.default} (default)", *others]) and others
    other_formats = sorted(name for name in formats.declared() if name != "text")
    assert formats.listing(mark_default=False) == ", ".join(["text", *other_formats]) and other_formats


def test_severity_order_is_defined_once_and_everything_follows_it():
    from mtcheck import gate
    from mtcheck.report.formats import sarif
    from mtcheck.report.view import SEVERITIES
    from mtcheck.types import SEVERITY_ORDER, SEVERITY_RANK

    assert SEVERITY_ORDER == ("none", "info", "warning", "error")
    assert gate.SEVERITY_RANK is SEVERITY_RANK and SEVERITIES == ("error", "warning", "info")
    assert list(sarif.LEVEL_RANK) == ["none", "note", "warning", "error"]


def test_registry_refuses_a_name_registered_twice():
    reg = Registry("signal", "mtcheck.detect.signals")
    reg.register("a")(object)
    with pytest.raises(ValueError, match="twice"):
        reg.register("a")(dict)


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out" / "report.json"
    atomic_write(target, "first")
    atomic_write(target, "second")
    assert target.read_text() == "second"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_atomic_write_gives_ordinary_permissions_and_keeps_existing_ones(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "report.html"
        atomic_write(fresh, "x")
        assert fresh.stat().st_mode & 0o777 == 0o644
        kept = tmp_path / "private.json"
        kept.write_text("old")
        kept.chmod(0o600)
        atomic_write(kept, "new")
        assert kept.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(umask)


def test_atomic_write_into_unwritable_place_is_an_input_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write"):
        atomic_write(blocker / "sub" / "out.json", "x")


def test_expand_paths_walks_directories(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("x")
    (tmp_path / "sub" / "image.png").write_bytes(b"\x89PNG")
    assert expand_paths([str(tmp_path)]) == [str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.md")]
    assert expand_paths(["-"]) == ["-"]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no .txt"):
        expand_paths([str(empty)])


def test_serialised_schema_has_the_documented_fields():
    doc = Document(path="a.txt", text="As reports Reuters, it rained.", format="text", encoding="utf-8")
    sentence = Sentence(index=0, start=0, end=30, text=doc.text)
    reason = Reason(source="interference", rule_id="RU_INVERSION", message="m", start=0, end=18, weight=1.2)
    finding = Finding(sentence=sentence, score=0.93, flagged=True, reasons=(reason,), severity="error", fingerprint="f")
    data = results_to_dict([DocumentResult(document=doc, findings=(finding,), score=0.9)], exit_code=1)
    assert data["version"] == SCHEMA_VERSION
    (document,) = data["documents"]
    assert {"path", "score", "sentences"} <= set(document)
    (s,) = document["sentences"]
    assert {"index", "start", "end", "text", "kind", "score", "flagged", "reasons"} <= set(s)
    assert s["reasons"][0] | {} == {
        "source": "interference", "rule_id": "RU_INVERSION", "message": "m", "start": 0, "end": 18,
        "category": "", "suggestions": [], "weight": 1.2,
    }
    assert data["summary"] == {"documents": 1, "sentences": 1, "prose": 1, "flagged": 1, "exit_code": 1}
    json.dumps(data)


def test_help_imports_no_heavy_library():
    code = (
        "import sys; from mtcheck.cli import _register, app; _register();"
        "from typer.testing import CliRunner; r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output;"
        "heavy = [m for m in ('torch', 'transformers', 'llama_cpp', 'spacy', 'sentence_transformers', 'sklearn', 'sacrebleu', 'ray', 'pyarrow')"
        " if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == ""
