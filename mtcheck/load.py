"""Stage ``load``: read an article (text, Markdown, HTML or one-segment-per-line) into a Document.

Decoding, in order: a BOM (UTF-8, UTF-16 LE/BE, UTF-32), BOM-less UTF-16 recognised by NUL
bytes in every other position, strict UTF-8, then a legacy 8-bit code page. Russian newsrooms
still produce cp1251 files, so bytes that are not UTF-8 and whose high bytes read as runs of
Cyrillic letters are decoded as cp1251; other non-UTF-8 text whose few high bytes are accented
letters or typographic punctuation is decoded as cp1252 (a superset of Latin-1 for printable
text). Anything else is refused as undecodable rather than guessed.

``Document.text`` is the decoded file with the BOM removed and every ``\\r\\n`` (and lone ``\\r``)
turned into ``\\n`` before any offset is computed, so offsets count characters of the
normalised text. Markup and HTML comments stay in ``Document.text`` (inline
``<!-- mtcheck-disable -->`` comments can be found there); ``Document.blocks`` hold only what a
reader sees, with ``Block.offsets`` mapping each character back into ``Document.text``.

Plain text blocks: blank lines separate paragraphs, and each non-empty line is its own block
(news copy pasted from the web puts one paragraph, headline or link per line), except that
hard-wrapped prose is joined: a line that does not end in sentence punctuation is joined
with the next line when the next line starts in lower case, or when the line is long
(40+ characters) and ends in a lower-case word. Lines that start with a list marker are
never joined to the line before. A joined block is a verbatim slice, newlines included.
Table rows (lines starting with ``|``) are never joined to a neighbour, and a fenced code block
(from a line starting with ``` or ~~~ to its closing fence, or to the end) is one unsplit block,
so the segmenter can mark both as boilerplate.

HTML and Markdown: a ``<!--`` that is never closed comments out the rest of the file (nothing
after it becomes a block).
"""

from __future__ import annotations

import codecs
import html
import os
import re
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from typing import BinaryIO

from mtcheck.errors import InputError
from mtcheck.types import Block, Document

FORMATS = ("auto", "text", "markdown", "html", "lines")
# The largest input accepted by default (--max-bytes): what ``mtcheck check --no-rewrite`` finishes
# in about four minutes and well under 2 GB of memory on the 2-core target machine
# (benchmarks/bench_sizes.py; README, "Limits").
DEFAULT_MAX_BYTES = 1_000_000
_FORMAT_ALIASES = {"md": "markdown", "txt": "text", "htm": "html", "plain": "text"}
_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html", ".xhtml": "html"}


# --------------------------------------------------------------------------- public API


def load_document(
    path: str,
    input_format: str = "auto",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stdin: BinaryIO | None = None,
) -> Document:
    """Read ``path`` ("-" for standard input, or ``stdin`` when given) into a Document."""
    fmt = _normalise_format(input_format)
    name = "standard input" if path == "-" else path
    data = _read_stdin(stdin, max_bytes) if path == "-" else _read_file(path, max_bytes)
    text, encoding = decode_bytes(data, name)
    if not text.strip():
        what = "is empty" if not text else "contains only whitespace"
        raise InputError(f"{name}: {what}; there is nothing to check")
    return _build(path, text, encoding, fmt)


def load_text(text: str, path: str = "<text>", input_format: str = "text") -> Document:
    """A Document from a string already in memory (evaluation data, tests)."""
    fmt = _normalise_format(input_format)
    return _build(path, text.removeprefix("\ufeff"), "unicode", fmt)


def decode_bytes(data: bytes, name: str = "input") -> tuple[str, str]:
    """Decode ``data`` as described in the module docstring; returns (text, encoding)."""
    magic = _binary_magic(data)
    if magic:
        raise InputError(f"{name}: looks like a binary file ({magic}), not text")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as err:
                raise InputError(f"{name}: starts with a {codec} byte-order mark but is not valid {codec}"
                                 f" ({err.reason} at byte {err.start + len(bom)})") from None
            label = "utf-8-sig" if codec == "utf-8" else codec
            return _checked_text(text, name), label
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise InputError(f"{name}: looks like a binary file (contains NUL bytes), not text")
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise InputError(f"{name}: looks like a binary file (contains NUL bytes), not text") from None
        return _checked_text(text, name), utf16
    try:
        return _checked_text(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    legacy = _legacy_codepage(data)
    if legacy is None:
        raise InputError(f"{name}: cannot decode: not UTF-8, UTF-16, cp1251 or cp1252 text (convert it to UTF-8)")
    return _checked_text(data.decode(legacy), name), legacy


# --------------------------------------------------------------------------- reading


def _normalise_format(input_format: str) -> str:
    fmt = _FORMAT_ALIASES.get(input_format.lower(), input_format.lower())
    if fmt not in FORMATS:
        raise InputError(f"unknown input format {input_format!r} (choose from {', '.join(FORMATS)})")
    return fmt


def _too_big(name: str, size: int | str, max_bytes: int) -> InputError:
    return InputError(
        f"{name} is {size} bytes, over the limit of {max_bytes:,} bytes; raise it with --max-bytes",
        fix=f"--max-bytes {size if isinstance(size, int) else max_bytes * 2}",
    )


def _read_file(path: str, max_bytes: int) -> bytes:
    target = Path(path)
    try:
        if target.is_dir():
            raise InputError(f"{path}: is a directory, not a file")
        size = target.stat().st_size
        if target.is_file() and size > max_bytes:
            raise _too_big(path, size, max_bytes)
        with target.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except PermissionError:
        raise InputError(f"{path}: cannot read the file: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as err:
        raise InputError(f"{path}: cannot read the file: {err.strerror or err}") from None
    if len(data) > max_bytes:  # a pipe or special file that grew past its stat size
        raise _too_big(path, f"more than {max_bytes:,}", max_bytes)
    return data


def _read_stdin(stream: BinaryIO | None, max_bytes: int) -> bytes:
    source = stream if stream is not None else sys.stdin.buffer
    try:
        data = source.read(max_bytes + 1)
    except OSError as err:
        raise InputError(f"standard input: cannot read: {err.strerror or err}") from None
    if isinstance(data, str):  # a text stream handed in by a caller
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise _too_big("standard input", f"more than {max_bytes:,}", max_bytes)
    return data


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"PK\x03\x04", "ZIP/Office document"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"\x7fELF", "executable"),
    (b"{\\rtf", "RTF document"),
    (b"\xd0\xcf\x11\xe0", "old Office document"),
)

