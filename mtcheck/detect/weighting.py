"""Reason weighting: each reason of a sentence gets its share of the sentence's log-odds.

A reason's weight is the log-odds contribution of the feature(s) it stands for, so the explanations
are ordered by how much they moved the score. A signal whose evidence is a whole-sentence property
gets one summary reason when it matters (its contract's ``summary_reason``); a sub-model's own
n-grams are named with their spans (the contract's ``explains``). A reason the model has no weight
for (an interference rule, or a whole signal, added since the model was trained) is still shown, at
weight 0 and marked with ``UNWEIGHTED_NOTE``, unless its signal's contract keeps its own weights.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping, Sequence

from mtcheck.detect.base import contract_of
from mtcheck.types import Reason, Sentence

EXPLAINED_MIN_WEIGHT = 0.1  # log-odds an n-gram reason must carry to be shown
SUMMARY_MIN_SHARE = 0.3  # log-odds a signal must add before it earns a summary reason
# Added to the message of a reason the model has no weight for (a rule or a signal added since it
# was trained): shown with weight 0, never dropped; `mtcheck train` weighs it.
UNWEIGHTED_NOTE = "[not yet weighted by the model, so it adds nothing to the score; retrain with `mtcheck train`]"


class ReasonWeigher:
    """Weighs a sentence's reasons for ``model`` (a ``DetectorModel``) given the running ``signals``
    (registry name -> instance)."""

    def __init__(self, model: Any, signals: Mapping[str, Any]):
        self.model = model
        self.signals = dict(signals)
        self.contracts = {name: contract_of(signal) for name, signal in self.signals.items()}
        # In the order the model lists its signals, then the others: with several weak summaries the
        # first one earns the place (see weigh), so the order is the model's, stable across runs.
        order = [n for n in model.signals if n in self.contracts] + [n for n in self.contracts if n not in model.signals]
        self.summaries: dict[str, tuple[str, str]] = {}
        for name in order:
            summary = self.contracts[name].summary_reason
            if summary is not None:
                self.summaries[name] = summary

    def explained(self, sentence: Sentence, features: dict[str, float], shares: dict[str, float]) -> list[Reason]:
        """Reasons a sub-model's own evidence earns: the n-grams that raised its score (style, syntax), with spans."""
        out: list[Reason] = []
        for name, signal in self.signals.items():
            for feature in self.contracts[name].explains:
                share = shares.get(feature, 0.0)
                sub = self.model.submodels.get(feature)
                if share <= 0 or sub is None:
                    continue
                # An n-gram that adds less than EXPLAINED_MIN_WEIGHT still counts in the score but is not named.
                out += [r for r in signal.explain(sentence, sub.contributions(features)[1], share) if r.weight >= EXPLAINED_MIN_WEIGHT]
        return out

    def weigh(self, sentence: Sentence, reasons: list[Reason], shares: dict[str, float], explained: Sequence[Reason] = ()) -> tuple[Reason, ...]:
        """Give each reason its share of the log-odds: its own feature plus an equal part of its signal's totals.
        ``explained`` are reasons that already carry their share (a sub-model's n-grams); their signal
        gets no summary reason. A reason the model has no weight for is kept, marked, at weight 0."""
        provisional = self.model.name == "provisional"
        unweighted = [r for r in reasons if self.unweighted(r)]
        reasons = [r for r in reasons if not self.unweighted(r)]
        by_key: dict[str, int] = {}
        for r in reasons:
            by_key[f"{r.source}.{r.rule_id}"] = by_key.get(f"{r.source}.{r.rule_id}", 0) + 1
        per_source: dict[str, int] = {}
        for r in reasons:
            per_source[r.source] = per_source.get(r.source, 0) + 1
        unattributed: dict[str, float] = {}
        for name, share in shares.items():
            source = name.split(".", 1)[0]
            if name not in by_key:
                unattributed[source] = unattributed.get(source, 0.0) + share
        weighed = []
        for r in reasons:
            key = f"{r.source}.{r.rule_id}"
            if (provisional and r.source == "interference") or r.source not in self.model.signals:
                weight = r.weight  # the model does not use this signal (its contract keeps its own weights)
            elif r.source in self.summaries:
                weight = shares.get(key, 0.0) / by_key[key]  # the rest goes to the summary reason
            else:
                weight = shares.get(key, 0.0) / by_key[key] + unattributed.get(r.source, 0.0) / per_source[r.source]
            if weight <= 0 and r.source in self.model.signals and not provisional:
                continue  # the model reads this pattern as native: it is no evidence of translation
            weighed.append(dataclasses.replace(r, weight=round(weight, 4)))
        weighed.extend(explained)
        explained_sources = {r.source for r in explained}
        for source, (rule_id, message) in self.summaries.items():
            if source in explained_sources:
                continue
            share = unattributed.get(source, 0.0)
            # A sentence with no specific reason still gets its (positive) overall evidence named.
            if share >= SUMMARY_MIN_SHARE or (share > 0 and not weighed):
                weighed.append(
                    Reason(
                        source=source, rule_id=rule_id, message=message, start=sentence.start, end=sentence.end, category="style",
                        weight=round(share, 4),
                    )
                )
        weighed.extend(dataclasses.replace(r, message=f"{r.message} {UNWEIGHTED_NOTE}", weight=0.0) for r in unweighted)
        weighed.sort(key=lambda r: (-r.weight, r.start))
        return tuple(weighed)

    def unweighted(self, reason: Reason) -> bool:
        """A reason the model has no weight for: an interference rule added since the model (which
        weighs the other rules) was trained, or any reason of a signal the model does not weigh at all
        (unless its contract keeps its own weights, or the model is the provisional one)."""
        if reason.source not in self.model.signals:
            contract = self.contracts.get(reason.source)
            return self.model.name != "provisional" and not (contract is not None and contract.own_weights)
        return reason.source == "interference" and f"interference.{reason.rule_id}" not in self.model.sentence.features
