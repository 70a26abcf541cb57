"""Sentence alignment with a reference article: MiniLM cosine + sentence chrF, combined.

Two articles on the same story are similar everywhere (same names, same topic), and a
headline is close to every sentence. So the cosine is corrected for that background, as
in CSLS (cross-domain similarity local scaling): from ``cos(x, y)`` we subtract
``background * (r_x + r_y) / 2``, where ``r_x`` is the mean cosine of ``x`` to its nearest
reference sentences and ``r_y`` that of ``y`` to its nearest article sentences. Then

    lexical = (1 - keywords) * chrF + keywords * (TF-IDF cosine of content words)
    similarity = weight * (corrected cosine) + (1 - weight) * lexical
                 + numbers * (number evidence) + names * (name evidence)

where the anchor evidence (anchors.py) rewards shared figures and names and penalises a
sentence whose figures the candidate lacks.

The best reference sentence is the counterpart when its similarity, plus ``lead`` times its
lead over the runner-up, reaches ``threshold`` (a clear winner needs less absolute similarity:
freely written articles share few words even where they say the same thing); otherwise the
sentence has none. Further candidates join (one-to-many) while adding one raises
the similarity of the joined reference text by at least ``gain``, or when the candidate alone
reaches the threshold and ``close`` times the best one's similarity (a figure repeated in
several reference sentences lifts them all over the threshold). Sentences are aligned
independently, so several may share a reference sentence (many-to-one).

The defaults were tuned on the whole of tests/data/alignment_pairs.jsonl; ``mtcheck eval align``
reports 5-fold cross-validated precision/recall (each fold aligned with parameters tuned on the
other folds). The name evidence is wired in but tuned to 0 on that set: the TF-IDF keywords
already reward shared rare names, and fuzzy name matches did not add to F1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

from mtcheck.compare.anchors import Names, number_evidence, numbers
from mtcheck.compare.lexical import TfIdf
from mtcheck.compare.score import chrf
from mtcheck.config_tables import CompareConfig
from mtcheck.services.embedder import Embedder

NEIGHBOURS = 3  # k of the CSLS background
KEYWORD_SHORTLIST = 2
ANCHOR_SHORTLIST = 2
# The parameters [compare] sets (the fields of CompareConfig in mtcheck/config_tables.py).
TUNED = ("weight", "background", "keywords", "numbers", "names", "lead", "threshold", "gain", "close")


@dataclass(frozen=True)
class AlignParams:
    # Defaults: tuned on the whole alignment set by ``mtcheck eval align``.
    weight: float = 0.4  # share of the embedding cosine in the similarity
    background: float = 0.5  # how much of the same-story background is subtracted
    keywords: float = 1.0  # share of the TF-IDF keyword overlap in the lexical score (rest: chrF)
    numbers: float = 0.2  # weight of the number evidence (-1..1)
    names: float = 0.0  # weight of the name evidence (0..1)
    threshold: float = 0.2  # below this a sentence has no counterpart
    lead: float = 0.0  # weight of the best candidate's lead over the runner-up
    gain: float = 0.0  # a further reference sentence must raise the joined similarity this much
    close: float = 0.8  # ... or reach the threshold and this share of the best one's similarity
    max_references: int = 3
    shortlist: int = 6  # chrF is computed only for the best candidates by cosine (speed)

    @classmethod
    def from_config(cls, config: CompareConfig) -> "AlignParams":
        """The ``[compare]`` table (every TUNED parameter; the rest keep their defaults)."""
        return cls(**{name: getattr(config, name) for name in TUNED})


@dataclass(frozen=True)
class Candidate:
    index: int
    cosine: float
    lexical: float  # sentence chrF, 0..1
    keywords: float  # TF-IDF cosine of content words, 0..1
    background: float  # (r_x + r_y) / 2
    numbers: float = 0.0  # number evidence, -1..1
    names: float = 0.0  # name evidence, 0..1


@dataclass
class Candidates:
    """What alignment needs to know about one sentence, whatever the parameters."""

    shortlist: tuple[Candidate, ...]
    joined: Callable[[tuple[int, ...]], tuple[float, float]] | None = None  # (cosine, chrF) of joined refs
    _memo: dict = field(default_factory=dict)

    def joined_scores(self, indices: tuple[int, ...]) -> tuple[float, float]:
        if indices not in self._memo:
            assert self.joined is not None
            self._memo[indices] = self.joined(indices)
        return self._memo[indices]


def _similarity(c: Candidate, p: AlignParams) -> float:
    lexical = (1 - p.keywords) * c.lexical + p.keywords * c.keywords
    anchors = p.numbers * c.numbers + p.names * c.names
    return p.weight * (c.cosine - p.background * c.background) + (1 - p.weight) * lexical + anchors


def _raw(cosine: float, lexical: float, p: AlignParams) -> float:
    return p.weight * cosine + (1 - p.weight) * lexical


def decide(c: Candidates, p: AlignParams) -> tuple[tuple[int, float], ...]:
    """The aligned reference indices (document order) with their similarity."""
    ranked = sorted(c.shortlist, key=lambda x: -_similarity(x, p))
    if not ranked:
        return ()
    best = _similarity(ranked[0], p)
    runner_up = _similarity(ranked[1], p) if len(ranked) > 1 else 0.0
    if best + p.lead * (best - runner_up) < p.threshold:
        return ()
    picked = [ranked[0]]
    current = _raw(ranked[0].cosine, ranked[0].lexical, p)
    for candidate in ranked[1 : p.max_references]:
        indices = tuple(sorted(x.index for x in (*picked, candidate)))
        joined = _raw(*c.joined_scores(indices), p)
        alone = _similarity(candidate, p)
        if joined >= current + p.gain or (alone >= p.threshold and alone >= p.close * best):
            picked.append(candidate)
            current = max(current, joined)
        else:
            break
    return tuple(sorted((x.index, round(_similarity(x, p), 4)) for x in picked))


class Aligner:
    def __init__(self, params: AlignParams | None = None, embedder: Embedder | None = None):
        self.params = params or AlignParams()
        self.embedder = embedder or Embedder()

    def align(self, texts: Sequence[str], references: Sequence[str]) -> list[tuple[tuple[int, float], ...]]:
        return [decide(c, self.params) for c in self.candidates(texts, references)]

    def candidates(self, texts: Sequence[str], references: Sequence[str]) -> list[Candidates]:
        import numpy as np

        if not texts:
            return []
        if not references:
            return [Candidates(()) for _ in texts]
        both = self.embedder.encode([*texts, *references])  # one batch for both sides
        ours, theirs = both[: len(texts)], both[len(texts) :]
        cosines = ours @ theirs.T
        r_ours = _mean_top(cosines, NEIGHBOURS)
        r_theirs = _mean_top(cosines.T, NEIGHBOURS)
        tfidf = TfIdf([*texts, *references])
        names = Names([*texts, *references])
        their_numbers = [numbers(r) for r in references]
        result = []
        for i, text in enumerate(texts):
            # Paraphrases can be far apart for MiniLM yet share the telling word or figure
            # ("48 hours" / "48-hour period"), so the best candidates by keywords and by
            # anchors join the shortlist.
            keywords = [tfidf.cosine(text, r) for r in references]
            ours_numbers = numbers(text)
            by_number = [number_evidence(ours_numbers, theirs) for theirs in their_numbers]
            by_name = [names.evidence(text, r) for r in references]
            by_keywords = sorted(range(len(references)), key=lambda j: -keywords[j])[:KEYWORD_SHORTLIST]
            by_anchors = [j for j in sorted(range(len(references)), key=lambda j: -(by_number[j] + by_name[j]))[:ANCHOR_SHORTLIST]
                          if by_number[j] + by_name[j] > 0]
            order = list(dict.fromkeys([*np.argsort(-cosines[i])[: self.params.shortlist].tolist(), *by_keywords, *by_anchors]))
            shortlist = tuple(
                Candidate(
                    int(j),
                    float(cosines[i, j]),
                    chrf(text, references[j]),
                    keywords[j],
                    float(r_ours[i] + r_theirs[j]) / 2,
                    by_number[j],
                    by_name[j],
                )
                for j in order
            )
            result.append(Candidates(shortlist, self._joiner(text, references)))
        return result

    def _joiner(self, text: str, references: Sequence[str]) -> Callable[[tuple[int, ...]], tuple[float, float]]:
        def joined(indices: tuple[int, ...]) -> tuple[float, float]:
            joined_text = " ".join(references[j] for j in indices)
            vectors = self.embedder.encode([text, joined_text])
            return float(vectors[0] @ vectors[1]), chrf(text, joined_text)

        joined.text_of = lambda indices: " ".join(references[j] for j in indices)  # type: ignore[attr-defined]
        return joined


def _mean_top(matrix, k: int):
    import numpy as np

    k = max(1, min(k, matrix.shape[1]))
    return np.sort(matrix, axis=1)[:, -k:].mean(axis=1)
