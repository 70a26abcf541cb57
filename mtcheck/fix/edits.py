"""A sentence's new text as edits of the document, and applying edits.

An edit is ``(start, end, text)`` in ``Document.text`` offsets. A sentence's new text (a rule's
fix, a verified rewrite, an editor's own words) is compared with the sentence token by token;
only the tokens that change are replaced, at the offsets of the characters a reader sees, so the
markup around unchanged words (emphasis, links, entities), soft line breaks and everything
outside the changed words stay byte for byte.

The HTML report's script runs the same algorithm (``sentenceEdits`` in
``mtcheck/resources/report/report.js``) on the character spans this module hands it
(:func:`encode_spans`), so its "Download edited article" and ``mtcheck fix --decisions`` give the
same text: change both together.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Sequence

from mtcheck.types import Document, Sentence

# Words (letters, digits, underscore) and every other non-space character alone.
# JS: /[\p{L}\p{N}_]+|[^\p{L}\p{N}_\s]/gu
_TOKEN = re.compile(r"\w+|[^\w\s]")
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


@dataclass(frozen=True)
class Edit:
    start: int  # offsets into Document.text
    end: int
    text: str


class UnmappableSentence(ValueError):
    """The sentence's characters cannot be found in the document (it was not segmented from it)."""


# -- where each character of a sentence comes from --------------------------------------------------
def _local_start(document: Document, sentence: Sentence) -> tuple[str, list[int]]:
    """The sentence's block text and, for each character of the sentence, its start in the document."""
    n = len(sentence.text)
    blocks = document.blocks
    if 0 <= sentence.block < len(blocks):
        block = blocks[sentence.block]
        if block.offsets is None:
            local = sentence.start - block.start
        else:
            local = bisect_left(block.offsets, sentence.start)
        if 0 <= local and block.text[local:local + n] == sentence.text:
            return block.text, [block.source_offset(local + i) for i in range(n + 1)]
    if document.text[sentence.start:sentence.end] == sentence.text:
        return sentence.text, list(range(sentence.start, sentence.end + 1))
    raise UnmappableSentence(f"sentence {sentence.index} is not in {document.path}")


def char_spans(document: Document, sentence: Sentence) -> tuple[list[int], list[int]]:
    """(starts, ends): the document span each character of ``sentence.text`` was read from. A space
    a reader sees for a run of white space spans the run; an entity or escape spans all of it."""
    _, starts = _local_start(document, sentence)
    text = document.text
    ends = []
    for i in range(len(sentence.text)):
        s, cap = starts[i], starts[i + 1]
        src = text[s] if s < len(text) else ""
        entity = _ENTITY.match(text, s) if src == "&" else None
        if entity is not None:
            e = entity.end()
        elif src == "\\":  # a Markdown escape
            e = s + 2
        elif src.isspace():
            e = s + 1
            while e < cap and text[e].isspace():
                e += 1
        else:
            e = s + 1
        ends.append(min(e, cap) if cap > s else e)
    return starts[:-1], ends


def encode_spans(starts: Sequence[int], ends: Sequence[int]) -> list[list[int]]:
    """Runs ``[start, width, count]``: ``count`` characters from ``start`` on, each ``width`` long
    (a plain run has width 1), for the report's script (``decodeSpans`` in report.js)."""
    runs: list[list[int]] = []
    for s, e in zip(starts, ends):
        width = e - s
        if runs and runs[-1][1] == 1 and width == 1 and runs[-1][0] + runs[-1][2] == s:
            runs[-1][2] += 1
        else:
            runs.append([s, width, 1])
    return runs


# -- token diff ----------------------------------------------------------------------------------
def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _hunks(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2): ``a[i1:i2]`` becomes ``b[j1:j2]``, from a longest common subsequence
    walked from the front; on a tie a token of ``a`` is dropped first (the same walk as report.js)."""
    n, m = len(a), len(b)
    lcs = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below = lcs[i], lcs[i + 1]
        for j in range(m - 1, -1, -1):
            row[j] = below[j + 1] + 1 if a[i] == b[j] else max(below[j], row[j + 1])
    hunks: list[tuple[int, int, int, int]] = []
    i = j = 0
    open_at: tuple[int, int] | None = None
    while i < n or j < m:
        if i < n and j < m and a[i] == b[j]:
            if open_at is not None:
                hunks.append((open_at[0], i, open_at[1], j))
                open_at = None
            i, j = i + 1, j + 1
            continue
        if open_at is None:
            open_at = (i, j)
        if j >= m or (i < n and lcs[i + 1][j] >= lcs[i][j + 1]):
            i += 1
        else:
            j += 1
    if open_at is not None:
        hunks.append((open_at[0], n, open_at[1], m))
    return hunks


def text_changes(original: str, new: str) -> list[tuple[int, int, str]]:
    """(start, end, replacement) in ``original``'s coordinates, turning it into ``new`` token by
    token; white space between two unchanged tokens is kept as ``original`` has it."""
    a, b = _tokens(original), _tokens(new)
    out = []
    for i1, i2, j1, j2 in _hunks([t[0] for t in a], [t[0] for t in b]):
        a_lo = a[i1 - 1][2] if i1 > 0 else 0
        a_hi = a[i2][1] if i2 < len(a) else len(original)
        b_lo = b[j1 - 1][2] if j1 > 0 else 0
        b_hi = b[j2][1] if j2 < len(b) else len(new)
        old_piece, new_piece = original[a_lo:a_hi], new[b_lo:b_hi]
        prefix = 0
        while prefix < min(len(old_piece), len(new_piece)) and old_piece[prefix] == new_piece[prefix]:
            prefix += 1
        suffix = 0
        while (suffix < min(len(old_piece), len(new_piece)) - prefix
               and old_piece[len(old_piece) - 1 - suffix] == new_piece[len(new_piece) - 1 - suffix]):
            suffix += 1
        start, end = a_lo + prefix, a_hi - suffix
        replacement = new_piece[prefix:len(new_piece) - suffix]
        if start != end or replacement:
            out.append((start, end, replacement))
    return out


def sentence_edits(document: Document, sentence: Sentence, new_text: str) -> list[Edit]:
    """The edits of ``document`` that give ``sentence`` the words of ``new_text``.

    A changed stretch is replaced from the start of its first character to the end of its last, so
    markup before or after it stays; an insertion between two characters goes after the markup
    between them (a closing tag stays with the word before), unless it is a new word that leads
    into the next one (``"the "``), which goes before it. In HTML the new words are escaped."""
    if new_text == sentence.text:
        return []
    starts, ends = char_spans(document, sentence)
    n = len(sentence.text)
    edits = []
    for x, y, replacement in text_changes(sentence.text, new_text):
        if x < y:
            start, end = starts[x], ends[y - 1]
        elif x == 0:
            start = end = starts[0]
        elif x >= n:
            start = end = ends[n - 1]
        else:
            leads_on = replacement[-1:].isspace() and not replacement[:1].isspace()
            start = end = ends[x - 1] if leads_on else starts[x]
        if document.format == "html":
            replacement = html.escape(replacement, quote=False)
        edits.append(Edit(start, end, replacement))
    return edits


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (ValueError on an overlap)."""
    out, at = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if edit.start < at:
            raise ValueError(f"overlapping edits at offset {edit.start}")
        out.append(text[at:edit.start])
        out.append(edit.text)
        at = edit.end
    out.append(text[at:])
    return "".join(out)
