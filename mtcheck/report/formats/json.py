"""``--format json``: the versioned schema of mtcheck.report.serialize, pretty-printed."""

from __future__ import annotations

import json
import re

from mtcheck.registry import formats
from mtcheck.report.serialize import results_to_dict
from mtcheck.types import DocumentResult

_SCHEMA_FIRST = re.compile(r'\A\s*\{\s*"schema"\s*:\s*"mtcheck/report"')


def recognise(head: str) -> bool:
    """The report opens with its schema name (serialize puts ``schema`` first)."""
    return bool(_SCHEMA_FIRST.match(head))


@formats.register("json", recognise=recognise)
def render(results: list[DocumentResult], options) -> str:
    data = results_to_dict(
        results,
        settings=getattr(options, "settings", None),
        reference_path=getattr(options, "reference_path", None),
        exit_code=getattr(options, "exit_code", None),
    )
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
