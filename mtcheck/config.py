"""Settings: defaults, then ``[tool.mtcheck]`` in pyproject.toml or ``mtcheck.toml``, then CLI flags.

Each stage has its own table (``[tool.mtcheck.languagetool]``, ``[tool.mtcheck.models]``...), typed
by one frozen dataclass in :mod:`mtcheck.config_tables` and validated once, when :class:`Settings`
is built (from a file or by code). A stage reads it typed, ``settings.table("rewrite").n_threads``
(or ``settings.rewrite_config``), or as a mapping of the keys the file sets,
``settings.section("rewrite")``.

``mtcheck.toml`` (or any file given with ``--config``) holds the settings either at its top level
(``threshold = ...``, ``[languagetool]``) or, like pyproject.toml, under ``[tool.mtcheck]``. A
setting mtcheck does not know, or a value of the wrong type, is an error (exit 2) of one line naming
the file and the key, never silently ignored: every top-level key and table is listed in
:data:`CONFIG_KEYS`, every key of a table is a field of its dataclass.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, overload

from mtcheck import console
from mtcheck.config_tables import (
    TABLES,
    CompareConfig,
    DetectConfig,
    GateConfig,
    LanguageToolConfig,
    ModelsConfig,
    RewriteConfig,
    RulesConfig,
    build,
    check_table,
    check_value,
    suggestion,
    toml_type,
)
from mtcheck.errors import ConfigError
from mtcheck.fsutil import read_regular_file
from mtcheck.types import FLAGGED_SEVERITIES, SEVERITY_ORDER

SEVERITY_BANDS = {"info": 0.5, "warning": 0.7, "error": 0.9}


def project_root() -> Path:
    """The checkout mtcheck runs from (for ``models/`` and ``reports/``), else the cwd."""
    env = os.environ.get("MTCHECK_HOME")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    if (here / "models" / "manifest.toml").exists():
        return here
    return Path.cwd()


def cache_dir() -> Path:
    env = os.environ.get("MTCHECK_CACHE")
    base = Path(env) if env else Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mtcheck"
    return base


@dataclass(frozen=True)
class Settings:
    # A sentence is flagged at or above this calibrated probability; None means the detector
    # model's own threshold, chosen on validation data (see mtcheck/resources/detector/provenance.json).
    threshold: float | None = None
    severity_bands: dict[str, float] = field(default_factory=lambda: dict(SEVERITY_BANDS))
    fail_on: str = "warning"
    max_flagged_ratio: float | None = None
    allow: tuple[str, ...] = ()  # names that must never count against a sentence
    languagetool: bool = True
    rewrite: bool = True
    cache: bool = True
    # The configuration's tables ([rewrite], [languagetool]...), validated when Settings is built:
    # each holds the keys the configuration sets, with plain values (see mtcheck/config_tables.py).
    tables: dict[str, Any] = field(default_factory=dict)
    config_path: str | None = None

    def __post_init__(self) -> None:
        # Every construction validates, also Settings(tables=...) in code and with_overrides(tables=...).
        object.__setattr__(self, "tables", _check_tables(self.tables, self.config_path or "config"))

    def section(self, name: str) -> dict[str, Any]:
        """The keys a table sets, validated (an integer given for a number is a float, one string
        for a list a list of one); a stage supplies the defaults. Typed access: :meth:`table`."""
        value = self.tables.get(name, {})
        return dict(value) if isinstance(value, dict) else {}

    @overload
    def table(self, name: Literal["detect"]) -> DetectConfig: ...
    @overload
    def table(self, name: Literal["languagetool"]) -> LanguageToolConfig: ...
    @overload
    def table(self, name: Literal["models"]) -> ModelsConfig: ...
    @overload
    def table(self, name: Literal["rewrite"]) -> RewriteConfig: ...
    @overload
    def table(self, name: Literal["compare"]) -> CompareConfig: ...
    @overload
    def table(self, name: Literal["gate"]) -> GateConfig: ...
    @overload
    def table(self, name: Literal["rules"]) -> RulesConfig: ...

    def table(self, name: str) -> Any:
        """A stage's table as its dataclass: every key, the defaults filled in."""
        if name not in TABLES:
            raise KeyError(f"no configuration table {name!r} (tables: {', '.join(TABLES)})")
        return build(name, self.section(name))

    @property
    def detect_config(self) -> DetectConfig:
        return self.table("detect")

    @property
    def languagetool_config(self) -> LanguageToolConfig:
        return self.table("languagetool")

    @property
    def models_config(self) -> ModelsConfig:
        return self.table("models")

    @property
    def rewrite_config(self) -> RewriteConfig:
        return self.table("rewrite")

    @property
    def compare_config(self) -> CompareConfig:
        return self.table("compare")

    @property
    def gate_config(self) -> GateConfig:
        return self.table("gate")

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def with_table_values(self, name: str, values: dict[str, Any]) -> "Settings":
        """These settings with some keys of one table set (command-line flags over the file),
        checked like the file's own."""
        return self.with_overrides(tables={**self.tables, name: {**self.section(name), **values}})


