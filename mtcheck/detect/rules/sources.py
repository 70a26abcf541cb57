"""Traces of the Russian source outlet: media-law disclaimers and agency names quoted the Russian way
(a Russian agency as the source is a phrase rule, mtcheck/resources/rules/writing.toml)."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule

_DISCLAIMERS = [
    r"(?:is\s+|are\s+|was\s+)?(?:banned|prohibited|outlawed)\s+in\s+(?:Russia|the\s+Russian\s+Federation|the\s+RF)",
    r"(?:is\s+|was\s+)?(?:recogni[sz]ed|designated|declared|listed)\s+(?:as\s+)?(?:an?\s+)?(?:foreign\s+agents?|undesirable(?:\s+organi[sz]ation)?|extremists?|terrorists?)(?:\s+in\s+(?:Russia|the\s+Russian\s+Federation))?",
    r"(?:extremist|terrorist)\s+organi[sz]ation,?\s+(?:banned|prohibited)\s+in\s+(?:Russia|the\s+Russian\s+Federation)",
    r"(?:whose\s+)?activit(?:y|ies)\s+(?:is\s+|are\s+)?(?:banned|prohibited)\s+in\s+(?:Russia|the\s+Russian\s+Federation)",
    r"performing\s+the\s+functions\s+of\s+a\s+foreign\s+agent",
]


@rule("media-law-disclaimer", category="disclaimer", weight=3.0,
      message="A disclaimer required by Russian media law (“banned in Russia”, “recognised as a foreign agent”).",
      fix="Drop it: English outlets do not carry it.",
      examples=[
          ("Militants of “al-Nusra Front” (banned in Russia) may leave.", "banned in Russia", "",
           "Militants of the Nusra Front may leave."),
          ("The outlet, recognised as a foreign agent, reported it.", "recognised as a foreign agent", "",
           "The outlet reported it."),
      ])
def media_law_disclaimer(text: str) -> Iterator[Match]:
    """'(banned in Russia)', 'recognised as a foreign agent': notes required by Russian media law."""
    seen: list[tuple[int, int]] = []
    for pattern in _DISCLAIMERS:
        for m in re.finditer(pattern, text, re.I):
            if any(s <= m.start() < e for s, e in seen):
                continue
            seen.append((m.start(), m.end()))
            yield Match(
                m.start(),
                m.end(),
                f"“{m.group(0)}” is a disclaimer required by Russian media law; English outlets omit it.",
                "",
            )


@rule("russian-agency-quoted", category="source", weight=2.5, about_names=True, fix_safety="safe",
      message="An outlet's name in quotation marks (“RIA «Novosti»”) follows Russian typography.",
      fix="Write the name without quotes: RIA Novosti.",
      languagetool=("MTCHECK_RU_QUOTED_NAME",),
      examples=[("This was reported by RIA «Novosti».", "RIA «Novosti»", "RIA Novosti", "This was reported by Reuters.")])
def russian_agency_quoted(text: str) -> Iterator[Match]:
    """The calque 'RIA “Novosti”': a Russian agency's name in quotes, as Russian writes it."""
    for m in re.finditer(r"\b(RIA)\s*[“\"«]\s*(Novosti)\s*[”\"»]|[“\"«](Novosti|Interfax|TASS|Izvestia|Kommersant|Vedomosti)[”\"»]", text):
        name = "RIA Novosti" if m.group(1) else m.group(3)
        yield Match(
            m.start(),
            m.end(),
            f"“{m.group(0)}” keeps the Russian habit of quoting an outlet's name; write {name} without quotes.",
            name,
        )
