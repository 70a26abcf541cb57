"""LanguageTool's HTTP protocol as ``mtcheck serve`` speaks it: parsing requests, shaping answers.

Requests are LanguageTool's: ``application/x-www-form-urlencoded`` fields (or the same fields in a
GET query) ``text`` or ``data`` (annotated text: ``{"annotation": [{"text": ..}, {"markup": ..,
"interpretAs": ..}]}``), ``language``, ``motherTongue``, ``enabledRules``, ``disabledRules``,
``enabledCategories``, ``disabledCategories``, ``enabledOnly``, ``level``, ``apiKey``, plus
mtcheck's own ``mtcheckRewrite``. Answers are LanguageTool's JSON (``software``, ``language``,
``matches[]``), each match with an extra ``mtcheck`` object clients ignore.

Offsets in answers count UTF-16 code units of the text as sent (markup included), as
LanguageTool's do (it is written in Java); language-tool-python turns them into Python offsets.
Nothing here touches a model: this module is pure functions over strings and dicts.
"""

from __future__ import annotations

import bisect
import json
import re
from array import array
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import unquote_to_bytes

from mtcheck import __version__

# The rule id of the one match over a flagged sentence; reason matches carry the reason's own id.
SENTENCE_RULE = "translated-sentence"
CATEGORY = {"id": "MTCHECK", "name": "Reads as translated (mtcheck)"}
# Reasons about the sentence as a whole (its phrasing, the article around it) are told in the
# sentence match's message rather than as a second underline over the same words.
CONTEXT_CHARS = 40  # characters of context either side of a match, as LanguageTool gives
FIELD_NAMES = frozenset({
    "text", "data", "language", "motherTongue", "preferredVariants", "enabledRules", "disabledRules",
    "enabledCategories", "disabledCategories", "enabledOnly", "level", "apiKey", "username", "mtcheckRewrite",
    "sentence", "context", "tokenizeOnly", "noopLanguages", "preferredLanguages", "useragent", "textSessionId",
})
# Fields that are only mtcheck's business, never passed on to the LanguageTool server.
PRIVATE_FIELDS = frozenset({"apiKey", "username", "mtcheckRewrite", "sentence", "context"})

# The English variants mtcheck checks (its detector reads English); other languages only get
# the LanguageTool server's own matches, when grammar merging is on.
ENGLISH = (
    {"name": "English", "code": "en", "longCode": "en"},
    {"name": "English (US)", "code": "en", "longCode": "en-US"},
    {"name": "English (GB)", "code": "en", "longCode": "en-GB"},
    {"name": "English (Australian)", "code": "en", "longCode": "en-AU"},
    {"name": "English (Canadian)", "code": "en", "longCode": "en-CA"},
    {"name": "English (New Zealand)", "code": "en", "longCode": "en-NZ"},
    {"name": "English (South African)", "code": "en", "longCode": "en-ZA"},
)


class HttpError(Exception):
    """An answer other than 200: the status and a one-line message for the JSON error body."""

    def __init__(self, status: int, message: str):
        self.status = status
        self.message = " ".join(str(message).split())
        super().__init__(self.message)


def error_body(status: int, message: str) -> bytes:
    """``{"error": ..., "status": ...}`` on one line: what every failed request gets."""
    return (json.dumps({"error": " ".join(str(message).split()), "status": status}, ensure_ascii=False) + "\n").encode("utf-8")


def software() -> dict[str, Any]:
    return {"name": "mtcheck", "version": __version__, "apiVersion": 1, "premium": False, "status": ""}


# --------------------------------------------------------------------------- form fields


def parse_form(body: bytes) -> dict[str, str]:
    """``a=1&b=2`` (form encoding or a query string) into fields; the first of a repeated field wins.

    Values must be UTF-8 after percent-decoding; anything else is a 400, not a guess."""
    fields: dict[str, str] = {}
    for piece in body.split(b"&"):
        if not piece:
            continue
        raw_key, _, raw_value = piece.partition(b"=")
        key = _decoded(raw_key, "a field name")
        value = _decoded(raw_value, f"field {key!r}")
        fields.setdefault(key, value)
    return fields


