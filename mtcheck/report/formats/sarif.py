"""``--format sarif``: SARIF 2.1.0 for code-scanning tools (GitHub code scanning, IDE viewers).

One result per flagged sentence. Its rule is the sentence's strongest reason; the other
reasons are related locations. Its ``fixes`` are what ``mtcheck fix`` applies: the safe fix (the
rules declared ``fix_safety="safe"``, verified) and the verified rewrite (unsafe), each as
replacements of only the words that change (``properties.safety`` says which). A partial rewrite (it leaves some
flagged problems in place) is still offered, and its message, fix description and
``properties.partial``/``properties.remaining`` say so; without a fix, ``properties.rewriteNote``
says why. Suppressed findings stay in the log with a ``suppressions``
entry, which is how SARIF consumers expect accepted alerts to look. Columns count Unicode
code points (``columnKind``), the same unit as mtcheck's offsets.

An article that fails the per-article gate (mtcheck/gate.py) is one more result, rule
``mtcheck/article-gate`` at level ``error`` on the whole file, its message the decision's why; every
artifact carries its decision in ``properties.gate``.

An input that could not be checked is a ``toolExecutionNotification`` of level ``error`` in the
run's invocation (descriptor ``mtcheck/input-error``, the file as its location, the one-line
message as its text), and the invocation's ``executionSuccessful`` is false.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from mtcheck.fix.select import SAFE, Fix, finding_fixes
from mtcheck.gate import finding_fingerprint
from mtcheck.registry import formats
from mtcheck.report.serialize import alignment_to_dict, error_to_dict
from mtcheck.report.view import (
    FALLBACK_MESSAGE,
    FALLBACK_RULE,
    checked,
    explanation_lines,
    failed,
    no_suggestion_reason,
    position,
    primary_reason,
    remaining_problems,
    reported,
    rewrite_status,
    rule_id,
)
from mtcheck.types import SEVERITY_ORDER, SEVERITY_RANK, Document, DocumentResult, Finding

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note", "none": "none"}
LEVEL_RANK = {LEVELS[level]: SEVERITY_RANK[level] for level in SEVERITY_ORDER}  # SARIF levels in mtcheck's order
INPUT_ERROR = "mtcheck/input-error"
ARTICLE_GATE = "mtcheck/article-gate"


def artifact_uri(path: str) -> tuple[str, str | None]:
    """(uri, uriBaseId): relative paths resolve against the checkout root, as code scanning expects."""
    if path == "-":
        return "stdin", None
    pure = PurePath(path)
    if pure.is_absolute():
        return "file://" + quote(pure.as_posix()), None
    posix = pure.as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return quote(posix), "%SRCROOT%"


def region(text: str, start: int, end: int) -> dict[str, int]:
    first, last = position(text, start), position(text, end)
    return {
        "startLine": first.line,
        "startColumn": first.column,
        "endLine": last.line,
        "endColumn": last.column,  # SARIF end columns point just past the region
        "charOffset": start,
        "charLength": max(0, end - start),
    }


def _artifact_location(document: Document) -> dict[str, Any]:
    uri, base = artifact_uri(document.path)
    location: dict[str, Any] = {"uri": uri}
    if base:
        location["uriBaseId"] = base
    return location


def _rule_name(identifier: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", identifier)
    return "".join(w[:1].upper() + w[1:].lower() for w in words if w) or "Rule"


def _message(finding: Finding) -> str:
    head = f"Reads as machine-translated from Russian (score {finding.score:.2f}, {finding.severity})."
    return " ".join([head, *explanation_lines(finding, suggestion_label="Suggested rewrite")])


def _fix_description(finding: Finding) -> str:
    model = finding.rewrite.model if finding.rewrite is not None else None
    text = "Verified rewrite proposed by mtcheck" + (f" ({model})" if model else "")
    status = rewrite_status(finding, capitalize=True)  # a partial fix says so, and what it leaves
    return f"{text}. {status}" if status else text


def _fix(document: Document, finding: Finding, fix: Fix) -> dict[str, Any]:
    """One SARIF fix: only the words that change, each a replacement of its region."""
    if fix.safety == SAFE:
        description = "Safe fix (mtcheck fix applies it): the rules' mechanical fixes, verified"
    else:
        description = _fix_description(finding)  # unsafe: `mtcheck fix --unsafe-fixes` applies it
    return {
        "description": {"text": description},
        "artifactChanges": [
            {
                "artifactLocation": _artifact_location(document),
                "replacements": [
                    {"deletedRegion": region(document.text, e.start, e.end), "insertedContent": {"text": e.text}}
                    for e in fix.edits
                ],
            }
        ],
        "properties": {"safety": fix.safety, "sentence": fix.text},
    }


def _result(result: DocumentResult, finding: Finding, rule_index: dict[str, int]) -> dict[str, Any]:
    document = result.document
    sentence = finding.sentence
    primary = primary_reason(finding)
    rid = rule_id(primary) if primary else FALLBACK_RULE
    location = {"physicalLocation": {"artifactLocation": _artifact_location(document), "region": region(document.text, sentence.start, sentence.end)}}
    out: dict[str, Any] = {
        "ruleId": rid,
        "ruleIndex": rule_index[rid],
        "level": LEVELS.get(finding.severity, "note"),
        "message": {"text": _message(finding)},
        "locations": [location],
        "partialFingerprints": {"mtcheckSentence/v1": finding_fingerprint(result.document.path, finding)},
        "properties": {"score": round(finding.score, 4), "severity": finding.severity, "sentenceIndex": sentence.index},
    }
    if finding.rewrite is not None:
        # What the editor reads in the message, as data for tools: a partial fix and what it leaves,
        # or why there is no fix.
        out["properties"]["partial"] = bool(remaining_problems(finding))
        out["properties"]["remaining"] = list(remaining_problems(finding))
        note = no_suggestion_reason(finding)
        if note:
            out["properties"]["rewriteNote"] = note
    if finding.alignment is not None:
        out["properties"]["reference"] = alignment_to_dict(finding.alignment)
    related = []
    for number, reason in enumerate(finding.reasons):
        if reason.end > reason.start:
            related.append(
                {
                    "id": number,
                    "physicalLocation": {"artifactLocation": _artifact_location(document), "region": region(document.text, reason.start, reason.end)},
                    "message": {"text": f"{rule_id(reason)}: {reason.message}"},
                }
            )
    if related:
        out["relatedLocations"] = related
    fixes = [_fix(document, finding, fix) for fix in finding_fixes(document, finding)]
    if fixes:
        out["fixes"] = fixes
    if finding.suppressed:
        out["suppressions"] = [
            {
                "kind": "inSource" if finding.suppressed == "inline" else "external",
                "status": "accepted",
                "justification": "mtcheck-disable comment" if finding.suppressed == "inline" else "listed in the mtcheck baseline",
            }
        ]
    return out


def _rules(results: list[DocumentResult]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    seen: dict[str, dict[str, Any]] = {}
    for result in results:
        for finding in reported(result, include_suppressed=True):
            level = LEVELS.get(finding.severity, "note")
            reasons = finding.reasons or ()
            entries = [(rule_id(r), r.message, r.category, r.source) for r in reasons] or [(FALLBACK_RULE, FALLBACK_MESSAGE, "", "classifier")]
            for rid, message, category, source in entries:
                rule = seen.get(rid)
                if rule is None:
                    full = message if not category else f"{message} (category: {category})"
                    seen[rid] = rule = {
                        "id": rid,
                        "name": _rule_name(rid),
                        "shortDescription": {"text": message},
                        "fullDescription": {"text": f"{full} Signal: {source}."},
                        "defaultConfiguration": {"level": level},
                        "properties": {"signal": source, "tags": ["translationese", source]},
                    }
                elif LEVEL_RANK[level] > LEVEL_RANK[rule["defaultConfiguration"]["level"]]:
                    rule["defaultConfiguration"]["level"] = level
    ordered = sorted(seen.values(), key=lambda r: r["id"])
    return ordered, {rule["id"]: i for i, rule in enumerate(ordered)}


def _notification(result: DocumentResult) -> dict[str, Any]:
    entry = error_to_dict(result)
    return {
        "level": "error",
        "message": {"text": entry["message"]},
        "descriptor": {"id": INPUT_ERROR},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact_location(result.document)}}],
    }


def _gate_rule() -> dict[str, Any]:
    text = "The article as a whole reads as machine-translated (the share of its prose, or its document score)."
    return {"id": ARTICLE_GATE, "name": "ArticleGate", "shortDescription": {"text": text}, "fullDescription": {"text": text},
            "defaultConfiguration": {"level": "error"}, "properties": {"signal": "gate", "tags": ["translationese", "gate"]}}


def _gate_result(result: DocumentResult, index: int) -> dict[str, Any]:
    assert result.gate is not None
    return {
        "ruleId": ARTICLE_GATE,
        "ruleIndex": index,
        "level": "error",
        "message": {"text": f"The article reads as machine-translated: {result.gate.why}."},
        "locations": [{"physicalLocation": {"artifactLocation": _artifact_location(result.document), "region": {"startLine": 1}}}],
    }


_OUR_RUN = re.compile(r'"runs"\s*:\s*\[\s*\{\s*"tool"\s*:\s*\{\s*"driver"\s*:\s*\{\s*"name"\s*:\s*"mtcheck"')


def recognise(head: str) -> bool:
    """A JSON object whose first run's tool is mtcheck."""
    return head.lstrip().startswith("{") and bool(_OUR_RUN.search(head))


