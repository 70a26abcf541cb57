"""What ``mtcheck serve`` does with a request: the pipeline, loaded once, on the text sent.

``ServeApp.check`` runs exactly what ``mtcheck check`` runs on one input (``Pipeline.segment``,
``Pipeline.check_document``, the inline suppressions), so a served sentence's flag, score and
reason spans equal ``check --format json``'s on the same text; it then shapes the findings as
LanguageTool matches (``protocol``) and, with grammar merging on, adds the LanguageTool server's
own matches for the same request. ``ServeApp.rewrite`` runs the rewrite stage for one sentence.
Nothing here knows about HTTP: errors are ``protocol.HttpError`` with the status to answer.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from mtcheck import __version__
from mtcheck.errors import ComponentError, InputError
from mtcheck.serve import protocol
from mtcheck.serve.protocol import CheckRequest, HttpError, RewriteRequest
from mtcheck.services.factory import Services
from mtcheck.types import Document, DocumentResult, Finding, Reason, Sentence

if TYPE_CHECKING:
    from mtcheck.pipeline import Pipeline

# LanguageTool answers kept per paragraph (detection and rewriting ask about the same text): a
# server lives for days, so the memo is bounded, oldest first out.
LANGUAGETOOL_MEMO = 2000
WARM_UP_TEXT = "The council approved the budget on Tuesday. As reports Reuters, 1.3 thousand people attended."
DESCRIPTIONS = {
    "interference": "Russian interference pattern",
    "languagetool": "LanguageTool rule (mtcheck rule pack)",
    "document": "The article around the sentence",
}


class ServeApp:
    """The loaded pipeline and what each endpoint does with it."""

    def __init__(self, pipeline: Pipeline, *, grammar: bool = True, grammar_timeout: float = 60.0):
        self.pipeline = pipeline
        self.grammar = grammar and pipeline.services.languagetool_enabled
        self.grammar_timeout = grammar_timeout
        self.started = time.time()
        self._languages: list[dict[str, str]] | None = None
        self._lock = threading.Lock()
        self.last_error = ""

    @classmethod
    def build(cls, settings: Any, *, languagetool: bool = True, languagetool_url: str | None = None,
              backend: str | None = None, max_bytes: int | None = None, grammar: bool = True,
              grammar_timeout: float = 60.0) -> "ServeApp":
        from mtcheck.load import DEFAULT_MAX_BYTES
        from mtcheck.pipeline import CheckOptions, Pipeline

        # The detection cache would write a file per request's text under the user's cache: a server
        # keeps no copy of what it was sent (and its disk use stays flat).
        settings = settings.with_overrides(cache=False)
        options = CheckOptions(input_format="text", max_bytes=max_bytes or DEFAULT_MAX_BYTES, rewrite=False,
                               languagetool=languagetool, languagetool_url=languagetool_url, backend=backend)
        pipeline = Pipeline(settings, options)
        # A long-lived process keeps a bounded memo of LanguageTool answers.
        pipeline.services = Services(settings, languagetool=languagetool, languagetool_url=languagetool_url,
                                     backend=backend, languagetool_memo=LANGUAGETOOL_MEMO)
        return cls(pipeline, grammar=grammar, grammar_timeout=grammar_timeout)

    # -- life cycle ---------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load everything ``/v2/check`` needs (LanguageTool, the detector and its models) and run
        it once, so the first request is answered as fast as the thousandth."""
        document = self._document(WARM_UP_TEXT)
        self.pipeline.check_document(document, self.pipeline.segment(document))
        self.languages()

    def components(self) -> dict[str, Any]:
        """Which parts are loaded (read from the pipeline's own attributes; nothing is started)."""
        from mtcheck.services import english

        services = self.pipeline.services
        lt = getattr(services, "_languagetool", None)
        return {
            "detector": getattr(self.pipeline, "_detector", None) is not None,
            "spacy": english.loaded(),
            "languagetool": (lt is not None) if services.languagetool_enabled else "off",
            "grammar": "on" if self.grammar else "off",
            "rewriter": getattr(self.pipeline, "_rewriter", None) is not None,
        }

    def health(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": "ok", "software": protocol.software(), "uptime": round(time.time() - self.started, 1),
                               "components": self.components()}
        if self.last_error:
            out["last_error"] = self.last_error
        return out

    def languages(self) -> list[dict[str, str]]:
        """English (mtcheck's), plus every language the LanguageTool server checks when its matches are merged."""
        with self._lock:
            if self._languages is not None:
                return self._languages
        found = list(protocol.ENGLISH)
        if self.grammar:
            try:
                theirs = self._grammar_get("/v2/languages")
            except HttpError:
                theirs = None  # not cached: asked again next time
            if not isinstance(theirs, list):
                return found
            codes = {e["longCode"].lower() for e in found}
            found += [e for e in theirs if isinstance(e, dict) and str(e.get("longCode", "")).lower() not in codes]
        with self._lock:
            self._languages = found
        return found

    # -- /v2/check --------------------------------------------------------------------------
    def check(self, request: CheckRequest) -> dict[str, Any]:
        grammar = self._grammar_async(request) if self.grammar else None
        english = protocol.is_english(request.language) or request.language.lower() == "auto"
        matches: list[dict[str, Any]] = []
        summary: dict[str, Any] = {"version": __version__, "checked": False}
        try:
            if english:
                result, sentences = self.detect(request.text.plain)
                if request.rewrite and any(f.flagged and not f.suppressed for f in result.findings):
                    rewritten = self._rewriter().rewrite(result.document, sentences, result.findings)
                    result = dataclasses.replace(result, findings=tuple(rewritten))
                matches = self._matches(request, result)
                summary = self._summary(request, result)
        finally:
            theirs = grammar.result() if grammar is not None else None  # waited for even when detection failed
        language = protocol.language_entry(request.language, self.languages())
        if theirs is not None:
            language = theirs.get("language") or language
            detected = str(((language.get("detectedLanguage") or {}).get("code")) or language.get("code") or "")
            if request.language.lower() == "auto" and not protocol.is_english(detected):
                matches, summary = [], {"version": __version__, "checked": False}  # mtcheck reads English only
            matches = protocol.merge_matches(matches, [m for m in theirs.get("matches", []) if isinstance(m, dict)])
        return protocol.check_response(language, matches, summary)

    def _document(self, text: str) -> Document:
        from mtcheck.load import load_text

        return load_text(text, path="request", input_format="text")

    def detect(self, text: str) -> tuple[DocumentResult, tuple[Sentence, ...]]:
        """``check``'s answer for one text: the same stages, then ``gate.finish`` as ``check`` calls
        it (inline suppressions, the article's gate decision and the severities it caps)."""
        from mtcheck import gate

        document = self._document(text)
        try:
            sentences = self.pipeline.segment(document)
        except InputError as err:
            raise HttpError(413, str(err)) from None
        result = self.pipeline.check_document(document, sentences)
        settings = self.pipeline.settings
        (result,), _ = gate.finish([result], gate.FinishOptions.from_settings(settings))
        return result, sentences

    def _rewriter(self) -> Any:
        return self.pipeline.rewriter

    def _summary(self, request: CheckRequest, result: DocumentResult) -> dict[str, Any]:
        from mtcheck.report.serialize import translated_to_dict

        text = request.text
        sentences = []
        for f in result.findings:
            s = f.sentence
            offset, length = text.span16(s.start, s.end)
            sentences.append({
                "index": s.index, "start": s.start, "end": s.end, "offset": offset, "length": length, "kind": s.kind,
                "score": round(float(f.score), 4), "flagged": f.flagged, "severity": f.severity, "suppressed": f.suppressed,
                "reasons": [_reason_summary(text, r) for r in f.reasons],
            })
        detector = self.pipeline.detector
        return {"version": __version__, "checked": True, "threshold": round(float(detector.threshold), 4),
                "score": round(float(result.score), 4), "translated": translated_to_dict(result.translated),
                "gate": {"fail": result.gate.fail, "why": result.gate.why} if result.gate is not None else None,
                "sentences": sentences}

    def _matches(self, request: CheckRequest, result: DocumentResult) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for finding in result.findings:
            shown = finding.flagged and not finding.suppressed
            if finding.sentence.kind != "prose" or not (shown or request.picky):
                continue
            if shown and request.wants(protocol.SENTENCE_RULE, protocol.CATEGORY["id"]):
                out.append(_sentence_match(request, finding))
            for group in _spans(finding):
                first = group[0]
                if request.wants(first.rule_id, protocol.CATEGORY["id"]):
                    out.append(_reason_match(request, finding, group))
        return sorted(out, key=lambda m: (m["offset"], m["length"]))

    # -- /v1/rewrite --------------------------------------------------------------------------
    def rewrite(self, request: RewriteRequest) -> dict[str, Any]:
        """The verified rewrite of each flagged sentence in ``request.sentence``, read in its article."""
        # As the reader would have them (line ends, byte-order marks), so the sentence is found in its article.
        sentence, context = _normalised(request.sentence), _normalised(request.context)
        at = context.find(sentence) if context.strip() else -1
        if at >= 0:
            text, start = context, at
        elif context.strip():
            text = context.rstrip() + "\n\n" + sentence
            start = len(context.rstrip()) + 2
        else:
            text, start = sentence, 0
        end = start + len(sentence)
        result, sentences = self.detect(text)
        targets = [f for f in result.findings if f.sentence.kind == "prose" and f.sentence.start < end and f.sentence.end > start]
        flagged = [f for f in targets if f.flagged and not f.suppressed]
        done = {f.sentence.index: f for f in self._rewriter().rewrite(result.document, sentences, flagged)} if flagged else {}
        out_sentences = []
        suggestion = sentence
        changed = False
        for f in sorted(targets, key=lambda f: f.sentence.start, reverse=True):
            rewritten = done.get(f.sentence.index, f)
            entry = _rewrite_entry(rewritten, start, self.pipeline.detector.threshold)
            out_sentences.append(entry)
            if rewritten.rewrite is not None and rewritten.rewrite.text:
                a, b = f.sentence.start - start, f.sentence.end - start
                if 0 <= a <= b <= len(suggestion):
                    suggestion = suggestion[:a] + rewritten.rewrite.text + suggestion[b:]
                    changed = True
        out_sentences.reverse()
        notes = [e["note"] for e in out_sentences if e["note"]]
        return {
            "software": protocol.software(),
            "sentence": sentence,
            "suggestion": suggestion if changed else None,
            "note": "" if changed else ("; ".join(notes) or "nothing to rewrite"),
            "sentences": out_sentences,
        }

    # -- the LanguageTool server's own matches -----------------------------------------------
    def _grammar_url(self) -> str:
        service = self.pipeline.services.languagetool
        if service is None:
            raise HttpError(503, "LanguageTool is off (--no-languagetool)")
        return str(service.url).rstrip("/")

    def _grammar_get(self, path: str) -> Any:
        return self._grammar_call(path, None)

    def _grammar_call(self, path: str, fields: dict[str, str] | None) -> Any:
        try:
            url = self._grammar_url() + path
            data = urllib.parse.urlencode(fields).encode("utf-8") if fields is not None else None
            with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=self.grammar_timeout) as answer:
                return json.loads(answer.read().decode("utf-8"))
        except urllib.error.HTTPError as err:
            detail = err.read(2000).decode("utf-8", "replace")
            if 400 <= err.code < 500:  # LanguageTool refused the request itself (a bad rule id, a language)
                raise HttpError(err.code, f"LanguageTool: {detail}") from None
            raise HttpError(503, f"LanguageTool answered {err.code}: {detail}") from None
        except ComponentError as err:
            raise HttpError(503, str(err)) from None
        except (OSError, ValueError) as err:
            raise HttpError(503, f"LanguageTool did not answer: {err}") from None

    def _grammar_async(self, request: CheckRequest) -> "Future[Any]":
        """The LanguageTool server's answer to the same request, asked beside the detection."""
        future: Future[Any] = Future()
        fields = request.grammar_fields()

        def ask() -> None:
            try:
                future.set_result(self._grammar_call("/v2/check", fields))
            except BaseException as err:  # handed to the request by result()
                future.set_exception(err)

        threading.Thread(target=ask, name="mtcheck-serve-grammar", daemon=True).start()
        return future