def _decoded(raw: bytes, what: str) -> str:
    try:
        return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError as err:
        raise HttpError(400, f"{what} is not valid UTF-8 (byte {err.start} of it); send the form UTF-8 encoded") from None


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "on")


def _ids(value: str | None) -> frozenset[str]:
    return frozenset(part.strip() for part in (value or "").split(",") if part.strip())


# --------------------------------------------------------------------------- text and offsets


@dataclass(frozen=True)
class CheckedText:
    """The text mtcheck reads (``plain``) and how its offsets map back to the text as sent.

    ``plain`` is the annotated text's text parts with each markup part replaced by its
    ``interpretAs`` (as LanguageTool does), a leading byte-order mark dropped and ``\\r\\n`` turned
    into ``\\n`` (as ``mtcheck check`` does), so a finding's offsets in ``plain`` equal
    ``check``'s. ``starts``/``ends`` give each plain character's first and one-past-last position
    in ``source`` (None: the same position)."""

    source: str
    plain: str
    starts: array | None = None
    ends: array | None = None
    _astral: tuple[int, ...] = field(default=(), repr=False)

    @classmethod
    def build(cls, pieces: Iterable[tuple[str, str]]) -> "CheckedText":
        """From ``(kind, value)`` pieces: ``("text", ..)``, ``("markup", markup)`` followed by
        ``("interpret", interpretAs)`` for the same markup."""
        source_parts: list[str] = []
        plain_parts: list[str] = []
        starts, ends = array("q"), array("q")
        position = 0
        markup_start = markup_end = 0
        for kind, value in pieces:
            if kind == "text":
                plain_parts.append(value)
                starts.extend(range(position, position + len(value)))
                ends.extend(range(position + 1, position + len(value) + 1))
                source_parts.append(value)
                position += len(value)
            elif kind == "markup":
                source_parts.append(value)
                markup_start, markup_end = position, position + len(value)
                position = markup_end
            else:  # what the markup just before stands for
                plain_parts.append(value)
                starts.extend([markup_start] * len(value))
                ends.extend([markup_end] * len(value))
        return cls._normalised("".join(source_parts), "".join(plain_parts), starts, ends)

    @classmethod
    def plain_text(cls, text: str) -> "CheckedText":
        if "\r" not in text and not text.startswith("\ufeff"):  # the common case: offsets are the same
            return cls(text, text, None, None, _astral_positions(text))
        return cls._normalised(text, text, array("q", range(len(text))), array("q", range(1, len(text) + 1)))

    @classmethod
    def _normalised(cls, source: str, plain: str, starts: array, ends: array) -> "CheckedText":
        drop = {m.start() for m in re.finditer(r"\r(?=\n)", plain)}
        drop.update(range(len(plain) - len(plain.lstrip("\ufeff"))))  # byte-order marks the reader would drop
        if drop:
            keep = [i for i in range(len(plain)) if i not in drop]
            plain = "".join(plain[i] for i in keep)
            starts = array("q", (starts[i] for i in keep))
            ends = array("q", (ends[i] for i in keep))
        plain = plain.replace("\r", "\n")
        return cls(source, plain, starts, ends, _astral_positions(source))

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """Plain offsets ``[start, end)`` as Python offsets into ``source``."""
        if self.starts is None or self.ends is None:
            return start, end
        if not len(self.starts):
            return 0, 0
        a = self.starts[start] if start < len(self.starts) else (self.ends[-1] if self.ends else 0)
        b = self.ends[end - 1] if end > start else a
        return a, b

    def utf16(self, offset: int) -> int:
        """A Python offset into ``source`` in UTF-16 code units (characters past U+FFFF count two)."""
        return offset + bisect.bisect_left(self._astral, offset)

    def span16(self, start: int, end: int) -> tuple[int, int]:
        """Plain offsets ``[start, end)`` as LanguageTool's (offset, length) into ``source``."""
        a, b = self.source_span(start, end)
        a16 = self.utf16(a)
        return a16, self.utf16(b) - a16


