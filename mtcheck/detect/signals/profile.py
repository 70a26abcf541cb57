"""Profile: function-word, part-of-speech and punctuation rates, and missing articles.

Russian has no articles, so translations drop or misplace "a"/"the", and they keep Russian
sentence shapes (long noun chains, passives, many commas). These rates are weak alone but
add up in the classifier. Missing articles before singular count nouns are also reported
as reasons, because an editor can fix them.
"""

from __future__ import annotations

import re
import threading
from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult, Submodel
from mtcheck.registry import signals
from mtcheck.types import Reason, Sentence

FUNCTION_WORDS = (
    "the", "a", "an", "of", "that", "which", "by", "was", "were", "is", "are", "has", "have", "had", "been",
    "will", "would", "this", "these", "also", "as", "on", "in", "to", "with", "for", "from", "it", "its",
    "their", "he", "she", "they", "we", "i", "you", "not", "but", "and", "or", "said", "at", "about",
)
POS_TAGS = ("NOUN", "PROPN", "VERB", "AUX", "ADJ", "ADV", "ADP", "DET", "PRON", "NUM", "CCONJ", "SCONJ", "PART", "PUNCT")
POS_BIGRAMS = (
    ("NOUN", "NOUN"), ("ADP", "NOUN"), ("NOUN", "ADP"), ("VERB", "NOUN"), ("ADP", "PROPN"), ("ADJ", "NOUN"), ("DET", "NOUN"), ("NOUN", "PUNCT"),
)
PUNCTUATION = {
    ",": "comma", "“": "quote", "\"": "quote", "”": "quote", "(": "paren", ":": "colon", ";": "semicolon", "-": "dash", "—": "dash", "–": "dash",
}

# Singular nouns English readily uses without an article (mass or abstract nouns, time words).
_BARE_OK = {
    "time", "information", "news", "support", "control", "power", "evidence", "security", "work", "peace", "war",
    "money", "aid", "advice", "help", "health", "research", "data", "energy", "oil", "gas", "water", "food",
    "today", "yesterday", "tomorrow", "tonight", "home", "school", "court", "office", "police", "access",
    "damage", "progress", "trade", "inflation", "growth", "investment", "production", "terrorism", "justice",
    "fire", "part", "place", "account", "charge", "use", "order", "custody", "television", "confirmation",
    "anything", "something", "nothing", "everything", "anyone", "someone", "everyone", "nobody", "somebody",
}

# Sentence openers that translations from Russian overuse ("Кроме того", "При этом", "Напомним").
OPENING_CONNECTIVES = (
    r"(?:According to|At the same time|In addition|Also,|Moreover|Earlier|Meanwhile|Thus|In particular|Recall|It is reported|Note that|Besides)\b"
)

# Closed-class words are kept in the n-gram profile; every other word becomes its Penn tag,
# proper nouns become PROPN and numbers NUM, so the profile sees sentence shape, not topic.
CLOSED_CLASSES = {"DET", "ADP", "PRON", "AUX", "CCONJ", "SCONJ", "PART", "PUNCT"}
NGRAM_ORDER = 3

_LOCK = threading.Lock()
_PARSED: dict[str, object] = {}  # text -> spaCy Doc, shared with the embedding signal
_PARSED_MAX = 4096


# Detection reads tags and the parse only: the NER and lemmatizer are switched off for its calls.
DETECTION_SKIPS = ("ner", "lemmatizer")


def parse(texts: Sequence[str]) -> list:
    """spaCy Docs for ``texts``, parsing each distinct text once (the embedding signal reuses them)."""
    from mtcheck.services.english import parse as parse_english

    with _LOCK:
        todo = [t for t in dict.fromkeys(texts) if t not in _PARSED]
        if len(_PARSED) + len(todo) > _PARSED_MAX:
            # Clearing drops texts of this very call that were parsed before: parse them again.
            _PARSED.clear()
            todo = list(dict.fromkeys(texts))
        for text, doc in zip(todo, parse_english(todo, without=DETECTION_SKIPS)):
            _PARSED[text] = doc
        return [_PARSED[t] for t in texts]


def masked_tokens(doc) -> list[str]:
    """The sentence with names, numbers and content words replaced by their category."""
    out = []
    for t in doc:
        if t.is_space:
            continue
        if t.pos_ == "PROPN":
            out.append("PROPN")
        elif t.like_num or t.pos_ == "NUM":
            out.append("NUM")
        elif t.pos_ in CLOSED_CLASSES:
            out.append(t.lower_)
        else:
            out.append(t.tag_ or t.pos_)
    return out


def ngram_features(doc) -> dict[str, float]:
    """1-3-grams of the masked sentence, sublinear tf, L2-normalised over all of the sentence's n-grams."""
    tokens = masked_tokens(doc)
    counts: dict[str, int] = {}
    for n in range(1, NGRAM_ORDER + 1):
        for i in range(len(tokens) - n + 1):
            gram = " ".join(tokens[i : i + n])
            counts[gram] = counts.get(gram, 0) + 1
    import math

    tf = {g: 1.0 + math.log(c) for g, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in tf.values())) or 1.0
    return {f"profile.ng.{g}": round(v / norm, 6) for g, v in tf.items()}


