"""Encoder: a fine-tuned MiniLM's verdict on the sentence's masked wording.

MiniLM (the model store's embedder) with a LoRA adapter and a linear head, trained with
``mtcheck train --encoder`` to tell machine-translated from English-written news sentences
(:mod:`mtcheck.detect.encoder_model`). It reads the ``style`` signal's masked view, so names,
numbers and topic words do not count. Its feature ``encoder.score`` is the calibrated log-odds.

A sentence the encoder itself reads as translated (log-odds at or above the level that flags 3% of
English-written calibration sentences) gets one reason naming the words that weigh most: each
masked word is left out in turn and the words whose absence lowers the score most are named
(occlusion; an attribution of the model, not a rule, and the reason says so). Only those sentences
pay for it, one batched pass of a sentence's length.
"""

from __future__ import annotations

from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult
from mtcheck.registry import signals
from mtcheck.types import Reason, Sentence

FEATURE = "encoder.score"
RULE_ID = "encoder-wording"
NAMED_WORDS = 3
MIN_DROP = 0.05  # log-odds a word's absence must remove to be named


def explain(sentence: Sentence, words: Sequence[str], spans: Sequence[tuple[int, int]], drops: Sequence[float], logodds: float) -> Reason | None:
    """The reason for a sentence the encoder reads as translated: its words whose absence lowers
    the score most (``drops``, one per masked word), or None when no word matters on its own."""
    # Punctuation still counts in the score but is not named: an editor acts on words.
    ranked = sorted((d, i) for i, d in enumerate(drops)
                    if d >= MIN_DROP and any(ch.isalpha() for ch in sentence.text[spans[i][0] : spans[i][1]]))[::-1][:NAMED_WORDS]
    if not ranked:
        return None
    named = []
    for drop, i in sorted(ranked, key=lambda item: item[1]):
        start, end = spans[i]
        shown = sentence.text[start:end]
        masked = "" if words[i] == shown.lower() else f" (read as {words[i]})"
        named.append(f"“{shown}”{masked} −{drop:.2f}")
    message = (
        f"[model attribution, by occlusion] A fine-tuned sentence encoder reads this wording as translated "
        f"(log-odds {logodds:+.2f}; names, numbers and topic words masked). The words that weigh most, with how much "
        f"leaving each out lowers it: {', '.join(named)}."
    )
    return Reason(source="encoder", rule_id=RULE_ID, message=message, start=sentence.start, end=sentence.end,
                  category="style", weight=round(max(logodds, 0.0), 4))


@signals.register("encoder")
class EncoderSignal:
    name = "encoder"
    # A fine-tuned MiniLM pass plus occlusion: too costly to run unweighted (``--signals +encoder`` runs it).
    contract = Contract(default=False, model_role="embedder")

    def __init__(self, settings: Settings):
        self.settings = settings

    def source_files(self) -> list[str]:
        """Files whose change changes this signal's output (the detect cache's key): the manifest,
        which holds every adapter file's SHA-256, and the model code."""
        from mtcheck.detect import encoder_model

        return [str(encoder_model.encoder_dir(self.settings.detect_config.model) / encoder_model.MANIFEST), encoder_model.__file__]

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        if not sentences:
            return []
        from mtcheck.detect.encoder_model import encoder_dir, load_scorer, masked_sentences

        scorer = load_scorer(encoder_dir(self.settings.detect_config.model), self.settings)
        masked = masked_sentences([s.text for s in sentences])
        logodds = scorer.logodds([words for words, _ in masked])
        out = []
        for sentence, (words, spans), z in zip(sentences, masked, logodds):
            reasons: tuple[Reason, ...] = ()
            if z >= scorer.threshold_logodds:
                reason = explain(sentence, words, spans, scorer.occlusion(words), z)
                reasons = (reason,) if reason else ()
            out.append(SignalResult(features={FEATURE: round(z, 5)}, reasons=reasons))
        return out
