"""Typed configuration (issue #13, item 4): one frozen dataclass per table, validated once.

An unknown key or a value of the wrong type in any table is exit 2 with one line naming the key
and the file; the dataclass defaults are the ones the stages use; the configurations the docs
show still load.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest

from conftest import ROOT, error_line, run_main
from mtcheck.config import CONFIG_KEYS, Settings, load_settings
from mtcheck.config_tables import TABLES, CompareConfig, LanguageToolConfig, ModelsConfig, RewriteConfig, schema
from mtcheck.errors import ConfigError

ARTICLE = "The minister said on Monday that the talks would continue next week.\n"

# One misspelt key per table, and the key it should have been.
MISSPELT = [
    ("detect", "modle", "model"),
    ("languagetool", "disabled_rule", "disabled_rules"),
    ("models", "embeder", "embedder"),
    ("rewrite", "n_thread", "n_threads"),
    ("compare", "thresold", "threshold"),
]

# One value of the wrong type per table, and the type the message asks for.
WRONG_TYPE = [
    ("detect", "model", "3", "must be a string, not an integer"),
    ("languagetool", "port", '"8081"', "must be an integer, not a string"),
    ("languagetool", "picky", '"yes"', "must be true or false, not a string"),
    ("languagetool", "disabled_rules", '["EN_QUOTES", 3]', "must be a list of strings; item 2 is an integer"),
    ("models", "rewriter", "[]", "must be a string, not a list"),
    ("rewrite", "n_threads", '"2"', "must be an integer, not a string"),
    ("rewrite", "persist_prefix", "1", "must be true or false, not an integer"),
    ("rewrite", "candidates", "3.0", "must be an integer, not a number"),
    ("rewrite", "keep_rules", "5", "must be a list of strings, not an integer"),
    ("rewrite", "temperature", "true", "must be a number, not a boolean"),
    ("compare", "weight", '"0.4"', "must be a number, not a string"),
]


def check_cli(monkeypatch, capsys, tmp_path: Path, config: Path) -> str:
    """``mtcheck check`` with this config: exit 2 and the one line of its error."""
    article = tmp_path / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    code, out, err = run_main(monkeypatch, capsys, "check", str(article), "--config", str(config), "--quiet")
    assert code == 2, (out, err)
    return error_line(err)


# --------------------------------------------------------------------------- unknown keys


@pytest.mark.parametrize("table, key, meant", MISSPELT)
def test_an_unknown_key_in_each_table_is_one_line_naming_key_and_file(monkeypatch, capsys, tmp_path, table, key, meant):
    config = tmp_path / "mtcheck.toml"
    config.write_text(f"[{table}]\n{key} = 1\n", encoding="utf-8")
    line = check_cli(monkeypatch, capsys, tmp_path, config)
    assert str(config) in line
    assert f"unknown key {key!r} in [{table}]" in line
    assert f"did you mean {meant}?" in line


@pytest.mark.parametrize("table, key, meant", MISSPELT)
def test_an_unknown_key_in_pyproject_names_the_pyproject(monkeypatch, capsys, tmp_path, table, key, meant):
    config = tmp_path / "pyproject.toml"
    config.write_text(f'[project]\nname = "news"\n\n[tool.mtcheck.{table}]\n{key} = 1\n', encoding="utf-8")
    line = check_cli(monkeypatch, capsys, tmp_path, config)
    assert str(config) in line and f"{key!r} in [{table}]" in line and meant in line


def test_an_unknown_key_far_from_any_lists_the_known_ones(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text("[compare]\nzzz = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown key 'zzz' in \[compare\] \(known: weight, background, "):
        load_settings(config)


def test_an_unknown_top_level_setting_suggests_the_closest(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text('failon = "error"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown setting 'failon' at the top level \(did you mean fail_on\?\)"):
        load_settings(config)
    config.write_text("[rewriter]\nmodel = 'x'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"did you mean rewrite\?"):
        load_settings(config)


# --------------------------------------------------------------------------- wrong types


@pytest.mark.parametrize("table, key, value, expected", WRONG_TYPE)
def test_a_wrong_type_in_each_table_is_one_line_naming_key_and_file(monkeypatch, capsys, tmp_path, table, key, value, expected):
    config = tmp_path / "mtcheck.toml"
    config.write_text(f"[{table}]\n{key} = {value}\n", encoding="utf-8")
    line = check_cli(monkeypatch, capsys, tmp_path, config)
    assert f"{config}: [{table}] {key} {expected}" in line


@pytest.mark.parametrize("text, expected", [
    ("threshold = \"0.6\"\n", "threshold must be a number, not a string"),
    ("max_flagged_ratio = true\n", "max_flagged_ratio must be a number, not a boolean"),
    ("fail_on = 1\n", "fail_on must be a string, not an integer"),
    ("allow = [1]\n", "allow must be a list of strings; item 1 is an integer"),
    ("severity_bands = { warning = \"high\" }\n", "severity_bands.warning must be a number, not a string"),
    ("severity_bands = { warn = 0.6 }\n", "unknown severity 'warn' in severity_bands (did you mean warning?)"),
    ("[models.local]\ntiny = 3\n", "[models.local] tiny must be a string, not an integer"),
    ("[models.local]\n\"tiny\\nrewriter\" = 3\n", "[models.local] \"tiny\\nrewriter\" must be a string, not an integer"),
    ("[models]\nlocal = \"copy.gguf\"\n", "[models] local must be a table of strings, not a string"),
    ("[languagetool]\nmode = \"cloud\"\n", "[languagetool] mode must be managed | url | download, not 'cloud'"),
])
def test_top_level_values_and_nested_tables_are_typed_too(monkeypatch, capsys, tmp_path, text, expected):
    config = tmp_path / "mtcheck.toml"
    config.write_text(text, encoding="utf-8")
    line = check_cli(monkeypatch, capsys, tmp_path, config)
    assert f"{config}: {expected}" in line


def test_settings_built_in_code_are_validated_too():
    with pytest.raises(ConfigError, match=r"^config: unknown key 'n_thread' in \[rewrite\] \(did you mean n_threads\?\)$"):
        Settings(tables={"rewrite": {"n_thread": 2}})
    with pytest.raises(ConfigError, match=r"^config: unknown table \[rewriter\] \(did you mean rewrite\?\)$"):
        Settings(tables={"rewriter": {}})
    settings = Settings(tables={"rewrite": {"n_threads": 2}}, config_path="/etc/mtcheck.toml")
    # with_overrides(tables=...) (cli/check.py --model, cli/eval_rewrite.py --model) validates the new tables.
    with pytest.raises(ConfigError, match=r"^/etc/mtcheck.toml: \[rewrite\] model must be a string, not an integer \(7\)$"):
        settings.with_overrides(tables={**settings.tables, "rewrite": {**settings.section("rewrite"), "model": 7}})
    changed = settings.with_overrides(tables={**settings.tables, "rewrite": {**settings.section("rewrite"), "model": "x.gguf"}})
    assert changed.rewrite_config.model == "x.gguf" and changed.rewrite_config.n_threads == 2


# --------------------------------------------------------------------------- defaults


def test_an_empty_configuration_gives_the_dataclass_defaults(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text("", encoding="utf-8")
    for settings in (Settings(), load_settings(config)):
        for name, cls in TABLES.items():
            assert settings.table(name) == cls()
            assert settings.section(name) == {}
    assert Settings().rewrite_config == RewriteConfig() and Settings().compare_config == CompareConfig()


def test_the_dataclass_defaults_are_the_stages_own():
    from mtcheck.compare.align import TUNED, AlignParams
    from mtcheck.rewrite import DEFAULT_CANDIDATES, verify
    from mtcheck.rewrite.backends.hf_transformers import DEFAULT_SEQ2SEQ_PREFIX
    from mtcheck.rewrite.generate import RULE_SOURCES

    rewrite = RewriteConfig()
    assert rewrite.candidates == DEFAULT_CANDIDATES and rewrite.rule_sources == RULE_SOURCES
    assert rewrite.seq2seq_prefix == DEFAULT_SEQ2SEQ_PREFIX
    assert (rewrite.similarity_threshold, rewrite.min_support, rewrite.support_share, rewrite.equivalence,
            rewrite.max_rise, rewrite.fluency_gain, rewrite.surprisal_tolerance, rewrite.resolved_surprisal_tolerance) == (
        verify.DEFAULT_SIMILARITY, verify.DEFAULT_MIN_SUPPORT, verify.DEFAULT_SUPPORT_SHARE, verify.DEFAULT_EQUIVALENCE,
        verify.DEFAULT_MAX_RISE, verify.DEFAULT_FLUENCY_GAIN, verify.DEFAULT_SURPRISAL_TOLERANCE, verify.DEFAULT_RESOLVED_SURPRISAL_TOLERANCE)
    assert set(schema(CompareConfig)) == set(TUNED)
    assert AlignParams.from_config(CompareConfig()) == AlignParams()


def test_the_model_roles_are_the_stores():
    from mtcheck.services.modelstore import ROLES

    assert set(schema(ModelsConfig)) == {*ROLES, "local"}


def test_the_stages_run_on_the_defaults(monkeypatch):
    from mtcheck.rewrite import Rewriter
    from mtcheck.rewrite.verify import Verifier
    from mtcheck.services.languagetool import LanguageToolService

    monkeypatch.delenv("MTCHECK_LT_PORT", raising=False)
    rewrite, languagetool = RewriteConfig(), LanguageToolConfig()
    rewriter = Rewriter(Settings())
    assert (rewriter.n, rewriter.temperature, rewriter.sample_temperature, rewriter.repair_pass, rewriter.seed, rewriter.max_tokens,
            rewriter.use_llm, rewriter.context, rewriter.rule_sources, rewriter.keep_rules) == (
        rewrite.candidates, rewrite.temperature, rewrite.sample_temperature, rewrite.repair, rewrite.seed, rewrite.max_tokens,
        rewrite.llm, rewrite.context, rewrite.rule_sources, frozenset())
    verifier = Verifier(Settings())
    expected = (rewrite.similarity_threshold, rewrite.min_support, rewrite.model_checks)
    assert (verifier.threshold, verifier.min_support, verifier.use_models) == expected
    service = LanguageToolService(Settings())
    assert (service.mode, service.port, service.heap, service.start_timeout, service.language, service.mother_tongue, service.picky,
            service.disabled_rules) == ("managed", languagetool.port, languagetool.heap, languagetool.start_timeout,
                                        languagetool.language, languagetool.mother_tongue, languagetool.picky, languagetool.disabled_rules)


def test_the_stages_read_the_typed_values():
    from mtcheck.compare.align import AlignParams
    from mtcheck.detect.signals.languagetool import NOISE_RULES, LanguageToolSignal
    from mtcheck.rewrite import Rewriter
    from mtcheck.rewrite.backends.openai_http import OpenAIBackend

    settings = Settings(tables={
        "rewrite": {"candidates": 5, "temperature": 1, "keep_rules": "thousand-count", "base_url": "http://h:1/v1/", "timeout": 5},
        "languagetool": {"ignore_rules": "UPPERCASE_SENTENCE_START"},
        "compare": {"threshold": 1},
    })
    rewriter = Rewriter(settings)
    assert (rewriter.n, rewriter.temperature) == (5, 1.0) and "thousand-count" in rewriter.keep_rules  # with its aliases
    backend = OpenAIBackend(settings)
    assert (backend.base_url, backend.timeout) == ("http://h:1/v1", 5.0) and isinstance(backend.timeout, float)
    assert LanguageToolSignal(settings).noise_rules == NOISE_RULES | {"UPPERCASE_SENTENCE_START"}
    assert AlignParams.from_config(settings.compare_config).threshold == 1.0


# --------------------------------------------------------------------------- section() and table()


def test_section_keeps_the_keys_set_with_validated_values(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text('[rewrite]\ntemperature = 1\nkeep_rules = "thousand-count"\n'
                      '[languagetool]\nport = 9999\ndisabled_rules = ["EN_QUOTES"]\n'
                      '[models.local]\ntiny-rewriter = "copy.gguf"\n', encoding="utf-8")
    settings = load_settings(config)
    assert settings.section("rewrite") == {"temperature": 1.0, "keep_rules": ["thousand-count"]}
    assert isinstance(settings.section("rewrite")["temperature"], float)
    assert settings.section("languagetool") == {"port": 9999, "disabled_rules": ["EN_QUOTES"]}
    assert settings.section("models") == {"local": {"tiny-rewriter": "copy.gguf"}}
    assert settings.section("missing") == {}
    rewrite = settings.table("rewrite")
    assert isinstance(rewrite, RewriteConfig) and rewrite == settings.rewrite_config
    assert rewrite.temperature == 1.0 and rewrite.keep_rules == ("thousand-count",) and rewrite.n_threads == 2
    assert settings.languagetool_config.disabled_rules == ("EN_QUOTES",)
    assert settings.models_config.local == {"tiny-rewriter": "copy.gguf"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        rewrite.n_threads = 4  # type: ignore[misc]
    with pytest.raises(KeyError):
        settings.table("missing")  # type: ignore[call-overload]
    # A caller's copy of a section does not change the settings.
    settings.section("rewrite")["temperature"] = 0.5
    assert settings.rewrite_config.temperature == 1.0


def test_settings_rebuilt_from_their_fields_stay_the_same(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text("threshold = 0.6\n[rewrite]\nn_threads = 1\n", encoding="utf-8")
    settings = load_settings(config)
    again = Settings(**{**settings.__dict__, "cache": False})  # as cli/eval_detect.py does
    assert again.tables == settings.tables and again.rewrite_config.n_threads == 1 and not again.cache


def test_every_table_is_a_config_key():
    assert {name for name, kind in CONFIG_KEYS.items() if kind == "table"} == set(TABLES)


def test_no_stage_reads_a_table_by_key():
    """Stages read the typed tables (``settings.rewrite_config.n_threads``): a key read from the
    raw mapping would bypass the schema, so a misspelt key in the code would go unnoticed."""
    raw = []
    for path in (ROOT / "mtcheck").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        raw += [f"{path.name}: {m}" for m in re.findall(r"""\.section\(\s*["']\w+["']\s*\)\.get\(\s*["']\w+["']""", text)]
        raw += [f"{path.name}: {m}" for m in re.findall(r"""\w+\s*=\s*.*\.section\(\s*["']\w+["']\s*\)\s*$""", text, re.M)]
    assert raw == []


