"""Phrase rules are data (mtcheck/resources/rules/*.toml, read by mtcheck/detect/rules/phrases.py):
every example in the files is a test, the categories are documented and checked, and a desk adds
its own file through ``[rules] files``; a malformed file is one error line (exit 2)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from conftest import error_line, run_main
from mtcheck.config import Settings
from mtcheck.detect import UNWEIGHTED_NOTE, rules
from mtcheck.detect.rules import CATEGORIES, find_matches, source_files
from mtcheck.detect.rules.phrases import PhraseCheck, packaged_files, read_phrase_file, use_desk_files
from mtcheck.errors import ConfigError
from mtcheck.types import Sentence
from test_rule_helpers import interference_model_file

ROOT = Path(__file__).resolve().parent.parent


def _examples() -> list[tuple[str, str, dict]]:
    """(file, rule id, example table) for every example of every packaged file, read from the files."""
    out = []
    for path in packaged_files():
        for table in tomllib.loads(path.read_text(encoding="utf-8"))["rule"]:
            out += [(path.name, table["id"], example) for example in table["examples"]]
    return out


EXAMPLES = _examples()


@pytest.mark.parametrize("file,rule_id,example", EXAMPLES, ids=[f"{f}:{r}-{i}" for i, (f, r, _) in enumerate(EXAMPLES)])
def test_every_example_in_the_phrase_files_is_flagged_with_its_fix_and_its_clean_version_is_not(file, rule_id, example):
    hits = [m for _, m in find_matches(example["text"]) if m.rule == rule_id]
    assert hits, f"{file}: {rule_id} did not fire on {example['text']!r}"
    assert example["text"][hits[0].start : hits[0].end] == example["words"]
    assert hits[0].suggestion == example.get("fix")
    assert hits[0].message and "\n" not in hits[0].message
    assert not [m for _, m in find_matches(example["clean"]) if m.rule == rule_id], f"{rule_id} fired on {example['clean']!r}"


def test_the_packaged_files_are_registered_as_rules_declared_in_them():
    assert len(packaged_files()) >= 2 and len(EXAMPLES) >= 10
    for path in packaged_files():
        for declared in read_phrase_file(path):
            registered = rules.get(declared.id)
            assert registered == declared, declared.id
            assert isinstance(registered.check, PhraseCheck) and str(path) in source_files()


def _listed_categories(text: str) -> list[str]:
    """The category names a documentation block lists: "#   name   what it finds" lines of a file's
    header, or "| `name` | what it finds |" rows of a Markdown table."""
    return re.findall(r"^#\s{3}([a-z]+(?: [a-z]+)?)\s{2,}\S", text, re.M) + re.findall(r"^\| `([a-z ]+)` \|", text, re.M)


def test_the_categories_are_documented_in_every_phrase_file_and_in_contributing():
    for path in packaged_files():
        header = path.read_text(encoding="utf-8").split("\n[[rule]]")[0]
        assert _listed_categories(header.split("# Categories")[1]) == list(CATEGORIES), path.name
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    section = contributing.split("### Categories")[1].split("\n## ")[0]
    assert _listed_categories(section) == list(CATEGORIES)
    assert {r.category for r in rules.RULES} <= set(CATEGORIES)


def test_an_unknown_category_is_refused_when_a_rule_registers():
    with pytest.raises(ValueError, match=r"unknown category 'calques' \(did you mean calque\?\)"):
        rules.rule("category-probe", category="calques", weight=1.0, message="m", fix="f")(lambda text: iter(()))
    assert rules.get("category-probe") is None


# -- a desk's own file -------------------------------------------------------------------------------
DESK_RULE = """
[[rule]]
id = "desk-in-the-amount-of"
category = "calque"
weight = 1.2
message = "“in the amount of” renders Russian “в размере”."
fix = "Say “of”."
ignore_case = true

[[rule.phrases]]
pattern = 'in the amount of (\\d[\\d,]*) (rubles|roubles)'
message = "“{0}”: say “of {1} {2}”."
replacement = 'of \\1 \\2'

[[rule.examples]]
text = "The court imposed a fine in the amount of 5,000 rubles."
words = "in the amount of 5,000 rubles"
fix = "of 5,000 rubles"
clean = "The court imposed a fine of 5,000 rubles."
"""


@pytest.fixture
def desk(tmp_path, monkeypatch):
    """A folder with a desk's phrase-rule file and the config naming it; the registry is left as found."""
    monkeypatch.setenv("MTCHECK_CACHE", str(tmp_path / "cache"))
    (tmp_path / "desk-rules.toml").write_text(DESK_RULE, encoding="utf-8")
    model = interference_model_file(tmp_path / "model.json")  # the rules alone: no spaCy or MiniLM in a unit test
    config = tmp_path / "mtcheck.toml"
    config.write_text(f'[detect]\nmodel = "{model}"\n\n[rules]\nfiles = ["desk-rules.toml"]\n', encoding="utf-8")
    yield tmp_path
    use_desk_files(Settings())
    assert rules.get("desk-in-the-amount-of") is None


def test_a_desk_file_named_in_the_config_is_registered_beside_mtchecks_rules_and_dropped_with_it(desk):
    from mtcheck.config import load_settings

    before = rules.rule_ids()
    [added] = use_desk_files(load_settings(desk / "mtcheck.toml"))
    assert added.id == "desk-in-the-amount-of" and rules.get(added.id) == added
    assert str(desk / "desk-rules.toml") in source_files()  # editing it invalidates the feature cache
    [(_, match)] = [(r, m) for r, m in find_matches("A fine In the amount of 300 roubles.") if r.id == added.id]
    assert match.suggestion == "Of 300 roubles" and match.message == "“In the amount of 300 roubles”: say “of 300 roubles”."
    use_desk_files(Settings())  # a configuration without the file: its rules are gone
    assert rules.rule_ids() == before


