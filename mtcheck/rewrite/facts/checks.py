"""``fact_checks``: the facts a rewrite must keep, checked strictly on the whole sentence."""

from __future__ import annotations

from typing import Any

from mtcheck.rewrite.facts.links import links_changed
from mtcheck.rewrite.facts.modals import genders_added, modality_lost, negations
from mtcheck.rewrite.facts.names import _DOTTED_NAME, names_added, names_missing
from mtcheck.rewrite.facts.numeric import _match_numbers, approximation_changed, number_label, number_mentions
from mtcheck.rewrite.facts.parsing import _parser
from mtcheck.rewrite.facts.quotes import quotations_added, quotations_kept
from mtcheck.rewrite.facts.temporal import _match_dates, date_mentions
from mtcheck.types import Check


def fact_checks(original: str, candidate: str, nlp: Any = None) -> list[Check]:
    """Every fact check of a rewrite of ``original``, in this order: numbers, dates, approximation,
    entities, quotations, negation, modality (hedges and attribution), pronouns (no gender the
    original does not give), links (web and e-mail addresses, handles: character for character).

    ``nlp`` parses a text to a spaCy Doc; without it the checks fall back to regular expressions.
    Whether a content word may be replaced is no longer decided here but per edit, on evidence
    (mtcheck/rewrite/evidence.py).
    """
    parse = _parser(nlp)
    doc_o, doc_c = parse(original), parse(candidate)
    checks = []

    dates_o, dates_c = date_mentions(original), date_mentions(candidate)
    nums_o, nums_c = number_mentions(original, doc_o, dates_o), number_mentions(candidate, doc_c, dates_c)
    lost, added = _match_numbers(nums_o, nums_c)
    detail = ", ".join([f"lost {number_label(n.value)}" for n in lost] + [f"added {number_label(n.value)}" for n in added])
    checks.append(Check("numbers", not lost and not added, detail))

    lost_dates, added_dates = _match_dates(dates_o, dates_c)
    detail = ", ".join([f"lost {d.label}" for d in lost_dates] + [f"added {d.label}" for d in added_dates])
    checks.append(Check("dates", not lost_dates and not added_dates, detail))

    approx = approximation_changed(original, candidate, nums_o, nums_c)
    checks.append(Check("approximation", not approx, ", ".join(approx)))

    # "Gazeta.Ru", "RIA.Novosti": a name written with a dot is one word ("Gazeta. Ru" breaks it).
    missing = names_missing(original, candidate, parse) + [
        w for w in dict.fromkeys(_DOTTED_NAME.findall(original)) if w not in candidate]
    invented = names_added(original, candidate, parse)
    detail = ", ".join([f"dropped {m}" for m in missing] + [f"added {m}" for m in invented])
    checks.append(Check("entities", not missing and not invented, detail))

    quotes = [f"changed “{q}”" for q in quotations_kept(original, candidate)]
    quotes += [f"added “{q}”" for q in quotations_added(original, candidate)]
    checks.append(Check("quotations", not quotes, "; ".join(quotes)))

    before, after = negations(original), negations(candidate)
    checks.append(Check("negation", before == after, "" if before == after else f"{before} negations became {after}"))

    modal = modality_lost(original, candidate, doc_o, doc_c)
    checks.append(Check("modality", not modal, ", ".join(f"lost {m}" for m in modal)))

    genders = genders_added(original, candidate)
    checks.append(Check("pronouns", not genders, ", ".join(f"a {g} pronoun added" for g in genders)))

    changed = links_changed(original, candidate)
    checks.append(Check("links", not changed, ", ".join(changed)))
    return checks
