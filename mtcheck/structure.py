"""Structure that is not prose, for the segmenter (mtcheck.segment): a block's reason or None.

Markdown/plain-text table rows ("table row", "table header" for the row above the ``|---|``
separator, "table separator"), fenced code and indented lines that read as code ("code block"),
and in HTML ``<pre>``/``<code>`` ("code block", "code"), ``<caption>``/``<figcaption>``
("caption"), ``<th>`` ("table header") and cells of data tables ("table cell"; a table holding
paragraphs, divisions or other tables is page layout and its text stays prose).
"""

from __future__ import annotations

import bisect
import re
from html.parser import HTMLParser

from mtcheck.load import MAX_HTML_DEPTH
from mtcheck.types import Document

_TABLE_SEPARATOR = re.compile(r"^(?=[^|\n]*\|)(?=[^-\n]*-)[ \t]*[|:\- \t]+$")
_FENCE_START = re.compile(r"^[ \t]*(?:`{3,}|~{3,})")
_CODE_LINE = re.compile(
    r"[;{}]\s*$|^\s*[}\])]|\s(?:==|!=|<=|>=|=>|->|:=|\+=|-=|=)\s|\w\([^()\s]*\)|::|</?[a-z][\w-]*(?:\s[^<>]*)?/?>"
    r"|^\s*(?:for|if|while|elif|else|try|except|with)\b.*[:{]\s*$"
    r"|^\s*(?:(?:def|class|return|import|function|var|let|const)\s|from \S+ import\s|#include\b|#!|//|/\*|\$ |>>> |print\()"
)


def looks_like_code(text: str) -> bool:
    """Most lines carry code punctuation or keywords (``x = 1``, ``f();``, ``def f():``, ``}``)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        return False
    return sum(1 for line in lines if _CODE_LINE.search(line)) * 2 >= len(lines)


def structure_reasons(document: Document) -> list[str | None]:
    """For each block, the structure that makes it something other than prose (tables, code, captions), or None."""
    if document.format == "html":
        return _html_structure(document)
    text = document.text
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    roles = _table_lines(text)
    out: list[str | None] = []
    for block in document.blocks:
        first = bisect.bisect_right(line_starts, block.start) - 1
        last = bisect.bisect_right(line_starts, max(block.start, block.end - 1)) - 1
        indent = text[line_starts[first]:block.start]
        if all(n in roles for n in range(first, last + 1)):
            out.append(roles[first])
        elif _FENCE_START.match(block.text):
            out.append("code block")
        elif not indent.strip() and len(indent.expandtabs(4)) >= 4 and looks_like_code(block.text):
            out.append("code block")  # an indented line that reads as code
        else:
            out.append(None)
    return out


def _table_lines(text: str) -> dict[int, str]:
    """Line number -> "table header" / "table row" / "table separator" for the lines of pipe tables."""
    lines = text.split("\n")
    roles: dict[int, str] = {}
    for n, line in enumerate(lines):
        if _TABLE_SEPARATOR.match(line):
            roles[n] = "table separator"
            if n > 0 and "|" in lines[n - 1] and lines[n - 1].strip() and n - 1 not in roles:
                roles[n - 1] = "table header"
            k = n + 1
            while k < len(lines) and "|" in lines[k] and lines[k].strip() and not _TABLE_SEPARATOR.match(lines[k]):
                roles[k] = "table row"
                k += 1
    for n, line in enumerate(lines):
        stripped = line.strip()
        if n not in roles and stripped.startswith("|") and stripped.count("|") >= 2:
            roles[n] = "table row"
    return roles


class _HtmlStructure(HTMLParser):
    """Spans of the HTML elements that hold something other than prose."""

    TRACKED = {"table", "tr", "th", "td", "thead", "caption", "figcaption", "pre", "code", "samp", "kbd"}
    LAYOUT = {"p", "div", "article", "section", "blockquote", "ul", "ol", "table", "main", "header", "footer",
              "nav", "aside", "form", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.open: list[dict] = []
        self.spans: list[dict] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _close(self, index: int, at: int) -> None:
        for element in self.open[index:]:
            element["end"] = at
            self.spans.append(element)
        del self.open[index:]

    def _innermost(self, *tags: str) -> int | None:
        for i in range(len(self.open) - 1, -1, -1):
            if self.open[i]["tag"] in tags:
                return i
        return None

    def handle_starttag(self, tag: str, attrs) -> None:
        at = self._offset()
        if len(self.open) >= MAX_HTML_DEPTH:
            return  # nested deeper than any real page: not tracked (see mtcheck.load.MAX_HTML_DEPTH)
        if tag in self.LAYOUT:
            for element in self.open:
                if element["tag"] == "table":
                    element["layout"] = True
        if tag in ("td", "th", "tr"):  # a new cell or row closes the open one
            table = self._innermost("table")
            closing = ("td", "th", "tr") if tag == "tr" else ("td", "th")
            cell = self._innermost(*closing)
            if cell is not None and (table is None or cell > table):
                self._close(cell, at)
        if tag == "code":
            pre = self._innermost("pre")
            if pre is not None:
                self.open[pre]["code"] = True
        if tag in self.TRACKED:
            table = self._innermost("table")
            self.open.append({"tag": tag, "start": at, "end": None, "layout": False, "code": False,
                              "table": self.open[table] if table is not None else None})

    def handle_endtag(self, tag: str) -> None:
        if tag in self.TRACKED:
            index = self._innermost(tag)
            if index is not None:
                self._close(index, self._offset())

    def finish(self, end: int) -> list[dict]:
        self.close()
        self._close(0, end)
        return self.spans


_TAG = re.compile(r"<[^<>]*>")


def _html_structure(document: Document) -> list[str | None]:
    from mtcheck.load import parser_text, unclosed_comment

    text = document.text
    visible = text[: unclosed_comment(text)]
    try:
        parser = _HtmlStructure(visible)
        parser.feed(parser_text(visible))
        spans = parser.finish(len(visible))
    except (AssertionError, ValueError, IndexError):
        return [None] * len(document.blocks)
    spans.sort(key=lambda e: e["start"])
    out: list[str | None] = []
    active: list[dict] = []  # the elements open at the current block (blocks come in document order)
    upcoming = 0
    for block in document.blocks:
        while upcoming < len(spans) and spans[upcoming]["start"] <= block.start:
            active.append(spans[upcoming])
            upcoming += 1
        active = [e for e in active if block.start < e["end"]]
        around = [e for e in active if e["start"] <= block.start]  # outermost first
        tags = {e["tag"]: e for e in around}  # the innermost element of each tag
        cells = [e for e in around if e["tag"] in ("td", "th")]
        cell = cells[-1] if cells else None
        table = cell["table"] if cell is not None else None
        data_table = table is not None and not table["layout"]
        pre = tags.get("pre")
        if pre is not None and "looks_like_code" not in pre:
            pre["looks_like_code"] = pre["code"] or looks_like_code(_TAG.sub("", text[pre["start"]:pre["end"]]))
        if pre is not None and pre["looks_like_code"]:
            out.append("code block")
        elif any(e["tag"] in ("code", "samp", "kbd") and block.end <= e["end"] for e in around):
            out.append("code")
        elif "caption" in tags or "figcaption" in tags:
            out.append("caption")
        elif data_table and cell is not None and (cell["tag"] == "th" or ("thead" in tags and tags["thead"]["table"] is table)):
            out.append("table header")
        elif data_table:
            out.append("table cell")
        else:
            out.append(None)
    return out
