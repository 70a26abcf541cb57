"""Russian word order: the reporting verb before its source, the title after the country."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule

# Reporting verbs that Russian puts before the subject ("как сообщает Reuters").
_REPORT_VERBS = (
    r"reports|reported|reporting|writes|wrote|informs|informed|says|said|states|stated|"
    r"notes|noted|announces|announced|told|tells|claims|claimed|specifies|specified|clarifies|clarified"
)
# A name may hold inner dots ("Lenta.ru") but never ends with the sentence's full stop.
_NAME = r"[A-Z][\w\-]*(?:\.[\w\-]+)*"
_SUBJECT = rf"(?:the\s+[a-z]+(?:\s+[a-z]+)?|{_NAME}(?:\s+(?:{_NAME}|[“\"«][^”\"»]+[”\"»]))*)"
_AGENCIES = (
    r"RIA\s+Novosti|RIA|TASS|ITAR-TASS|Interfax|Izvestia|Kommersant|Vedomosti|RBC|Lenta\.ru|Gazeta\.ru|"
    r"Rossiyskaya\s+Gazeta|Komsomolskaya\s+Pravda|Moskovsky\s+Komsomolets|REN\s+TV|NTV|Zvezda|Life\.ru|"
    r"RT|Sputnik|Regnum|Fontanka|Meduza|Novaya\s+Gazeta|Rosbalt|Znak\.com|Mash|Baza|Shot|RIA\s+FAN"
)
_INSTITUTIONS = (
    r"agency|ministry|department|press service|newspaper|publication|edition|channel|portal|"
    r"service|committee|administration|office|headquarters|embassy|source|the Kremlin"
)


@rule("reporting-inversion", category="word order", weight=2.5, fix_safety="safe",
      message="A reporting verb before its subject (“As reports Reuters”) follows Russian word order.",
      fix="Put the source first: “As Reuters reports”.",
      languagetool=("MTCHECK_RU_AS_REPORTS",),
      examples=[
          ("As reports Reuters, the rebels will leave the city.", "As reports Reuters", "As Reuters reports",
           "As Reuters reports, the rebels will leave the city."),
          ("As reported the agency, talks continue.", "As reported the agency", "As the agency reported",
           "As reported by the agency, talks continue."),
      ])
def reporting_inversion(text: str) -> Iterator[Match]:
    """'As reports Reuters' -> 'As Reuters reports': English puts the subject before the verb."""
    pattern = re.compile(rf"\b([Aa]s)\s+({_REPORT_VERBS})\s+(?!by\b|earlier\b|above\b|before\b|previously\b)({_SUBJECT})")
    for m in pattern.finditer(text):
        verb, subject = m.group(2), m.group(3)
        verb_fixed = {"informs": "reports", "informed": "reported"}.get(verb, verb)
        yield Match(
            m.start(),
            m.end(),
            f"Verb before its subject (“{m.group(0)}”) follows Russian word order; put the source first.",
            f"{m.group(1)} {subject} {verb_fixed}",
        )


@rule("reporting-inversion-end", category="word order", weight=1.6, fix_safety="safe",
      message="The source comes after its verb (“…, reported the ministry.”), as in Russian.",
      fix="Put the source before the verb: “…, the ministry reported.”",
      languagetool=("MTCHECK_RU_TRAILING_SOURCE",),
      examples=[
          ("No date was given, said RIA “Novosti”.", "said RIA “Novosti”", "RIA “Novosti” said",
           "No date was given, RIA Novosti said."),
          ("Three people were detained, reported the ministry.", "reported the ministry", "the ministry reported",
           "Three people were detained, the ministry reported."),
      ])
def reporting_inversion_end(text: str) -> Iterator[Match]:
    """'…, said RIA “Novosti”.' / '…, reported the ministry.': a source named after its verb.

    English copy does write ", said Smith." for people, so "said" only counts when the
    speaker is an agency, outlet or institution; "reported/writes/informs …" always counts.
    """
    pattern = re.compile(
        rf",\s+({_REPORT_VERBS})\s+((?:the\s+)?(?:[\w\-]+\s+){{0,3}}?(?:{_AGENCIES}|{_INSTITUTIONS})"
        rf"(?:\s+[“\"«][^”\"»]+[”\"»])?|{_SUBJECT})\s*[.!]?[”\"»]?\s*$"
    )
    m = pattern.search(text)
    if not m:
        return
    verb, subject = m.group(1), m.group(2)
    institutional = re.search(rf"\b(?:{_AGENCIES}|{_INSTITUTIONS})\b|[“\"«]", subject, re.I) is not None
    if verb in ("said", "says", "told", "tells", "claims", "claimed", "noted", "notes", "added") and not institutional:
        return
    end = m.start(2) + len(subject)
    yield Match(
        m.start(1),
        end,
        f"The source comes after the verb (“{verb} {subject}”) as in Russian; write “{subject} {verb}”.",
        f"{subject} {verb}",
    )


_COUNTRY_ADJECTIVES = {
    "Russia": "Russian", "Ukraine": "Ukrainian", "Belarus": "Belarusian", "Kazakhstan": "Kazakh", "the Russian Federation": "Russian"
}


@rule("country-title", category="word order", weight=1.2, fix_safety="safe",
      message="“President of Russia Vladimir Putin” follows Russian title order.",
      fix="Put the country's adjective and the title before the name: “Russian President Vladimir Putin”.",
      examples=[
          ("Yesterday President of Russia Vladimir Putin arrived.", "President of Russia", "Russian President",
           "Yesterday Russian President Vladimir Putin arrived."),
      ])
def country_title(text: str) -> Iterator[Match]:
    """'President of Russia Vladimir Putin': Russian title order."""
    for m in re.finditer(
        r"\b(President|Prime Minister|Foreign Minister|Defen[cs]e Minister|Ambassador)\s+of\s+"
        r"(Russia|Ukraine|Belarus|Kazakhstan|the Russian Federation)\s+(?=[A-Z])",
        text,
    ):
        country = _COUNTRY_ADJECTIVES[m.group(2)]
        yield Match(
            m.start(),
            m.end() - 1,
            f"“{m.group(0).strip()}” follows Russian title order; write “{country} {m.group(1)}” before the name.",
            f"{country} {m.group(1)}",
        )
