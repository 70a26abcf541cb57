"""Russian number writing: "1.3 thousand" for 1,300 (a decimal comma is a phrase rule,
mtcheck/resources/rules/writing.toml)."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.detect.rules import Match, rule


def _format_number(value: float) -> str:
    return f"{int(round(value)):,}" if abs(value - round(value)) < 1e-9 else f"{value:,.1f}"


@rule("thousand-count", category="numbers", weight=2.5, fix_safety="safe",
      message="“1.3 thousand” is a Russian way of writing numbers (тысяч).",
      fix="Write the figure in full: “1,300”.",
      languagetool=("MTCHECK_RU_THOUSAND_DECIMAL",),
      examples=[
          ("More than 1.3 thousand militants laid down arms.", "1.3 thousand", "1,300",
           "More than 1,300 militants laid down arms."),
          ("More than 78 thousand civilians left.", "78 thousand", "78,000", "More than 78,000 civilians left."),
      ])
def thousand_count(text: str) -> Iterator[Match]:
    """'1.3 thousand militants' / '78 thousand civilians': English writes 1,300 and 78,000.

    In a range the scale word covers both ends ("from 3 to 6 thousand rubles" is 3,000 to
    6,000), so the fix rewrites both; writing only "3 to 6,000" would change the figure."""
    number = r"\d+(?:[.,]\d+)?"
    pattern = rf"\b(?:({number})\s*(to|and|-|–|—)\s*)?({number})\s+thousand\b(?!s)"
    for m in re.finditer(pattern, text):
        low, joiner, raw = m.group(1), m.group(2), m.group(3)
        if re.fullmatch(r"\d{1,3},\d{3}", raw):  # "1,000 thousand" is a thousands separator, leave it
            continue
        value = float(raw.replace(",", ".")) * 1000
        start, fix = m.start(3), _format_number(value)
        if low is not None and not re.fullmatch(r"\d{1,3},\d{3}", low) and float(low.replace(",", ".")) < value / 1000:
            between = f" {joiner} " if joiner.isalpha() else joiner
            start, fix = m.start(1), f"{_format_number(float(low.replace(',', '.')) * 1000)}{between}{fix}"
        yield Match(
            start,
            m.end(),
            f"“{text[start:m.end()]}” is a Russian way of writing numbers; write the figure in full.",
            fix,
        )
