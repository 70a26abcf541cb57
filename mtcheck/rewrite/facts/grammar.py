"""Grammatical number and voice: "the official said" is one person, "was awarded" is not "awarded"."""

from __future__ import annotations

from mtcheck.rewrite.facts.parsing import _parser
from mtcheck.rewrite.facts.words import american


def plurality_changed(original: str, candidate: str, nlp=None) -> list[str]:
    """Nouns only singular in one text and only plural in the other: "the official said" is one
    person, "officials said" several. Needs spaCy's tagger (NN/NNS); without it, nothing."""
    parse = _parser(nlp)
    if parse(original) is None:
        return []

    def forms(text: str) -> dict[str, set[bool]]:
        out: dict[str, set[bool]] = {}
        for t in parse(text):
            if t.pos_ == "NOUN" and t.tag_ in ("NN", "NNS") and t.text[:1].isalpha():
                out.setdefault(american(t.lemma_ or t.text), set()).add(t.tag_ == "NNS")
        return out

    before, after = forms(original), forms(candidate)
    changed = []
    for lemma, numbers_before in before.items():
        numbers_after = after.get(lemma)
        if numbers_after and len(numbers_before) == 1 and len(numbers_after) == 1 and numbers_before != numbers_after:
            was = "plural" if True in numbers_before else "singular"
            now = "plural" if True in numbers_after else "singular"
            changed.append(f"{lemma}: {was} became {now}")
    return changed


def voice_changed(original: str, candidate: str, nlp=None) -> list[str]:
    """A verb active in one text and passive in the other turns who did what around: "Trutnev
    awarded the prize" is not "Trutnev was awarded the prize". Needs spaCy's parser."""
    parse = _parser(nlp)
    if parse(original) is None:
        return []

    def voices(text: str) -> dict[str, set[bool]]:
        out: dict[str, set[bool]] = {}
        for t in parse(text):
            if t.pos_ == "VERB":
                passive = any(c.dep_ in ("auxpass", "nsubjpass") for c in t.children)
                out.setdefault(american(t.lemma_ or t.text), set()).add(passive)
        return out

    before, after = voices(original), voices(candidate)
    return [f"“{lemma}” became {'passive' if True in after[lemma] else 'active'}" for lemma, was in before.items()
            if lemma in after and len(was) == 1 and len(after[lemma]) == 1 and was != after[lemma]]