_TEXT_CONTROLS = set("\t\n\r\f\v\x1a")  # \x1a: DOS end-of-file marker, harmless


def _binary_magic(data: bytes) -> str | None:
    for signature, kind in _MAGIC:
        if data.startswith(signature):
            return kind
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text that is mostly ASCII has a NUL in every other byte; binary data does not."""
    if len(data) < 4:
        return None
    even, odd = data[0::2], data[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd >= 0.3 and nul_even <= 0.02:
        return "utf-16-le"
    if nul_even >= 0.3 and nul_odd <= 0.02:
        return "utf-16-be"
    return None


def _checked_text(text: str, name: str) -> str:
    sample = text[:20000]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in _TEXT_CONTROLS)
    if controls >= 3 and controls > 0.02 * len(sample):
        raise InputError(f"{name}: looks like a binary file ({controls} control characters), not text")
    return text


_CP1251_LETTERS = set(range(0xC0, 0x100)) | {0xA8, 0xB8, 0xA1, 0xA2, 0xAA, 0xAF, 0xB2, 0xB3, 0xB4, 0xBA, 0xBF, 0xA5}
_CP1252_WORDISH = ((set(range(0xC0, 0x100)) - {0xD7, 0xF7})
                   | {0x80, 0x85, 0x8A, 0x8C, 0x8E, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x9A, 0x9C, 0x9E, 0x9F}
                   | set(range(0xA0, 0xC0)))


def _legacy_codepage(data: bytes) -> str | None:
    high = [b for b in data if b >= 0x80]
    if not high:
        return None
    letters = sum(1 for b in high if b in _CP1251_LETTERS)
    upper_half = sum(1 for b in high if b >= 0xC0)
    # Cyrillic words are runs of high bytes; accented Western letters sit alone inside ASCII words.
    runs = sum(1 for a, b in zip(data, data[1:]) if a >= 0xC0 and b >= 0xC0)
    if letters >= 0.8 * len(high) and upper_half and runs >= 0.5 * upper_half:
        try:
            data.decode("cp1251")
            return "cp1251"
        except UnicodeDecodeError:
            return None
    wordish = sum(1 for b in high if b in _CP1252_WORDISH)
    if wordish >= 0.9 * len(high) and len(high) <= 0.3 * len(data):
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            return None
    return None


# --------------------------------------------------------------------------- documents


def _build(path: str, raw_text: str, encoding: str, fmt: str) -> Document:
    text = raw_text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == "auto":
        fmt = _sniff(path, text)
    if fmt == "html":
        try:
            blocks = html_blocks(text)
        except (AssertionError, ValueError, IndexError) as err:  # html.parser gives up on some broken markup
            raise InputError(f"{path}: cannot parse the HTML ({err}); try --input-format text") from None
    elif fmt == "markdown":
        blocks = markdown_blocks(text)
    elif fmt == "lines":
        blocks = line_blocks(text)
    else:
        blocks = text_blocks(text)
    return Document(path=path, text=text, format=fmt, encoding=encoding, blocks=tuple(blocks))


_HTML_START = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)\b", re.I | re.S)
_HTML_BLOCK_TAG = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|table|tr|td|blockquote|article|section|body|head|span|a)\b[^>]*>", re.I)


def _sniff(path: str, text: str) -> str:
    by_extension = _EXTENSIONS.get(os.path.splitext(path)[1].lower())
    if by_extension:
        return by_extension
    if _HTML_START.match(text):
        return "html"
    sample = text[:50000]
    tags = len(_HTML_BLOCK_TAG.findall(sample))
    if tags >= 5 and tags * 20 >= len(sample.split()):  # markup-dense, not prose mentioning a tag
        return "html"
    return "text"


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, newline excluded."""
    spans, start = [], 0
    for match in re.finditer("\n", text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return spans


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


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


class _Chars:
    """Characters a reader sees, each with the span of source text it came from."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, ch: str, start: int, end: int) -> None:
        if ch.isspace():
            if not self.chars or self.chars[-1] == " ":
                return  # readers see one space for any run of white space
            ch = " "
        self.chars.append(ch)
        self.starts.append(start)
        self.ends.append(end)

    def take(self) -> Block | None:
        while self.chars and self.chars[-1] == " ":
            for column in (self.chars, self.starts, self.ends):
                column.pop()
        block = None
        if self.chars:
            block = Block(text="".join(self.chars), start=self.starts[0], end=self.ends[-1], offsets=tuple(self.starts))
        self.chars, self.starts, self.ends = [], [], []
        return block


# --------------------------------------------------------------------------- HTML

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


# --------------------------------------------------------------------------- Markdown

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
