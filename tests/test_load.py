"""Stage ``load``: formats, encodings, blocks with offsets, and every kind of bad input."""

from __future__ import annotations

import codecs
import io
import os
from pathlib import Path

import pytest

from mtcheck.errors import InputError
from mtcheck.load import decode_bytes, load_document, load_text
from mtcheck.types import Document

DATA = Path(__file__).resolve().parent / "data"
ENGLISH = "The rebels said it was fine. Reuters reported it on Sunday.\n"
RUSSIAN = "Представители сирийской оппозиции заявили, что Россия и США предложили коридор.\n"


def _write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def _block_texts(document: Document) -> list[str]:
    return [block.text for block in document.blocks]


def _assert_offsets_point_at_source(document: Document) -> None:
    """Every visible character maps to the same character, an entity, or white space in the source."""
    for block in document.blocks:
        assert block.start <= block.end <= len(document.text)
        for i, ch in enumerate(block.text):
            at = block.source_offset(i)
            assert block.start <= at < block.end
            source = document.text[at]
            assert source == ch or source == "&" or (ch.isspace() and source.isspace()), (block.text, i, source)


# ----------------------------------------------------------------------------- formats


def test_text_blocks_are_verbatim_lines_and_paragraphs(tmp_path):
    path = _write(tmp_path, "a.txt", b"First paragraph line.\nSecond line.\n\n  Indented third.  \n")
    document = load_document(path)
    assert document.format == "text"
    assert document.encoding == "utf-8"
    assert _block_texts(document) == ["First paragraph line.", "Second line.", "Indented third."]
    for block in document.blocks:
        assert block.offsets is None
        assert document.text[block.start:block.end] == block.text


def test_hard_wrapped_prose_is_joined_but_headline_lines_are_not():
    document = load_document(str(DATA / "load_wrapped.txt"))
    texts = _block_texts(document)
    assert texts[0].startswith("Russia and the United States have offered a safe passage for militants\nfrom Eastern Aleppo")
    assert texts[0].endswith("the city within 48 hours.")
    assert texts[1:] == [
        "Headline One Without Punctuation",
        "Headline Two Without Punctuation",
        "A short line.",
        "Another short line.",
    ]
    assert document.text[document.blocks[0].start:document.blocks[0].end] == texts[0]


def test_list_marker_lines_are_never_joined():
    document = load_text("Officials said the talks would continue in\n- Geneva Talks Resume Next Week\n")
    assert _block_texts(document) == ["Officials said the talks would continue in", "- Geneva Talks Resume Next Week"]


def test_crlf_is_normalised_before_offsets(tmp_path):
    path = _write(tmp_path, "crlf.txt", b"One line.\r\nTwo line.\r\n\r\nThree.\rFour.")
    document = load_document(path)
    assert "\r" not in document.text
    assert _block_texts(document) == ["One line.", "Two line.", "Three.", "Four."]
    assert document.text[document.blocks[2].start:document.blocks[2].end] == "Three."


def test_lines_format_gives_one_unsplit_block_per_non_empty_line():
    document = load_text("First. Still first.\n\n  Second line  \nThird\n", input_format="lines")
    assert document.format == "lines"
    assert _block_texts(document) == ["First. Still first.", "Second line", "Third"]
    assert all(not block.split for block in document.blocks)
    assert document.text[document.blocks[1].start:document.blocks[1].end] == "Second line"


def test_html_drops_scripts_head_and_decodes_entities():
    document = load_document(str(DATA / "load_article.html"))
    assert document.format == "html"
    texts = _block_texts(document)
    joined = "\n".join(texts)
    for hidden in ("dataLayer", "Not article text", "trackPageView", "font-family", "Enable JavaScript", "Template text", "propose exit"):
        assert hidden not in joined
    assert "U.S., Russia Propose Safe Exit for Aleppo Rebels" in texts
    assert any("a proposal — three officials told Reuters. Mr. Ryabkov said it’s \"not yet agreed.\" Talks continue." in t for t in texts)
    # <br> separates blocks; &nbsp; reads as a space; inline tags vanish.
    assert "Fighters would leave within 48 hours, the proposal said." in texts
    assert "A copy was seen by Reuters." in texts
    assert "© 2016 Example News. All rights reserved." in texts
    _assert_offsets_point_at_source(document)


def test_html_entity_maps_to_its_start_and_comment_stays_in_text():
    document = load_document(str(DATA / "load_article.html"))
    block = next(b for b in document.blocks if "Ryabkov" in b.text)
    i = block.text.index("’")
    assert document.text[block.source_offset(i):].startswith("&#8217;")
    assert "<!-- mtcheck-disable -->" in document.text


