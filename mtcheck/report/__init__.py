"""The report stage: turn finished ``DocumentResult`` values into text, JSON, SARIF, JUnit, GitHub or HTML.

A format is a plug-in in ``mtcheck/report/formats/<name>.py`` that registers
``render(results, options) -> str`` with ``@formats.register("<name>")``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# ``registry.formats``, not ``formats``: the subpackage mtcheck.report.formats would shadow the name.
from mtcheck import __version__, registry
from mtcheck.config import SEVERITY_BANDS, Settings
from mtcheck.errors import InputError
from mtcheck.types import DocumentResult


@dataclass(frozen=True)
class ReportOptions:
    tool_version: str = __version__
    threshold: float = 0.5
    fail_on: str = "warning"
    severity_bands: dict[str, float] = field(default_factory=lambda: dict(SEVERITY_BANDS))
    max_flagged_ratio: float | None = None
    reference_path: str | None = None
    exit_code: int | None = None
    color: bool | None = None  # text format: None = colour only when stdout is a terminal
    title: str = "mtcheck review report"
    width: int | None = None  # text format: wrap width; None = the terminal's, else 100
    # What the result can be reproduced from (mtcheck version, detector model, signals, rule pack,
    # threshold, rewrite prompt), in the JSON settings, the SARIF run and the HTML header.
    signature: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings, **changes: Any) -> "ReportOptions":
        return cls(
            threshold=0.5 if settings.threshold is None else settings.threshold,
            fail_on=settings.fail_on,
            severity_bands=dict(settings.severity_bands),
            max_flagged_ratio=settings.max_flagged_ratio,
            **changes,
        )

    @property
    def settings(self) -> dict[str, Any]:
        """The settings block of the JSON schema (``serialize.results_to_dict(settings=...)``)."""
        return {
            "threshold": self.threshold,
            "fail_on": self.fail_on,
            "severity_bands": dict(self.severity_bands),
            "max_flagged_ratio": self.max_flagged_ratio,
            **({"signature": self.signature} if self.signature else {}),
        }


def render(results: list[DocumentResult], fmt: str, options: ReportOptions | None = None) -> str:
    try:
        renderer = registry.formats.get(fmt)
    except KeyError:
        raise InputError(f"unknown output format {fmt!r} (choose from {', '.join(registry.formats.names())})") from None
    return renderer(list(results), options or ReportOptions())