# --------------------------------------------------------------------------- shaping findings


def _normalised(text: str) -> str:
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _spans(finding: Finding) -> list[list[Reason]]:
    """The finding's reasons with a span of their own (not the whole sentence), one group per
    span, the weightiest first in each group and the groups in text order."""
    s = finding.sentence
    groups: dict[tuple[int, int], list[Reason]] = {}
    for r in finding.reasons:
        if r.end > r.start and (r.start, r.end) != (s.start, s.end):
            groups.setdefault((r.start, r.end), []).append(r)
    return [sorted(g, key=lambda r: -r.weight) for _, g in sorted(groups.items())]


def _extra(finding: Finding) -> dict[str, Any]:
    return {"sentence": finding.sentence.index, "score": round(float(finding.score), 4), "flagged": finding.flagged,
            "severity": finding.severity}


def _sentence_match(request: CheckRequest, finding: Finding) -> dict[str, Any]:
    s = finding.sentence
    whole = [r for r in finding.reasons if (r.start, r.end) == (s.start, s.end)]
    why = " ".join(r.message for r in whole[:2])
    message = f"This sentence reads as machine-translated from Russian (score {finding.score:.2f}, {finding.severity})."
    if why:
        message += " " + why
    replacements: list[str] = []
    extra = _extra(finding)
    if finding.rewrite is not None:
        extra["rewrite"] = {"text": finding.rewrite.text, "partial": finding.rewrite.partial,
                            "remaining": list(finding.rewrite.remaining), "note": finding.rewrite.note}
        if finding.rewrite.text:
            replacements.append(finding.rewrite.text)
    return protocol.match(
        request.text, s.start, s.end, s.text, message=message, short_message=f"Reads as translated ({finding.score:.2f})",
        replacements=replacements, rule_id=protocol.SENTENCE_RULE,
        description="Sentence reads as machine-translated from Russian", extra=extra,
    )


