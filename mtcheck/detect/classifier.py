"""The sentence and document classifiers, stored as plain JSON (no pickles: the file is committed).

A sentence's score is a Platt-calibrated logistic regression over standardised signal features,
so every feature's share of the log-odds (coefficient × standardised value) is known exactly and
can be attributed to the reasons that produced it. A feature that is missing at run time (its
signal is switched off) is imputed with its training mean, i.e. it contributes nothing.

The document score is a second small logistic model over summary statistics of the sentence
log-odds (mean, quantiles, the share above the threshold, the number of sentences): a long
article carries much more evidence than one sentence.

The optional *context* model is the hierarchical step: a sentence in an article that reads as
translated throughout is itself very likely translated. It shifts a sentence's (isolated)
log-odds by a small logistic model over its own log-odds and the leave-one-out mean of the other
prose sentences' log-odds, weighted more as there are more of them; with no other sentences the
shift is exactly zero, so a lone sentence keeps its isolated score.

High-dimensional evidence (the masked POS/function-word n-gram profile, the MiniLM embedding)
goes through *sub-models*: linear models over the raw features whose output is one derived
feature of the sentence model (e.g. ``profile.ngram``), so the sentence model, its
explanations and the committed file stay small.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping, Sequence, cast

from mtcheck.errors import ModelError

MODEL_FILE = "model.json"


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def logit(p: float, eps: float = 1e-6) -> float:
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()

    def contributions(self, values: Mapping[str, float]) -> tuple[float, dict[str, float]]:
        """The raw log-odds and each feature's additive share of it."""
        shares: dict[str, float] = {}
        total = self.intercept
        if not self.mean and len(self.features) > len(values):
            # A sparse model (no centring, missing = 0): walk the sentence's few features only.
            index = self._index()
            for name, value in values.items():
                i = index.get(name)
                if i is not None and math.isfinite(value) and value:
                    share = self.coef[i] * float(value)
                    shares[name] = share
                    total += share
            return total, shares
        for i, name in enumerate(self.features):
            mean = self.mean[i] if self.mean else 0.0
            scale = self.scale[i] if self.scale else 1.0
            given = values.get(name)
            if given is None or not math.isfinite(given):
                continue  # missing: imputed with the mean, contributes nothing
            share = self.coef[i] * (float(given) - mean) / (scale or 1.0)
            if share:
                shares[name] = share
                total += share
        return total, shares


    def _index(self) -> dict[str, int]:
        index = self.__dict__.get("_index_cache")
        if index is None:
            index = {name: i for i, name in enumerate(self.features)}
            object.__setattr__(self, "_index_cache", index)
        return index

    def presence_share(self, name: str, value: float) -> float | None:
        """What ``value`` of feature ``name`` adds compared with its absence (value 0)."""
        if name not in self.features:
            return None
        i = self.features.index(name)
        scale = self.scale[i] if self.scale else 1.0
        return self.coef[i] * float(value) / (scale or 1.0)


# The context model's inputs; all are absent (and the shift is zero) when there are no other sentences.
CONTEXT_FEATURES = ("ctx.own", "ctx.mean", "ctx.mean_x_log_n")


def context_features(own: float, others_sum: float, n_others: float, max_others: int) -> dict[str, float]:
    """The context model's features for one sentence, from the other sentences' log-odds sum and count.

    The log of the count enters only as the weight of the mean (more sentences, a more reliable
    mean), capped at the largest context seen in training so it never extrapolates.
    """
    if n_others <= 0:
        return {}
    mean = others_sum / n_others
    return {"ctx.own": own, "ctx.mean": mean, "ctx.mean_x_log_n": mean * math.log(min(n_others, max(1, max_others)))}


