"""What a rewrite must keep: numbers, dates, names, quotations, negation, hedges, attribution and links.

Each extractor turns one sentence into comparable values, so a check is "the candidate's values
cover the original's". The checks compare MEANING, not spelling: a number is its value ("78
thousand" = "78,000"), a date its (year, month, day) whatever the format ("12.12.2016" =
"December 12, 2016"), a rank its position ("third" = "3rd"), a name its words in either spelling.

They stay strict: a missed good rewrite costs an editor a few seconds, a changed number in a news
story costs a correction. Whether a content word may be replaced is not decided by word lists
here but per edit, on evidence (mtcheck/rewrite/evidence.py).

One module per kind of fact: ``words`` (spelling), ``parsing`` (one parse per text), ``temporal``
(dates), ``numeric`` (numbers, ranks, approximation), ``names``, ``quotes`` (quotations),
``modals`` (negation, modality, attribution, hedges), ``links`` (web and e-mail addresses, kept
character for character) and ``checks`` (``fact_checks``, in order).
"""

from __future__ import annotations

from mtcheck.rewrite.facts.checks import fact_checks
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
from mtcheck.rewrite.facts.temporal import DateMention, date_mentions, dates
from mtcheck.rewrite.facts.words import american

__all__ = [
    "DateMention",
    "NumberMention",
    "american",
    "approximation_changed",
    "approximations",
    "attributions",
    "date_mentions",
    "dates",
    "demonym",
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
    "quotations",
    "quotations_added",
    "quotations_kept",
]
