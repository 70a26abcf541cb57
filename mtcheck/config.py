"""Settings: defaults, then ``[tool.mtcheck]`` in pyproject.toml or ``mtcheck.toml``, then CLI flags.

Each stage reads its own table (``[tool.mtcheck.languagetool]``, ``[tool.mtcheck.models]``...)
through :meth:`Settings.section`, so a stage's options live next to its code.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mtcheck.errors import ConfigError

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


_TOP_LEVEL = {"threshold", "severity_bands", "fail_on", "max_flagged_ratio", "allow", "languagetool_enabled"}


def find_config(start: Path | None = None) -> Path | None:
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in ("mtcheck.toml", "pyproject.toml"):
            candidate = folder / name
            if candidate.is_file():
                if name == "mtcheck.toml" or _has_tool_table(candidate):
                    return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return "mtcheck" in tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return False


def load_settings(path: str | Path | None = None) -> Settings:
    config_path = Path(path) if path else find_config()
    if config_path is None:
        return Settings()
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {config_path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"cannot read config {config_path}: {err}") from None
    if config_path.name == "pyproject.toml":
        data = data.get("tool", {}).get("mtcheck", {})
    return _settings_from(data, str(config_path))


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
    if settings.fail_on not in ("none", "info", "warning", "error"):
        raise ConfigError(f"{origin}: fail_on must be none, info, warning or error")
    return settings


def severity_for(score: float, flagged: bool, bands: dict[str, float]) -> str:
    if not flagged:
        return "none"
    for level in ("error", "warning", "info"):
        if score >= bands[level]:
            return level
    return "info"
