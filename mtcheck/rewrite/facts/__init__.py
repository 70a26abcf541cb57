"""What a rewrite must keep: numbers, dates, names, quotations, negation, modality and meaning.

Each extractor turns one sentence into comparable values, so a check is "the candidate's values
cover the original's". The checks compare MEANING, not spelling:

- a number is its value ("78 thousand" = "78,000"), a date its (year, month, day) whatever the
  format ("12.12.2016" = "December 12, 2016"), a rank its position ("third" = "3rd");
- a word is its lemma in American spelling ("centres" = "center"), and a content word the
  candidate lacks may be replaced by a derivation ("response" -> "responded") or, given an
  embedder, by a synonym ("militants" -> "fighters");
- the words a flagged problem covers (``replaceable``) may go: the fix is meant to replace them.

Numbers, names, quotations, negation and hedges stay strict: a missed good rewrite costs an
editor a few seconds, a changed number in a news story costs a correction.

``fact_checks`` runs for every candidate (about four per flagged sentence): it parses each text
once with the ``nlp`` it is given (verify.py passes a cached parser) and never loads a model.

One module per kind of fact: ``words`` (spelling, stems, derivations, contrasts), ``parsing``
(one parse per text), ``temporal`` (dates), ``numeric`` (numbers, ranks, approximation),
``names``, ``content`` (content words dropped or added), ``grammar`` (plurality, voice),
``quotes`` (quotations), ``modals`` (negation, modality, attribution, hedges), ``scope``
(quantifiers, stance, repeats) and ``checks`` (``fact_checks``, all of them in order).
"""

from __future__ import annotations

from mtcheck.rewrite.facts.checks import fact_checks
from mtcheck.rewrite.facts.content import Word, content_added, content_dropped, content_items, content_words
from mtcheck.rewrite.facts.grammar import plurality_changed, voice_changed
from mtcheck.rewrite.facts.modals import attributions, modality, modality_lost, negations
from mtcheck.rewrite.facts.names import demonym, named_things, names_added, names_missing
from mtcheck.rewrite.facts.numeric import (
    NumberMention,
    approximation_changed,
    approximations,
    number_label,
    number_mentions,
    numbers,
)
from mtcheck.rewrite.facts.quotes import quotations, quotations_added, quotations_kept
from mtcheck.rewrite.facts.scope import quantifiers_changed, repeats_lost, stance_added
from mtcheck.rewrite.facts.temporal import DateMention, date_mentions, dates
from mtcheck.rewrite.facts.words import STEM_PREFIX, STEM_SHARE, WORD_SIMILARITY, Similar, american, contrast, derived

__all__ = [
    "STEM_PREFIX",
    "STEM_SHARE",
    "WORD_SIMILARITY",
    "DateMention",
    "NumberMention",
    "Similar",
    "Word",
    "american",
    "approximation_changed",
    "approximations",
    "attributions",
    "content_added",
    "content_dropped",
    "content_items",
    "content_words",
    "contrast",
    "date_mentions",
    "dates",
    "demonym",
    "derived",
    "fact_checks",
    "modality",
    "modality_lost",
    "named_things",
    "names_added",
    "names_missing",
    "negations",
    "number_label",
    "number_mentions",
    "numbers",
    "plurality_changed",
    "quantifiers_changed",
    "quotations",
    "quotations_added",
    "quotations_kept",
    "repeats_lost",
    "stance_added",
    "voice_changed",
]
