"""Stand-ins for the pipeline in ``mtcheck fix`` tests: every prose sentence flagged, its reasons
from the interference rules, and the safe rules' fix taken as verified (no models)."""

from __future__ import annotations

from mtcheck.config import Settings
from mtcheck.detect.signals.interference import InterferenceSignal
from mtcheck.load import load_document
from mtcheck.rewrite.generate import safe_candidate
from mtcheck.segment import segment
from mtcheck.types import DocumentResult, Finding, Rewrite


def fake_results(paths, unsafe_texts=None) -> list[DocumentResult]:
    """One result per path; ``unsafe_texts`` maps a sentence's text to a rewrite (the LLM's, say)."""
    signal = InterferenceSignal(Settings())
    results = []
    for path in paths:
        document = load_document(str(path))
        findings = []
        for sentence in segment(document):
            if sentence.kind != "prose":
                findings.append(Finding(sentence, 0.1, False))
                continue
            reasons = tuple(signal.run_one(sentence).reasons)
            safe = safe_candidate(sentence, reasons, document.text)
            rewrite = Rewrite(text=(unsafe_texts or {}).get(sentence.text) or (safe.text if safe else None),
                              safe_fix=safe.text if safe else None)
            findings.append(Finding(sentence, 0.95, True, reasons, "error", rewrite))
        results.append(DocumentResult(document, tuple(findings), 0.9))
    return results
