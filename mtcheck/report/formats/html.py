"""``--format html`` / ``--html PATH``: the self-contained review report.

One file, no network: the CSS and JS from ``mtcheck/resources/report/`` are inlined and
pinned by sha256 hashes in a strict Content-Security-Policy, article text is escaped by
Jinja2's autoescape, and the data the script needs travels as JSON in a non-executable
``<script type="application/json">`` with ``<``, ``>`` and ``&`` written as ``\\u`` escapes.

Inputs that could not be checked are listed at the top of ``<main>`` (``section.input-errors``,
one ``li.input-error`` per file with its path and message); a sentence left untranslated carries a
visible "untranslated text" label.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from mtcheck.config import SEVERITY_BANDS
from mtcheck.fix.decisions import SCHEMA as DECISIONS_SCHEMA
from mtcheck.fix.decisions import VERSION as DECISIONS_VERSION
from mtcheck.fix.decisions import content_hash
from mtcheck.fix.edits import UnmappableSentence, char_spans, encode_spans
from mtcheck.gate import BASELINE_FILENAME, BASELINE_VERSION, finding_fingerprint
from mtcheck.registry import formats
from mtcheck.report.view import (
    FALLBACK_MESSAGE,
    SEVERITIES,
    UNTRANSLATED,
    checked,
    comparison_rows,
    edit_lines,
    failed,
    no_suggestion_reason,
    points_at_words,
    quoted,
    remaining_problems,
    rewrite_text,
    rule_id,
    span_in_sentence,
    word_diff,
)
from mtcheck.types import DocumentResult, Finding

NO_REASON_SIGNAL = "classifier"
# Inputs whose edited text the report itself can download; an HTML article's decisions go to `mtcheck fix --decisions`.
EDITABLE_FORMATS = ("text", "markdown", "lines")
DECISIONS_FILENAME = "mtcheck-decisions.json"
CHART_BINS = 10


@lru_cache(maxsize=None)
def _resource(name: str) -> str:
    return resources.files("mtcheck").joinpath("resources", "report", name).read_text(encoding="utf-8")


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(css: str, js: str) -> str:
    return "; ".join(
        [
            "default-src 'none'",
            f"style-src {_csp_hash(css)}",
            f"script-src {_csp_hash(js)}",
            "img-src data:",
            "font-src 'none'",
            "connect-src 'none'",
            "media-src 'none'",
            "object-src 'none'",
            "frame-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def script_json(data: Any) -> str:
    """JSON that cannot end its <script> element or open a comment inside it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


@dataclass
class Piece:
    text: str
    marked: bool = False


@dataclass
class Card:
    id: str
    finding: Finding
    fingerprint: str
    signals: list[str]
    pieces: list[Piece]
    reasons: list[dict[str, str]]
    diff: list[tuple[str, str]] | None
    rejected: list[dict[str, Any]]
    accepted_candidates: int
    remaining: tuple[str, ...]  # problems a partial suggestion leaves in place
    note: str  # why there is no suggestion ("" when there is one or rewriting did not run)
    edits: list[tuple[bool, str]]  # every proposed edit: admitted or not, and why
    references: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    hints: list[dict[str, str]]
    edit: dict[str, Any] | None = None  # what the script needs to apply the editor's choice (None: not editable)


@dataclass
class Paragraph:
    sentences: list[dict[str, Any]] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)


def _pieces(result: DocumentResult, finding: Finding) -> list[Piece]:
    text = finding.sentence.text
    marked = [False] * len(text)
    for reason in finding.reasons:
        span = span_in_sentence(result.document, finding, reason) if points_at_words(finding, reason) else None
        if span:
            for i in range(max(0, span[0]), min(len(text), span[1])):
                marked[i] = True
    pieces: list[Piece] = []
    for ch, flag in zip(text, marked):
        if pieces and pieces[-1].marked == flag:
            pieces[-1].text += ch
        else:
            pieces.append(Piece(ch, flag))
    return pieces


def _edit(result: DocumentResult, finding: Finding, doc_number: int, candidates: list[str]) -> dict[str, Any] | None:
    """The sentence's place in the article, for the script's edits (the algorithm of mtcheck.fix.edits)."""
    try:
        spans = encode_spans(*char_spans(result.document, finding.sentence))
    except UnmappableSentence:
        return None
    s = finding.sentence
    return {"doc": doc_number, "sentence": s.index, "start": s.start, "end": s.end,
            "suggestion": rewrite_text(finding), "candidates": candidates, "spans": spans}


