"""Stage ``load``: read an article (text, Markdown, HTML or one-segment-per-line) into a Document.

``Document.text`` is the decoded file with the BOM removed and every ``\\r\\n`` (and lone ``\\r``)
turned into ``\\n`` before any offset is computed, so offsets count characters of the
normalised text. Markup and HTML comments stay in ``Document.text`` (inline
``<!-- mtcheck-disable -->`` comments can be found there); ``Document.blocks`` hold only what a
reader sees, with ``Block.offsets`` mapping each character back into ``Document.text``.

One module per job:

- ``document``: ``load_document`` and ``load_text``; reading a file or standard input within
  the size limit, choosing the format;
- ``decoding``: bytes to text (byte-order marks, UTF-16, UTF-8, cp1251, cp1252), binary refused;
- ``text_reader``: blocks of plain text (hard-wrapped prose joined) and of one segment per line;
- ``html_reader``: blocks of HTML;
- ``markdown_reader``: blocks of Markdown;
- ``spans``: lines, stripped spans and the characters a reader sees, shared by the readers.
"""

from __future__ import annotations

from mtcheck.load.decoding import decode_bytes
from mtcheck.load.document import DEFAULT_MAX_BYTES, INPUT_FORMATS, load_bytes, load_document, load_text
from mtcheck.load.html_reader import MAX_HTML_DEPTH, PARSER_PLACEHOLDER, html_blocks, parser_text, unclosed_comment
from mtcheck.load.markdown_reader import markdown_blocks
from mtcheck.load.text_reader import line_blocks, text_blocks

__all__ = [
    "DEFAULT_MAX_BYTES",
    "INPUT_FORMATS",
    "MAX_HTML_DEPTH",
    "PARSER_PLACEHOLDER",
    "decode_bytes",
    "html_blocks",
    "line_blocks",
    "load_bytes",
    "load_document",
    "load_text",
    "markdown_blocks",
    "parser_text",
    "text_blocks",
    "unclosed_comment",
]
