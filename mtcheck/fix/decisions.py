"""The editor's decisions, exported from the HTML report and applied by ``mtcheck fix --decisions``.

Schema ``mtcheck/decisions`` version 1::

    {"schema": "mtcheck/decisions", "version": 1,
     "documents": [{"path": "article.md", "sha256": "<content hash>", "format": "markdown",
                    "decisions": [{"sentence": 3, "start": 120, "end": 190, "original": "...",
                                   "choice": "suggestion" | "candidate" | "edit" | "keep",
                                   "text": "the sentence as the editor wants it"}]}]}

``sha256`` is :func:`content_hash` of the article the report was made from (its decoded text, line
endings normalised, as every offset counts it); ``start``/``end`` are the sentence's offsets in that
text and ``original`` its words. A ``keep`` needs no ``text``. An article whose hash differs has
changed since the report and is refused whole: its offsets no longer point at the same words.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from mtcheck.errors import InputError
from mtcheck.types import Document

SCHEMA = "mtcheck/decisions"
VERSION = 1
CHOICES = ("suggestion", "candidate", "edit", "keep")


def content_hash(document: Document) -> str:
    return hashlib.sha256(document.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Decision:
    sentence: int
    start: int
    end: int
    original: str
    choice: str
    text: str


@dataclass(frozen=True)
class DocumentDecisions:
    path: str
    sha256: str
    decisions: tuple[Decision, ...]


def _fail(source: str, why: str) -> InputError:
    return InputError(f"{source}: not a decisions file exported by the mtcheck report ({why})")


def _decision(source: str, raw: Any, where: str) -> Decision:
    if not isinstance(raw, dict):
        raise _fail(source, f"{where} is not an object")
    choice = raw.get("choice")
    if choice not in CHOICES:
        raise _fail(source, f"{where}.choice must be one of {', '.join(CHOICES)}")
    numbers: list[int] = []
    for key in ("sentence", "start", "end"):
        value = raw.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _fail(source, f"{where} needs whole numbers sentence, start and end")
        numbers.append(value)
    original, text = raw.get("original"), raw.get("text", "")
    if not isinstance(original, str) or not isinstance(text, str):
        raise _fail(source, f"{where} needs the original text and the new text")
    return Decision(numbers[0], numbers[1], numbers[2], original, choice, text)


def parse_decisions(data: Any, source: str = "decisions") -> list[DocumentDecisions]:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise _fail(source, f"no \"schema\": \"{SCHEMA}\"")
    if data.get("version") != VERSION:
        raise _fail(source, f"version {data.get('version')!r}, this mtcheck reads version {VERSION}")
    documents = data.get("documents")
    if not isinstance(documents, list) or not documents:
        raise _fail(source, "no documents")
    out = []
    for d, raw in enumerate(documents):
        if not isinstance(raw, dict) or not isinstance(raw.get("path"), str) or not isinstance(raw.get("sha256"), str):
            raise _fail(source, f"documents[{d}] needs a path and a sha256")
        decisions = raw.get("decisions")
        if not isinstance(decisions, list):
            raise _fail(source, f"documents[{d}].decisions is not a list")
        parsed = tuple(_decision(source, x, f"documents[{d}].decisions[{i}]") for i, x in enumerate(decisions))
        out.append(DocumentDecisions(raw["path"], raw["sha256"], parsed))
    return out


def load_decisions(path: str | Path) -> list[DocumentDecisions]:
    """Read and check a decisions file (InputError, one line, on anything wrong)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: decisions file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read the decisions file ({getattr(err, 'strerror', None) or err})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise _fail(str(path), f"invalid JSON at line {err.lineno}") from None
    return parse_decisions(data, str(path))


def _same_path(a: str, b: str) -> bool:
    pa, pb = Path(a), Path(b)
    try:
        return pa.resolve() == pb.resolve()
    except OSError:
        return pa.as_posix() == pb.as_posix()


def decisions_for(document: Document, entries: Sequence[DocumentDecisions], source: str) -> DocumentDecisions:
    """The entry for ``document``: the only one, else the one with its path; checked against its content hash."""
    if len(entries) == 1:
        entry = entries[0]
    else:
        matching = [e for e in entries if _same_path(e.path, document.path)] or [
            e for e in entries if Path(e.path).name == Path(document.path).name]
        if len(matching) != 1:
            raise InputError(f"{document.path}: {source} has no decisions for this file")
        entry = matching[0]
    if entry.sha256 != content_hash(document):
        raise InputError(
            f"{document.path}: the decisions in {source} were made for another version of this article"
            f" ({entry.path}, content hash differs); nothing was changed",
            fix="check the article again and export new decisions",
        )
    return entry


def decisions_document(path: str, document_hash: str, decisions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One document's entry (what the report's script builds, for tests and tools)."""
    return {"path": path, "sha256": document_hash, "decisions": list(decisions)}
