"""The fixable problems of one sentence, found the same way in the original and in each candidate.

A rewrite is judged first by which of the original's flagged problems it resolves, so the
sentence-level finders (mtcheck's interference rules and LanguageTool, whose matches include
mtcheck's Russian-L1 rule pack) run again on every candidate. Only problems a copy editor can
fix in the sentence count: names (transliterations, a Russian agency as the source), untranslated
Cyrillic, spelling flags (mostly names) and LanguageTool's typography noise are reasons for the
editor but not targets for a rewrite, and ``keep_rules`` (house style) are never targets.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from mtcheck.detect import rules
from mtcheck.detect.rules import find_matches
from mtcheck.detect.signals.languagetool import NOISE_RULES, group_of
from mtcheck.services.languagetool import RULE_PACK_CATEGORY

# Interference rules about names or script (declared ``rewrite=False``): an editor checks them, a
# rewrite must keep the words.
UNFIXABLE_RULES = frozenset(r.id for r in rules.RULES if not r.rewrite)
# LanguageTool groups whose matches are not rewrite targets (spelling flags are mostly names).
UNFIXABLE_GROUPS = frozenset({"typos"})


@dataclass(frozen=True)
class Problem:
    """One flagged span: the rule that found it, the words it covers, and a known fix if any."""

    rule_id: str
    words: str
    message: str
    start: int  # offsets into the sentence's text
    end: int
    suggestion: str | None = None
    source: str = "interference"  # or "languagetool"

    @property
    def key(self) -> str:
        return f"{self.rule_id}: {' '.join(self.words.lower().split())}"

    @property
    def fix_is_safe(self) -> bool:
        """The project's rules (its interference rules, and its pack inside LanguageTool) stand by
        their fixes; LanguageTool's own grammar rules declare no fix safe."""
        return self.source != "languagetool" or self.rule_id.startswith(RULE_PACK_CATEGORY)


def _fixable_rule(rule_id: str, keep: frozenset[str]) -> bool:
    declared = rules.get(rule_id)  # a rule added at run time is looked up, not in UNFIXABLE_RULES
    return rule_id not in keep and rule_id not in UNFIXABLE_RULES and (declared is None or declared.rewrite)


def interference_problems(text: str, keep: frozenset[str] = frozenset(), allow: Sequence[str] = ()) -> list[Problem]:
    out = []
    for _rule, m in find_matches(text, allow):
        if _fixable_rule(m.rule, keep):
            out.append(Problem(m.rule, text[m.start:m.end], m.message, m.start, m.end, m.suggestion))
    return out


def languagetool_problems(text: str, matches: Iterable[Any], keep: frozenset[str] = frozenset(),
                          noise: frozenset[str] = NOISE_RULES) -> list[Problem]:
    out = []
    for m in matches:
        if m.rule_id in noise or m.rule_id in keep or group_of(getattr(m, "category", "")) in UNFIXABLE_GROUPS:
            continue
        replacements = list(getattr(m, "replacements", None) or [])
        out.append(Problem(m.rule_id, text[m.offset:m.offset + m.length], getattr(m, "message", m.rule_id), m.offset,
                           m.offset + m.length,
                           replacements[0] if replacements else None, "languagetool"))
    return out


def find_problems(text: str, matches: Iterable[Any] | None = None, keep: frozenset[str] = frozenset(),
                  allow: Sequence[str] = ()) -> list[Problem]:
    """Every fixable problem in ``text``: interference rules, and LanguageTool's ``matches`` for it
    when the server is in use."""
    found = interference_problems(text, keep, allow)
    if matches is not None:
        found += languagetool_problems(text, matches, keep)
    found.sort(key=lambda p: (p.start, p.end, p.rule_id))
    return found


def resolution(before: Sequence[Problem], after: Sequence[Problem]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(resolved, remaining) keys of the original's problems ``before`` given the candidate's ``after``.

    A problem remains when the candidate has the same rule on the same words; a rule that still
    fires on other words (the span moved or was rephrased) keeps as many of its problems as it
    still has matches."""
    have = Counter(p.key for p in after)
    per_rule = Counter(p.rule_id for p in after)
    kept: set[int] = set()
    for i, p in enumerate(before):
        if have[p.key] > 0:
            have[p.key] -= 1
            per_rule[p.rule_id] -= 1
            kept.add(i)
    for i, p in enumerate(before):
        if i not in kept and per_rule[p.rule_id] > 0:
            per_rule[p.rule_id] -= 1
            kept.add(i)
    return (tuple(p.key for i, p in enumerate(before) if i not in kept),
            tuple(p.key for i, p in enumerate(before) if i in kept))


def introduced(before: Sequence[Problem], after: Sequence[Problem]) -> list[str]:
    """Rules the candidate trips more often than the original did: a fix must not add problems."""
    was = Counter(p.rule_id for p in before)
    now = Counter(p.rule_id for p in after)
    return sorted(rule for rule, n in now.items() if n > was.get(rule, 0))