def test_html_sniffed_from_content_and_given_explicitly(tmp_path):
    page = b"<!doctype html><html><body><p>Hello there.</p><p>Bye &amp; thanks.</p></body></html>"
    assert load_document(_write(tmp_path, "page.txt", page)).format == "html"
    assert load_document(_write(tmp_path, "page", page)).format == "html"
    fragment = b"<div><p>One.</p><p>Two.</p><p>Three.</p><br><p>Four.</p></div>"
    sniffed = load_document(_write(tmp_path, "fragment", fragment))
    assert sniffed.format == "html"
    assert _block_texts(sniffed) == ["One.", "Two.", "Three.", "Four."]
    forced = load_document(_write(tmp_path, "forced.txt", b"<p>Bye &amp; thanks.</p>"), "html")
    assert _block_texts(forced) == ["Bye & thanks."]
    prose = load_document(_write(tmp_path, "prose.txt", b"Use the <p> tag for paragraphs in your article.\n"))
    assert prose.format == "text"


def test_markdown_markup_is_removed_and_code_excluded():
    document = load_document(str(DATA / "load_article.md"))
    assert document.format == "markdown"
    texts = _block_texts(document)
    assert texts[0] == "U.S., Russia Propose Safe Exit for Aleppo Rebels"
    assert texts[1] == (
        "The United States and Russia on Sunday tabled a proposal, three officials told Reuters. "
        "Mr. Ryabkov said it was not agreed."
    )
    assert "Fighters would leave within 48 hours, the proposal said. A copy was seen & read." in texts
    assert "ISIS Captures Most of Palmyra in Dramatic Reversal" in texts  # list marker stripped
    assert "Related" in texts
    joined = "\n".join(texts)
    for hidden in ("This is code", "indented_code", "aleppo.jpg", "A photo of Aleppo", "https://", "mtcheck-disable", "**", "`", "#"):
        assert hidden not in joined
    assert "<!-- mtcheck-disable -->" in document.text
    _assert_offsets_point_at_source(document)


def test_markdown_inline_details():
    document = load_text(
        "Setext Heading\n==============\n\nA __bold__ and _em_ word, snake_case kept, 2 * 3 kept, \\*escaped\\*, "
        "<b>tag</b>, <https://example.com>.\n\n---\n\n| Cell one. | Cell two |\n|---|---|\n\n[ref]: https://example.com\n",
        "x.md",
        "auto",
    )
    assert _block_texts(document) == [
        "Setext Heading",
        "A bold and em word, snake_case kept, 2 * 3 kept, *escaped*, tag, https://example.com.",
        "Cell one.",
        "Cell two",
    ]


def test_markdown_extension_variants(tmp_path):
    assert load_document(_write(tmp_path, "a.markdown", b"# Title\n\nText.\n")).format == "markdown"
    assert load_document(_write(tmp_path, "a.md", b"# Title\n\nText.\n"), "md").format == "markdown"


def test_stdin_reads_bytes_and_sniffs():
    document = load_document("-", stdin=io.BytesIO("Hello from a pipe.\n".encode("utf-16")))
    assert document.path == "-"
    assert document.encoding == "utf-16-le"
    assert _block_texts(document) == ["Hello from a pipe."]
    html_doc = load_document("-", stdin=io.BytesIO(b"<!DOCTYPE html><p>Piped &amp; parsed.</p>"))
    assert html_doc.format == "html"
    assert _block_texts(html_doc) == ["Piped & parsed."]


def test_unknown_format_is_an_input_error():
    with pytest.raises(InputError, match="unknown input format 'pdf'"):
        load_text("Hello.", input_format="pdf")


# ----------------------------------------------------------------------------- encodings

