"""One spaCy parse per text: every fact extractor shares the parses of one ``fact_checks`` call."""

from __future__ import annotations

from typing import Any


class _Parser:
    """Parses each text at most once per ``fact_checks`` call (the caller may cache across calls)."""

    def __init__(self, nlp: Any):
        self.nlp = nlp
        self.docs: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        if self.nlp is None:
            return None
        doc = self.docs.get(text)
        if doc is None:
            doc = self.docs[text] = self.nlp(text)
        return doc


def _parser(nlp: Any) -> _Parser:
    return nlp if isinstance(nlp, _Parser) else _Parser(nlp)
