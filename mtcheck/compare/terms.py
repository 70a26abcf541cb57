"""Terminology hints: where the reference names the same entity or idea differently.

For an aligned pair, the noun phrases of both sides (spaCy noun chunks and named entities,
determiners dropped) are matched: a pair is reported when the phrases mean the same (MiniLM
cosine of the short phrases) or are spelled alike (transliterations: "al-Nusra" / "Nusra"),
each is the other's best match, and neither wording occurs in the other sentence.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache
from typing import Sequence

from mtcheck.compare.lexical import STOPWORDS
from mtcheck.services.embedder import Embedder
from mtcheck.types import TermHint

SAME_MEANING = 0.55  # MiniLM cosine of two short phrases ("safe exit" / "safe passage": 0.62)
SAME_NAME = 0.7
DIFFERENT_WORDS_AGREE = 0.3  # character similarity of two spellings of a name
_LEADING = re.compile(r"^(?:the|a|an|its|their|his|her|our|this|that|these|those|such)\s+", re.IGNORECASE)
_EDGE_PUNCT = " \t\"'“”‘’«»()[],.;:!?-"


def _nlp():
    """The shared English pipeline, or None without it (then capitalised names and content words)."""
    from mtcheck.errors import ModelError
    from mtcheck.services.english import english

    try:
        return english()
    except ModelError:
        return None


def _clean(phrase: str) -> str:
    phrase = phrase.strip(_EDGE_PUNCT)
    while True:
        shorter = _LEADING.sub("", phrase)
        if shorter == phrase:
            return phrase.strip(_EDGE_PUNCT)
        phrase = shorter


@lru_cache(maxsize=4096)
def _phrases(text: str) -> tuple[str, ...]:
    return tuple(_find_phrases(text))


def phrases(text: str) -> list[str]:
    return list(_phrases(text))


def _find_phrases(text: str) -> list[str]:
    found: list[str] = []
    if _nlp() is not None:
        from mtcheck.services.english import parse_one

        doc = parse_one(text, without=("lemmatizer",))
        found = [c.text for c in doc.noun_chunks] + [e.text for e in doc.ents if e.label_ not in ("CARDINAL", "ORDINAL")]
    else:
        found = re.findall(r"(?:[A-Z][\w-]+(?:\s+[A-Z][\w-]+)*)|[a-z]{5,}", text)
    result = []
    for phrase in found:
        phrase = _clean(phrase)
        words = phrase.lower().split()
        if not words or all(w in STOPWORDS for w in words) or len(phrase) < 4 or any(ch.isdigit() for ch in phrase):
            continue
        if phrase not in result:
            result.append(phrase)
    return result


def _spelling(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio()


def _contains(text: str, phrase: str) -> bool:
    return re.search(r"\b" + re.escape(phrase.lower()) + r"\b", text.lower()) is not None


def prime_hints(pairs: Sequence[tuple[str, str]], embedder: Embedder) -> None:
    """Encode the phrases of all these pairs in one batch (one model call instead of one per pair)."""
    texts = [p for ours, reference in pairs for p in (*phrases(ours), *phrases(reference))]
    embedder.prime(texts)


def hints_for_pair(ours_text: str, reference_text: str, embedder: Embedder) -> tuple[TermHint, ...]:
    ours = [p for p in phrases(ours_text) if not _contains(reference_text, p)]
    theirs = [p for p in phrases(reference_text) if not _contains(ours_text, p)]
    if not ours or not theirs:
        return ()
    a, b = embedder.encode(ours), embedder.encode(theirs)
    meaning = a @ b.T
    scores = [[max(float(meaning[i, j]), _spelling(p, q) if _name_like(p, q) else 0.0) for j, q in enumerate(theirs)] for i, p in enumerate(ours)]
    hints = []
    for i, p in enumerate(ours):
        j = max(range(len(theirs)), key=lambda k: scores[i][k])
        if max(range(len(ours)), key=lambda k: scores[k][j]) != i:
            continue  # not each other's best match
        q = theirs[j]
        if p.lower() == q.lower() or _contains(p, q) and _contains(q, p):
            continue
        spelling = _spelling(p, q) if _name_like(p, q) else 0.0
        if spelling >= SAME_NAME:
            hints.append(TermHint(p, q, f'the reference spells the name "{q}", this article "{p}"'))
        elif (
            float(meaning[i, j]) >= SAME_MEANING
            and not (_proper(p) and _proper(q))  # two different names ("Lavrov"/"Ryabkov") are not a wording choice
            and _differences_agree(p, q, embedder)
        ):
            hints.append(TermHint(p, q, f'the reference says "{q}" where this article says "{p}"'))
    return tuple(hints)


def _differences_agree(p: str, q: str, embedder: Embedder) -> bool:
    # "Eastern Aleppo" / "Aleppo rebel groups" are close only through the shared word;
    # "safe exit" / "safe passage" differ in words that mean the same.
    pw, qw = p.lower().split(), q.lower().split()
    if not set(pw) & set(qw):
        return True
    rest_p = " ".join(w for w in pw if w not in qw)
    rest_q = " ".join(w for w in qw if w not in pw)
    if not rest_p or not rest_q:
        return False
    a, b = embedder.encode([rest_p, rest_q])
    return float(a @ b) >= DIFFERENT_WORDS_AGREE


def _proper(phrase: str) -> bool:
    return all(w[:1].isupper() for w in phrase.split() if w.lower() not in STOPWORDS)


def _name_like(a: str, b: str) -> bool:
    return a[:1].isupper() and b[:1].isupper() or "-" in a + b


def term_hints(pairs: Sequence[tuple[str, str]], embedder: Embedder) -> list[tuple[TermHint, ...]]:
    prime_hints(pairs, embedder)
    return [hints_for_pair(ours, reference, embedder) for ours, reference in pairs]