ENCODED = [
    ("utf-8", ENGLISH + RUSSIAN, lambda t: t.encode("utf-8"), "utf-8"),
    ("utf-8-sig", ENGLISH + RUSSIAN, lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), "utf-8-sig"),
    ("utf-16-le-bom", ENGLISH + RUSSIAN, lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16-le"),
    ("utf-16-be-bom", ENGLISH + RUSSIAN, lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16-be"),
    ("utf-16-le", ENGLISH + "Lavrov — Лавров.\n", lambda t: t.encode("utf-16-le"), "utf-16-le"),
    ("utf-16-be", ENGLISH + "Lavrov — Лавров.\n", lambda t: t.encode("utf-16-be"), "utf-16-be"),
    ("utf-32-bom", ENGLISH, lambda t: t.encode("utf-32"), "utf-32-le"),
    ("cp1251", RUSSIAN + ENGLISH + "Ещё одна строка — «кавычки».\n", lambda t: t.encode("cp1251"), "cp1251"),
    ("cp1252", "The café in Zürich served crème brûlée — “quoted”.\n", lambda t: t.encode("cp1252"), "cp1252"),
]


@pytest.mark.parametrize("label,text,encode,expected", ENCODED, ids=[e[0] for e in ENCODED])
def test_encodings_are_detected(tmp_path, label, text, encode, expected):
    document = load_document(_write(tmp_path, f"{label}.txt", encode(text)))
    assert document.encoding == expected
    assert document.text == text
    assert not document.text.startswith("\ufeff")
    assert document.blocks[0].text == text.splitlines()[0]


def test_offsets_after_bom_count_decoded_characters(tmp_path):
    document = load_document(_write(tmp_path, "bom.txt", codecs.BOM_UTF8 + "Привет.\nHello.\n".encode("utf-8")))
    assert document.text[document.blocks[1].start:document.blocks[1].end] == "Hello."
    assert document.blocks[0].start == 0


def test_load_text_strips_a_bom_and_records_no_byte_encoding():
    document = load_text("\ufeffHello.")
    assert document.text == "Hello."
    assert document.encoding == "unicode"


# ----------------------------------------------------------------------------- bad input


def test_missing_file(tmp_path):
    missing = str(tmp_path / "nope.txt")
    with pytest.raises(InputError, match="nope.txt: file not found"):
        load_document(missing)


def test_directory(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_document(str(tmp_path))


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match=r"empty.txt: is empty"):
        load_document(_write(tmp_path, "empty.txt", b""))


def test_bom_only_file_is_empty(tmp_path):
    with pytest.raises(InputError, match="is empty"):
        load_document(_write(tmp_path, "bom.txt", codecs.BOM_UTF8))


def test_whitespace_only_file(tmp_path):
    with pytest.raises(InputError, match=r"blank.txt: contains only whitespace"):
        load_document(_write(tmp_path, "blank.txt", b" \n\t\r\n  \n"))


@pytest.mark.parametrize(
    "data,detail",
    [
        (bytes(range(256)) * 8, "NUL bytes"),
        (b"ELF\x00\x01\x02\x00\x00\x00\x00\x00\x03\x00>\x00\x01\x00\x00\x00" * 20, "NUL bytes"),
        (b"\x01\x02\x03\x04 some text \x05\x06\x07\x08" * 20, "control characters"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
    ],
    ids=["bytes", "nul-heavy", "controls", "pdf", "png"],
)
def test_binary_file(tmp_path, data, detail):
    with pytest.raises(InputError, match=rf"blob.bin: looks like a binary file \([^)]*{detail}"):
        load_document(_write(tmp_path, "blob.bin", data))


@pytest.mark.parametrize(
    "data",
    [
        b"Caf\x81 and \x98 are not letters in any code page we accept.\n",
        bytes([0x80, 0x95, 0x99, 0x86, 0x87, 0x89, 0x8B, 0x9B, 0x88]) * 30,
        codecs.BOM_UTF8 + b"valid start \xff\xfe broken",
    ],
    ids=["undefined-bytes", "symbol-soup", "bad-after-bom"],
)
def test_undecodable_file(tmp_path, data):
    with pytest.raises(InputError, match=r"mangled.txt: (cannot decode|starts with a utf-8 byte-order mark)"):
        load_document(_write(tmp_path, "mangled.txt", data))


def test_over_the_size_limit(tmp_path):
    path = _write(tmp_path, "big.txt", b"Word. " * 50)
    with pytest.raises(InputError) as caught:
        load_document(path, max_bytes=100)
    message = str(caught.value)
    assert "big.txt is 300 bytes" in message
    assert "limit of 100 bytes" in message
    assert "--max-bytes" in message
    assert load_document(path, max_bytes=300).blocks


def test_stdin_over_the_size_limit():
    with pytest.raises(InputError, match=r"standard input is more than 100 bytes.*--max-bytes"):
        load_document("-", max_bytes=100, stdin=io.BytesIO(b"x" * 101))


def test_stdin_empty():
    with pytest.raises(InputError, match="standard input: is empty"):
        load_document("-", stdin=io.BytesIO(b""))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    path = _write(tmp_path, "secret.txt", b"Hidden.")
    os.chmod(path, 0)
    try:
        with pytest.raises(InputError, match="secret.txt: cannot read the file: permission denied"):
            load_document(path)
    finally:
        os.chmod(path, 0o600)


def test_permission_denied_is_reported_even_when_running_as_root(tmp_path, monkeypatch):
    path = _write(tmp_path, "locked.txt", b"Hidden.")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputError, match="locked.txt: cannot read the file: permission denied"):
        load_document(path)


def test_messages_are_one_line(tmp_path):
    for data in (b"", b"\x00\x01" * 50, b"Caf\x81\x98"):
        with pytest.raises(InputError) as caught:
            load_document(_write(tmp_path, "x.txt", data))
        assert "\n" not in str(caught.value)


def test_decode_bytes_directly():
    assert decode_bytes("Ёлка".encode("cp1251") * 3) == ("Ёлка" * 3, "cp1251")
