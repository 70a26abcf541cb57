"""The versioned JSON schema of mtcheck's results (``--format json``), as plain dicts.

Every machine-readable format starts from these dicts, so the field names are the
same everywhere. Schema ``mtcheck/report`` version 1 (documented in README, "JSON output"):

    {
      "schema": "mtcheck/report", "version": 1,
      "tool": {"name": "mtcheck", "version": "..."},
      "settings": {"threshold": .., "fail_on": .., "severity_bands": {..}},
      "documents": [{
        "path", "format", "encoding", "score", "flagged": bool,
        "counts": {"sentences", "prose", "boilerplate", "flagged", "info", "warning", "error"},
        "translated": {"flagged", "sentences", "share", "ci95": [low, high]},
        "reference": {"path", "scores"} | null,
        "sentences": [{
          "index", "start", "end", "text", "kind", "score", "flagged", "severity",
          "fingerprint", "suppressed",
          "reasons": [{"source", "rule_id", "message", "start", "end", "category", "suggestions", "weight"}],
          "rewrite": {"text", "model", "partial", "remaining", "note",
                      "edits": [{"type", "original", "replacement", "accepted", "evidence", "reason", "sources"}],
                      "candidates": [{"generator", "text", "accepted", "rejected_by", "score",
                                      "checks": [{"name", "passed", "detail"}]}]}                  (when rewriting ran)
          "alignment": {"aligned", "references": [{"index", "text", "similarity", "start", "end"}],
                        "before": {metric: {"score", "signature"}}, "after": {...},
                        "hints": [{"ours", "reference", "message"}]}                               (with --reference)
        }]
      }],
      "errors": [{"path", "message"}],
      "summary": {"documents", "sentences", "prose", "flagged", "exit_code"}
    }

``errors`` lists the inputs that could not be checked (empty, binary, undecodable, unreadable,
too large...) in a run over a directory or several files: ``path`` as given and ``message``, the
one-line error (the same line ``mtcheck: error: ...`` prints on stderr). Such inputs are not in
``documents`` and the run exits 2 (``summary.exit_code``). ``errors`` was added to version 1
without changing its number; it is always present, empty when every input was checked.

A sentence of kind ``boilerplate`` is never scored; ``boilerplate_reason`` says why it is not
article prose ("social share button", "table row", "code block", "untranslated text", ...).

In ``rewrite``, ``text`` is the suggestion or null; ``partial`` (bool) is true when the
suggestion leaves some of the flagged problems in place, and ``remaining`` (list of strings)
holds their messages (empty for a complete fix); ``note`` (string) says why there is no
suggestion ("3 candidates rejected (numbers 2, content 1)"), "" when there is one. These three
fields were added to version 1 without changing its number: readers that ignore unknown keys
are unaffected.

``rewrite.safe_fix`` (string or null) is the sentence with only the fixes of the rules declared
``fix_safety="safe"`` applied, when verification accepted it. ``fixes`` (with ``rewrite``) lists
what ``mtcheck fix`` can apply: ``[{"safety": "safe" | "unsafe", "text": the sentence after the fix,
"replacements": [{"start", "end", "text"}]}]``, the replacements in offsets of the decoded file
(line endings normalised, as every offset here), only the words that change. A document's
``content_sha256`` is the hash a decisions file for it carries (``mtcheck.fix.decisions``). These
fields were added to version 1 without changing its number.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Iterable

from mtcheck import __version__
from mtcheck.fix.decisions import content_hash
from mtcheck.gate import finding_fingerprint
from mtcheck.types import FLAGGED_SEVERITIES, Alignment, Candidate, Document, DocumentResult, Finding, Reason, Rewrite, Score, TranslatedShare


def error_to_dict(result: DocumentResult) -> dict[str, Any]:
    """``{"path", "message"}`` for an input that could not be checked (``result.error``)."""
    return {"path": result.document.path, "message": " ".join(str(result.error).split())}

SCHEMA = "mtcheck/report"
SCHEMA_VERSION = 1


def _round(x: float) -> float:
    return round(float(x), 4)


def reason_to_dict(reason: Reason) -> dict[str, Any]:
    return {
        "source": reason.source,
        "rule_id": reason.rule_id,
        "message": reason.message,
        "start": reason.start,
        "end": reason.end,
        "category": reason.category,
        "suggestions": list(reason.suggestions),
        "weight": _round(reason.weight),
    }


def candidate_to_dict(candidate: Candidate) -> dict[str, Any]:
    return {
        "generator": candidate.generator,
        "text": candidate.text,
        "accepted": candidate.accepted,
        "rejected_by": list(candidate.rejected_by),
        "score": _round(candidate.score),
        "checks": [{"name": c.name, "passed": c.passed, "detail": c.detail} for c in candidate.checks],
    }


def rewrite_to_dict(rewrite: Rewrite) -> dict[str, Any]:
    return {
        "text": rewrite.text,
        "model": rewrite.model,
        "partial": rewrite.partial,
        "remaining": list(rewrite.remaining),
        "note": rewrite.note,
        "edits": [dataclasses.asdict(e) for e in rewrite.edits],
        "safe_fix": rewrite.safe_fix,
        "candidates": [candidate_to_dict(c) for c in rewrite.candidates],
    }


def scores_to_dict(scores: Iterable[Score]) -> dict[str, Any]:
    return {s.metric: {"score": _round(s.value), "signature": s.signature} for s in scores}


def alignment_to_dict(alignment: Alignment) -> dict[str, Any]:
    return {
        "aligned": alignment.aligned,
        "references": [
            {"index": r.index, "text": r.text, "similarity": _round(r.similarity), "start": r.start, "end": r.end}
            for r in alignment.references
        ],
        "before": scores_to_dict(alignment.before),
        "after": scores_to_dict(alignment.after),
        "hints": [{"ours": h.ours, "reference": h.reference, "message": h.message} for h in alignment.hints],
    }


def fixes_to_dict(document: Document, finding: Finding) -> list[dict[str, Any]]:
    """The fixes ``mtcheck fix`` can apply to the sentence, each with its replacements in document offsets."""
    from mtcheck.fix.select import finding_fixes

    return [{"safety": fix.safety, "text": fix.text,
             "replacements": [{"start": e.start, "end": e.end, "text": e.text} for e in fix.edits]}
            for fix in finding_fixes(document, finding)]


def finding_to_dict(finding: Finding, document: Document | None = None) -> dict[str, Any]:
    s = finding.sentence
    out: dict[str, Any] = {
        "index": s.index,
        "start": s.start,
        "end": s.end,
        "text": s.text,
        "kind": s.kind,
        "score": _round(finding.score),
        "flagged": finding.flagged,
        "severity": finding.severity,
        "fingerprint": finding_fingerprint(document.path, finding) if document is not None else finding.fingerprint,
        "suppressed": finding.suppressed,
        "reasons": [reason_to_dict(r) for r in finding.reasons],
    }
    if s.boilerplate_reason:
        out["boilerplate_reason"] = s.boilerplate_reason
    if finding.rewrite is not None:
        out["rewrite"] = rewrite_to_dict(finding.rewrite)
        if document is not None:
            out["fixes"] = fixes_to_dict(document, finding)
    if finding.alignment is not None:
        out["alignment"] = alignment_to_dict(finding.alignment)
    return out


def counts(result: DocumentResult) -> dict[str, int]:
    prose = [f for f in result.findings if f.sentence.kind == "prose"]
    flagged = result.flagged
    return {
        "sentences": len(result.findings),
        "prose": len(prose),
        "boilerplate": len(result.findings) - len(prose),
        "flagged": len(flagged),
        # lowest first ("info", "warning", "error"), the key order of schema version 1
        **{level: sum(f.severity == level for f in flagged) for level in reversed(FLAGGED_SEVERITIES)},
    }


def translated_to_dict(share: TranslatedShare) -> dict[str, Any]:
    """The share of prose sentences that read as translated, with its 95% Wilson interval."""
    return {"flagged": share.flagged, "sentences": share.sentences, "share": _round(share.share),
            "ci95": [_round(share.low), _round(share.high)]}


def document_to_dict(result: DocumentResult, reference_path: str | None = None) -> dict[str, Any]:
    doc = result.document
    return {
        "path": doc.path,
        "format": doc.format,
        "encoding": doc.encoding,
        "score": _round(result.score),
        "flagged": bool(result.flagged),
        "counts": counts(result),
        "translated": translated_to_dict(result.translated),
        "gate": {"fail": result.gate.fail, "why": result.gate.why} if result.gate is not None else None,
        "reference": {"path": reference_path, "scores": result.comparison} if reference_path else None,
        "content_sha256": content_hash(doc),
        "sentences": [finding_to_dict(f, doc) for f in result.findings],
    }


def results_to_dict(
    results: list[DocumentResult],
    *,
    settings: dict[str, Any] | None = None,
    reference_path: str | None = None,
    exit_code: int | None = None,
) -> dict[str, Any]:
    documents = [document_to_dict(r, reference_path) for r in results if not getattr(r, "error", None)]
    errors = [error_to_dict(r) for r in results if getattr(r, "error", None)]
    return {
        "schema": SCHEMA,
        "version": SCHEMA_VERSION,
        "tool": {"name": "mtcheck", "version": __version__},
        "settings": settings or {},
        "documents": documents,
        "errors": errors,
        "summary": {
            "documents": len(documents),
            "sentences": sum(d["counts"]["sentences"] for d in documents),
            "prose": sum(d["counts"]["prose"] for d in documents),
            "flagged": sum(d["counts"]["flagged"] for d in documents),
            "exit_code": exit_code,
        },
    }
