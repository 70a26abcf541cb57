"""``mtcheck plugins``: every rule, signal, format and backend, and where it comes from."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mtcheck.cli import app

if TYPE_CHECKING:
    from mtcheck.detect.base import Contract


@app.command("plugins")
def plugins() -> None:
    """List the plug-ins: interference rules, detection signals, output formats and rewrite backends,
    each built in or from an installed distribution (name and version, through its entry points).
    A plug-in that cannot be loaded is named on stderr and left out."""
    from mtcheck.config import load_settings
    from mtcheck.detect import rules
    from mtcheck.detect.base import contract_of
    from mtcheck.detect.classifier import load_model
    from mtcheck.registry import BUILT_IN, Plugin, backends, formats, signals

    rows = [Plugin("rule", r, rules.ORIGINS.get(r, BUILT_IN)) for r in rules.rule_ids()]
    rows += [*signals.plugins(), *formats.plugins(), *backends.plugins()]
    weighed = load_model(load_settings().detect_config.model).signals
    notes = {name: _signal_note(name in weighed, contract_of(cls)) for name, cls in signals.items()}
    width = max(len(r.name) for r in rows)
    for row in rows:
        note = notes.get(row.name, "") if row.kind == "signal" else ""
        typer.echo(f"{row.kind:<8} {row.name:<{width}}  {row.origin}{note}")


def _signal_note(weighed: bool, contract: Contract) -> str:
    """Whether ``mtcheck check`` runs the signal, and whether its evidence counts in the score."""
    if weighed:
        return "  [runs: weighed by the model]"
    if not contract.default:
        return "  [on request: --signals +NAME]"
    if contract.own_weights:
        return "  [runs: advisory, not in the score]"
    return "  [runs: not yet weighted by the model, its reasons at weight 0]"
