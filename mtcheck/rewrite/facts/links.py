"""Web addresses, e-mail addresses and handles: kept character for character.

A link is an identifier, not prose: "http:" -> "Http:" (LanguageTool's capital at a sentence start)
or a dropped "/" sends the reader nowhere. Machine translation often spaces them out
("http: / / echo.msk.ru / programs"), so the pieces are compared, not whole addresses.
"""

from __future__ import annotations

import re
from collections import Counter

# A scheme ("http:", "https://"), an e-mail address, a handle ("@tass_agency"), or a host with its
# path when not spaced out ("echo.msk.ru", "www.bbc.co.uk/news/world-123", "t.me/channel").
_LINK = re.compile(
    r"\b(?:https?|ftp):/*"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w@])@\w{2,}"
    r"|(?P<host>\b(?:[a-z0-9-]+\.)+[a-z]{2,})(?P<path>/\S*)?",
    re.IGNORECASE,
)


def links(text: str) -> Counter:
    return Counter(_piece(m) for m in _LINK.finditer(text) if m.group("host") is None or _is_host(m.group("host")))


def _is_host(host: str) -> bool:
    # "U.S", "Gazeta.Ru" and a sentence glued to the next ("city.The") are no hosts: a host's last
    # part is lowercase, and so is its first letter.
    return host.rsplit(".", 1)[-1].islower() and not host[0].isupper()


def _piece(m: re.Match) -> str:
    # A path runs to the next space: the sentence's own punctuation after it is not part of it.
    return m.group(0).rstrip(".,;:!?)\"”’'") if m.group("path") else m.group(0)


def links_changed(original: str, candidate: str) -> list[str]:
    """The original's link pieces the candidate no longer has exactly, and pieces it adds."""
    before, after = links(original), links(candidate)
    return [f"changed {p}" for p in (before - after)] + [f"added {p}" for p in (after - before)]
