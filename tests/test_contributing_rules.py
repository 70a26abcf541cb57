"""CONTRIBUTING.md's worked examples work when copied: the Python rule of "Adding an interference
rule", dropped into the rules package, and the TOML rule of "Phrase-rule files", used as a desk's
file, each flag their own example in ``mtcheck check``."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import run_main
from mtcheck.config import Settings, load_settings
from mtcheck.detect import rules
from mtcheck.detect.rules import find_matches
from mtcheck.detect.rules.phrases import read_phrase_file, use_desk_files
from test_rule_helpers import interference_model_file

ROOT = Path(__file__).resolve().parent.parent


def _block(section: str, language: str) -> str:
    """The first ```language block of CONTRIBUTING.md's section ``## section``."""
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(rf"```{language}\n(.*?)```", body, re.S).group(1)


def _check_reasons(monkeypatch, capsys, tmp_path, text: str) -> list[dict]:
    """The reasons ``mtcheck check`` gives for ``text`` with the config in ``tmp_path``."""
    article = tmp_path / "article.txt"
    article.write_text(text + "\n", encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "check", str(article), "--no-rewrite", "--no-languagetool",
                              "--format", "json", "--quiet", "--config", str(tmp_path / "mtcheck.toml"))
    assert code in (0, 1), err
    return [r for doc in json.loads(out)["documents"] for s in doc["sentences"] for r in s["reasons"]]


def _assert_flags_its_examples(rule: rules.Rule) -> None:
    assert rule.examples
    for example in rule.examples:
        [hit] = [m for _, m in find_matches(example.text) if m.rule == rule.id]
        assert (example.text[hit.start:hit.end], hit.suggestion) == (example.words, example.fix)
        assert not [m for _, m in find_matches(example.clean) if m.rule == rule.id]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    before = rules.rule_ids()
    # A model over the rules alone (no spaCy or MiniLM in a unit test), trained before the example existed.
    model = interference_model_file(tmp_path / "model.json")
    (tmp_path / "mtcheck.toml").write_text(f'[detect]\nmodel = "{model}"\n', encoding="utf-8")
    yield tmp_path
    use_desk_files(Settings())
    assert rules.rule_ids() == before


# The examples run under an id of their own, so that a contributor who copied one into the package
# (as CONTRIBUTING invites) does not make this test fail with "registered twice".
OWN_ID = "contributing-example"


def test_the_python_rule_example_dropped_into_the_package_flags_its_example(isolated, monkeypatch, capsys):
    code = _block("Adding an interference rule", "python")
    code, renamed = re.subn(r'@rule\("[a-z-]+"', f'@rule("{OWN_ID}"', code)
    assert renamed == 1
    rule_id = OWN_ID
    # As the package's discovery would import a new file of mtcheck/detect/rules/.
    path = isolated / "contributing_example.py"
    path.write_text(code, encoding="utf-8")
    name = "mtcheck.detect.rules.contributing_example"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        declared = rules.get(rule_id)
        _assert_flags_its_examples(declared)
        reasons = _check_reasons(monkeypatch, capsys, isolated, declared.examples[0].text)
        assert [r["suggestions"] for r in reasons if r["rule_id"] == rule_id] == [[declared.examples[0].fix]]
    finally:
        rules.unregister(rule_id)
        del sys.modules[name]


def test_the_phrase_file_example_used_as_a_desk_file_flags_its_example(isolated, monkeypatch, capsys):
    text, renamed = re.subn(r'^id = "[a-z-]+"$', f'id = "{OWN_ID}"', _block("Phrase-rule files", "toml"), flags=re.M)
    assert renamed == 1
    (isolated / "desk-rules.toml").write_text(text, encoding="utf-8")
    config = isolated / "mtcheck.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[rules]\nfiles = ["desk-rules.toml"]\n', encoding="utf-8")
    [declared] = read_phrase_file(isolated / "desk-rules.toml")
    assert rules.get(declared.id) is None
    use_desk_files(load_settings(config))
    _assert_flags_its_examples(rules.get(declared.id))
    use_desk_files(Settings())
    reasons = _check_reasons(monkeypatch, capsys, isolated, declared.examples[0].text)
    assert [r["suggestions"] for r in reasons if r["rule_id"] == declared.id] == [[declared.examples[0].fix]]
