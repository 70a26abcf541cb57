"""Names a rewrite must keep and must not invent: entities, capitalised runs, acronyms, demonyms."""

from __future__ import annotations

import re

from mtcheck.rewrite.facts.parsing import _parser
from mtcheck.rewrite.facts.temporal import _MONTHS, _WEEKDAYS
from mtcheck.rewrite.facts.words import _stem

_ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"}
_STOP_CAPS = {"the", "a", "an", "as", "on", "in", "at", "by", "for", "of", "and", "but", "or", "with", "from", "to",
              "this", "that", "these", "those", "it", "its", "he", "she", "they", "we", "i", "mr", "mrs", "ms", "dr",
              "according", "earlier", "later", "special", "official", "share"}
_WORD = re.compile(r"[\w’'-]+")
_LINK_CAPS = {"of", "for", "and", "the"}


_CALENDAR = set(_WEEKDAYS) | set(_MONTHS)
_DOTTED_NAME = re.compile(r"\b[A-Z][A-Za-z]+\.[A-Za-z]{2,}\b")


def _tokens(text: str) -> set[str]:
    return {t.lower() for t in _WORD.findall(text)}


def named_things(text: str, nlp=None) -> list[str]:
    """Names a rewrite must keep: spaCy entities, plus capitalised words inside the sentence."""
    names: list[str] = []
    doc = _parser(nlp)(text)
    if doc is not None:
        names.extend(e.text for e in doc.ents if e.label_ in _ENTITY_LABELS and e.text.lower() not in _CALENDAR)
    run: list[str] = []
    # A run of capitalised words is one name ("Free Syrian Army"); punctuation ends it.
    tokens = re.findall(r"[\w’'-]+|[^\w\s]", _name_text(text))
    first = next((i for i, t in enumerate(tokens) if t[:1].isalnum()), 0)
    for i, word in enumerate(tokens + [""]):
        if i > first and word[:1].isupper() and word.lower() not in _STOP_CAPS and word.lower() not in _CALENDAR:
            run.append(word)  # weekdays and months belong to the dates check
            continue
        if run and word.lower() in ("of", "for", "the"):
            run.append(word)  # "Ministry of Defence"
            continue
        while run and run[-1].lower() in _LINK_CAPS:
            run.pop()
        if run:
            names.append(" ".join(run))
        run = []
    return list(dict.fromkeys(names))


def _name_words(name: str) -> list[str]:
    """The words a name is checked by: "al-Nusra Front" -> Nusra, Front; "Turkish-made" -> Turkish."""
    words: list[str] = []
    for w in _WORD.findall(name):
        parts = [p for p in w.split("-") if p]
        if len(parts) > 1:
            words.extend(p for p in parts if p[:1].isupper() or p[:1].isdigit())
        elif parts and w.lower() not in _STOP_CAPS and w.strip("'’"):
            words.append(w)
    return words


_DEMONYM_SUFFIXES = ("n", "an", "ian", "i", "ese", "ish", "ic", "ns", "ans", "ians", "is", "y")


def demonym(a: str, b: str) -> bool:
    """A place and its people or adjective: Syria/Syrian, Ukraine/Ukrainian, Israel/Israeli,
    Turkey/Turkish, China/Chinese, Germany/German (but not Ivanov/Ivanova)."""
    short, long = sorted((a.lower(), b.lower()), key=len)
    for cut in (0, 1, 2):
        base = short[: len(short) - cut]
        if len(base) >= 3 and long.startswith(base) and long[len(base):] in _DEMONYM_SUFFIXES:
            return True
    return False


_DOTTED = re.compile(r"\b((?:[A-Z]\.){2,})")
# One country, several names; every other acronym is checked against the initials of the name.
_ALIASES = ((re.compile(r"\b(?:the )?(?:United States(?: of America)?|USA)\b"), "US"),
            (re.compile(r"(?<!Latin )(?<!South )(?<!North )(?<!Central )\bAmerica(?:n|ns)?\b"), "US"),
            (re.compile(r"\b(?:the )?(?:United Kingdom|Great Britain|Britain|British)\b"), "UK"))


def _name_text(text: str) -> str:
    """"U.S.", "the United States" and "American" are "US"; "Britain" and "British" are "UK"."""
    text = _DOTTED.sub(lambda m: m.group(1).replace(".", ""), text)
    for pattern, alias in _ALIASES:
        text = pattern.sub(alias, text)
    return text


def _initials(text: str) -> set[str]:
    """Acronyms a run of capitalised words may go by: "United Nations" -> "un", "Free Syrian Army"
    -> "fsa" (and "sa", "fs")."""
    out: set[str] = set()
    run: list[str] = []
    for word in _WORD.findall(text) + [""]:
        if word[:1].isupper():
            run.append(word)
            continue
        if word.lower() in _LINK_CAPS and run:
            continue
        caps = [w[0].lower() for w in run]
        out.update("".join(caps[i:j]) for i in range(len(caps)) for j in range(i + 2, len(caps) + 1))
        run = []
    return out


def _name_keys(text: str) -> set[str]:
    """What a name of the other text may be found as: word stems and acronyms."""
    text = _name_text(text)
    tokens = _tokens(text)
    # "al-Mishri" is checked by "Mishri" (see _name_words): a hyphenated word is found by its parts too.
    parts = {p for t in tokens if "-" in t for p in t.split("-") if p}
    return {_stem(t) for t in tokens | parts} | _initials(text)


def _has_name_word(word: str, have: set[str]) -> bool:
    stem = _stem(word)
    return stem in have or any(demonym(stem, h) for h in have)


def _kept(name: str, have: set[str]) -> bool:
    name = _name_text(name)
    words = _name_words(name)
    if all(_has_name_word(w, have) for w in words):
        return True
    caps = [w[0].lower() for w in words if w[:1].isupper()]
    return len(caps) >= 2 and len(caps) == len(words) and "".join(caps) in have  # "United Nations" -> "UN"


def names_missing(original: str, candidate: str, nlp=None) -> list[str]:
    """Names of the original with a word the candidate lacks (case, possessives, British or
    American spelling, a place's adjective, "Russia"/"Russian", and acronyms, "UN"/"United
    Nations", ignored)."""
    have = _name_keys(candidate)
    return [name for name in named_things(original, nlp) if not _kept(name, have)]


def names_added(original: str, candidate: str, nlp=None) -> list[str]:
    """spaCy entities of the candidate with a word the original never had: a name the rewrite made up."""
    doc = _parser(nlp)(candidate)
    if doc is None:
        return []
    have = _name_keys(original)
    added = [e.text for e in doc.ents if e.label_ in _ENTITY_LABELS and e.text.lower() not in _CALENDAR
             and not (e.start == 0 and len(e) == 1 and e[0].tag_ not in ("NNP", "NNPS"))  # "Citizens who ..."
             and not _kept(e.text, have)]
    return list(dict.fromkeys(added))
