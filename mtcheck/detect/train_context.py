"""``mtcheck train``'s context model: how much the rest of an article shifts a sentence's log-odds.

Its training instances (:class:`ContextData`: every sentence with random contexts of its article,
and mixed articles with a translated run spliced in), its fit around the sentence's own log-odds,
and its out-of-fold scores, on which the neighbours' weighting and the threshold are chosen.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from mtcheck.detect.classifier import CONTEXT_FEATURES, ContextModel, LinearModel, context_features, sigmoid
from mtcheck.detect.data import Example, articles
from mtcheck.detect.fitting import logistic_with_offset, threshold_for_fpr
from mtcheck.detect.training_choices import DEFAULTS


@dataclass(frozen=True)
class ContextData:
    """Training instances of the context model: a sentence and a random subset of its article."""

    sentence: tuple[int, ...]  # positions into the sentence arrays
    others: tuple[tuple[int, ...], ...]
    positive: tuple[bool, ...]
    group: tuple[str, ...]  # doc_id, for grouped folds
    weight: tuple[float, ...]


def article_positions(examples: Sequence[Example]) -> list[list[int]]:
    """Each article (see data.articles) as positions into ``examples``."""
    index = {id(e): i for i, e in enumerate(examples)}
    return [[index[id(e)] for e in members] for _, members in sorted(articles(examples).items())]


def mixed_positions(examples: Sequence[Example], rng: random.Random) -> list[tuple[list[int], list[int]]]:
    """Training mixed articles: every English-original article of at least MIXED_MIN_HOST sentences
    with a run of 1-4 consecutive sentences of a translated article spliced in (as in
    evaluate.sets.mixed_articles, from training documents only). Returns (positions in reading order,
    positions of the inserted run)."""
    from mtcheck.detect.data import MIXED_INSERT, MIXED_MIN_HOST

    arts = article_positions(examples)
    hosts = [a for a in arts if not examples[a[0]].positive and len(a) >= MIXED_MIN_HOST]
    donors = [a for a in arts if examples[a[0]].positive and examples[a[0]].source == "wmt22" and len(a) >= 1]
    out: list[tuple[list[int], list[int]]] = []
    if not donors:
        return out
    for host in hosts:
        donor = rng.choice(donors)
        k = min(len(donor), rng.randint(*MIXED_INSERT))
        start = rng.randint(0, len(donor) - k)
        at = rng.randint(0, len(host))
        run = donor[start : start + k]
        out.append((host[:at] + run + host[at:], run))
    return out


def context_data(
    examples: Sequence[Example], rng: random.Random, extra: Sequence[tuple[Sequence[int], Sequence[int]]] = ()
) -> ContextData:
    """For every sentence with other sentences in its article, one random context of every size in
    DEFAULTS.context_sizes it allows, weighted so that both classes weigh the same *within each size*.

    English-original articles are longer than the translated ones here (whole documents vs the
    segments that gave MT), so unbalanced the context size alone would tell the classes apart;
    balanced per size it carries no label, only how much the others' mean can be trusted.
    """
    sentence, others, positive, group = [], [], [], []
    # A mixed article (``extra``: positions, inserted run) is grouped with its host document.
    articles_: list[tuple[list[int], str | None]] = [(a, None) for a in article_positions(examples)]
    articles_ += [(list(a), examples[next(n for n in a if n not in run)].doc_id) for a, run in extra]
    for article, host in articles_:
        for n in article:
            pool = [m for m in article if m != n]
            for k in DEFAULTS.context_sizes:
                if k <= len(pool):
                    sentence.append(n)
                    others.append(tuple(sorted(rng.sample(pool, k))))
                    positive.append(examples[n].positive)
                    group.append(host or examples[n].doc_id)
    counts: dict[tuple[int, bool], int] = {}
    for o, y in zip(others, positive):
        counts[(len(o), y)] = counts.get((len(o), y), 0) + 1
    raw = [1.0 / counts[(len(o), y)] if counts.get((len(o), not y)) else 0.0 for o, y in zip(others, positive)]
    scale = len(raw) / sum(raw) if sum(raw) else 0.0
    return ContextData(tuple(sentence), tuple(others), tuple(positive), tuple(group), tuple(w * scale for w in raw))


def context_objective(examples, alone, pure: dict[int, float], mixed: list[tuple[float, bool]]) -> dict:
    """At the threshold the training would pick (FPR <= DEFAULTS.target_fpr on English-original sentences
    alone, in their articles and around inserted runs), the recall on translated articles' sentences
    and on inserted sentences; the objective is their mean."""
    negatives = [n for n, e in enumerate(examples) if not e.positive]
    by_source: dict[str, list[int]] = {}
    for n in negatives:
        by_source.setdefault(examples[n].source, []).append(n)
    cuts = [threshold_for_fpr([sigmoid(alone[n]) for n in ns]) for ns in by_source.values()]
    cuts += [threshold_for_fpr([sigmoid(pure.get(n, alone[n])) for n in ns]) for ns in by_source.values()]
    mixed_neg = [sigmoid(z) for z, inserted in mixed if not inserted]
    if mixed_neg:
        cuts.append(threshold_for_fpr(mixed_neg))
    t = max(cuts)
    positives = [n for n, e in enumerate(examples) if e.positive and e.source == "wmt22"]
    recall_pure = sum(sigmoid(pure.get(n, alone[n])) >= t for n in positives) / max(1, len(positives))
    inserted = [sigmoid(z) for z, flag in mixed if flag]
    recall_mixed = sum(s >= t for s in inserted) / max(1, len(inserted)) if inserted else recall_pure
    return {"threshold": round(t, 4), "recall_articles": round(recall_pure, 4), "recall_inserted": round(recall_mixed, 4),
            "objective": round((recall_pure + recall_mixed) / 2, 4)}


def context_matrix(data: ContextData, rows: Sequence[int], logodds, context: ContextModel):
    import numpy as np

    X = np.zeros((len(rows), len(CONTEXT_FEATURES)))
    for r, i in enumerate(rows):
        own, others = context.bounded(float(logodds[data.sentence[i]])), data.others[i]
        weighted, n, _ = context.neighbours(own, [context.bounded(float(logodds[m])) for m in others])
        values = context_features(own, weighted, n, context.max_others)
        X[r] = [values[k] for k in CONTEXT_FEATURES]
    return X


def fit_context_model(
    data: ContextData, rows: Sequence[int], logodds, bandwidth: float | None = None, raise_only: bool = False
) -> ContextModel | None:
    """The shift of the own log-odds, fitted around them (an offset) on the instances ``rows``."""
    import numpy as np

    rows = [i for i in rows if data.weight[i] > 0]
    if not rows or len({data.positive[i] for i in rows}) < 2:
        return None
    seen = np.array([float(logodds[n]) for n in sorted({data.sentence[i] for i in rows})])
    low, high = (round(float(v), 4) for v in np.percentile(seen, DEFAULTS.context_clip_percentiles))
    frame = ContextModel(shift=LinearModel((), (), 0.0), max_others=max(len(data.others[i]) for i in rows), clip=(low, high), bandwidth=bandwidth)
    X = context_matrix(data, rows, logodds, frame)
    y = np.array([data.positive[i] for i in rows], dtype=int)
    offset = np.array([float(logodds[data.sentence[i]]) for i in rows])
    weight = np.array([data.weight[i] for i in rows])
    bounds = [DEFAULTS.context_bounds[k] for k in CONTEXT_FEATURES]
    w, b = logistic_with_offset(X, y, offset, DEFAULTS.context_c, weight, bounds, raise_only=raise_only)
    shift = LinearModel(features=CONTEXT_FEATURES, coef=tuple(round(float(c), 6) for c in w), intercept=round(b, 6))
    return ContextModel(shift=shift, max_others=frame.max_others, clip=frame.clip, bandwidth=bandwidth, raise_only=raise_only)


def out_of_fold_context(
    examples: Sequence[Example],
    data: ContextData,
    logodds,
    bandwidth: float | None = None,
    mixed: Sequence[tuple[list[int], list[int]]] = (),
    raise_only: bool = False,
) -> tuple[dict[int, float], list[tuple[float, bool]]]:
    """Every sentence's in-context log-odds over its whole article, from a context model fitted
    without its document (5-fold GroupKFold by doc_id): an honest basis for the threshold. Also
    (in-context log-odds, inserted?) of every sentence of the ``mixed`` articles whose host
    document is held out (a mixed article's instances are grouped with its host)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    out: dict[int, float] = {}
    mixed_out: list[tuple[float, bool]] = []
    groups = np.array(data.group)
    for train_idx, test_idx in GroupKFold(n_splits=5).split(np.zeros(len(groups)), None, groups):
        model = fit_context_model(data, train_idx.tolist(), logodds, bandwidth, raise_only)
        held_out = set(groups[test_idx])
        for article in article_positions(examples):
            if examples[article[0]].doc_id in held_out:
                values = [float(logodds[n]) for n in article]
                out.update(zip(article, model.in_context(values) if model else values))
        for article, run in mixed:
            host = next(n for n in article if n not in run)
            if examples[host].doc_id in held_out:
                values = [float(logodds[n]) for n in article]
                scored = model.in_context(values) if model else values
                inserted = set(run)
                mixed_out.extend((z, n in inserted) for n, z in zip(article, scored))
    return out, mixed_out


@dataclass(frozen=True)
class ContextFit:
    """The chosen context model (None: the data has no multi-sentence articles of both kinds), what it
    was chosen on, and the out-of-fold scores the threshold reads."""

    model: ContextModel | None
    data: ContextData
    mixed: list  # the mixed training articles: (positions in reading order, positions of the inserted run)
    choice: dict  # "bandwidth=..., raise_only=..." -> its objective
    oof_pure: dict  # sentence position -> out-of-fold in-context log-odds (empty without a model)
    oof_mixed: list  # (in-context log-odds, inserted?) of the mixed articles' sentences


def fit_context(examples: Sequence[Example], logodds: Sequence[float], say=lambda message: None) -> ContextFit:
    """The context model over the training ``examples``' out-of-fold calibrated ``logodds``; the
    neighbours' weighting is chosen on those articles' out-of-fold scores (pure and mixed)."""
    mixed = mixed_positions(examples, random.Random(DEFAULTS.seed)) if DEFAULTS.context_mixed else []
    data = context_data(examples, random.Random(DEFAULTS.seed), mixed)
    choice = {}
    variants = [(b, r) for r in DEFAULTS.context_raise_only for b in DEFAULTS.context_bandwidths]
    for variant in variants:
        oof_pure, oof_mixed = out_of_fold_context(examples, data, logodds, variant[0], mixed, variant[1])
        choice[variant] = (context_objective(examples, logodds, oof_pure, oof_mixed), oof_pure, oof_mixed)
        say(f"context bandwidth {variant[0]}, raise only {variant[1]}: {choice[variant][0]}")
    variant = max(variants, key=lambda v: choice[v][0]["objective"])  # the first of equals: the simpler form
    bandwidth, raise_only = variant
    model = fit_context_model(data, range(len(data.sentence)), logodds, bandwidth, raise_only)
    return ContextFit(model=model, data=data, mixed=mixed, choice={f"bandwidth={b}, raise_only={r}": v[0] for (b, r), v in choice.items()},
                      oof_pure=choice[variant][1] if model else {}, oof_mixed=choice[variant][2])