# --------------------------------------------------------------------------- documented configurations


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["mtcheck.toml", "pyproject.toml"])
def test_the_readme_example_loads_with_every_commented_key_set(tmp_path, name):
    block = re.search(r"```toml\n(\[tool\.mtcheck\].*?)```", _readme(), re.S).group(1)
    # Uncommented, every documented key must be one mtcheck accepts, with a value of its type.
    text = re.sub(r"^# (\w+ = )", r"\1", block, flags=re.M)
    assert text.count("\n") == block.count("\n") and text != block
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path)
    assert settings.rewrite_config.keep_rules == ("thousand-count", "MTCHECK_RU_THOUSAND_DECIMAL")
    assert settings.rewrite_config.backend == "llama_cpp" and settings.compare_config.threshold == 0.2
    assert settings.languagetool_config.mother_tongue == "ru" and settings.models_config.embedder


def test_the_readme_key_table_lists_every_key_with_its_default():
    rows = dict(re.findall(r"^\| `\[(\w+)\]` \| (.*) \|$", _readme(), re.M))
    assert set(rows) == set(TABLES)
    for table, text in rows.items():
        defaults = {f.name: f.default for f in dataclasses.fields(TABLES[table])}
        assert set(re.findall(r"`(\w+)`", text)) == set(defaults), table
        for key, shown in re.findall(r"`(\w+)` \(([^;:)]*)", text):
            try:
                value = tomllib.loads(f"v = {shown}")["v"]
            except tomllib.TOMLDecodeError:
                continue  # words, not a TOML value
            expected = defaults[key]
            assert (tuple(value) if isinstance(value, list) else value) == expected, (table, key)


@pytest.mark.parametrize("text", [
    "[rewrite]\npersist_prefix = false\n",  # benchmarks/bench_rewrite.py
    "[rewrite]\nn_threads = 1\n",
    '[detect]\nmodel = "models/detector.joblib"\n',
    '[languagetool]\nignore_rules = ["UPPERCASE_SENTENCE_START"]\nmother_tongue = ""\n',
    '[models]\nrewriter = "hub:org/name"\n[models.local]\ntiny-rewriter = "copy.gguf"\n',
    "[compare]\nweight = 1\nthreshold = 0.25\n",
])
def test_good_configurations_load(tmp_path, text):
    config = tmp_path / "mtcheck.toml"
    config.write_text(text, encoding="utf-8")
    settings = load_settings(config)
    table = re.match(r"\[(\w+)", text).group(1)
    assert settings.section(table)
    assert settings.table(table) != TABLES[table]()