def _card(result: DocumentResult, finding: Finding, card_id: str, doc_number: int = 0) -> Card:
    sentence_words = " ".join(finding.sentence.text.split())
    reasons = []
    for r in sorted(finding.reasons, key=lambda r: -r.weight):
        quote = " ".join(quoted(result.document, r).split())
        # Quoting the whole sentence again under itself adds nothing.
        reasons.append({"source": r.source, "rule": rule_id(r), "message": r.message, "quote": "" if quote == sentence_words else quote})
    signals = sorted({r.source for r in finding.reasons}) or [NO_REASON_SIGNAL]
    suggestion = rewrite_text(finding)
    candidates = finding.rewrite.candidates if finding.rewrite is not None else ()
    rejected = [
        {
            "generator": c.generator,
            "text": c.text,
            "rejected_by": ", ".join(c.rejected_by),
            "details": "; ".join(f"{k.name}: {k.detail}" for k in c.checks if not k.passed and k.detail),
        }
        for c in candidates
        if not c.accepted
    ]
    references, scores, hints = [], [], []
    if finding.alignment is not None:
        references = [{"text": r.text, "similarity": r.similarity, "index": r.index} for r in finding.alignment.references]
        after = {s.metric: s.value for s in finding.alignment.after}
        scores = [{"metric": s.metric, "before": s.value, "after": after.get(s.metric), "signature": s.signature} for s in finding.alignment.before]
        hints = [{"ours": h.ours, "reference": h.reference, "message": h.message} for h in finding.alignment.hints]
    return Card(
        id=card_id,
        finding=finding,
        fingerprint=finding_fingerprint(result.document.path, finding),
        signals=signals,
        pieces=_pieces(result, finding),
        reasons=reasons,
        diff=word_diff(finding.sentence.text, suggestion) if suggestion else None,
        rejected=rejected,
        accepted_candidates=sum(1 for c in candidates if c.accepted),
        remaining=remaining_problems(finding),
        note=no_suggestion_reason(finding),
        edits=edit_lines(finding),
        references=references,
        scores=scores,
        hints=hints,
        edit=None if finding.sentence.kind != "prose" else _edit(result, finding, doc_number, [c["text"] for c in rejected]),
    )


def _paragraphs(result: DocumentResult, doc_number: int) -> tuple[list[Paragraph], list[Card]]:
    paragraphs: list[Paragraph] = []
    cards: list[Card] = []
    current_block: int | None = None
    for finding in sorted(result.findings, key=lambda f: f.sentence.start):
        if current_block != finding.sentence.block or not paragraphs:
            paragraphs.append(Paragraph())
            current_block = finding.sentence.block
        card = None
        if finding.flagged:
            card = _card(result, finding, f"f{doc_number}-{finding.sentence.index}", doc_number)
            paragraphs[-1].cards.append(card)
            cards.append(card)
        text: Any = finding.sentence.text
        if card is None and finding.sentence.kind != "prose" and finding.sentence.boilerplate_reason == UNTRANSLATED:
            from markupsafe import Markup, escape

            text = escape(text) + Markup(f' <span class="badge untranslated" title="left in Russian; not checked">{UNTRANSLATED}</span>')
        paragraphs[-1].sentences.append({"text": text, "card": card, "kind": finding.sentence.kind})
    return paragraphs, cards


def _band(score: float, threshold: float, bands: dict[str, float]) -> str:
    if score < threshold:
        return "none"
    for level in SEVERITIES:
        if score >= bands.get(level, 1.1):
            return level
    return "info"


def _chart(result: DocumentResult, threshold: float, bands: dict[str, float]) -> dict[str, Any]:
    scores = [f.score for f in result.findings if f.sentence.kind == "prose"]
    counts = [0] * CHART_BINS
    for score in scores:
        counts[min(CHART_BINS - 1, max(0, int(score * CHART_BINS)))] += 1
    tallest = max(counts) or 1
    width, height, gap = 24, 80, 4
    bars = []
    for i, count in enumerate(counts):
        bar_height = round(height * count / tallest)
        low = i / CHART_BINS
        bars.append(
            {
                "x": i * (width + gap),
                "y": height - bar_height,
                "width": width,
                "height": bar_height,
                "count": count,
                "label": f"{low:.1f}\u2013{low + 1 / CHART_BINS:.1f}",
                "band": _band(low + 0.5 / CHART_BINS, threshold, bands),
            }
        )
    return {
        "bars": bars,
        "width": CHART_BINS * (width + gap) - gap,
        "height": height,
        "threshold_x": round(threshold * (CHART_BINS * (width + gap) - gap), 1),
        "total": len(scores),
    }


