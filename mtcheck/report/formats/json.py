"""``--format json``: the versioned schema of mtcheck.report.serialize, pretty-printed."""

from __future__ import annotations

import json

from mtcheck.registry import formats
from mtcheck.report.serialize import results_to_dict
from mtcheck.types import DocumentResult


@formats.register("json")
def render(results: list[DocumentResult], options) -> str:
    data = results_to_dict(
        results,
        settings=getattr(options, "settings", None),
        reference_path=getattr(options, "reference_path", None),
        exit_code=getattr(options, "exit_code", None),
    )
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
