"""What mtcheck says to a person: error, warning and note lines on stderr, and text made safe to show.

Article text, file names, feed fields and server answers may hold control characters: an
``ESC[2J`` clears a terminal, ``ESC]0;...BEL`` retitles the window, a newline in a file name fakes a
second error line. :func:`printable` turns every C0 and C1 control character into a visible
stand-in of one character (``ESC`` -> ``␛``, newline -> ``␊``, the C1 range -> ``�``), so offsets and
styles computed on the original text still fit. Every line mtcheck itself writes to stderr goes
through :func:`error`, :func:`warning` or :func:`note`, which apply it; the text views apply it to
what they show.
"""

from __future__ import annotations

import re
import sys
import threading
from functools import lru_cache

# C0 controls show as their Unicode "control pictures" (U+2400...), DEL as U+2421; the C1 range
# (which 8-bit terminals read as CSI, OSC...) and lone surrogates (a file name that is not UTF-8)
# have no picture and show as the replacement character.
_C1 = range(0x80, 0xA0)
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


@lru_cache(maxsize=8)
def _table(keep: str) -> dict[int, str]:
    table = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"
    table.update({code: REPLACEMENT for code in _C1})
    for ch in keep:
        table.pop(ord(ch), None)
    return table


def printable(text: str, keep: str = "") -> str:
    """``text`` with every control character except those in ``keep`` (say ``"\\n\\t"`` where the
    layout needs them) replaced by a visible stand-in, one character for one."""
    text = str(text).translate(_table(keep))
    return _SURROGATE.sub(REPLACEMENT, text) if not text.isascii() else text


def has_controls(text: str, keep: str = "") -> bool:
    return printable(text, keep) != text


def _say(line: str) -> None:
    stream = sys.stderr
    try:
        stream.write(line + "\n")
        stream.flush()
    except (OSError, ValueError):  # stderr closed or gone: nothing more can be said
        pass


def error(message: str, prefix: str = "error") -> None:
    """``mtcheck: error: MESSAGE`` on stderr, always one line."""
    _say(f"mtcheck: {prefix}: {printable(message)}")


def warning(message: str) -> None:
    """``mtcheck: warning: MESSAGE`` on stderr, one line: something was skipped or ignored, the run goes on."""
    _say(f"mtcheck: warning: {printable(message)}")


_said: set[str] = set()
_said_lock = threading.Lock()


def note_once(key: str, message: str) -> bool:
    """``mtcheck: note: MESSAGE`` on stderr, the first time ``key`` is noted in this process; True if it was said now."""
    with _said_lock:
        if key in _said:
            return False
        _said.add(key)
    _say(f"mtcheck: note: {printable(message)}")
    return True


def warn_once(key: str, message: str) -> bool:
    """:func:`warning`, once per ``key`` in this process."""
    with _said_lock:
        if key in _said:
            return False
        _said.add(key)
    warning(message)
    return True


def already_noted(*keys: str) -> None:
    """Count these keys as said (a process whose parent has said them for the whole run)."""
    with _said_lock:
        _said.update(keys)