def _document_view(result: DocumentResult, number: int, options) -> dict[str, Any]:
    threshold = getattr(options, "threshold", 0.5)
    bands = getattr(options, "severity_bands", None) or dict(SEVERITY_BANDS)
    paragraphs, cards = _paragraphs(result, number)
    flagged = result.flagged
    return {
        "number": number,
        "path": result.document.path,
        "score": result.score,
        "prose": sum(1 for f in result.findings if f.sentence.kind == "prose"),
        "flagged": len(flagged),
        "suppressed": sum(1 for f in result.findings if f.flagged and f.suppressed),
        "translated": result.translated,
        "gate": result.gate,
        "by_severity": {level: sum(1 for f in flagged if f.severity == level) for level in SEVERITIES},
        "paragraphs": paragraphs,
        "editable": result.document.format in EDITABLE_FORMATS,
        "cards": cards,
        "chart": _chart(result, threshold, bands),
        "comparison": comparison_rows(result.comparison),
    }


@lru_cache(maxsize=1)
def _template():
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return env.from_string(_resource("report.html.j2"))


def _errors_html(errors: list[DocumentResult]) -> str:
    """The visible list of inputs that could not be checked (escaped; no inline style or script)."""
    from markupsafe import escape

    items = "".join(
        f'<li class="input-error"><code>{escape(r.document.path)}</code> <span class="badge sev-error">not checked</span> '
        f'{escape(" ".join(str(r.error).split()).removeprefix(f"{r.document.path}: "))}</li>\n'
        for r in errors
    )
    count = len(errors)
    return (
        f'<section class="input-errors" id="input-errors" role="alert" aria-label="Inputs that could not be checked">\n'
        f"<h2>{count} file{'s' if count != 1 else ''} not checked</h2>\n<ul>\n{items}</ul>\n</section>\n"
    )


_PAGE_START = re.compile(r"\A\s*(?:<!doctype html[^>]*>\s*)?<html\b", re.I)
_GENERATOR = re.compile(r"<meta\s+name=[\"']generator[\"']\s+content=[\"']mtcheck\b", re.I)


def recognise(head: str) -> bool:
    """An HTML page whose head carries ``<meta name="generator" content="mtcheck ...">``."""
    return bool(_PAGE_START.match(head)) and bool(_GENERATOR.search(head.split("</head>", 1)[0][:8192]))


@formats.register("html", recognise=recognise)
def render(results: list[DocumentResult], options) -> str:
    errors = failed(results)
    results = checked(results)
    css, js = _resource("report.css"), _resource("report.js")
    documents = [_document_view(result, number, options) for number, result in enumerate(results)]
    cards = [card for doc in documents for card in doc["cards"]]
    signals = sorted({s for card in cards for s in card.signals})
    data = {
        "baseline": {"version": BASELINE_VERSION, "filename": BASELINE_FILENAME},
        "decisions": {"schema": DECISIONS_SCHEMA, "version": DECISIONS_VERSION, "filename": DECISIONS_FILENAME},
        # The article itself travels only where the script can write it back (text and Markdown);
        # an HTML article's edits go through `mtcheck fix --decisions`.
        "documents": [
            {"path": r.document.path, "format": r.document.format, "sha256": content_hash(r.document),
             "text": r.document.text if r.document.format in EDITABLE_FORMATS else None}
            for r in results
        ],
        "findings": {
            card.id: {
                "fingerprint": card.fingerprint,
                "path": doc["path"],
                "text": card.finding.sentence.text,
                "severity": card.finding.severity,
                "suppressed": card.finding.suppressed,
                "edit": card.edit,
            }
            for doc in documents
            for card in doc["cards"]
        },
    }
    totals = {level: sum(doc["by_severity"][level] for doc in documents) for level in SEVERITIES}
    page = _template().render(
        title=getattr(options, "title", "mtcheck review report"),
        version=getattr(options, "tool_version", ""),
        signature=getattr(options, "signature", None),
        reference_path=getattr(options, "reference_path", None),
        threshold=getattr(options, "threshold", 0.5),
        fail_on=getattr(options, "fail_on", "warning"),
        exit_code=getattr(options, "exit_code", None),
        csp=content_security_policy(css, js),
        css=css,
        js=js,
        data_json=script_json(data),
        documents=documents,
        severities=SEVERITIES,
        signals=signals,
        totals=totals,
        total_flagged=len([c for c in cards if not c.finding.suppressed]),
        fallback_message=FALLBACK_MESSAGE,
    )
    if errors:
        at = page.find("<main>")
        at = page.find("\n", at) + 1 if at >= 0 else page.rfind("</body>")
        page = page[:at] + _errors_html(errors) + page[at:]
    return page
