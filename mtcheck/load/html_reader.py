"""Blocks of HTML: the text a reader sees, each character mapped back to its place in the source.

HTML and Markdown: a ``<!--`` that is never closed comments out the rest of the file (nothing
after it becomes a block).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from mtcheck.load.spans import _Chars
from mtcheck.types import Block

_HTML_SKIP = {"script", "style", "noscript", "template", "head", "svg", "iframe", "object", "select", "textarea", "math"}
_HTML_BLOCK = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "td", "th", "tr", "table", "thead", "tbody", "tfoot", "caption", "br", "hr", "section", "article",
    "header", "footer", "nav", "aside", "main", "figure", "figcaption", "pre", "form", "fieldset",
    "legend", "address", "details", "summary", "body", "html", "title", "option",
}
_ENTITY = re.compile(r"&(?:#[xX][0-9a-fA-F]+|#\d+|[A-Za-z][A-Za-z0-9]*);?")


class _HtmlReader(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.blocks: list[Block] = []
        self.skipping: list[str] = []
        self.current = _Chars()

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _flush(self) -> None:
        block = self.current.take()
        if block:
            self.blocks.append(block)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "body" and "head" in self.skipping:  # a <head> left open
            del self.skipping[self.skipping.index("head"):]
        if tag in _HTML_SKIP and len(self.skipping) < MAX_HTML_DEPTH:  # deeper: skipped all the same
            self.skipping.append(tag)
        elif tag in _HTML_BLOCK and not self.skipping:
            self._flush()

    def handle_startendtag(self, tag: str, attrs) -> None:
        if tag in _HTML_BLOCK and not self.skipping:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipping:
            del self.skipping[len(self.skipping) - 1 - self.skipping[::-1].index(tag):]
        elif tag in _HTML_BLOCK and not self.skipping:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        base = self._offset()
        for i, ch in enumerate(data):
            if ch == PARSER_PLACEHOLDER:  # a "<" that parser_text hid from html.parser
                ch = self.text[base + i]
            self.current.add(ch, base + i, base + i + 1)

    def _reference(self) -> None:
        if self.skipping:
            return
        start = self._offset()
        match = _ENTITY.match(self.text, start)
        raw = match.group(0) if match else "&"
        for ch in html.unescape(raw if raw.endswith(";") else raw + ";"):
            self.current.add(ch, start, start + len(raw))

    def handle_entityref(self, name: str) -> None:
        self._reference()

    def handle_charref(self, name: str) -> None:
        self._reference()


_RAW_OR_COMMENT = re.compile(r"<(script|style)\b|<!--", re.I)
_RAW_END = {"script": re.compile(r"</script\s*>", re.I), "style": re.compile(r"</style\s*>", re.I)}

# Deeper nesting than this (of skipped elements here, of tables, cells and code in the segmenter)
# is not tracked: no real page comes near it, and tracking it costs time in the depth.
MAX_HTML_DEPTH = 64
# Stands in for a "<" that cannot start a tag (see parser_text); never shown to a reader.
PARSER_PLACEHOLDER = "\x00"


def unclosed_comment(text: str) -> int:
    """Where a ``<!--`` that is never closed starts (``len(text)`` when every comment is closed).

    Browsers treat such a comment as running to the end of the file; so does mtcheck. A ``<!--``
    inside a script or style element is not a comment (an element that is never closed does not
    count as one). Linear time: each closing tag is searched for once."""
    at = 0
    closes: dict[str, re.Match | None] = {}  # element -> its next closing tag at or after the search point
    while (match := _RAW_OR_COMMENT.search(text, at)) is not None:
        name = match.group(1)
        if name:
            name = name.lower()
            end_tag = closes.get(name)
            if name not in closes or (end_tag is not None and end_tag.start() < match.end()):
                end_tag = closes[name] = _RAW_END[name].search(text, match.end())
            at = end_tag.end() if end_tag is not None else match.start() + 1
            continue
        close = text.find("-->", match.start() + 2)  # "<!-->" is an (empty) closed comment
        if close < 0:
            return match.start()
        at = close + 3
    return len(text)


def parser_text(text: str) -> str:
    """``text`` as html.parser should read it: the same length, with every ``<`` after the last
    ``>`` (none of which can start a tag) replaced by ``PARSER_PLACEHOLDER``. html.parser reads
    such a ``<`` as text too, but only after scanning to the end of the input for each one, which
    takes quadratic time on a long run of them."""
    last = text.rfind(">")
    if text.find("<", last + 1) < 0:
        return text
    return text[: last + 1] + text[last + 1 :].replace("<", PARSER_PLACEHOLDER)


def html_blocks(text: str) -> list[Block]:
    reader = _HtmlReader(text)
    reader.feed(parser_text(text[: unclosed_comment(text)]))
    reader.close()
    reader._flush()
    return reader.blocks
