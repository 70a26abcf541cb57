"""The detect stage: signals -> features -> calibrated classifier -> findings with reasons.

``Detector(settings, services).detect(document, sentences)`` returns one Finding per
sentence (boilerplate unscored) and a document-level probability. A finding's score is the
sentence's probability *in context* (given the article's other prose sentences, when the model
has a context step); ``score_texts`` scores sentences alone. Each reason's weight is the
sentence's actual log-odds contribution of the feature(s) the reason stands for, so the
explanations are ordered by how much they moved the score. An interference rule the model has no
weight for (added since it was trained) still gives its reasons, at weight 0 and marked with
``UNWEIGHTED_NOTE``. The cache key and the reported signature are built in ``detect.signature``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable, Sequence, cast

from mtcheck.config import Settings, cache_dir, severity_for
from mtcheck.detect.allowlist import allowed_spans, overlaps
from mtcheck.detect.signature import code_version, detector_signature, public_signature
from mtcheck.services.factory import Services
from mtcheck.types import Block, Document, Finding, Reason, Sentence, Severity, TranslatedShare, share_of, translated_share

# Signals whose evidence is a whole-sentence property get one summary reason when they matter.
SUMMARY_REASONS = {
    "fluency": ("unusual-wording", "The wording is statistically unusual for English news (word choices a native writer rarely makes)."),
    "profile": ("translationese-profile", "The sentence's mix of function words, parts of speech and punctuation is typical of translated text."),
    "embedding": ("translated-phrasing", "The sentence's overall phrasing resembles machine-translated news more than English-written news."),
    "style": ("translated-ngrams", "The sentence's word patterns (names, numbers and topic words masked) are typical of translated news."),
    "syntax": ("translated-shapes", "The sentence's shape (part-of-speech and function-word sequences) is typical of translated news."),
}
STYLE_FEATURE = "style.score"  # its sub-model's n-grams are named as reasons with their spans
# Sub-model outputs whose own n-grams are named as reasons with their spans: feature -> explaining module.
EXPLAINED_FEATURES = {STYLE_FEATURE: "mtcheck.detect.signals.style", "syntax.score": "mtcheck.detect.signals.syntax"}
STYLE_MIN_WEIGHT = 0.1  # log-odds an n-gram reason must carry to be shown
SUMMARY_MIN_SHARE = 0.3  # log-odds a signal must add before it earns a summary reason
CONTEXT_RULE = "translated-context"  # the reason carrying the rest of the article's contribution
# Added to the message of a rule's reason when the model has no weight for the rule (a rule added
# since it was trained): shown with weight 0, never dropped; `mtcheck train` weighs it.
UNWEIGHTED_NOTE = "[not yet weighted by the model, so it adds nothing to the score; retrain with `mtcheck train`]"


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


def _mask_allowed(text: str, allow: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """Replace allow-listed names by a neutral name of the same length, so no signal sees them."""
    spans = allowed_spans(text, allow)
    if not spans:
        return text, spans
    chars = list(text)
    for start, end in spans:
        filler = ("Smith" if end - start >= 5 else "Lee"[: end - start]).ljust(end - start)
        chars[start:end] = filler
    return "".join(chars), spans


class Detector:
    def __init__(self, settings: Settings, services: Services | None = None, signals: list[str] | None = None, model_path: str | None = None):
        from mtcheck.detect.classifier import load_model
        from mtcheck.errors import InputError
        from mtcheck.registry import signals as registry

        self.settings = settings
        self.services = services if services is not None else Services.offline(settings)
        languagetool = self.services.languagetool_enabled
        self.model_path = model_path or settings.detect_config.model
        self.model = load_model(self.model_path)
        known = registry.names()
        if signals is None:
            wanted = [n for n in known if n in self.model.signals or n == "interference"]
            if "languagetool" in known and languagetool and "languagetool" not in wanted:
                wanted.append("languagetool")
            signals = [n for n in wanted if n != "languagetool" or languagetool]
        unknown = [n for n in signals if n not in known]
        if unknown:
            raise InputError(f"unknown signal {unknown[0]!r} (known: {', '.join(known)})")
        self.signal_names = tuple(signals)
        self.threshold = effective_threshold(settings, self.model.threshold)
        self._signals = [registry.get(name)(settings) for name in self.signal_names]
        self._code_version = code_version(self._signals)
        # A broken model override fails here, whether or not the text is in the cache.
        self._signature = detector_signature(settings, self.services, self.signal_names, self._code_version)

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
        for start, stop in prose_batches(prose):
            scored.extend(self._score(prose[start:stop], batch_document(document, prose, start, stop)))
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
    def _run_signals(self, sentences: Sequence[Sentence], document: Document | None) -> list[tuple[dict[str, float], list[Reason]]]:
        from mtcheck.detect.base import SignalContext

        if not sentences:
            return []
        cached = self._cache_get(sentences)
        if cached is not None:
            return cached
        masked = []
        allowed = []
        for s in sentences:
            text, spans = _mask_allowed(s.text, self.settings.allow)
            masked.append(dataclasses.replace(s, text=text) if spans else s)
            allowed.append([(s.start + a, s.start + b) for a, b in spans])
        context = SignalContext(settings=self.settings, document=document, services=self.services)
        out: list[tuple[dict[str, float], list[Reason]]] = [({}, []) for _ in sentences]
        # A signal that waits on a server runs beside the in-process ones; results merge in order.
        background = {id(s): _Background(s.run, masked, context) for s in self._signals
                      if getattr(s, "name", "") in BACKGROUND_SIGNALS and len(self._signals) > 1}
        for signal in self._signals:
            results = background[id(signal)].result() if id(signal) in background else signal.run(masked, context)
            for i, result in enumerate(results):
                out[i][0].update(result.features)
                for reason in result.reasons:
                    if not overlaps(reason.start, reason.end, allowed[i]):
                        out[i][1].append(reason)
        self._cache_put(sentences, out)
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
            scored.append(_Scored(logodds, self._weigh(sentence, reasons, shares, self._explained(sentence, features, shares))))
        return scored

    def _explained(self, sentence: Sentence, features: dict[str, float], shares: dict[str, float]) -> list[Reason]:
        """Reasons a sub-model's own evidence earns: the n-grams that raised the style (and syntax) score, with spans."""
        import importlib

        out: list[Reason] = []
        for feature, module in EXPLAINED_FEATURES.items():
            share = shares.get(feature, 0.0)
            sub = self.model.submodels.get(feature)
            if share <= 0 or sub is None:
                continue
            explain = importlib.import_module(module).explain
            # An n-gram that adds less than STYLE_MIN_WEIGHT still counts in the score but is not named.
            out += [r for r in explain(sentence, sub.contributions(features)[1], share) if r.weight >= STYLE_MIN_WEIGHT]
        return out

    def _weigh(self, sentence: Sentence, reasons: list[Reason], shares: dict[str, float], explained: Sequence[Reason] = ()) -> tuple[Reason, ...]:
        """Give each reason its share of the log-odds: its own feature plus an equal part of its signal's totals.
        ``explained`` are reasons that already carry their share (a sub-model's n-grams); their signal
        gets no summary reason. A rule the model has no weight for keeps its reason, marked, at weight 0."""
        provisional = self.model.name == "provisional"
        unweighted = [r for r in reasons if self._unweighted(r)]
        reasons = [r for r in reasons if not self._unweighted(r)]
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
                weight = r.weight  # the model does not use this signal: keep the signal's own ranking
            elif r.source in SUMMARY_REASONS:
                weight = shares.get(key, 0.0) / by_key[key]  # the rest goes to the summary reason
            else:
                weight = shares.get(key, 0.0) / by_key[key] + unattributed.get(r.source, 0.0) / per_source[r.source]
            if weight <= 0 and r.source in self.model.signals and not provisional:
                continue  # the model reads this pattern as native: it is no evidence of translation
            weighed.append(dataclasses.replace(r, weight=round(weight, 4)))
        weighed.extend(explained)
        explained_sources = {r.source for r in explained}
        for source, (rule_id, message) in SUMMARY_REASONS.items():
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

    def _unweighted(self, reason: Reason) -> bool:
        """An interference rule's reason that the model, which weighs the other rules, has no weight for."""
        return (reason.source == "interference" and "interference" in self.model.signals
                and f"interference.{reason.rule_id}" not in self.model.sentence.features)

    # -- cache: features and reasons per batch of sentence texts -------------------------------
    # The cache holds what the signals return, before the classifier: the threshold, the severity
    # bands and the classifier's weights are applied afterwards, so they are not part of the key.
    def _cache_key(self, sentences: Sequence[Sentence]) -> str:
        h = hashlib.sha256()
        h.update(self._signature.encode())
        for s in sentences:
            h.update(b"\0" + s.text.encode("utf-8"))
        return h.hexdigest()

    def _cache_path(self, sentences: Sequence[Sentence]):
        return cache_dir() / "detect" / f"{self._cache_key(sentences)}.json"

    def _cache_get(self, sentences: Sequence[Sentence]):
        if not self.settings.cache:
            return None
        try:
            data = json.loads(self._cache_path(sentences).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        out = []
        for s, item in zip(sentences, data):
            reasons = [
                Reason(**{**r, "start": s.start + r["start"], "end": s.start + r["end"], "suggestions": tuple(r["suggestions"])})
                for r in item["reasons"]
            ]
            out.append((item["features"], reasons))
        return out if len(out) == len(sentences) else None

    def _cache_put(self, sentences: Sequence[Sentence], results) -> None:
        if not self.settings.cache:
            return
        data = []
        for s, (features, reasons) in zip(sentences, results):
            data.append(
                {
                    "features": features,
                    "reasons": [
                        {**dataclasses.asdict(r), "start": r.start - s.start, "end": r.end - s.start} for r in reasons
                    ],
                }
            )
        path = self._cache_path(sentences)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache only costs speed


# Prose sentences whose signals run together; an article of up to this many prose sentences is
# one batch. Batches are cut between paragraphs (blocks) when possible.
BATCH_SENTENCES = 256
# Signals that wait on another process (the LanguageTool server): run in a thread beside the others.
BACKGROUND_SIGNALS = frozenset({"languagetool"})


def prose_batches(prose: Sequence[Sentence], size: int | None = None):
    """``(start, stop)`` of consecutive batches of at most ``size`` (``BATCH_SENTENCES``) sentences of ``prose``.

    A batch ends where a block (paragraph) ends, so each paragraph's sentences are checked
    together, unless one paragraph alone holds more than ``size`` sentences: then it is cut."""
    size = max(1, size or BATCH_SENTENCES)
    start, n = 0, len(prose)
    while start < n:
        stop = min(start + size, n)
        if stop < n and prose[stop].block == prose[stop - 1].block:
            cut = stop
            while cut > start and prose[cut - 1].block == prose[stop].block:
                cut -= 1
            if cut > start:
                stop = cut
        yield start, stop
        start = stop


def batch_document(document: Document | None, prose: Sequence[Sentence], start: int, stop: int) -> Document | None:
    """The document as the batch ``prose[start:stop]`` should see it: a paragraph the batch holds
    only part of (one cut by ``prose_batches``) is narrowed to the batch's sentences, so a huge
    paragraph is never sent whole to LanguageTool once per batch."""
    if document is None or not document.blocks or start >= stop:
        return document
    cut = set()
    if start > 0 and prose[start - 1].block == prose[start].block:
        cut.add(prose[start].block)
    if stop < len(prose) and prose[stop].block == prose[stop - 1].block:
        cut.add(prose[stop - 1].block)
    cut = {b for b in cut if 0 <= b < len(document.blocks)}
    if not cut:
        return document
    blocks = list(document.blocks)
    for b in cut:
        members = [s for s in prose[start:stop] if s.block == b]
        blocks[b] = _narrowed(blocks[b], min(s.start for s in members), max(s.end for s in members))
    return dataclasses.replace(document, blocks=tuple(blocks))


def _narrowed(block: Block, start: int, end: int) -> Block:
    """The part of ``block`` between document offsets ``start`` and ``end``, still mapped into the document."""
    import bisect

    def local(offset: int) -> int:
        if block.offsets is None:
            return min(max(offset - block.start, 0), len(block.text))
        return bisect.bisect_left(block.offsets, offset)

    a, b = local(start), local(end)
    return Block(
        text=block.text[a:b],
        start=block.source_offset(a),
        end=block.source_offset(b),
        offsets=None if block.offsets is None else tuple(block.offsets[a:b]),
        split=block.split,
    )


class _Background:
    """``fn(*args)`` in a daemon thread (Ctrl-C and exit never wait for it); ``result()`` joins it."""

    def __init__(self, fn: Callable, *args: Any) -> None:
        import threading

        self._value: Any = None
        self._error: BaseException | None = None

        def work() -> None:
            try:
                self._value = fn(*args)
            except BaseException as err:  # handed to the caller by result()
                self._error = err

        self._thread = threading.Thread(target=work, name="mtcheck-signal", daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _snippet(text: str, words: int = 6) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


__all__ = ["CONTEXT_RULE", "UNWEIGHTED_NOTE", "DetectionResult", "Detector", "TranslatedShare", "translated_share"]
