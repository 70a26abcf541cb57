"""Blocks of plain text and of one-segment-per-line input.

Plain text blocks: blank lines separate paragraphs, and each non-empty line is its own block
(news copy pasted from the web puts one paragraph, headline or link per line), except that
hard-wrapped prose is joined: a line that does not end in sentence punctuation is joined
with the next line when the next line starts in lower case, or when the line is long
(40+ characters) and ends in a lower-case word. Lines that start with a list marker are
never joined to the line before. A joined block is a verbatim slice, newlines included.
Table rows (lines starting with ``|``) are never joined to a neighbour, and a fenced code block
(from a line starting with ``` or ~~~ to its closing fence, or to the end) is one unsplit block,
so the segmenter can mark both as boilerplate.
"""

from __future__ import annotations

import re

from mtcheck.load.spans import _lines, _stripped
from mtcheck.types import Block


def line_blocks(text: str) -> list[Block]:
    blocks = []
    for start, end in _lines(text):
        start, end = _stripped(text, start, end)
        if start < end:
            blocks.append(Block(text=text[start:end], start=start, end=end, split=False))
    return blocks


_LIST_MARKER = re.compile(r"^(?:[-*+•–—]|\d{1,3}[.)])\s")
_TABLE_ROW = re.compile(r"^[ \t]*\|")
_TEXT_FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
_LINE_END_PUNCT = re.compile(r"[.!?:;…][\"'”’»)\]]*$")
_LAST_WORD = re.compile(r"([^\W\d_][\w'’-]*)[,]?$")


def _wrapped(line: str, following: str, *, first: str | None = None, length: int | None = None) -> bool:
    """Is ``following`` the continuation of hard-wrapped prose in ``line``?

    ``line`` may be only the last line of a block of joined lines, with ``first`` its first line
    and ``length`` its whole length: every test reads only those (a block that grows line by line
    is never copied again)."""
    first = line if first is None else first
    length = len(line) if length is None else length
    if _LINE_END_PUNCT.search(line) or _LIST_MARKER.match(following):
        return False
    if _TABLE_ROW.match(first) or _TABLE_ROW.match(following):
        return False  # a table row is never prose to join
    if following[:1].islower():
        return True
    last = _LAST_WORD.search(line)
    return length >= 40 and (line.endswith(",") or bool(last and last.group(1)[0].islower()))


def text_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    current: tuple[int, int] | None = None
    first_line: tuple[int, int] = (0, 0)  # of the current block
    last_line: tuple[int, int] = (0, 0)
    fence: tuple[str, int, int] | None = None  # (marker, start, end so far) of an open code fence
    for start, end in _lines(text):
        start, end = _stripped(text, start, end)
        if fence is not None:
            if start < end:
                fence = (fence[0], fence[1], end)
            if text[start:end].startswith(fence[0]):
                blocks.append(Block(text=text[fence[1]:fence[2]], start=fence[1], end=fence[2], split=False))
                fence = None
            continue
        opening = _TEXT_FENCE.match(text[start:end])
        if opening:
            if current:
                blocks.append(Block(text=text[current[0]:current[1]], start=current[0], end=current[1]))
            current = None
            fence = (opening.group(1), start, end)
            continue
        if start == end:
            if current:
                blocks.append(Block(text=text[current[0]:current[1]], start=current[0], end=current[1]))
            current = None
            continue
        if current and _wrapped(text[last_line[0]:last_line[1]], text[start:end],
                                first=text[first_line[0]:first_line[1]], length=current[1] - current[0]):
            current = (current[0], end)
            last_line = (start, end)
            continue
        if current:
            blocks.append(Block(text=text[current[0]:current[1]], start=current[0], end=current[1]))
        current = (start, end)
        first_line = last_line = (start, end)
    if current:
        blocks.append(Block(text=text[current[0]:current[1]], start=current[0], end=current[1]))
    if fence is not None:  # never closed: code to the end
        blocks.append(Block(text=text[fence[1]:fence[2]], start=fence[1], end=fence[2], split=False))
    return blocks
