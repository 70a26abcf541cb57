"""Words compared by meaning, not spelling: American spelling, stems, derivations and contrasts.

A word is its lemma in American spelling ("centres" = "center"); a word may be replaced by a
derivation ("response" -> "responded") or, given an embedder, by a synonym at least
WORD_SIMILARITY alike ("militants" -> "fighters"), but never by a word it contrasts with
("militants" -> "civilians", "increase" -> "decrease", "legal" -> "illegal").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable, Sequence

Similar = Callable[[Sequence[tuple[str, str]]], Sequence[float]]

# all-MiniLM-L6-v2 cosine of two single words as written. Measured on 22 synonym and 22 contrast
# pairs of news words, it tells related from unrelated words, not synonyms from co-hyponyms or
# antonyms (ROC AUC 0.55): "militants"/"fighters" 0.53, "rebels"/"insurgents" 0.65, "beginning"/
# "start" 0.77, "troops"/"soldiers" 0.89, but also "militants"/"civilians" 0.55, "increase"/
# "decrease" 0.61, "buy"/"sell" 0.76; unrelated words score far lower ("representative"/"weather"
# 0.08, "derived"/"evacuated" 0.18, "efficiency"/"potential" 0.33). 0.5 is the highest threshold
# that keeps "militants" -> "fighters"; the contrasts that clear it are refused by _CONTRASTS and
# _OPPOSITE_PREFIXES below, and a name is never swapped by similarity (the entities check owns it).
WORD_SIMILARITY = 0.5
# A derivation shares its stem: "response"/"respond", "evacuation"/"evacuated". The common prefix
# must be at least this long and cover at least this share of the shorter word, so "department"/
# "departure" (6 of 9) and "militant"/"military" (5 of 8) stay different words.
STEM_PREFIX = 5
STEM_SHARE = 0.8

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


@lru_cache(maxsize=65536)
def _fallback_key(word: str) -> str:
    """A crude lemma without spaCy: "liberated", "liberates", "liberating" -> "liberat"."""
    word = _stem(word)
    for suffix, length in (("ing", 6), ("ied", 5), ("ed", 5)):
        if word.endswith(suffix) and len(word) >= length:
            word = word[: -len(suffix)] + ("y" if suffix == "ied" else "")
            break
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


def derived(a: str, b: str) -> bool:
    """Two forms of one word ("response"/"respond", "government"/"govern"): a common prefix of at
    least STEM_PREFIX letters that covers STEM_SHARE of the shorter word."""
    return any(_shared_stem(x, y) for x, y in ((american(a), american(b)), (_fallback_key(a), _fallback_key(b))))


def _shared_stem(a: str, b: str) -> bool:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= STEM_PREFIX and n >= STEM_SHARE * min(len(a), len(b))


# Words that are related but say different things: any two words from different sets of one group
# contrast ("militants" -> "civilians", "increased" -> "decreased", "north" -> "south"). Keys are
# lemmas in American spelling.
_CONTRASTS = tuple(tuple(frozenset(words.split()) for words in group) for group in (
    ("militant fighter rebel insurgent soldier troop terrorist gunman combatant army military jihadist",
     "civilian resident inhabitant population refugee"),
    ("rise increase grow climb jump gain soar surge up rose risen grew",
     "fall decrease decline drop shrink lose reduce cut plunge slump down fell fallen"),
    ("buy purchase import buyer", "sell export seller"),
    ("win victory winner won", "lose defeat loss loser lost"),
    ("man men male boy father son husband brother", "woman women female girl mother daughter wife sister"),
    ("north northern", "south southern", "east eastern", "west western"),
    ("spring", "summer", "autumn fall", "winter"),
    ("morning", "afternoon", "evening", "night overnight"),
    ("day daytime", "night nighttime"),
    ("ally friend partner", "enemy foe adversary rival"),
    ("attack offensive assault", "defense defend"),
    ("begin start open launch", "end finish close complete stop halt"),
    ("allow permit approve accept support confirm agree", "ban forbid prohibit reject oppose deny refuse"),
    ("enter arrive come", "leave exit depart"),
    ("kill dead death die killed", "injure wound hurt injured wounded injury"),
    ("doctor", "patient"), ("teacher", "student pupil"), ("employer", "employee worker"),
    ("government authority", "opposition"),
    ("president", "minister premier chancellor governor mayor"),
    ("high upper maximum", "low lower minimum"),
    ("domestic internal", "foreign external international"),
    ("public state", "private"),
    ("profit", "loss"), ("peace", "war"), ("success", "failure"),
    ("old", "new young"), ("first", "last"), ("past", "future"), ("open", "closed"),
))
_OPPOSITE_PREFIXES = (("in", "de"), ("im", "ex"), ("in", "out"), ("up", "down"), ("over", "under"),
                      ("pro", "anti"), ("max", "min"), ("", "un"), ("", "in"), ("", "im"), ("", "il"), ("", "ir"),
                      ("", "dis"), ("", "non"), ("", "mis"), ("", "anti"), ("", "counter"))


def contrast(a: str, b: str) -> bool:
    """Two related words that mean different things: "increase"/"decrease", "legal"/"illegal",
    "militants"/"civilians", "north"/"south"."""
    keys_a = {american(a), _stem(a), _fallback_key(a)}
    keys_b = {american(b), _stem(b), _fallback_key(b)}
    for group in _CONTRASTS:
        sides_a = {i for i, words in enumerate(group) if words & keys_a}
        sides_b = {i for i, words in enumerate(group) if words & keys_b}
        if sides_a and sides_b and not sides_a & sides_b:
            return True
    for x in keys_a:
        for y in keys_b:
            for p, q in _OPPOSITE_PREFIXES + tuple((q, p) for p, q in _OPPOSITE_PREFIXES):
                if x.startswith(p) and y.startswith(q) and len(x) - len(p) >= 3 and x[len(p):] == y[len(q):]:
                    return True
    return False