def test_the_detector_registers_the_desk_file_when_it_starts_and_keys_its_cache_on_it(desk):
    from mtcheck.config import load_settings
    from mtcheck.detect import Detector
    from mtcheck.detect.rules import phrases

    settings = load_settings(desk / "mtcheck.toml")
    detector = Detector(settings)  # the signals its contract chooses: the interference rules run by default
    assert "interference" in detector.signal_names and rules.get("desk-in-the-amount-of") is not None
    assert {str(desk / "desk-rules.toml"), phrases.__file__} <= set(source_files())  # the data and the code reading it
    text = "A fine in the amount of 300 roubles."
    sentences = [Sentence(index=0, start=0, end=len(text), text=text)]
    key = detector._cache_key(sentences)
    assert Detector(settings)._cache_key(sentences) == key
    (desk / "desk-rules.toml").write_text(DESK_RULE.replace("weight = 1.2", "weight = 1.3"), encoding="utf-8")
    assert Detector(settings)._cache_key(sentences) != key  # an edited desk file invalidates the cached features


def test_mtcheck_check_runs_a_desk_rule_at_once(desk, monkeypatch, capsys):
    article = desk / "article.txt"
    article.write_text("The court imposed a fine in the amount of 5,000 rubles.\n", encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "check", str(article), "--no-rewrite", "--no-languagetool",
                              "--format", "json", "--config", str(desk / "mtcheck.toml"), "--quiet")
    assert code in (0, 1), err
    reasons = [r for doc in json.loads(out)["documents"] for s in doc["sentences"] for r in s["reasons"]]
    [reason] = [r for r in reasons if r["rule_id"] == "desk-in-the-amount-of"]
    assert reason["suggestions"] == ["of 5,000 rubles"] and reason["category"] == "calque"
    assert UNWEIGHTED_NOTE in reason["message"] and reason["weight"] == 0.0  # the model was trained without it


BAD_FILES = [
    ("[[rule]\n", "line 1, column 7: invalid TOML"),
    ("title = 'x'\n", "unknown key 'title' (a phrase-rule file holds [[rule]] tables only)"),
    ("", "no rules: declare each with a [[rule]] table"),
    (DESK_RULE.replace('category = "calque"', 'category = "calques"'), "unknown category 'calques' (did you mean calque?)"),
    (DESK_RULE.replace("weight = 1.2", 'weight = "high"'), "rule 'desk-in-the-amount-of': weight must be a number, not a string"),
    (DESK_RULE.replace("ignore_case", "ignorecase"), "unknown key 'ignorecase' in rule 'desk-in-the-amount-of' (did you mean ignore_case?)"),
    (DESK_RULE.replace("'in the amount of (", "'in the amount of (("),
     "phrase 1: the pattern “in the amount of ((\\d[\\d,]*) (rubles|roubles)” is not a regular expression "
     "(missing ), unterminated subpattern at position 17)"),
    (DESK_RULE.replace("'of \\1 \\2'", "'of \\3'"), "phrase 1: the replacement “of \\3”: invalid group reference 3"),
    (DESK_RULE.replace("{2}", "{5}"), "phrase 1: message names {5}, but only {0} (the matched words) to {2}"),
    (DESK_RULE.replace('id = "desk-in-the-amount-of"', 'id = "calque"'),
     "rule 'calque': mtcheck already has a rule with this id; give it an id of its own"),
    (DESK_RULE.split("[[rule.examples]]")[0], "rule 'desk-in-the-amount-of' has no 'examples'"),
    (DESK_RULE.replace("[[rule.phrases]]", 'pattern = "x"\n[[rule.phrases]]'), "needs a pattern or [[rule.phrases]]: one or the other"),
    (DESK_RULE.replace("weight = 1.2", "weight = nan"), "weight must be above 0 (the log-odds a match adds), not nan"),
    (DESK_RULE.replace("'in the amount of (", "'(?i)in the amount of ("), "cannot be wrapped as whole words (global flags not at the start"),
    (DESK_RULE.replace("“{0}”:", "“{0}” }:"), "message ““{0}” }: say “of {1} {2}”.”: Single '}' encountered in format string (write {{ and }}"),
]


@pytest.mark.parametrize("text,message", BAD_FILES, ids=[str(i) for i in range(len(BAD_FILES))])
def test_a_malformed_desk_file_is_one_error_line_with_exit_2_and_registers_nothing(desk, monkeypatch, capsys, text, message):
    (desk / "desk-rules.toml").write_text(text, encoding="utf-8")
    article = desk / "article.txt"
    article.write_text("The court imposed a fine.\n", encoding="utf-8")
    before = rules.rule_ids()
    code, out, err = run_main(monkeypatch, capsys, "check", str(article), "--no-rewrite", "--no-languagetool",
                              "--config", str(desk / "mtcheck.toml"))
    assert code == 2 and out == ""
    line = error_line(err)
    assert str(desk / "desk-rules.toml") in line and message in line, line
    assert rules.rule_ids() == before


def test_a_missing_desk_file_is_a_config_error_naming_it(tmp_path):
    settings = Settings(tables={"rules": {"files": ["nowhere.toml"]}}, config_path=str(tmp_path / "mtcheck.toml"))
    with pytest.raises(ConfigError, match=r"phrase-rule file not found: .*nowhere\.toml"):
        use_desk_files(settings)