def _astral_positions(text: str) -> tuple[int, ...]:
    if text.isascii() or max(text) < "\U00010000":
        return ()
    return tuple(i for i, ch in enumerate(text) if ord(ch) > 0xFFFF)


def annotated_text(data: str) -> CheckedText:
    """LanguageTool's ``data`` field: markup is skipped (read as its ``interpretAs``, else nothing)."""
    try:
        parsed = json.loads(data)
    except json.JSONDecodeError as err:
        raise HttpError(400, f"'data' is not valid JSON ({err.msg} at character {err.pos})") from None
    items = parsed.get("annotation") if isinstance(parsed, dict) else None
    if not isinstance(items, list):
        raise HttpError(400, "'data' must be a JSON object with an 'annotation' list, as LanguageTool's annotated text")
    pieces: list[tuple[str, str]] = []
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            raise HttpError(400, f"'data' annotation {n} is not an object")
        text, markup, interpret = item.get("text"), item.get("markup"), item.get("interpretAs", "")
        if isinstance(text, str) and markup is None:
            pieces.append(("text", text))
        elif isinstance(markup, str) and text is None and isinstance(interpret, str):
            pieces += [("markup", markup), ("interpret", interpret)]
        else:
            raise HttpError(400, f"'data' annotation {n} needs a string 'text' or a string 'markup' (with an optional 'interpretAs')")
    return CheckedText.build(pieces)


# --------------------------------------------------------------------------- requests


@dataclass(frozen=True)
class CheckRequest:
    """One ``/v2/check`` request, parsed and validated."""

    text: CheckedText
    language: str
    fields: Mapping[str, str]  # every field as sent: the grammar server gets its own
    mother_tongue: str = ""
    enabled_rules: frozenset[str] = frozenset()
    disabled_rules: frozenset[str] = frozenset()
    enabled_categories: frozenset[str] = frozenset()
    disabled_categories: frozenset[str] = frozenset()
    enabled_only: bool = False
    picky: bool = False
    rewrite: bool = False

    def wants(self, rule_id: str, category: str) -> bool:
        """Does the client's rule and category selection keep a match of this rule?"""
        if rule_id in self.disabled_rules or category in self.disabled_categories:
            return False
        if self.enabled_only:
            return rule_id in self.enabled_rules or category in self.enabled_categories
        return True

    def grammar_fields(self) -> dict[str, str]:
        """The fields the LanguageTool server is asked with (mtcheck's own and the key left out)."""
        return {k: v for k, v in self.fields.items() if k not in PRIVATE_FIELDS}


def is_english(language: str) -> bool:
    return language.lower() == "en" or language.lower().startswith("en-")


def known_language(language: str, languages: Iterable[Mapping[str, str]]) -> bool:
    wanted = language.lower()
    if wanted == "auto":
        return True
    return any(wanted in (str(entry.get("longCode", "")).lower(), str(entry.get("code", "")).lower()) for entry in languages)


def parse_check(fields: Mapping[str, str], languages: Iterable[Mapping[str, str]]) -> CheckRequest:
    """A validated check request; ``HttpError(400)`` naming what is missing or wrong."""
    text, data = fields.get("text"), fields.get("data")
    if text is None and data is None:
        raise HttpError(400, "missing 'text' or 'data': send the text to check in one of them")
    if text is not None and data is not None:
        raise HttpError(400, "send 'text' or 'data', not both")
    language = (fields.get("language") or "").strip()
    if not language:
        raise HttpError(400, "missing 'language' (e.g. en-US, or auto)")
    if not known_language(language, languages):
        raise HttpError(400, f"unknown language {language!r}: GET /v2/languages lists the ones this server checks")
    checked = CheckedText.plain_text(text) if text is not None else annotated_text(data or "")
    if not checked.plain.strip():
        raise HttpError(400, "the text is empty; there is nothing to check")
    return CheckRequest(
        text=checked,
        language=language,
        fields=dict(fields),
        mother_tongue=fields.get("motherTongue", ""),
        enabled_rules=_ids(fields.get("enabledRules")),
        disabled_rules=_ids(fields.get("disabledRules")),
        enabled_categories=_ids(fields.get("enabledCategories")),
        disabled_categories=_ids(fields.get("disabledCategories")),
        enabled_only=_flag(fields.get("enabledOnly")),
        picky=(fields.get("level") or "").strip().lower() == "picky",
        rewrite=_flag(fields.get("mtcheckRewrite")),
    )


