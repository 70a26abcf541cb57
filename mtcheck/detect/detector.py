"""The detect stage's API: signals -> features -> calibrated classifier -> findings with reasons.

``Detector(settings, services).detect(document, sentences)`` returns one Finding per
sentence (boilerplate unscored) and a document-level probability. A finding's score is the
sentence's probability *in context* (given the article's other prose sentences, when the model
has a context step); ``score_texts`` scores sentences alone. Each reason's weight is the
sentence's actual log-odds contribution of the feature(s) the reason stands for, so the
explanations are ordered by how much they moved the score (``detect.weighting``). A rule or a
signal the model has no weight for (added since it was trained) still gives its reasons, at weight 0
and marked with ``UNWEIGHTED_NOTE``. Which signals run is chosen by :func:`choose_signals` from their
contracts (``detect.base.Contract``). Sentences are checked a batch at a time (``detect.batching``),
through the feature cache (``detect.cache``) whose key is built in ``detect.signature``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence, cast

from mtcheck.config import Settings, severity_for
from mtcheck.detect import batching
from mtcheck.detect.allowlist import mask_allowed, overlaps
from mtcheck.detect.base import Contract, SignalContext, contract_of, contracts
from mtcheck.detect.cache import FeatureCache, Signals
from mtcheck.detect.signature import code_version, detector_signature, public_signature
from mtcheck.detect.weighting import UNWEIGHTED_NOTE, ReasonWeigher
from mtcheck.services.factory import Services
from mtcheck.types import Document, Finding, Reason, Sentence, Severity, TranslatedShare, share_of, translated_share

CONTEXT_RULE = "translated-context"  # the reason carrying the rest of the article's contribution


@dataclass(frozen=True)
class DetectionResult:
    findings: tuple[Finding, ...]
    score: float  # document-level probability that the article is machine-translated

    @property
    def translated(self) -> TranslatedShare:
        """The share of the prose sentences flagged (in context), with its 95% interval."""
        return share_of(self.findings)


@dataclass(frozen=True)
class _Scored:
    logodds: float
    reasons: tuple[Reason, ...]


def effective_threshold(settings: Settings, model_default: float) -> float:
    """The configured threshold (config file or --threshold), else the model's default (chosen on the training documents, see provenance.json)."""
    return model_default if settings.threshold is None else float(settings.threshold)


def choose_signals(model_signals: Sequence[str], known: Mapping[str, Contract], services: Services | None = None,
                   choice: Sequence[str] = ()) -> list[str]:
    """The signals a run uses, in registry order: those the model weighs, then the untrained ones
    whose contract says ``default``; ``choice`` (``--signals``, ``[detect] signals``) adjusts them:
    ``+name`` adds, ``-name`` removes, plain names replace the default set. A signal whose service is
    switched off (``--no-languagetool``) is left out."""
    from mtcheck.errors import InputError

    chosen = [n for n in known if n in model_signals] + [n for n, c in known.items() if n not in model_signals and c.default]
    plain = [n for n in choice if not n.startswith(("+", "-"))]
    if plain:
        chosen = []
    for entry in choice:
        name = entry.lstrip("+-")
        if name not in known:
            raise InputError(f"unknown signal {name!r} (known: {', '.join(known)})", fix="see `mtcheck plugins`")
        if entry.startswith("-"):
            chosen = [n for n in chosen if n != name]
        elif name not in chosen:
            chosen.append(name)
    order = list(known)
    chosen = sorted(chosen, key=order.index) if plain else chosen
    if services is None:
        return chosen
    return [n for n in chosen if known[n].service is None or getattr(services, f"{known[n].service}_enabled", True)]


