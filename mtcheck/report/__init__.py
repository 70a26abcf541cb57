"""The report stage: turn finished ``DocumentResult`` values into text, JSON, SARIF, JUnit, GitHub or HTML.

A format is a plug-in in ``mtcheck/report/formats/<name>.py`` that registers
``render(results, options) -> str`` with ``@formats.register("<name>", recognise=...)``;
``recognise(head) -> bool`` tells its own output from an article (see
``mtcheck.registry.FormatRegistry``), and :func:`own_output` asks every format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any, Callable

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


# The first line a format writes for no documents identifies its reports only if it says enough:
# a CSV header does, "{" or "<html>" does not.
MIN_HEADER_CHARS = 12


@cache
def header_recogniser(renderer: Callable[..., str]) -> Callable[[str], bool] | None:
    """The default ``recognise`` of a format that declares none: a file whose first line is the
    first line the format writes for no documents (a CSV header, say) is its output. None when
    that line is missing, shorter than ``MIN_HEADER_CHARS`` or has no letter, or the format
    cannot render nothing: such a format's output is not recognised (it is read as an article)."""
    try:
        empty = renderer([], ReportOptions(color=False, exit_code=0))
    except Exception:  # noqa: BLE001 - a plug-in's failure here only means "not recognised"
        return None
    header = next((line.strip() for line in str(empty).splitlines() if line.strip()), "")
    if len(header) < MIN_HEADER_CHARS or not any(ch.isalpha() for ch in header):
        return None

    def recognise(head: str) -> bool:
        first = next((line.strip() for line in head.splitlines() if line.strip()), "")
        return first == header

    return recognise


def own_output(head: str) -> str | None:
    """The name of the format whose output ``head`` is (see ``FormatRegistry`` for what ``head``
    holds), or None for anything else: an article."""
    for name, renderer in registry.formats.items():
        recognise = registry.formats.recogniser(name) or header_recogniser(renderer)
        try:
            if recognise is not None and recognise(head):
                return name
        except Exception:  # noqa: BLE001 - a plug-in's broken recogniser claims nothing
            continue
    return None