@dataclass(frozen=True)
class RewriteRequest:
    """One ``/v1/rewrite`` request: a sentence and, optionally, the article around it."""

    sentence: str
    context: str = ""


def parse_rewrite(fields: Mapping[str, str]) -> RewriteRequest:
    sentence = fields.get("sentence", fields.get("text"))
    if sentence is None:
        raise HttpError(400, "missing 'sentence': send the sentence to rewrite (and optionally its article as 'context')")
    if not sentence.strip():
        raise HttpError(400, "the sentence is empty; there is nothing to rewrite")
    return RewriteRequest(sentence=sentence, context=fields.get("context", ""))


# --------------------------------------------------------------------------- answers


def language_entry(code: str, languages: Iterable[Mapping[str, str]]) -> dict[str, Any]:
    """LanguageTool's ``language`` object for a request's language code."""
    lowered = code.lower()
    for entry in languages:
        if lowered == str(entry.get("longCode", "")).lower():
            name, long_code = entry["name"], entry["longCode"]
            break
    else:
        name, long_code = ("English (US)", "en-US") if lowered in ("auto", "en") else (code, code)
    detected = {"name": name, "code": long_code, "confidence": 1.0, "source": "request"}
    return {"name": name, "code": long_code, "detectedLanguage": detected}


def match(text: CheckedText, start: int, end: int, sentence: str, *, message: str, short_message: str,
          replacements: Iterable[str], rule_id: str, description: str, issue_type: str = "style",
          extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """One LanguageTool match over plain offsets ``[start, end)``, shaped as LanguageTool's."""
    offset, length = text.span16(start, end)
    left = max(0, start - CONTEXT_CHARS)
    right = min(len(text.plain), end + CONTEXT_CHARS)
    context = text.plain[left:right]
    before = text.plain[left:start]
    in_context = len(before.encode("utf-16-le")) // 2
    context_length = len(text.plain[start:end].encode("utf-16-le")) // 2
    out: dict[str, Any] = {
        "message": message,
        "shortMessage": short_message,
        "replacements": [{"value": r} for r in replacements],
        "offset": offset,
        "length": length,
        "context": {"text": context, "offset": in_context, "length": context_length},
        "sentence": sentence,
        "type": {"typeName": "Other"},
        "rule": {"id": rule_id, "description": description, "issueType": issue_type, "category": dict(CATEGORY)},
        "ignoreForIncompleteSentence": False,
        "contextForSureMatch": 0,
    }
    if extra is not None:
        out["mtcheck"] = dict(extra)
    return out


def merge_matches(ours: list[dict[str, Any]], grammar: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """mtcheck's matches and the LanguageTool server's, in text order; a server match that repeats
    one of mtcheck's (same rule at the same place: the rule pack's matches are reasons too) is dropped."""
    seen = {(m["offset"], m["length"], m["rule"]["id"]) for m in ours}
    kept = [m for m in grammar if (m.get("offset"), m.get("length"), (m.get("rule") or {}).get("id")) not in seen]
    return sorted([*ours, *kept], key=lambda m: (int(m.get("offset", 0)), int(m.get("length", 0))))


def check_response(language: Mapping[str, Any], matches: list[dict[str, Any]], summary: Mapping[str, Any],
                   incomplete: bool = False) -> dict[str, Any]:
    return {
        "software": software(),
        "warnings": {"incompleteResults": incomplete},
        "language": dict(language),
        "matches": matches,
        "mtcheck": dict(summary),
    }


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