# The top-level values and their types, read by _settings_from into the fields of Settings.
VALUE_TYPES: dict[str, Any] = {
    "threshold": float,
    "severity_bands": dict[str, float],  # a table of the three bands
    "fail_on": str,
    "max_flagged_ratio": float,
    "allow": tuple[str, ...],
}

# Every top-level key of the mtcheck configuration. "value" entries are read by _settings_from;
# "table" entries are a stage's own table, typed by its dataclass in mtcheck/config_tables.py
# (TABLES), which also says which modules read it. A new setting is added there or in
# VALUE_TYPES, or the configuration that uses it is refused as unknown.
CONFIG_KEYS: dict[str, str] = {**{key: "value" for key in VALUE_TYPES}, **{name: "table" for name in TABLES}}


def _check_tables(tables: dict[str, Any], origin: str) -> dict[str, Any]:
    """Settings.tables with every stage table validated; top-level values are left to _settings_from."""
    checked: dict[str, Any] = {}
    for name, value in tables.items():
        kind = CONFIG_KEYS.get(name)
        if kind is None:
            raise ConfigError(f"{origin}: unknown table [{name}]{suggestion(name, TABLES)}")
        checked[name] = check_table(name, value, origin) if kind == "table" else value
    return checked


# A config file is read only up to this size: settings, not data (``--config /dev/zero`` is refused).
CONFIG_LIMIT = 1_000_000


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``mtcheck.toml``, or ``pyproject.toml`` with ``[tool.mtcheck]``, from ``start``
    (the working directory) upwards. A file that another user owns is ignored with a warning, as
    git ignores a repository another user owns: whoever can write to a parent folder (``/tmp``, a
    shared checkout) must not choose the rewrite server the article goes to. ``--config`` names
    such a file on purpose."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in ("mtcheck.toml", "pyproject.toml"):
            candidate = folder / name
            if not candidate.is_file():
                continue
            if name == "pyproject.toml" and not _has_tool_table(candidate):
                continue  # another project's file, whoever owns it
            owner = _foreign_owner(candidate)
            if owner is not None:
                console.warn_once(f"config-owner:{candidate}", f"ignoring {candidate}: it belongs to another user "
                                                               f"(uid {owner}); pass it with --config to use it")
                continue
            return candidate
    return None


def trusted_owners() -> set[int]:
    """The users whose config files mtcheck reads by itself: the current user and root."""
    return {os.geteuid(), 0} if hasattr(os, "geteuid") else set()


def _foreign_owner(path: Path) -> int | None:
    """The owner of ``path`` when it is not a trusted one; None when it is (or cannot be told)."""
    owners = trusted_owners()
    try:
        owner = path.stat().st_uid
    except OSError:
        return None
    return owner if owners and owner not in owners else None