def _reason_match(request: CheckRequest, finding: Finding, group: list[Reason]) -> dict[str, Any]:
    first = group[0]
    suggestions = list(dict.fromkeys(x for r in group for x in r.suggestions))
    message = " ".join(dict.fromkeys(r.message for r in group))
    extra = {**_extra(finding), "source": first.source, "weight": round(float(first.weight), 4),
             "rules": [r.rule_id for r in group]}
    return protocol.match(
        request.text, first.start, first.end, finding.sentence.text, message=message,
        short_message=first.category or "translationese", replacements=suggestions, rule_id=first.rule_id,
        description=_description(first), extra=extra,
    )


def _description(reason: Reason) -> str:
    if reason.source == "interference":
        from mtcheck.detect import rules

        known = rules.get(reason.rule_id)
        if known is not None:
            return known.fix
    return DESCRIPTIONS.get(reason.source, "Translated phrasing")


def _reason_summary(text: protocol.CheckedText, reason: Reason) -> dict[str, Any]:
    offset, length = text.span16(reason.start, reason.end)
    return {"source": reason.source, "rule_id": reason.rule_id, "start": reason.start, "end": reason.end,
            "offset": offset, "length": length, "weight": round(float(reason.weight), 4),
            "suggestions": list(reason.suggestions)}


def _rewrite_entry(finding: Finding, start: int, threshold: float) -> dict[str, Any]:
    s = finding.sentence
    entry: dict[str, Any] = {"text": s.text, "start": s.start - start, "end": s.end - start,
                             "score": round(float(finding.score), 4), "flagged": finding.flagged, "severity": finding.severity,
                             "reasons": [{"rule_id": r.rule_id, "message": r.message, "suggestions": list(r.suggestions)}
                                         for r in finding.reasons],
                             "rewrite": None, "note": ""}
    if finding.suppressed:
        entry["note"] = "suppressed by an mtcheck-disable comment"
    elif not finding.flagged:
        entry["note"] = f"not flagged (score {finding.score:.2f}, under the threshold {threshold:.2f}); nothing to rewrite"
    elif finding.rewrite is not None:
        rw = finding.rewrite
        entry["rewrite"] = {"text": rw.text, "partial": rw.partial, "remaining": list(rw.remaining), "note": rw.note,
                            "model": rw.model}
        entry["note"] = rw.note
    return entry