def parse_signal_choice(value: str) -> tuple[str, ...]:
    """``"+fluency,-languagetool"`` -> ``("+fluency", "-languagetool")`` (the ``--signals`` syntax)."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


class Detector:
    def __init__(self, settings: Settings, services: Services | None = None, signals: list[str] | None = None, model_path: str | None = None):
        from mtcheck.detect.classifier import load_model
        from mtcheck.registry import signals as registry

        self.settings = settings
        self.services = services if services is not None else Services.offline(settings)
        self.model_path = model_path or settings.detect_config.model
        model = load_model(self.model_path)
        known = contracts()
        if signals is None:
            signals = choose_signals(model.signals, known, self.services, settings.detect_config.signals)
        else:
            choose_signals((), known, None, signals)  # only checks the names: the caller chose
        self.signal_names = tuple(signals)
        self.threshold = effective_threshold(settings, model.threshold)
        self._signals = [registry.get(name)(settings) for name in self.signal_names]
        self.model = model  # the reasons are weighed with the model and the signals' contracts
        # A broken model override fails here, whether or not the text is in the cache.
        signature = detector_signature(settings, self.services, self.signal_names, code_version(self._signals))
        self._cache = FeatureCache(signature, enabled=settings.cache)

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model) -> None:
        """The detector model; replacing it (a test, a caller's own model) re-weighs the reasons with it."""
        self._model = model
        self._weigher = ReasonWeigher(model, dict(zip(self.signal_names, self._signals)))

    # -- public API --------------------------------------------------------------------------
    def public_signature(self) -> str:
        """What a result can be reproduced from, like sacrebleu's signatures: the model file's
        digest, the signals in use, the LanguageTool rule pack's digest and the threshold."""
        return public_signature(self.model_path, self.signal_names, self.threshold)

    def detect(self, document: Document, sentences: Sequence[Sentence], progress: Callable[[int, int], None] | None = None) -> DetectionResult:
        """``progress(done, total)`` is called after each batch of prose sentences (see ``prose_batches``)."""
        from mtcheck.detect.classifier import sigmoid

        prose = [s for s in sentences if s.kind == "prose"]
        # The signals run on one batch at a time and only the log-odds and reasons are kept, so
        # memory does not grow with the features of every sentence of a long input.
        scored: list[_Scored] = []
        for start, stop in batching.prose_batches(prose):
            scored.extend(self._score(prose[start:stop], batching.batch_document(document, prose, start, stop)))
            if progress is not None:
                progress(stop, len(prose))
        isolated = [r.logodds for r in scored]
        # The document model reads the isolated log-odds: it was fitted on them, and the in-context
        # scores already contain the document's evidence.
        in_context = self.model.in_context_logodds(isolated)
        alone = [sigmoid(z) for z in isolated]
        summary = (sum(alone), sum(1 for p in alone if p >= self.threshold), len(alone))
        pushers = self._pusher_finder(prose, isolated)
        by_index = {
            s.index: dataclasses.replace(r, reasons=self._with_context(s, r, z, p, summary, pushers(k)))
            for k, (s, r, z, p) in enumerate(zip(prose, scored, in_context, alone))
        }
        scores = {s.index: sigmoid(z) for s, z in zip(prose, in_context)}
        findings = []
        for sentence in sentences:
            result = by_index.get(sentence.index) if sentence.kind == "prose" else None
            if result is None:
                findings.append(Finding(sentence=sentence, score=0.0, flagged=False))
                continue
            score = scores[sentence.index]
            flagged = score >= self.threshold
            findings.append(
                Finding(
                    sentence=sentence,
                    score=score,
                    flagged=flagged,
                    reasons=result.reasons,
                    # severity_for returns one of the Severity levels (typed as str in mtcheck.config)
                    severity=cast(Severity, severity_for(score, flagged, self.settings.severity_bands)),
                )
            )
        return DetectionResult(findings=tuple(findings), score=self.model.document_probability(isolated))

    def _pusher_finder(self, prose: Sequence[Sentence], isolated: Sequence[float], limit: int = 3) -> Callable[[int], list[Sentence]]:
        """For sentence ``k``: the other sentences that raised its in-context score most, those with
        the largest weighted (clipped) log-odds in its context, translated-looking ones only."""
        context = self.model.context
        if context is None or len(prose) < 2:
            return lambda k: []
        bounded = [context.bounded(z) for z in isolated]
        if context.bandwidth is None:
            # Every other sentence weighs the same: the article's top sentences, sorted once (a
            # scan per sentence made long inputs quadratic).
            total = sum(bounded)
            top = sorted(((b, j) for j, b in enumerate(bounded) if b > 0), reverse=True)[: limit + 1]

            def uniform(k: int) -> list[Sentence]:
                if total - bounded[k] <= 0:
                    return []  # the sentences it is compared with do not read as translated on balance
                return [prose[j] for _, j in top if j != k][:limit]
            return uniform

        def weighted(k: int) -> list[Sentence]:
            others = [j for j in range(len(prose)) if j != k]
            _, _, weights = context.neighbours(bounded[k], [bounded[j] for j in others])
            if sum(w * bounded[j] for j, w in zip(others, weights)) <= 0:
                return []
            ranked = sorted(((w * bounded[j], j) for j, w in zip(others, weights) if bounded[j] > 0), reverse=True)
            return [prose[j] for _, j in ranked[:limit]]
        return weighted

    def _with_context(self, sentence: Sentence, scored: "_Scored", in_context: float, alone: float, summary: tuple[float, int, int],
                      pushers: Sequence[Sentence] = ()) -> tuple[Reason, ...]:
        """The sentence's reasons plus, when the rest of the article raised its score, a reason
        carrying exactly that rise, ordered with the others by contribution. ``summary`` is the
        article's (sum of isolated probabilities, number flagged alone, number of prose sentences)."""
        shift = round(in_context - scored.logodds, 4)
        total, flagged, n = summary
        if shift <= 0 or n < 2:
            return scored.reasons  # reasons are evidence of translation; a lowering context is none
        if not pushers:
            # A very low own score drifts up towards the article's; when the other sentences do not
            # read as translated on balance, the rise is no evidence of translation.
            return scored.reasons
        others = n - 1
        alone_flagged = flagged - (1 if alone >= self.threshold else 0)
        typical = (total - alone) / others
        message = (
            f"The rest of the article reads as translated (its other {others} sentences: {alone_flagged} flagged "
            f"on their own, average score {typical:.2f}), which raises this sentence's score."
        )
        named = "; ".join(f"sentence {p.index + 1} (“{_snippet(p.text)}”)" for p in pushers)
        weighted = self.model.context is not None and self.model.context.bandwidth is not None
        message += (" Most of the rise comes from the sentences whose evidence is most like this one's: " if weighted
                    else " It comes most from: ") + named + "."
        reason = Reason(
            source="document", rule_id=CONTEXT_RULE, message=message, start=sentence.start, end=sentence.end, category="context", weight=shift
        )
        return tuple(sorted((*scored.reasons, reason), key=lambda r: (-r.weight, r.start)))

    def score_texts(self, texts: list[str]) -> list[float]:
        """Each text scored alone (no document context): the rewrite verifier compares sentences with it."""
        from mtcheck.detect.classifier import sigmoid

        sentences = [Sentence(index=i, start=0, end=len(t), text=t) for i, t in enumerate(texts)]
        return [sigmoid(r.logodds) for r in self._score(sentences, None)]

    def features(self, sentences: Sequence[Sentence], document: Document | None = None) -> list[dict[str, float]]:
        """The raw feature dicts (the same code path the classifier is trained on)."""
        return [f for f, _ in self._run_signals(sentences, document)]

    # -- internals ---------------------------------------------------------------------------
    def _run_signals(self, sentences: Sequence[Sentence], document: Document | None) -> Signals:
        if not sentences:
            return []
        cached = self._cache.get(sentences)
        if cached is not None:
            return cached
        masked = []
        allowed = []
        for s in sentences:
            text, spans = mask_allowed(s.text, self.settings.allow)
            masked.append(dataclasses.replace(s, text=text) if spans else s)
            allowed.append([(s.start + a, s.start + b) for a, b in spans])
        context = SignalContext(settings=self.settings, document=document, services=self.services)
        out: Signals = [({}, []) for _ in sentences]
        # A signal that waits on a server runs beside the in-process ones; results merge in order.
        background = {id(s): batching.Background(s.run, masked, context) for s in self._signals
                      if contract_of(s).background and len(self._signals) > 1}
        for signal in self._signals:
            results = background[id(signal)].result() if id(signal) in background else signal.run(masked, context)
            for i, result in enumerate(results):
                out[i][0].update(result.features)
                for reason in result.reasons:
                    if not overlaps(reason.start, reason.end, allowed[i]):
                        out[i][1].append(reason)
        self._cache.put(sentences, out)
        return out

    def _score(self, sentences: Sequence[Sentence], document: Document | None) -> list[_Scored]:
        scored = []
        for sentence, (features, reasons) in zip(sentences, self._run_signals(sentences, document)):
            logodds, shares = self.model.sentence_logodds(features)
            # A reason's own feature is credited with what its occurrences add over none
            # (the centred share can be negative for a count below the training mean).
            a = self.model.calibration[0]
            for r in reasons:
                key = f"{r.source}.{r.rule_id}"
                presence = self.model.sentence.presence_share(key, features.get(key, 0.0))
                if presence is not None:
                    shares[key] = a * presence
            scored.append(_Scored(logodds, self._weigher.weigh(sentence, reasons, shares, self._weigher.explained(sentence, features, shares))))
        return scored

    def _cache_key(self, sentences: Sequence[Sentence]) -> str:
        return self._cache.key(sentences)


def _snippet(text: str, words: int = 6) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


__all__ = ["CONTEXT_RULE", "UNWEIGHTED_NOTE", "DetectionResult", "Detector", "TranslatedShare", "choose_signals", "parse_signal_choice",
           "translated_share"]
