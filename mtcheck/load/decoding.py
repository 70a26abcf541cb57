"""Decoding an input's bytes into text.

Decoding, in order: a BOM (UTF-8, UTF-16 LE/BE, UTF-32), BOM-less UTF-16 recognised by NUL
bytes in every other position, strict UTF-8, then a legacy 8-bit code page. Russian newsrooms
still produce cp1251 files, so bytes that are not UTF-8 and whose high bytes read as runs of
Cyrillic letters are decoded as cp1251; other non-UTF-8 text whose few high bytes are accented
letters or typographic punctuation is decoded as cp1252 (a superset of Latin-1 for printable
text). Anything else is refused as undecodable rather than guessed.
"""

from __future__ import annotations

import codecs
import unicodedata

from mtcheck.errors import InputError

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
