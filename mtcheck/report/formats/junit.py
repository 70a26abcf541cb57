"""``--format junit``: JUnit XML for CI test dashboards.

A test suite per document: first a test case ``article gate`` holding the article's decision
(a failure when the article fails, with why), then a test case per prose sentence; a flagged
sentence at or above ``fail_on`` is a failure, a suppressed one is skipped, everything else passes. An input
that could not be checked is a test suite with one test case ``not checked`` holding an
``<error type="InputError">`` with the one-line message.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from mtcheck.registry import formats
from mtcheck.report.view import at_or_above, explanation_lines, position
from mtcheck.types import DocumentResult, Finding

# XML 1.0 cannot carry most control characters even escaped; an article may still contain them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_OUR_ROOT = re.compile(r'\A\s*(?:<\?xml[^>]*>\s*)?<testsuites\b[^>]*\bname="mtcheck"')


def recognise(head: str) -> bool:
    """The root element is ``<testsuites name="mtcheck">``."""
    return bool(_OUR_ROOT.match(head))


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case_name(finding: Finding, limit: int = 80) -> str:
    text = " ".join(finding.sentence.text.split())
    short = text if len(text) <= limit else text[: limit - 1] + "\u2026"
    return _clean(f"sentence {finding.sentence.index + 1}: {short}")


def _details(result: DocumentResult, finding: Finding) -> str:
    where = position(result.document.text, finding.sentence.start)
    lines = [f"{result.document.path}:{where.line}:{where.column}", finding.sentence.text, *explanation_lines(finding)]
    return _clean("\n".join(lines))


@formats.register("junit", recognise=recognise)
def render(results: list[DocumentResult], options) -> str:
    fail_on = getattr(options, "fail_on", "warning")
    root = ET.Element("testsuites", name="mtcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in results:
        path = result.document.path
        suite = ET.SubElement(root, "testsuite", name=_clean(path))
        if getattr(result, "error", None):
            message = _clean(" ".join(str(result.error).split()))
            case = ET.SubElement(suite, "testcase", name="not checked", classname=_clean(path))
            error = ET.SubElement(case, "error", message=message, type="InputError")
            error.text = message
            for key, value in (("tests", 1), ("failures", 0), ("errors", 1), ("skipped", 0)):
                suite.set(key, str(value))
                totals[key] += value
            continue
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        if result.gate is not None:
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", name="article gate", classname=_clean(path))
            if result.gate.fail and fail_on != "none":
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", message=_clean(f"the article reads as translated: {result.gate.why}"),
                                        type="article")
                failure.text = _clean(result.gate.why)
            else:
                ET.SubElement(case, "system-out").text = _clean(result.gate.why)
        for finding in result.findings:
            if finding.sentence.kind != "prose":
                continue
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", name=_case_name(finding), classname=_clean(path))
            if not finding.flagged:
                continue
            if finding.suppressed:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=f"suppressed ({finding.suppressed})")
            elif at_or_above(finding, fail_on):
                counts["failures"] += 1
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=_clean(f"reads as machine-translated (score {finding.score:.2f}, {finding.severity})"),
                    type=finding.severity,
                )
                failure.text = _details(result, finding)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = _details(result, finding)
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        for key in counts:
            totals[key] += counts[key]
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", str(totals["errors"]))
    root.set("skipped", str(totals["skipped"]))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
