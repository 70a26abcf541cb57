"""Russian interference as a detection signal: the rules of :mod:`mtcheck.detect.rules`.

Each rule is declared once, in ``mtcheck/detect/rules/`` (its id, weight, message, fix, examples
and rule-pack twins, beside its function) or in a phrase-rule file (``mtcheck/resources/rules/``,
and a desk's own named by ``[rules] files``); this signal runs them all on each sentence.

Features are ``interference.<rule>`` (the number of matches) and ``interference.total``.
"""

from __future__ import annotations

from typing import Sequence

from mtcheck.config import Settings
from mtcheck.detect.base import Contract, SignalContext, SignalResult
from mtcheck.detect.rules import (  # noqa: F401  (re-exported: the rules' old home)
    RULES,
    Match,
    Rule,
    feature_names,
    find_matches,
    rule_ids,
    source_files,
)
from mtcheck.detect.rules.phrases import use_desk_files
from mtcheck.registry import signals
from mtcheck.types import Reason, Sentence


@signals.register("interference")
class InterferenceSignal:
    name = "interference"
    contract = Contract(train_by_default=True)

    def __init__(self, settings: Settings):
        self.settings = settings
        use_desk_files(settings)  # the desk's phrase rules ([rules] files) run beside mtcheck's

    def source_files(self) -> list[str]:
        """Where the rules live: editing one invalidates cached features (see ``detect.signature``)."""
        return source_files()

    def run(self, sentences: Sequence[Sentence], context: SignalContext) -> list[SignalResult]:
        allow = tuple(context.settings.allow or self.settings.allow)
        return [self.run_one(s, allow) for s in sentences]

    def run_one(self, sentence: Sentence, allow: Sequence[str] = ()) -> SignalResult:
        features = {name: 0.0 for name in feature_names()}
        reasons = []
        for r, match in find_matches(sentence.text, allow):
            features[r.feature] = features.get(r.feature, 0.0) + 1.0
            features["interference.total"] += 1.0
            reasons.append(
                Reason(
                    source="interference",
                    rule_id=r.id,
                    message=match.message,
                    start=sentence.start + match.start,
                    end=sentence.start + match.end,
                    category=r.category,
                    suggestions=(match.suggestion,) if match.suggestion is not None else (),
                    weight=r.weight,
                )
            )
        return SignalResult(features=features, reasons=tuple(reasons))
