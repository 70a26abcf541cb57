"""Quotations: quoted words stay quoted word for word, and no reported speech becomes a quote."""

from __future__ import annotations

import re

_QUOTE = re.compile(r"“([^”]{3,})”|\"([^\"]{3,})\"|«([^»]{3,})»")


def _norm_quote(text: str) -> str:
    return " ".join(text.replace("’", "'").replace("‘", "'").lower().split())


def quotations(text: str) -> list[str]:
    return [_norm_quote(next(g for g in m.groups() if g)) for m in _QUOTE.finditer(text)]


def quotations_kept(original: str, candidate: str) -> list[str]:
    """Quotations of the original that the candidate no longer quotes word for word: the words must
    still stand between quote marks (taking the marks away turns a quote into a paraphrase)."""
    quoted = " | ".join(quotations(candidate))
    return [q for q in quotations(original) if q not in quoted and q.strip(" ,.;:!?") not in quoted]


def quotations_added(original: str, candidate: str) -> list[str]:
    """Quotations of the candidate that the original did not have: reported speech turned into a
    direct quote puts words in someone's mouth ("According to him, this is ..." -> He said, "This is ...")."""
    quoted = quotations(original)
    # American style moves the comma inside the quote ("... in autumn," the expert said): same words.
    return [q for q in quotations(candidate) if not any(q.strip(" ,.;:!?") in o for o in quoted)]
