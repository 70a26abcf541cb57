"""``--format jsonl``: one flagged finding a line (suppressed ones too, marked), each with its document path.

An input that could not be checked is a line ``{"path", "kind": "error", "message"}`` (finding
lines have ``kind`` prose), in input order.
"""

from __future__ import annotations

import json

from mtcheck.registry import formats
from mtcheck.report.serialize import error_to_dict, finding_to_dict
from mtcheck.report.view import reported
from mtcheck.types import DocumentResult

FINDING_KEYS = {"path", "index", "start", "end", "text", "kind", "score", "flagged", "severity", "fingerprint"}


def recognise(head: str) -> bool:
    """The first line is a finding record or an error record."""
    if not head.lstrip().startswith("{"):
        return False
    try:
        record = json.loads(head.lstrip().split("\n", 1)[0])
    except ValueError:
        return False
    if not isinstance(record, dict):
        return False
    return FINDING_KEYS <= set(record) or (record.get("kind") == "error" and {"path", "message"} <= set(record))


@formats.register("jsonl", recognise=recognise)
def render(results: list[DocumentResult], options) -> str:
    lines = []
    for result in results:
        if getattr(result, "error", None):
            entry = error_to_dict(result)
            lines.append(json.dumps({"path": entry["path"], "kind": "error", "message": entry["message"]}, ensure_ascii=False))
            continue
        for finding in reported(result, include_suppressed=True):
            record = {"path": result.document.path, **finding_to_dict(finding, result.document)}
            lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)
