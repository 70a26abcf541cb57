"""Settings: defaults, then ``[tool.mtcheck]`` in pyproject.toml or ``mtcheck.toml``, then CLI flags.

Each stage reads its own table (``[tool.mtcheck.languagetool]``, ``[tool.mtcheck.models]``...)
through :meth:`Settings.section`, so a stage's options live next to its code.

``mtcheck.toml`` (or any file given with ``--config``) holds the settings either at its top level
(``threshold = ...``, ``[languagetool]``) or, like pyproject.toml, under ``[tool.mtcheck]``. A
setting mtcheck does not know is an error, never silently ignored: every top-level key and table
is listed in :data:`CONFIG_KEYS`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mtcheck.errors import ConfigError
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
    tables: dict[str, Any] = field(default_factory=dict)  # the raw configuration tables
    config_path: str | None = None

    def section(self, name: str) -> dict[str, Any]:
        value = self.tables.get(name, {})
        return value if isinstance(value, dict) else {}

    def with_overrides(self, **changes: Any) -> "Settings":
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


# Every top-level key of the mtcheck configuration, and where it is read. "table" entries are a
# stage's own table, read with Settings.section(name); "value" entries are read by _settings_from.
# A new setting is added here, or the configuration that uses it is refused as unknown.
CONFIG_KEYS: dict[str, str] = {
    "threshold": "value",
    "severity_bands": "value",  # a table of the three bands, read here
    "fail_on": "value",
    "max_flagged_ratio": "value",
    "allow": "value",
    "detect": "table",  # mtcheck/detect/__init__.py (model)
    "languagetool": "table",  # mtcheck/services/languagetool.py, mtcheck/detect/signals/languagetool.py
    "models": "table",  # mtcheck/services/models.py (roles, local)
    "rewrite": "table",  # mtcheck/rewrite/ and its backends
    "compare": "table",  # mtcheck/compare/ (alignment parameters)
}


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in ("mtcheck.toml", "pyproject.toml"):
            candidate = folder / name
            if candidate.is_file():
                if name == "mtcheck.toml" or _has_tool_table(candidate):
                    return candidate
    return None


# A pyproject.toml that TOML cannot parse may still be meant for mtcheck: "[tool.mtcheck...]",
# "tool.mtcheck.x = ..." or, under [tool], "mtcheck = {...}" / "mtcheck.x = ...".
_MENTIONS_TOOL_TABLE = re.compile(r"""tool\s*\.\s*["']?mtcheck\b|^\s*["']?mtcheck["']?\s*[.=]""", re.MULTILINE)


def _has_tool_table(path: Path) -> bool:
    """Whether a pyproject.toml holds ``[tool.mtcheck]``; a file TOML cannot parse counts when its
    text mentions the table, so that loading it reports the syntax error instead of ignoring it."""
    try:
        raw = path.read_bytes()
    except OSError:
        return False
    try:
        tool = tomllib.loads(raw.decode("utf-8")).get("tool", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
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


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as err:
        raise ConfigError(f"cannot read config {path}: {err.strerror or err}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise ConfigError(f"{path}: line {line}: not UTF-8 text (byte {raw[err.start]:#04x})",
                          fix="save the config file as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise _toml_error(path, text, err) from None


def load_settings(path: str | Path | None = None) -> Settings:
    config_path = Path(path) if path else find_config()
    if config_path is None:
        return Settings()
    data = _read_toml(config_path)
    if config_path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("mtcheck", {}) if isinstance(tool, dict) else {}
        where = "in [tool.mtcheck]"
    else:
        data, where = _mtcheck_table(data, config_path)
    if not isinstance(data, dict):
        raise ConfigError(f"{config_path}: tool.mtcheck must be a table ([tool.mtcheck]), not a {_toml_type(data)}")
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


def _toml_type(value: Any) -> str:
    return {bool: "boolean", str: "string", int: "integer", float: "number", list: "list", dict: "table"}.get(type(value), type(value).__name__)


def _check_keys(data: dict[str, Any], path: Path, where: str) -> None:
    """Every key must be one mtcheck reads (CONFIG_KEYS), and a stage's table must be a table."""
    for key, value in data.items():
        kind = CONFIG_KEYS.get(key)
        if kind is None:
            values = ", ".join(k for k, v in CONFIG_KEYS.items() if v == "value")
            tables = ", ".join(k for k, v in CONFIG_KEYS.items() if v == "table")
            raise ConfigError(f"{path}: unknown setting {key!r} {where} (settings: {values}; tables: {tables})")
        if kind == "table" and not isinstance(value, dict):
            raise ConfigError(f"{path}: {key!r} must be a table ([{key}] or [tool.mtcheck.{key}]), not a {_toml_type(value)}")


def _settings_from(data: dict[str, Any], origin: str) -> Settings:
    settings = Settings(tables=data, config_path=origin)
    try:
        if "threshold" in data:
            settings = replace(settings, threshold=float(data["threshold"]))
        if "severity_bands" in data:
            bands = {k: float(v) for k, v in data["severity_bands"].items()}
            unknown = set(bands) - set(SEVERITY_BANDS)
            if unknown:
                raise ConfigError(f"{origin}: unknown severity {sorted(unknown)[0]!r} in severity_bands")
            settings = replace(settings, severity_bands={**SEVERITY_BANDS, **bands})
        if "fail_on" in data:
            settings = replace(settings, fail_on=str(data["fail_on"]))
        if "max_flagged_ratio" in data:
            settings = replace(settings, max_flagged_ratio=float(data["max_flagged_ratio"]))
        if "allow" in data:
            settings = replace(settings, allow=tuple(str(x) for x in data["allow"]))
    except (TypeError, ValueError, AttributeError) as err:
        raise ConfigError(f"{origin}: invalid [tool.mtcheck] value: {err}") from None
    if settings.fail_on not in SEVERITY_ORDER:
        raise ConfigError(f"{origin}: fail_on must be {', '.join(SEVERITY_ORDER[:-1])} or {SEVERITY_ORDER[-1]}")
    return settings


def severity_for(score: float, flagged: bool, bands: dict[str, float]) -> str:
    if not flagged:
        return "none"
    for level in FLAGGED_SEVERITIES:
        if score >= bands[level]:
            return level
    return "info"
