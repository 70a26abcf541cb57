"""Scope: quantifiers kept, no stance the original did not take, a word said twice still said twice."""

from __future__ import annotations

import re
from collections import Counter

# How much of something: "most of them ceased to exist" is not "which ceased to exist".
_QUANTIFIERS = ("all", "most", "some", "many", "much", "few", "several", "each", "every", "none", "half", "both",
                "majority", "minority", "only", "entire", "whole")
# A writer's stance the original did not take: "Roughly speaking, Russians gave ..." (found on held-out rows).
_STANCE = re.compile(r"\b(roughly speaking|broadly speaking|basically|essentially|in fact|actually|of course|clearly|"
                     r"obviously|certainly|definitely|indeed|surely|undoubtedly|generally|usually|mostly|mainly|"
                     r"largely|roughly|approximately|nearly|almost|around|just|simply|merely|even|also|too)\b", re.I)
_STOP = frozenset("""this that these those there their them they with from into onto upon about over under after
before while which whose where when what will would could should have been being were than then also such only
very more most some many much each every other another same said says""".split())


def quantifiers_changed(original: str, candidate: str) -> list[str]:
    before = Counter(w for w in re.findall(r"[a-z]+", original.lower()) if w in _QUANTIFIERS)
    after = Counter(w for w in re.findall(r"[a-z]+", candidate.lower()) if w in _QUANTIFIERS)
    return [f"lost “{w}”" for w in sorted(before) if after[w] < before[w]] + \
        [f"added “{w}”" for w in sorted(after) if after[w] > before[w]]


def stance_added(original: str, candidate: str) -> list[str]:
    before = Counter(m.lower() for m in _STANCE.findall(original))
    after = Counter(m.lower() for m in _STANCE.findall(candidate))
    return [f"added “{w}”" for w in sorted(after) if after[w] > before[w]]


def repeats_lost(original: str, candidate: str) -> list[str]:
    """A content word the original says twice ("suitability for the life of the clouds, then search
    for life there") kept only once: one of its two roles is gone."""
    def counts(text: str) -> Counter:
        return Counter(w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in _STOP)
    before, after = counts(original), counts(candidate)
    return [f"“{w}” {n} times -> {after[w]}" for w, n in sorted(before.items()) if n >= 2 and after[w] < n]
