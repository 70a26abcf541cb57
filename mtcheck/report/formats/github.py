"""``--format github``: GitHub Actions workflow commands, one annotation per flagged sentence.

An input that could not be checked is a file-level ``::error`` annotation titled
``mtcheck: input error`` carrying the one-line message.
"""

from __future__ import annotations

import re

from mtcheck.console import printable
from mtcheck.registry import formats
from mtcheck.report.view import explanation_lines, position, primary_reason, reported, rule_id
from mtcheck.types import DocumentResult, Finding

LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
_ANNOTATION = re.compile(r"::(?:error|warning|notice) [^:\n]*\btitle=mtcheck%3A")


def recognise(head: str) -> bool:
    """Every line (of the first 20) is an annotation titled ``mtcheck:``."""
    lines = [line for line in head.splitlines() if line.strip()]
    return bool(lines) and all(_ANNOTATION.match(line) for line in lines[:20])


def escape_data(value: str) -> str:
    # A CI log shows the rest on a terminal-like page: other control characters are made visible.
    return printable(value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"), keep="\t")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def message(finding: Finding) -> str:
    head = f"Reads as machine-translated (score {finding.score:.2f}, {finding.severity})."
    return "\n".join([head, *explanation_lines(finding)])


@formats.register("github", recognise=recognise)
def render(results: list[DocumentResult], options) -> str:
    out = []
    for result in results:
        if getattr(result, "error", None):
            props = {"file": result.document.path, "title": "mtcheck: input error"}
            prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
            out.append(f"::error {prop_text}::{escape_data(' '.join(str(result.error).split()))}\n")
            continue
        text = result.document.text
        for finding in reported(result):
            start = position(text, finding.sentence.start)
            end = position(text, max(finding.sentence.start, finding.sentence.end - 1))
            primary = primary_reason(finding)
            title = f"mtcheck: {rule_id(primary) if primary else 'translated sentence'}"
            props = {
                "file": result.document.path,
                "line": str(start.line),
                "col": str(start.column),
                "endLine": str(end.line),
                "endColumn": str(end.column),
                "title": title,
            }
            prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
            out.append(f"::{LEVELS.get(finding.severity, 'notice')} {prop_text}::{escape_data(message(finding))}\n")
    return "".join(out)
