"""Negation, modality, attribution and hedges: how sure the sentence is, and whose claim it is."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

_NEGATION = re.compile(r"\b(not|no|never|nobody|nothing|none|neither|nor|without|nowhere|cannot)\b|n't\b|\byet to\b", re.IGNORECASE)


def negations(text: str) -> int:
    return len(_NEGATION.findall(text.replace("’", "'")))


_ATTRIBUTION = (r"\b(according|citing|cited|said|says|say|saying|reported|reports|report|reporting|claimed|claims|"
                r"claim|stated|states|told|announced|quoted|quoting|noted|added|confirmed|denied|insisted|"
                r"believe|believes|believed|suggested|declared|writes|wrote|tweeted)\b")
_MODAL_CLASSES = {
    "ability": r"\b(can|could|able|unable|allowed|permitted|possible)\b",
    "possibility": r"\b(may|might|could|possibly|perhaps|probably|likely|unlikely|maybe|expected|apparently)\b",
    "obligation": r"\b(must|should|ought|have to|has to|had to|need to|needs to|required|obliged)\b",
    "future": r"\b(will|shall|going to|would)\b|'ll\b",
    "attribution": _ATTRIBUTION,
    # A hedge says the writer does not vouch for the claim: "the rebels reportedly left" is not
    # "the rebels left". Each one must stay, word for word: "allegedly" (the claim is disputed) is
    # not "reportedly" (the claim is someone else's).
    "hedge": r"\b(reportedly|allegedly|alleged|supposedly|purportedly|ostensibly|presumably|apparently|seemingly|"
             r"purported|rumoured|rumored)\b",
    # That something goes on or happens again: "users, as before, spent more" says more than
    # "users spent more".
    "continuity": r"\b(as before|as usual|again|still|already|no longer|any longer|anymore|once more)\b",
    # A contrast the sentence draws with the one before: "an excessive dose, on the contrary,
    # helps cancer cells grow" loses its point as "an excessive dose helps cancer cells grow".
    "contrast": r"\b(on the contrary|in contrast|by contrast|however|but|nevertheless|nonetheless|instead|whereas|"
                r"although|even though|despite|in spite of|conversely)\b",
}
# "will be able to" may become "can": a future that is also an ability is satisfied by either.
_FUTURE_SUBSTITUTES = ("future", "ability", "possibility", "obligation")
# Markers a sentence can hold several of, each saying something of its own: every one must stay
# (one may stand in for another: "however" -> "but").
_COUNTED_CLASSES = ("continuity", "contrast", "hedge")
# Attribution is counted by clause: "As reports Reuters, citing an unnamed representative" names
# two sources of the claim (the agency and its informant), "according to a report by Reuters" one.
_CLAUSE_BREAK = re.compile(r"[,;:()\[\]—–]|\s-\s")


def modality(text: str) -> set[str]:
    lowered = text.lower().replace("’", "'")
    return {name for name, pattern in _MODAL_CLASSES.items() if re.search(pattern, lowered)}


def _count(name: str, text: str) -> int:
    return len(re.findall(_MODAL_CLASSES[name], text.lower().replace("’", "'")))


def attributions(text: str, doc: Any = None) -> int:
    """How many clauses (between commas, dashes, brackets) attribute the claim to someone: "…, the
    ministry said" is one, "As reports Reuters, citing an unnamed representative of the opposition,
    …" two. With spaCy, "the report" and "his claims" are no reporting verbs ("The report,
    published on Monday, said" is one)."""
    if doc is None:
        count, start = 0, 0
        for clause in _CLAUSE_BREAK.split(text.replace("’", "'")):
            # "the United States", "Reports" inside a sentence: a name, not a verb.
            if any(m.start() + start == 0 or not m.group(0)[0].isupper()
                   for m in re.finditer(_ATTRIBUTION, clause, re.I)):
                count += 1
            start += len(clause) + 1
        return count
    count, marked = 0, False
    for t in doc:
        if _CLAUSE_BREAK.fullmatch(t.text) or t.text in ("-", "--"):
            count, marked = count + marked, False
        elif re.fullmatch(_ATTRIBUTION, t.lower_.replace("’", "'")) and t.pos_ != "PROPN":
            # The tagger reads "the press service reports" as a noun too; "the report" (after a
            # determiner or an adjective) is one.
            if t.pos_ != "NOUN" or t.i == 0 or doc[t.i - 1].pos_ not in ("DET", "ADJ", "PRON", "NUM"):
                marked = True
    return count + marked


def _hedge_words(text: str) -> list[str]:
    """The hedges of ``text`` as words, an adjective as its adverb ("alleged" -> "allegedly")."""
    words = re.findall(_MODAL_CLASSES["hedge"], text.lower().replace("’", "'"))
    return [{"alleged": "allegedly", "purported": "purportedly", "rumored": "rumoured"}.get(w, w) for w in words]


def modality_lost(original: str, candidate: str, doc_o: Any = None, doc_c: Any = None) -> list[str]:
    before, after = modality(original), modality(candidate)
    lost = []
    for name in sorted(before):
        if name == "hedge":
            if any(_hedge_words(candidate).count(w) < n for w, n in Counter(_hedge_words(original)).items()):
                lost.append(name)
        elif name in _COUNTED_CLASSES:
            if _count(name, candidate) < _count(name, original):
                lost.append(name)
        elif name == "attribution":
            if attributions(candidate, doc_c) < attributions(original, doc_o):
                lost.append(name)
        elif name == "future":
            if not after.intersection(_FUTURE_SUBSTITUTES) and "possibility" not in after:
                lost.append(name)
        elif name == "possibility":
            # "may be possible" is not "is possible": an ability word does not keep a hedge.
            if not after.intersection(("possibility", "future")):
                lost.append(name)
        elif name not in after:
            lost.append(name)
    return lost


# A person's gender is a fact like their name: the model guesses it ("According to her" ->
# "According to him", from the three answers of one prompt alike). A pronoun may go from gendered
# to "it" or "they" (Russian MT calls a virus or a company "he"), never the other way or across.
_GENDERED = {"he": "masculine", "him": "masculine", "his": "masculine", "himself": "masculine",
             "she": "feminine", "her": "feminine", "hers": "feminine", "herself": "feminine"}
_PRONOUN = re.compile(r"\b(" + "|".join(_GENDERED) + r")\b", re.IGNORECASE)


def genders_added(original: str, candidate: str) -> list[str]:
    """The genders the candidate gives more pronouns than the original does ("masculine")."""
    before, after = (Counter(_GENDERED[w.lower()] for w in _PRONOUN.findall(t)) for t in (original, candidate))
    return sorted(g for g, n in after.items() if n > before[g])
