"""The detect stage: signals -> features -> calibrated classifier -> findings with reasons.

``Detector(settings, services).detect(document, sentences)`` returns one Finding per sentence
(boilerplate unscored) and a document-level probability. The stage's parts, one module each:

* :mod:`mtcheck.detect.detector`: the Detector API (which signals run, scoring, context reasons);
* :mod:`mtcheck.detect.cache`: the feature cache (what the signals return for a batch of texts);
* :mod:`mtcheck.detect.batching`: batches of prose sentences, and signals run in the background;
* :mod:`mtcheck.detect.weighting`: each reason's share of the log-odds, summary and unweighted reasons;
* :mod:`mtcheck.detect.base`: the interface and the contract every signal (``detect/signals/``) declares.
"""

from __future__ import annotations

from mtcheck.detect.batching import BATCH_SENTENCES, batch_document, prose_batches
from mtcheck.detect.detector import (
    CONTEXT_RULE,
    DetectionResult,
    Detector,
    choose_signals,
    effective_threshold,
    parse_signal_choice,
)
from mtcheck.detect.weighting import UNWEIGHTED_NOTE
from mtcheck.types import TranslatedShare, translated_share

__all__ = ["BATCH_SENTENCES", "CONTEXT_RULE", "UNWEIGHTED_NOTE", "DetectionResult", "Detector", "TranslatedShare", "batch_document",
           "choose_signals", "effective_threshold", "parse_signal_choice", "prose_batches", "translated_share"]
