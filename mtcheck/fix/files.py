"""Writing an edited article back in the file's own form: its encoding, byte-order mark and line endings.

Offsets count characters of ``Document.text`` (BOM removed, ``\\r\\n`` and ``\\r`` turned into
``\\n``). The file's bytes are decoded again as they are, each edit is moved to the same place
in that text, and the result is encoded with the file's codec and BOM, so every byte outside the
edits is the byte that was there. A file that does not survive decoding and encoding unchanged,
or that changed since it was checked, is refused rather than written.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from mtcheck.errors import InputError
from mtcheck.fix.edits import Edit, apply_edits
from mtcheck.load.decoding import decode_bytes

# The order decode_bytes tries them in: UTF-32 LE before UTF-16 LE (its BOM starts the same way).
_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Original:
    path: str
    data: bytes
    raw: str  # decoded, BOM removed, line endings as the file has them
    codec: str
    bom: bytes
    label: str  # the encoding as mtcheck reports it

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.raw else "\r" if "\r" in self.raw else "\n"


def read_original(path: str, normalised_text: str) -> Original:
    """The file's bytes and how to write them back; ``normalised_text`` is the ``Document.text`` the
    edits' offsets count in (InputError when the file no longer holds it)."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read the file: {err.strerror or err}") from None
    raw, label = decode_bytes(data, path)
    bom = next((b for b in _BOMS if data.startswith(b)), b"")
    codec = "utf-8" if label == "utf-8-sig" else label
    try:
        same = bom + raw.encode(codec) == data
    except UnicodeEncodeError:
        same = False
    if not same:
        raise InputError(f"{path}: cannot be written back byte for byte in {label}; nothing was changed")
    if raw.replace("\r\n", "\n").replace("\r", "\n") != normalised_text:
        raise InputError(f"{path}: changed while it was being checked; nothing was changed")
    return Original(path, data, raw, codec, bom, label)


def _raw_offsets(raw: str) -> list[int] | None:
    """Offset in ``raw`` of each character of its normalised text (and of its end); None when the same."""
    if "\r" not in raw:
        return None
    out, i = [], 0
    while i < len(raw):
        out.append(i)
        i += 2 if raw.startswith("\r\n", i) else 1
    out.append(len(raw))
    return out


def edited_bytes(original: Original, edits: Sequence[Edit]) -> bytes:
    """The file's bytes with ``edits`` (normalised offsets) applied."""
    mapping = _raw_offsets(original.raw)
    newline = original.newline
    moved = [Edit(mapping[e.start], mapping[e.end], e.text.replace("\n", newline)) if mapping is not None
             else Edit(e.start, e.end, e.text.replace("\n", newline)) for e in edits]
    text = apply_edits(original.raw, moved)
    try:
        return original.bom + text.encode(original.codec)
    except UnicodeEncodeError as err:
        bad = err.object[err.start:err.end]
        raise InputError(f"{original.path}: the fix needs “{bad}”, which {original.label} cannot hold; nothing was changed") from None


def write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (a temporary file beside it, then a rename)."""
    from mtcheck.fsutil import atomic_file, check_destination

    target = check_destination(path)
    with atomic_file(target) as tmp:
        try:
            tmp.write_bytes(data)
        except OSError as err:
            raise InputError(f"cannot write {target}: {err.strerror or err}") from None