@dataclass(frozen=True)
class ContextModel:
    """In-context log-odds = own + shift, with shift = intercept + coef · context_features (0 when alone).

    The log-odds entering the shift are clipped to the range the model was fitted on (``clip``), so
    one extreme sentence (a stack of interference rules) cannot drag its neighbours beyond what the
    training articles showed; the own log-odds outside the shift are never clipped.
    """

    shift: LinearModel
    max_others: int = 16
    clip: tuple[float, float] | None = None
    # Similarity weighting: another sentence counts with weight exp(-((b_own - b_other)/bandwidth)^2 / 2)
    # of the (clipped) log-odds, so a sentence is judged with the neighbours whose own evidence
    # resembles its own (a translated quote pasted into an English-written article keeps its own
    # evidence instead of taking the article's); None: every other sentence counts the same.
    bandwidth: float | None = None
    # Raise only: the in-context log-odds is never below the sentence's own. The rest of an article
    # can add evidence of translation but cannot clear a sentence whose own evidence is strong (a
    # translated quote in an English-written article keeps its own score).
    raise_only: bool = False

    def bounded(self, z: float) -> float:
        return z if self.clip is None else min(max(z, self.clip[0]), self.clip[1])

    def neighbours(self, own_bounded: float, others: Sequence[float]) -> tuple[float, float, list[float]]:
        """(weighted sum, effective number, weights) of the other sentences' bounded log-odds."""
        if self.bandwidth is None:
            return float(sum(others)), float(len(others)), [1.0] * len(others)
        weights = [math.exp(-0.5 * ((own_bounded - b) / self.bandwidth) ** 2) for b in others]
        total = sum(weights)
        if total <= 0:
            return 0.0, 0.0, weights
        mean = sum(w * b for w, b in zip(weights, others)) / total
        n = max(1.0, total)  # the effective number of like neighbours, at least one
        return mean * n, n, weights

    def logodds(self, own: float, others_sum: float, n_others: float) -> float:
        """``others_sum`` is the sum of the other sentences' log-odds, each already ``bounded``."""
        values = context_features(self.bounded(own), others_sum, n_others, self.max_others)
        if not values:
            return own  # no other sentence: exactly the isolated score
        shift = self.shift.contributions(values)[0]
        return own + (max(0.0, shift) if self.raise_only else shift)

    def in_context(self, sentence_logodds: Sequence[float]) -> list[float]:
        bounded = [self.bounded(z) for z in sentence_logodds]
        if self.bandwidth is None:
            total, count = sum(bounded), len(bounded)
            return [self.logodds(z, total - b, count - 1) for z, b in zip(sentence_logodds, bounded)]
        out = []
        for i, (z, b) in enumerate(zip(sentence_logodds, bounded)):
            others = bounded[:i] + bounded[i + 1 :]
            if not others:
                out.append(z)
                continue
            weighted, n, _ = self.neighbours(b, others)
            out.append(self.logodds(z, weighted, n) if n > 0 else z)
        return out


