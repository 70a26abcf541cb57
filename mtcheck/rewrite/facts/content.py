"""Content words: what the candidate dropped and what it added, derivations and synonyms allowed.

Names are left to the entities check, numbers and dates to theirs, reporting verbs to the
attribution check. The words a flagged problem covers (``replaceable``) may go: the fix is meant
to replace them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Collection, Sequence

from mtcheck.rewrite.facts.modals import _ATTRIBUTION
from mtcheck.rewrite.facts.names import _WORD, _name_text
from mtcheck.rewrite.facts.numeric import _ORDINALS, _SCALES, _UNITS
from mtcheck.rewrite.facts.parsing import _parser
from mtcheck.rewrite.facts.temporal import _MONTHS, _RELATIVE_DAYS, _WEEKDAYS
from mtcheck.rewrite.facts.words import WORD_SIMILARITY, Similar, _fallback_key, _stem, american, contrast, derived

_CONTENT_POS = {"NOUN", "VERB", "ADJ"}  # names are the entities check's, numbers the numbers check's
# Lemmas that carry grammar rather than facts ("have not yet given a response" is "had not yet
# responded"), and words other checks own: numbers, dates, reporting verbs, modals.
_LIGHT = {
    "be", "have", "do", "get", "make", "take", "give", "become", "let", "seem", "go", "come", "put", "keep",
    "such", "other", "many", "much", "more", "most", "few", "several", "own", "same", "certain", "various",
    "able", "unable", "possible", "likely", "unlikely", "whole", "entire", "thing", "way", "lot", "kind", "sort",
    "percent", "cent", "per", "%", "order", "fact", "case", "part", "number", "amount", "time",
    "only", "really", "nearly", "actually", "exactly", "approximately", "roughly", "reportedly", "allegedly",
    "apparently", "probably", "possibly", "also", "respectively", "currently", "already", "still",
}
# Reporting verbs belong to the attribution check: "claimed" -> "said" is its call, not content's.
_REPORTING = {"say", "tell", "report", "state", "claim", "add", "note", "cite", "quote", "accord", "write", "speak",
              "declare", "announce", "stress", "emphasize", "emphasise", "point", "insist", "explain", "reply",
              "comment", "remark", "mention"}
_FALLBACK_STOP = {"about", "after", "again", "against", "because", "before", "being", "between", "could", "during",
                  "other", "their", "there", "these", "those", "through", "under", "until", "where", "which", "while",
                  "would", "should", "shall", "might", "within", "without", "also", "said", "says", "however",
                  "according", "above", "below", "since", "whose", "whether", "every", "another", "having", "still",
                  "already", "never", "always", "often", "maybe", "perhaps", "almost", "nearly", "around",
                  "approximately", "roughly", "reportedly", "allegedly", "apparently", "probably", "possibly",
                  # light verbs: "have not yet given a response" is "had not yet responded"
                  "given", "gives", "giving", "taken", "takes", "taking", "makes", "making", "become", "became",
                  "becomes", "getting", "going", "doing"}
_NOT_CONTENT = (set(_UNITS) | set(_SCALES) | set(_ORDINALS) | set(_MONTHS) | set(_WEEKDAYS) | set(_RELATIVE_DAYS)
                | {"hundreds", "thousands", "millions", "billions", "dozens", "last"})


@dataclass(frozen=True)
class Word:
    """A content word: its text, its key (lemma in American spelling) and every key it may be found
    under in the other text (lemma, surface stem, crude stem)."""

    text: str
    key: str
    keys: frozenset


def _token_keys(token: Any) -> set[str]:
    keys = {_stem(token.text), _fallback_key(token.text)}
    if token.lemma_:
        keys.add(american(token.lemma_))
    return keys


def content_items(text: str, nlp=None) -> list[Word]:
    """The words that carry the sentence's information, one per lemma: nouns, verbs, adjectives and
    -ly adverbs with spaCy; words of five letters or more without it. Names are left to the
    entities check, numbers and dates to theirs, reporting verbs to the attribution check."""
    doc = _parser(nlp)(text)
    items: list[Word] = []
    if doc is not None:
        for t in doc:
            lemma = american(t.lemma_ or t.text)
            if not t.text[:1].isalpha():
                continue
            if t.pos_ not in _CONTENT_POS and not (t.pos_ == "ADV" and t.text.lower().endswith("ly") and len(t.text) > 5):
                continue
            if lemma in _LIGHT or t.lower_ in _LIGHT or t.lower_ in _NOT_CONTENT or lemma in _NOT_CONTENT:
                continue
            if t.pos_ == "VERB" and lemma in _REPORTING:
                continue
            items.append(Word(t.text, lemma, frozenset(_token_keys(t))))
    else:
        for m in re.finditer(r"[A-Za-z][\w'’-]{4,}", _name_text(text)):
            w, low = m.group(0), m.group(0).lower()
            if low in _FALLBACK_STOP or low in _NOT_CONTENT or re.fullmatch(_ATTRIBUTION, low):
                continue
            if w[0].isupper() and m.start() > 0:
                continue  # a name inside the sentence: the entities check's
            items.append(Word(w, _fallback_key(w), frozenset({_stem(w), _fallback_key(w)})))
    seen: dict[str, Word] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return list(seen.values())


def content_words(text: str, nlp=None) -> list[str]:
    """The content words' keys (lemmas in American spelling)."""
    return [w.key for w in content_items(text, nlp)]