# A pyproject.toml that TOML cannot parse may still be meant for mtcheck: "[tool.mtcheck...]",
# "tool.mtcheck.x = ..." or, under [tool], "mtcheck = {...}" / "mtcheck.x = ...".
_MENTIONS_TOOL_TABLE = re.compile(r"""tool\s*\.\s*["']?mtcheck\b|^\s*["']?mtcheck["']?\s*[.=]""", re.MULTILINE)


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml holds ``[tool.mtcheck]``; a file TOML cannot parse counts when its
    text mentions the table, so that loading it reports the syntax error instead of ignoring it."""
    try:
        raw = _read_config_bytes(path)
    except ConfigError:
        return False  # unreadable, too big or not a file: not taken for mtcheck's (as before the size cap)
    try:
        tool = tomllib.loads(raw.decode("utf-8")).get("tool", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, RecursionError):
        return bool(_MENTIONS_TOOL_TABLE.search(raw.decode("utf-8", errors="replace")))
    return isinstance(tool, dict) and "mtcheck" in tool


def _toml_error(path: Path, text: str, err: tomllib.TOMLDecodeError) -> ConfigError:
    """One line naming the file and the line of a TOML syntax error."""
    message = str(err)
    line = getattr(err, "lineno", None)  # Python 3.14 has the position as attributes
    column = getattr(err, "colno", None)
    found = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if found:
        line, column = line or int(found.group(1)), column or int(found.group(2))
        message = message[: found.start()]
    elif message.endswith("(at end of document)"):
        line = line or max(1, len(text.splitlines()))
        message = message.removesuffix("(at end of document)").rstrip() + " at the end of the file"
    message = " ".join(getattr(err, "msg", message).split())
    where = f"line {line}" + (f", column {column}" if column else "") if line else "somewhere"
    return ConfigError(f"{path}: {where}: invalid TOML: {message}")


def _read_config_bytes(path: Path) -> bytes:
    return read_regular_file(path, limit=CONFIG_LIMIT, what="config file", error=ConfigError)


def read_toml(path: Path, what: str = "config file") -> dict[str, Any]:
    """A settings-like TOML file (the configuration, a desk's phrase-rule file) as a table; a missing,
    oversized or unreadable file, text that is not UTF-8 or not TOML is a ConfigError of one line
    naming the file (and the line)."""
    raw = read_regular_file(path, limit=CONFIG_LIMIT, what=what, error=ConfigError)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: not UTF-8 text (byte {raw[err.start]:#04x})",
                          fix=f"save the {what} as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(path, text, err) from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None


def load_settings(path: str | Path | None = None) -> Settings:
    config_path = Path(path) if path else find_config()
    if config_path is None:
        return Settings()
    data = read_toml(config_path)
    if config_path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("mtcheck", {}) if isinstance(tool, dict) else {}
        where = "in [tool.mtcheck]"
    else:
        data, where = _mtcheck_table(data, config_path)
    if not isinstance(data, dict):
        raise ConfigError(f"{config_path}: tool.mtcheck must be a table ([tool.mtcheck]), not a {toml_type(data)}")
    _check_keys(data, config_path, where)
    return _settings_from(data, str(config_path))


def _mtcheck_table(data: dict[str, Any], path: Path) -> tuple[Any, str]:
    """An mtcheck.toml's settings: its top level, or its [tool.mtcheck] table (the pyproject form)."""
    tool = data.get("tool")
    if tool == {}:  # a bare [tool] header sets nothing
        data = {k: v for k, v in data.items() if k != "tool"}
    if isinstance(tool, dict) and tool and "mtcheck" not in tool:
        raise ConfigError(f"{path}: unknown table [tool.{next(iter(tool))}] (mtcheck reads its settings "
                          "at the top level or under [tool.mtcheck])")
    if not isinstance(tool, dict) or "mtcheck" not in tool:
        return data, "at the top level"
    others = [f"tool.{k}" for k in tool if k != "mtcheck"] + [k for k in data if k != "tool"]
    if others:
        raise ConfigError(f"{path}: {others[0]!r} is outside [tool.mtcheck]; put every setting under [tool.mtcheck], "
                          f"or write them all at the top level without [tool.mtcheck]")
    return tool["mtcheck"], "in [tool.mtcheck]"


def _check_keys(data: dict[str, Any], path: Path, where: str) -> None:
    """Every key must be one mtcheck reads (CONFIG_KEYS), and a stage's table must be a table."""
    for key, value in data.items():
        kind = CONFIG_KEYS.get(key)
        if kind is None:
            values = ", ".join(k for k, v in CONFIG_KEYS.items() if v == "value")
            tables = ", ".join(k for k, v in CONFIG_KEYS.items() if v == "table")
            close = suggestion(key, CONFIG_KEYS)
            known = close if "did you mean" in close else f" (settings: {values}; tables: {tables})"
            raise ConfigError(f"{path}: unknown setting {key!r} {where}{known}")
        if kind == "table" and not isinstance(value, dict):
            raise ConfigError(f"{path}: {key!r} must be a table ([{key}] or [tool.mtcheck.{key}]), not a {toml_type(value)}")


def _settings_from(data: dict[str, Any], origin: str) -> Settings:
    values = {key: check_value(kind, data[key], key, origin) for key, kind in VALUE_TYPES.items() if key in data}
    bands = values.get("severity_bands", {})
    for level in bands:
        if level not in SEVERITY_BANDS:
            raise ConfigError(f"{origin}: unknown severity {level!r} in severity_bands{suggestion(level, SEVERITY_BANDS)}")
    fail_on = values.get("fail_on", Settings.fail_on)
    if fail_on not in SEVERITY_ORDER:
        raise ConfigError(f"{origin}: fail_on must be {', '.join(SEVERITY_ORDER[:-1])} or {SEVERITY_ORDER[-1]}, not {fail_on!r}")
    return Settings(
        threshold=values.get("threshold"),
        severity_bands={**SEVERITY_BANDS, **bands},
        fail_on=fail_on,
        max_flagged_ratio=values.get("max_flagged_ratio"),
        allow=tuple(values.get("allow", ())),
        tables=data,
        config_path=origin,
    )


def severity_for(score: float, flagged: bool, bands: dict[str, float]) -> str:
    if not flagged:
        return "none"
    for level in FLAGGED_SEVERITIES:
        if score >= bands[level]:
            return level
    return "info"