@dataclass(frozen=True)
class DetectorModel:
    sentence: LinearModel
    calibration: tuple[float, float] = (1.0, 0.0)  # Platt scaling of the raw log-odds: a*z + b
    document: LinearModel | None = None
    threshold: float = 0.5  # default threshold on the (in-context) sentence probability, chosen in training
    signals: tuple[str, ...] = ("interference",)
    name: str = "provisional"
    metrics: dict = field(default_factory=dict)
    # Derived feature name ("<signal>.<name>") -> the sub-model computing it from the signal's raw features.
    submodels: dict = field(default_factory=dict)
    context: ContextModel | None = None  # in-context sentence scores; None: sentences are scored alone

    def derive(self, values: Mapping[str, float]) -> dict[str, float]:
        """``values`` plus each sub-model's output; left missing when its signal did not run."""
        out = dict(values)
        for name, model in self.submodels.items():
            prefix = name.split(".", 1)[0] + "."
            if any(k.startswith(prefix) for k in values):
                out[name] = model.contributions(values)[0]
        return out

    def sentence_logodds(self, values: Mapping[str, float]) -> tuple[float, dict[str, float]]:
        """Calibrated log-odds and the calibrated share of each feature."""
        raw, shares = self.sentence.contributions(self.derive(values) if self.submodels else values)
        a, b = self.calibration
        return a * raw + b, {k: a * v for k, v in shares.items()}

    def sentence_probability(self, values: Mapping[str, float]) -> float:
        return sigmoid(self.sentence_logodds(values)[0])

    def in_context_logodds(self, sentence_logodds: Sequence[float]) -> list[float]:
        """Each sentence's log-odds given the other sentences of its document (its own isolated
        log-odds when there is no context model or no other sentence)."""
        if self.context is None:
            return list(sentence_logodds)
        return self.context.in_context(sentence_logodds)

    def in_context_probabilities(self, sentence_logodds: Sequence[float], documents: Iterable[Sequence[int]]) -> list[float]:
        """In-context probabilities of sentences pooled from several documents; ``documents`` lists
        each document's positions into ``sentence_logodds``."""
        out = [0.0] * len(sentence_logodds)
        for members in documents:
            for i, z in zip(members, self.in_context_logodds([sentence_logodds[i] for i in members])):
                out[i] = sigmoid(z)
        return out

    def document_probability(self, sentence_logodds: Sequence[float]) -> float:
        if not sentence_logodds:
            return 0.0
        stats = document_features(sentence_logodds, logit(self.threshold))
        if self.document is None:
            # Untrained: mean evidence plus a bonus for every flagged sentence.
            return sigmoid(stats["doc.mean"] + 1.5 * stats["doc.n_flagged_log"])
        return sigmoid(self.document.contributions(stats)[0])

    def to_json(self) -> str:
        data = asdict(self)
        data["submodels"] = {k: asdict(v) for k, v in self.submodels.items()}
        if self.context is None:
            del data["context"]  # a model without the step keeps its old file
        else:  # nor does a model with the plain article mean
            for key in ("bandwidth", "raise_only"):
                if not data["context"][key]:
                    del data["context"][key]
        return json.dumps(data, indent=1, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> "DetectorModel":
        def linear(d: dict | None) -> LinearModel | None:
            if d is None:
                return None
            return LinearModel(
                features=tuple(d["features"]),
                coef=tuple(float(x) for x in d["coef"]),
                intercept=float(d["intercept"]),
                mean=tuple(float(x) for x in d.get("mean", ())),
                scale=tuple(float(x) for x in d.get("scale", ())),
            )

        return cls(
            # A model file always has a sentence model (only "document" may be absent).
            sentence=cast(LinearModel, linear(data["sentence"])),
            calibration=tuple(data.get("calibration", (1.0, 0.0))),
            document=linear(data.get("document")),
            threshold=float(data.get("threshold", 0.5)),
            signals=tuple(data.get("signals", ("interference",))),
            name=str(data.get("name", "trained")),
            metrics=dict(data.get("metrics", {})),
            submodels={k: linear(v) for k, v in data.get("submodels", {}).items()},
            context=_context(data.get("context"), linear),
        )


def _context(data: dict | None, linear) -> ContextModel | None:
    if data is None:
        return None
    clip = data.get("clip")
    bandwidth = data.get("bandwidth")
    return ContextModel(
        shift=linear(data["shift"]),
        max_others=int(data.get("max_others", 16)),
        clip=None if clip is None else (float(clip[0]), float(clip[1])),
        bandwidth=None if bandwidth is None else float(bandwidth),
        raise_only=bool(data.get("raise_only", False)),
    )


def document_features(logodds: Sequence[float], threshold_logodds: float) -> dict[str, float]:
    values = sorted(logodds)
    n = len(values)

    def quantile(q: float) -> float:
        pos = q * (n - 1)
        lo = int(math.floor(pos))
        hi = min(lo + 1, n - 1)
        return values[lo] + (values[hi] - values[lo]) * (pos - lo)

    flagged = sum(1 for v in values if v >= threshold_logodds)
    return {
        "doc.mean": sum(values) / n,
        "doc.q25": quantile(0.25),
        "doc.q50": quantile(0.5),
        "doc.q75": quantile(0.75),
        "doc.max": values[-1],
        "doc.flagged_share": flagged / n,
        "doc.n_flagged_log": math.log1p(flagged),
        "doc.n_log": math.log1p(n),
    }


# The document model leaves out the raw sentence count: in the development data it tells the
# kind of document apart (a label leak), while in real use articles of every length occur.
DOCUMENT_FEATURES = tuple(k for k in document_features([0.0], 0.0) if k != "doc.n_log")


def provisional_model() -> DetectorModel:
    """A hand-set model over the interference rules, used until a trained model file exists."""
    from mtcheck.detect.rules import weights as rule_weights

    weights = rule_weights()  # each rule's declared log-odds
    names = tuple(sorted(weights))
    return DetectorModel(
        sentence=LinearModel(features=names, coef=tuple(weights[n] for n in names), intercept=-2.5),
        signals=("interference",),
        name="provisional",
    )


def unweighted_rules(model: DetectorModel) -> list[str]:
    """The interference rules ``model`` has no weight for (added since it was trained): their
    reasons are shown, marked as not weighed, but add nothing to the score until ``mtcheck train``.
    Empty for a model that does not use the interference signal at all."""
    from mtcheck.detect.rules import unweighted

    if "interference" not in model.signals:
        return []
    return unweighted(model.sentence.features)


def rules_without_weight(path: str | Path) -> list[str]:
    """``unweighted_rules`` of the model file at ``path``; none when there is no readable file."""
    try:
        return unweighted_rules(load_model(path)) if Path(path).is_file() else []
    except ModelError:
        return []


# A detector model is a JSON file of about 1.2 MB; a path to anything far larger (or to /dev/zero) is refused.
MODEL_LIMIT = 100_000_000
OWN_MODEL_FIX = "fix the detector model path given with [detect] model or --model, or remove it to use the packaged model"


def default_model_path() -> Path:
    return Path(str(resources.files("mtcheck") / "resources" / "detector" / MODEL_FILE))


def load_model(path: str | Path | None = None) -> DetectorModel:
    """The committed trained model; the provisional one when no model file has been trained yet."""
    from mtcheck.fsutil import read_regular_file

    target = Path(path) if path else default_model_path()
    # A path someone gave ([detect] model, --model) is theirs to fix; the packaged model is refitted.
    fix = OWN_MODEL_FIX if path else "mtcheck train"
    if not target.exists():
        if path:
            raise ModelError(f"detector model not found: {target}", fix=fix)
        return provisional_model()
    raw = read_regular_file(target, limit=MODEL_LIMIT, what="detector model", error=ModelError, fix=fix)
    try:
        return DetectorModel.from_dict(json.loads(raw.decode("utf-8")))
    except (ValueError, KeyError, TypeError, RecursionError) as err:  # (UnicodeDecodeError is a ValueError)
        raise ModelError(f"detector model {target} is unreadable: {err}", fix=fix) from None
