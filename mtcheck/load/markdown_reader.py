"""Blocks of Markdown: paragraphs, headings, list items and table cells as a reader sees them.

HTML and Markdown: a ``<!--`` that is never closed comments out the rest of the file (nothing
after it becomes a block).
"""

from __future__ import annotations

import html
import re

from mtcheck.load.html_reader import _ENTITY
from mtcheck.load.spans import _Chars, _lines, _stripped
from mtcheck.types import Block

_MD_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_MD_QUOTE = re.compile(r"^ {0,3}(?:>[ \t]?)+")
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+|$)")
_MD_HEADING_TAIL = re.compile(r"[ \t]+#+[ \t]*$|^#+[ \t]*$")
_MD_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)[ \t]*$")
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_MD_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+")
_MD_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*$")
_MD_LIST = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,9}[.)])[ \t]+")
_MD_IMAGE = re.compile(r"!\[[^\]]*\](?:\([^)]*\)|\[[^\]]*\])")
_MD_LINK = re.compile(r"\[([^\]]*)\](?:\(([^)]*)\)|\[[^\]]*\])")
_MD_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+|[^@\s<>]+@[^@\s<>]+)>")
_MD_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_MD_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_ASCII_PUNCT = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
_MD_BACKTICKS = re.compile(r"`+")
_MD_EMPHASIS = re.compile(r"[*_~]+")


def markdown_blocks(text: str) -> list[Block]:
    # Comments become blanks of the same length so every offset still points into ``text``.
    work = _MD_COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)
    blocks: list[Block] = []
    paragraph: list[tuple[int, int]] = []
    fence: str | None = None
    after_blank, in_list = True, False

    def emit(spans: list[tuple[int, int]]) -> None:
        chars = _Chars()
        previous_end = None
        for start, end in spans:
            if previous_end is not None:  # a soft line break reads as a space
                chars.add(" ", previous_end, previous_end + 1)
            _md_inline(work, start, end, chars)
            previous_end = end
        block = chars.take()
        if block:
            blocks.append(block)

    def flush() -> None:
        if paragraph:
            emit(paragraph[:])
            paragraph.clear()

    for start, end in _lines(work):
        line = work[start:end]
        if fence:
            if line.strip().startswith(fence):
                fence = None
            continue
        opening = _MD_FENCE.match(line)
        if opening:
            flush()
            fence = opening.group(1)
            in_list = in_list and line[:1].isspace()
            continue
        if not line.strip():
            flush()
            after_blank = True
            continue
        quote = _MD_QUOTE.match(line)
        if quote:
            start += quote.end()
            line = work[start:end]
        was_blank, after_blank = after_blank, False
        if not in_list and not paragraph and (line.startswith("    ") or line.startswith("\t")):
            continue  # indented code block (it cannot interrupt a paragraph, but may follow a heading)
        if paragraph and _MD_SETEXT.match(line):
            flush()  # the paragraph was a heading
            continue
        if _MD_RULE.match(line) or _MD_REFERENCE.match(line) or _MD_TABLE_RULE.match(line):
            flush()
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            content_end = end - (len(m.group(0)) if (m := _MD_HEADING_TAIL.search(work[start + heading.end():end])) else 0)
            emit([_stripped(work, start + heading.end(), content_end)])
            in_list = False
            continue
        if line.lstrip().startswith("|"):
            flush()
            cell_start = start + line.index("|") + 1
            for cell in re.finditer(r"[^|]+", work[cell_start:end]):
                emit([_stripped(work, cell_start + cell.start(), cell_start + cell.end())])
            continue
        item = _MD_LIST.match(line)
        if item:
            flush()
            in_list = True
            paragraph.append(_stripped(work, start + item.end(), end))
            continue
        if was_blank and not line[:1].isspace():
            in_list = False
        paragraph.append(_stripped(work, start, end))
    flush()
    return blocks


def _md_inline(work: str, start: int, end: int, out: _Chars) -> None:
    """Add the readable characters of Markdown inline text ``work[start:end]`` to ``out``."""
    i = start
    while i < end:
        ch = work[i]
        if ch == "\\" and i + 1 < end and work[i + 1] in _ASCII_PUNCT:
            out.add(work[i + 1], i + 1, i + 2)
            i += 2
            continue
        if ch == "`":
            ticks = _MD_BACKTICKS.match(work, i, end)
            assert ticks is not None  # work[i] is a backtick
            run = len(ticks.group(0))
            close = work.find("`" * run, i + run, end)
            if close > 0:
                for j in range(i + run, close):
                    out.add(work[j], j, j + 1)
                i = close + run
                continue
        if ch == "!" and (m := _MD_IMAGE.match(work, i, end)):
            i = m.end()
            continue
        if ch == "[" and (m := _MD_LINK.match(work, i, end)):
            _md_inline(work, m.start(1), m.end(1), out)
            i = m.end()
            continue
        if ch == "<":
            if m := _MD_AUTOLINK.match(work, i, end):
                for j in range(m.start(1), m.end(1)):
                    out.add(work[j], j, j + 1)
                i = m.end()
                continue
            if m := _MD_TAG.match(work, i, end):
                i = m.end()
                continue
        if ch == "&" and (m := _ENTITY.match(work, i, end)) and m.group(0).endswith(";"):
            for decoded in html.unescape(m.group(0)):
                out.add(decoded, i, m.end())
            i = m.end()
            continue
        if ch in "*_~":
            marks = _MD_EMPHASIS.match(work, i, end)
            assert marks is not None  # work[i] is one of *_~
            run = len(marks.group(0))
            before = work[i - 1] if i > start else " "
            after = work[i + run] if i + run < end else " "
            intraword = before.isalnum() and after.isalnum()
            if not (before.isspace() and after.isspace()) and not (ch == "_" and intraword) and not (ch == "~" and run == 1):
                i += run  # emphasis or strike-through markers
                continue
        out.add(ch, i, i + 1)
        i += 1