@formats.register("sarif", recognise=recognise)
def render(results: list[DocumentResult], options) -> str:
    errors = failed(results)
    results = checked(results)
    rules, rule_index = _rules(results)
    sarif_results = [
        _result(result, finding, rule_index) for result in results for finding in reported(result, include_suppressed=True)
    ]
    failing = [r for r in results if r.gate is not None and r.gate.fail]
    if failing:
        rules.append(_gate_rule())
        sarif_results += [_gate_result(r, len(rules) - 1) for r in failing]
    artifacts = []
    for result in results:
        artifact: dict[str, Any] = {"location": _artifact_location(result.document), "encoding": result.document.encoding or "utf-8"}
        if result.gate is not None:
            artifact["properties"] = {"gate": {"fail": result.gate.fail, "why": result.gate.why}}
        artifacts.append(artifact)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "mtcheck",
                "version": getattr(options, "tool_version", None) or "0",
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The directory mtcheck was run from."}}},
        "artifacts": artifacts,
        "results": sarif_results,
    }
    signature = getattr(options, "signature", None)
    if signature:
        run["properties"] = {"signature": signature}
    exit_code = getattr(options, "exit_code", None)
    if exit_code is not None or errors:
        invocation: dict[str, Any] = {"executionSuccessful": exit_code in (0, 1) and not errors}
        if exit_code is not None:
            invocation["exitCode"] = exit_code
        if errors:
            invocation["toolExecutionNotifications"] = [_notification(r) for r in errors]
        run["invocations"] = [invocation]
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
