"""Words compared by spelling variant: a word is its lemma in American spelling ("centres" = "center")."""

from __future__ import annotations

import re
from functools import lru_cache

# -- spelling ------------------------------------------------------------------------------
# British and American spellings are the same word: every word is compared in one canonical
# (American) form. The rules only need to be consistent on both sides, so a rule that also
# rewrites a word with no variant ("promise" -> "promize") is harmless.
_SPELLING = {
    "programme": "program", "defence": "defense", "offence": "offense", "licence": "license",
    "pretence": "pretense", "grey": "gray", "tyre": "tire", "aluminium": "aluminum", "cheque": "check",
    "plough": "plow", "mould": "mold", "smoulder": "smolder", "sceptic": "skeptic", "sceptical": "skeptical",
    "scepticism": "skepticism", "judgement": "judgment", "ageing": "aging", "enrol": "enroll",
    "enrolment": "enrollment", "fulfil": "fulfill", "fulfilment": "fulfillment", "instalment": "installment",
    "catalogue": "catalog", "dialogue": "dialog", "analogue": "analog", "manoeuvre": "maneuver",
    "foetus": "fetus", "paediatric": "pediatric", "oestrogen": "estrogen", "anaemia": "anemia",
    "haemorrhage": "hemorrhage", "orthopaedic": "orthopedic", "kerb": "curb", "storey": "story",
    "pyjamas": "pajamas", "jewellery": "jewelry", "draught": "draft", "gaol": "jail", "artefact": "artifact",
    "moustache": "mustache", "cosy": "cozy", "practise": "practice", "axe": "ax", "whilst": "while",
    "amongst": "among", "learnt": "learned", "burnt": "burned", "spelt": "spelled", "spoilt": "spoiled",
    "dreamt": "dreamed", "leapt": "leaped", "towards": "toward", "afterwards": "afterward",
    "neighbour": "neighbor", "travelled": "traveled", "counsellor": "counselor", "odour": "odor",
}
_SPELLING_SUFFIXES = ("ing", "ed", "es", "s", "d", "")
_OUR = re.compile(r"^(\w{3,})our(s|ed|ing|ite|ites|able|ably|er|ers|ful|less|ism|ist|ists)?$")
_RE_ER = re.compile(r"^(\w{2,}[tbg])re(s?)$")
_RED_ERED = re.compile(r"^(\w{2,}[tbg])red$")
_ISE = re.compile(r"^(\w{3,})is(e|es|ed|ing|ation|ations|er|ers)$")
_YSE = re.compile(r"ys(e|es|ed|ing)$")
_DOUBLE_L = re.compile(r"^(\w{3,}[aeiou])ll(ed|ing|er|ers|or|ors)$")


@lru_cache(maxsize=65536)
def american(word: str) -> str:
    """The word in lower case and American spelling: "Centres" -> "centers", "travelled" ->
    "traveled", "organisation" -> "organization", "colour" -> "color", "defence" -> "defense"."""
    w = word.lower().replace("’", "'")
    for suffix in _SPELLING_SUFFIXES:
        if suffix and not w.endswith(suffix):
            continue
        base = w[: len(w) - len(suffix)] if suffix else w
        if base in _SPELLING:
            return _SPELLING[base] + suffix
        if base + "e" in _SPELLING and suffix in ("ing", "ed"):  # "practising"
            return _SPELLING[base + "e"].removesuffix("e") + suffix
    w = _OUR.sub(r"\1or\2", w)
    w = _RE_ER.sub(r"\1er\2", w)
    w = _RED_ERED.sub(r"\1ered", w)
    w = _ISE.sub(r"\1iz\2", w)
    w = _YSE.sub(r"yz\1", w)
    return _DOUBLE_L.sub(r"\1l\2", w)


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """Possessive and plural "s" off, in American spelling: the key of a word without spaCy."""
    word = american(word)
    for suffix in ("'s", "s'", "'"):
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            word = word[: -len(suffix)]
            break
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word
