"""LanguageTool as a detection signal: its built-in English rules plus mtcheck's rule pack.

Whole paragraphs go to the server (LanguageTool needs the context, and one request per
sentence would be slow), then each match is mapped back to the sentence it starts in and to
document offsets.

Features, per sentence, are match counts per 10 words by group:
``languagetool.{grammar,typos,style,punctuation,misc,mtcheck}`` and ``languagetool.total``.
``mtcheck`` is the rule pack (category MTCHECK_RU). Every match of a kept rule counts, but
some matches give no editor-facing reason because they are noise for a news editor (see
``NOISE_RULES`` and ``_is_name_spelling``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult
from mtcheck.registry import signals
from mtcheck.types import Block, Reason, Sentence

GROUPS = ("grammar", "typos", "style", "punctuation", "misc", "mtcheck")

# LanguageTool category id -> feature group. Anything unlisted is "misc" (CASING,
# COMPOUNDING, SEMANTICS, FALSE_FRIENDS, MISC...).
CATEGORY_GROUPS = {
    "MTCHECK_RU": "mtcheck",
    "GRAMMAR": "grammar",
    "CONFUSED_WORDS": "grammar",
    "COLLOCATIONS": "grammar",
    "NONSTANDARD_PHRASES": "grammar",
    "TYPOS": "typos",
    "MULTITOKEN_SPELLING": "typos",
    "PUNCTUATION": "punctuation",
    "TYPOGRAPHY": "punctuation",
    "STYLE": "style",
    "REDUNDANCY": "style",
    "REPETITIONS_STYLE": "style",
    "PLAIN_ENGLISH": "style",
    "WIKIPEDIA": "style",
    "AMERICAN_ENGLISH_STYLE": "style",
    "BRITISH_ENGLISH": "style",
}

# Rules dropped entirely: whitespace and quote-style typography say nothing about translation
# (they follow the CMS and the keyboard, not the translator), and the weekday/date checks
# compare with the *current* year, so they misfire on every article about an earlier year.
NOISE_RULES = frozenset({
    "WHITESPACE_RULE",
    "CONSECUTIVE_SPACES",
    "EN_QUOTES",
    "EN_UNPAIRED_QUOTES",
    "COMMA_PARENTHESIS_WHITESPACE",
    "DASH_RULE",
    "EN_DATE_WEEKDAY_CURRENTYEAR",
    "DATE_WEEKDAY",
    "DATE_WEEKDAY1",
    "EN_DATE_WEEKDAY",
    "CURRENCY",
})

# Provisional weights (log-odds) until a trained model supplies its own shares.
GROUP_WEIGHTS = {"mtcheck": 1.5, "grammar": 0.6, "misc": 0.3, "style": 0.2, "punctuation": 0.2, "typos": 0.1}


def group_of(category: str) -> str:
    return CATEGORY_GROUPS.get(category, "misc")


def _is_name_spelling(match: Any, text: str) -> bool:
    """A 'spelling mistake' on a capitalised word is almost always a transliterated name (Lavrov, Novosti)."""
    if match.category != "TYPOS":
        return False
    span = text[match.offset : match.offset + match.length]
    return bool(span[:1].isupper())


def _document_span(block: Block, start: int, end: int) -> tuple[int, int]:
    doc_start = block.source_offset(start)
    doc_end = block.source_offset(end - 1) + 1 if end > start else doc_start
    return doc_start, max(doc_end, doc_start)


@signals.register("languagetool")
class LanguageToolSignal:
    name = "languagetool"
    # A grammar checker's findings, advisory: they keep their own weights and the model does not weigh them.
    contract = Contract(background=True, service="languagetool", own_weights=True)

    def __init__(self, settings: Settings):
        self.settings = settings
        self.noise_rules = NOISE_RULES | frozenset(settings.languagetool_config.ignore_rules)

    def source_files(self) -> list[str]:
        return []  # its output depends on this module's code alone

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        service = context.services.languagetool
        if service is None or not sentences:
            return [SignalResult() for _ in sentences]
        # Per sentence: (group, reason or None) for every kept match.
        hits: list[list[tuple[str, Reason | None]]] = [[] for _ in sentences]
        blocks = context.document.blocks if context.document is not None else ()
        if blocks and all(0 <= s.block < len(blocks) for s in sentences):
            self._check_blocks(sentences, blocks, service, hits)
        else:
            self._check_sentences(sentences, service, hits)
        return [self._result(s, h) for s, h in zip(sentences, hits)]

    # -- the two ways of building requests -----------------------------------------------------
    def _check_blocks(self, sentences: Sequence[Sentence], blocks: Sequence[Block], service: Any, hits: list) -> None:
        by_block: dict[int, list[int]] = defaultdict(list)
        for i, s in enumerate(sentences):
            by_block[s.block].append(i)
        order = sorted(by_block)
        texts = [blocks[b].text for b in order]
        for b, text, matches in zip(order, texts, service.check_paragraphs(texts)):
            block = blocks[b]
            members = by_block[b]
            for m in matches:
                start, end = _document_span(block, m.offset, m.offset + m.length)
                owner = next((i for i in members if sentences[i].start <= start < sentences[i].end), None)
                if owner is not None:
                    self._add(hits[owner], m, text, start, min(end, sentences[owner].end))

    def _check_sentences(self, sentences: Sequence[Sentence], service: Any, hits: list) -> None:
        # No paragraph structure: one request with the sentences as separate paragraphs, so
        # LanguageTool sees them together but never joins two of them into one sentence.
        joined, starts, pos = [], [], 0
        for s in sentences:
            starts.append(pos)
            joined.append(s.text)
            pos += len(s.text) + 2
        text = "\n\n".join(joined)
        (matches,) = service.check_paragraphs([text])
        for m in matches:
            owner = max((i for i, p in enumerate(starts) if p <= m.offset), default=None)
            if owner is None or m.offset >= starts[owner] + len(sentences[owner].text):
                continue
            local = m.offset - starts[owner]
            local_end = min(local + m.length, len(sentences[owner].text))
            base = sentences[owner].start
            self._add(hits[owner], m, text, base + local, base + local_end)

    # -- matches -> features and reasons -----------------------------------------------------------
    def _add(self, bucket: list, match: Any, text: str, start: int, end: int) -> None:
        if match.rule_id in self.noise_rules:
            return
        group = group_of(match.category)
        reason = None
        if not _is_name_spelling(match, text):
            reason = Reason(
                source=self.name,
                rule_id=match.rule_id,
                message=match.message,
                start=start,
                end=end,
                category=group,
                suggestions=tuple(match.replacements[:3]),
                weight=GROUP_WEIGHTS.get(group, 0.2),
            )
        bucket.append((group, reason))

    def _result(self, sentence: Sentence, hits: list[tuple[str, Reason | None]]) -> SignalResult:
        per_ten = 10.0 / max(1, len(sentence.text.split()))
        counts = dict.fromkeys(GROUPS, 0)
        for group, _ in hits:
            counts[group] += 1
        features = {f"languagetool.{g}": round(c * per_ten, 4) for g, c in counts.items()}
        features["languagetool.total"] = round(len(hits) * per_ten, 4)
        reasons = tuple(r for _, r in hits if r is not None)
        return SignalResult(features=features, reasons=reasons)
