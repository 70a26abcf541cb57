"""The reasons an n-gram signal (``style``, ``syntax``) gives: its strongest n-grams, each with a span."""

from __future__ import annotations

from typing import Callable

from mtcheck.types import Reason, Sentence


def ngram_reasons(sentence: Sentence, shares: dict[str, float], total: float, *, prefix: str, shown: Callable[[str], bool],
                  spans_of: Callable[[object, str], list[tuple[int, int]]], message: Callable[[str, str], str],
                  source: str, rule_id: str, limit: int) -> list[Reason]:
    """Up to ``limit`` reasons naming the n-grams (those ``shown`` accepts) that raised the score
    most, each at its first span not overlapping an earlier one. ``shares`` are the sub-model's
    per-n-gram contributions and ``total`` the log-odds the signal adds; a reason's weight is
    ``total`` times its n-gram's part of all n-grams that raised the score, so the reasons shown
    add up to at most ``total``. ``message(words, feature)`` words the reason."""
    from mtcheck.detect.signals.profile import parse

    if total <= 0:
        return []
    positive = sorted(((v, k) for k, v in shares.items() if v > 0 and k.startswith(prefix)), reverse=True)
    mass = sum(v for v, _ in positive)
    positive = [(v, k) for v, k in positive if shown(k)]
    if not positive or mass <= 0:
        return []
    doc = parse([sentence.text])[0]
    reasons: list[Reason] = []
    covered: list[tuple[int, int]] = []
    for value, feature in positive:
        if len(reasons) >= limit:
            break
        spans = [s for s in spans_of(doc, feature) if not any(s[0] < e and b < s[1] for b, e in covered)]
        if not spans:
            continue
        start, end = spans[0]
        covered.append((start, end))
        reasons.append(Reason(source=source, rule_id=rule_id, message=message(sentence.text[start:end], feature),
                              start=sentence.start + start, end=sentence.start + end, category="style",
                              weight=round(total * value / mass, 4)))
    return reasons