def _all_keys(text: str, nlp=None) -> set[str]:
    doc = _parser(nlp)(text)
    keys = {k for w in _WORD.findall(text) for k in (_stem(w), _fallback_key(w))}
    if doc is not None:
        keys.update(american(t.lemma_) for t in doc if t.lemma_)
    return keys


def _replaceable_keys(replaceable: Collection[str]) -> set[str]:
    keys = set()
    for word in replaceable:
        keys.update({word.lower(), _stem(word), _fallback_key(word), american(word)})
    return keys


def content_dropped(original: str, candidate: str, nlp=None, replaceable: Collection[str] = (),
                    similar: Similar | None = None) -> list[str]:
    """Content words of the original that the candidate lost.

    A word counts as kept when the candidate has its lemma (any inflection, either spelling),
    when a flagged problem covers it (``replaceable``: the fix is meant to replace it), or when a
    new word of the candidate stands in for it: a derivation ("response" -> "responded"), or,
    with ``similar``, a word at least WORD_SIMILARITY alike ("militants" -> "fighters"), each new
    word standing in for one old one. Without ``similar`` a swap cannot be judged, so one word of
    a sentence (at most a third of its content words) may be swapped for one new word, as before.
    """
    parse = _parser(nlp)
    words = content_items(original, parse)
    have = _all_keys(candidate, parse)
    covered = _replaceable_keys(replaceable)
    missing = [w for w in words if not (w.keys & have) and w.text.lower() not in covered
               and not (w.keys & covered)]
    if not missing:
        return []
    known = _all_keys(original, parse)
    added = [w for w in content_items(candidate, parse) if not (w.keys & known)]
    return _unmatched(missing, added, words, similar)


def _unmatched(missing: list[Word], added: list[Word], words: Sequence[Word] | None,
               similar: Similar | None) -> list[str]:
    """The words of ``missing`` that no word of ``added`` stands in for (``added`` loses its matches)."""
    # A derivation: the same stem in another part of speech.
    for word in list(missing):
        twin = next((a for a in added if any(derived(k, b) for k in word.keys for b in a.keys)), None)
        if twin is not None:
            missing.remove(word)
            added.remove(twin)
    if not missing:
        return []
    if similar is not None:
        # A contrast ("militants" -> "civilians") is no synonym however alike the embedder finds it.
        options = [(i, j) for i, m in enumerate(missing) for j, a in enumerate(added) if not contrast(m.text, a.text)]
        if options:
            pairs = list(dict.fromkeys((missing[i].text.lower(), added[j].text.lower()) for i, j in options))
            scores = dict(zip(pairs, similar(pairs)))
            ranked = sorted(((scores[(missing[i].text.lower(), added[j].text.lower())], i, j) for i, j in options),
                            reverse=True)
            used_m, used_a = set(), set()
            for score, i, j in ranked:
                if score < WORD_SIMILARITY:
                    break
                if i in used_m or j in used_a:
                    continue
                used_m.add(i)
                used_a.add(j)
            missing = [m for i, m in enumerate(missing) if i not in used_m]
            added[:] = [a for j, a in enumerate(added) if j not in used_a]
        return [m.text for m in missing]
    if words is None:
        return [m.text for m in missing]
    if len(missing) >= 2 or (words and len(missing) / len(words) > 1 / 3):
        return [m.text for m in missing]
    # A swap brings a word of its own; a word gone with nothing new in its place was dropped
    # ("the efficiency of the vaccine is lower" -> "the vaccine's potential is lower", where
    # "potential" was already in the sentence).
    return [m.text for m in missing] if len(missing) > len(added) else []


def content_added(original: str, candidate: str, nlp=None, replaceable: Collection[str] = (),
                  allowed: Collection[str] = (), similar: Similar | None = None) -> list[str]:
    """Content words the candidate brings that stand in for nothing of the original: an added fact
    ("less" -> "less cost-effective", "..., the information was reported"). A new word may replace
    a word a flagged problem covers ("derived" -> "evacuated", "eve" -> "day"), derive from a word it
    replaces, be a synonym of one (with ``similar``), or come from a rule's fix (``allowed``)."""
    parse = _parser(nlp)
    if parse(original) is None:
        return []  # without lemmas and parts of speech an added word cannot be told from a reworded one
    known = _all_keys(original, parse) | _replaceable_keys(allowed)
    added = [w for w in content_items(candidate, parse) if not (w.keys & known)]
    if not added:
        return []
    have = _all_keys(candidate, parse)
    covered = _replaceable_keys(replaceable)
    gone = [w for w in content_items(original, parse) if not (w.keys & have)]
    # Words a fix may replace, one new word each; then derivations and synonyms of the rest.
    replaced = [w for w in gone if w.text.lower() in covered or (w.keys & covered)]
    rest = [w for w in gone if w not in replaced]
    added = added[len(replaced):] if len(added) > len(replaced) else []
    for word in list(rest):
        twin = next((a for a in added if any(derived(k, b) for k in word.keys for b in a.keys)), None)
        if twin is not None:
            rest.remove(word)
            added.remove(twin)
    if added and rest:
        if similar is None:
            added = added[len(rest):]  # no way to judge a swap: one new word per word gone, as content_dropped
        else:
            _unmatched(rest, added, None, similar)
    return [a.text for a in added]