def missing_articles(doc) -> list:
    """Singular common nouns used as subject/object with no determiner, possessive or number."""
    found = []
    for token in doc:
        if token.tag_ != "NN" or token.dep_ not in ("nsubj", "nsubjpass", "dobj", "pobj", "attr"):
            continue
        if token.lower_ in _BARE_OK or not token.is_alpha or token.i == 0:
            continue
        children = {c.dep_ for c in token.children}
        if children & {"det", "poss", "nummod", "predet"}:
            continue
        if any(c.tag_ in ("PRP$", "CD", "WDT", "WP$") for c in token.children):
            continue
        if any(c.dep_ == "compound" and c.tag_ in ("NNP", "NNPS") for c in token.children):
            continue
        if token.dep_ == "pobj" and token.head.lower_ in ("by", "per", "at", "from", "on", "in", "after", "before", "under"):
            continue  # "by phone", "per day", "at night", "under pressure" are idiomatic
        if any(c.dep_ == "amod" and c.lower_ in ("last", "next", "such", "each", "every") for c in token.children):
            continue
        first = min([token, *token.subtree], key=lambda t: t.i)
        found.append((first, token))
    return found


def profile_features(doc) -> dict[str, float]:
    words = [t for t in doc if not t.is_space]
    n = max(len(words), 1)
    lower = [t.lower_ for t in words]
    feats: dict[str, float] = {}
    for word in FUNCTION_WORDS:
        feats[f"profile.fw.{word}"] = lower.count(word) / n
    pos = [t.pos_ for t in words]
    for tag in POS_TAGS:
        feats[f"profile.pos.{tag}"] = pos.count(tag) / n
    pairs = list(zip(pos, pos[1:]))
    for a, b in POS_BIGRAMS:
        feats[f"profile.pos2.{a}_{b}"] = pairs.count((a, b)) / max(len(pairs), 1)
    for name in sorted(set(PUNCTUATION.values())):
        feats[f"profile.punct.{name}"] = sum(1 for t in words if PUNCTUATION.get(t.text) == name) / n
    articles = sum(1 for w in lower if w in ("a", "an", "the"))
    nouns = sum(1 for t in words if t.tag_ in ("NN", "NNS")) or 1
    feats["profile.articles_per_noun"] = articles / nouns
    feats["profile.passive"] = sum(1 for t in words if t.dep_ in ("auxpass", "nsubjpass")) / n
    feats["profile.length_log"] = __import__("math").log1p(n)
    feats["profile.word_length"] = sum(len(t.text) for t in words if t.is_alpha) / max(1, sum(1 for t in words if t.is_alpha))
    feats["profile.article-omission"] = float(len(missing_articles(doc)))
    # Habits of native news copy that translations from Russian rarely show, and vice versa.
    feats["profile.contractions"] = sum(1 for w in lower if w in ("n't", "'re", "'ve", "'ll", "'m", "'d", "’re", "’ve", "’ll", "’m", "’d")) / n
    feats["profile.first_second_person"] = sum(1 for w in lower if w in ("i", "we", "my", "our", "me", "us", "you", "your")) / n
    feats["profile.question"] = float("?" in doc.text)
    feats["profile.digits"] = sum(1 for t in words if t.like_num) / n
    text = doc.text.lstrip()
    feats["profile.said_that"] = float(len(re.findall(r"\b(?:said|says|stated|reported|noted|added|claimed|announced)\s+that\b", text)))
    feats["profile.opening_connective"] = float(bool(re.match(OPENING_CONNECTIVES, text)))
    return feats


@signals.register("profile")
class ProfileSignal:
    name = "profile"
    contract = Contract(
        default=False, train_by_default=True,
        summary_reason=("translationese-profile",
                        "The sentence's mix of function words, parts of speech and punctuation is typical of translated text."),
        submodels=(Submodel("profile.ngram", "profile.ng."),),
        direct_features=("profile.article-omission",),
    )

    def __init__(self, settings: Settings):
        self.settings = settings

    def source_files(self) -> list[str]:
        return []  # its output depends on this module's code alone

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        results = []
        docs = parse([s.text for s in sentences])
        for sentence, doc in zip(sentences, docs):
            reasons = tuple(
                Reason(
                    source="profile",
                    rule_id="article-omission",
                    message=f"“{doc[first.i : noun.i + 1].text}” has no article; Russian has none, English needs “a” or “the” here.",
                    start=sentence.start + first.idx,
                    end=sentence.start + noun.idx + len(noun.text),
                    category="grammar",
                    suggestions=(f"the {doc[first.i : noun.i + 1].text}",),
                )
                for first, noun in missing_articles(doc)
            )
            results.append(SignalResult(features={**profile_features(doc), **ngram_features(doc)}, reasons=reasons))
        return results
