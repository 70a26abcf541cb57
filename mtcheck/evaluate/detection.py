"""``mtcheck eval detect FILE``: the detector on a labelled JSON-lines file, alone, in context and
as documents: AUROC, precision/recall/F1 and false-positive rate at the model's threshold, speed,
and per-signal baselines.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mtcheck.services.factory import Services


def read_labelled(path: Path, text_field: str, label_field: str, group_field: str | None, source_field: str | None = "source") -> list[dict]:
    from mtcheck.errors import InputError
    from mtcheck.jsonl import json_lines

    rows = []
    for number, record in json_lines(path, "labelled"):
        missing = [f for f in (text_field, label_field, group_field) if f and f not in record]
        if missing:
            raise InputError(f"{path}:{number}: no field {missing[0]!r}", fix="pass --text-field/--label-field/--group-field")
        text = str(record[text_field]).strip()
        if text:
            rows.append({"text": text, "label": str(record[label_field]), "group": str(record[group_field]) if group_field else None,
                         "source": str(record[source_field]) if source_field and record.get(source_field) is not None else None})
    if not rows:
        raise InputError(f"{path}: no labelled rows")
    return rows


def binary_metrics(labels: list[bool], scores: list[float], threshold: float) -> dict:
    from mtcheck.detect.metrics import auroc

    tp = sum(1 for label, s in zip(labels, scores) if label and s >= threshold)
    fp = sum(1 for label, s in zip(labels, scores) if not label and s >= threshold)
    fn = sum(1 for label, s in zip(labels, scores) if label and s < threshold)
    negatives = sum(1 for label in labels if not label)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": len(labels),
        "positives": sum(labels),
        "auroc": auroc(labels, scores),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fpr": fp / negatives if negatives else float("nan"),
        "threshold": threshold,
    }


def evaluate(rows: list[dict], positive: str, signals: list[str] | None = None, languagetool: bool = False, model: str | None = None) -> dict:
    from mtcheck.config import Settings, load_settings
    from mtcheck.detect import Detector
    from mtcheck.detect.classifier import sigmoid
    from mtcheck.segment import sentence_reason
    from mtcheck.types import Sentence

    # What `mtcheck check` would not score (list entries, text left in Russian) is not scored here
    # either, nor counted as context.
    kept = [r for r in rows if sentence_reason(r["text"]) is None]
    not_prose, rows = len(rows) - len(kept), kept
    if not rows:
        from mtcheck.errors import InputError

        raise InputError("no row is prose to score (every one is a list entry or text left in Russian)")
    settings = load_settings()
    settings = Settings(**{**settings.__dict__, "cache": False})  # measure real work, not the cache
    services = _services(settings, languagetool)
    full = Detector(settings, services=services, signals=signals, model_path=model)
    sentences = [Sentence(index=i, start=0, end=len(r["text"]), text=r["text"]) for i, r in enumerate(rows)]
    labels = [r["label"] == positive for r in rows]

    features: list[dict[str, float]] = [{} for _ in rows]
    timings: dict[str, float] = {}
    per_signal: dict[str, list[dict[str, float]]] = {}
    for name in full.signal_names:
        one = Detector(settings, services=services, signals=[name], model_path=model)
        started = time.perf_counter()
        rows_features = one.features(sentences)
        timings[name] = time.perf_counter() - started
        per_signal[name] = rows_features
        for target, part in zip(features, rows_features):
            target.update(part)
    elapsed = sum(timings.values()) or 1e-9
    threshold = full.threshold
    logodds = [full.model.sentence_logodds(f)[0] for f in features]
    result: dict[str, Any] = {
        "threshold": threshold,
        "model": full.model.name,
        "signals": list(full.signal_names),
        "sentences": {**binary_metrics(labels, [sigmoid(z) for z in logodds], threshold), "sentences_per_second": len(rows) / elapsed},
        "baselines": {},
        "not_prose": not_prose,
    }
    for name, rows_features in per_signal.items():
        scores = [full.model.sentence_probability(f) for f in rows_features]
        result["baselines"][name] = {**binary_metrics(labels, scores, threshold), "sentences_per_second": len(rows) / max(timings[name], 1e-9)}
    if rows[0]["group"] is not None:
        groups: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            groups.setdefault(r["group"], []).append(i)
        # Each group is one document, its rows in file order: the scores `mtcheck check` gives.
        in_context = full.model.in_context_probabilities(logodds, groups.values())
        result["sentences_in_context"] = binary_metrics(labels, in_context, threshold)
        document_score = {key: full.model.document_probability([logodds[i] for i in idx]) for key, idx in groups.items()}
        # The evidence per article, for choosing the gate's thresholds (benchmarks/calibrate_gate.py).
        result["articles"] = [{"source": rows[idx[0]].get("source") or rows[idx[0]]["label"], "labels": [labels[i] for i in idx],
                               "score": round(document_score[key], 6),
                               "in_context": [round(in_context[i], 6) for i in idx], "alone_logodds": [round(logodds[i], 6) for i in idx]}
                              for key, idx in groups.items()]
        pure = [idx for idx in groups.values() if len({labels[i] for i in idx}) == 1]
        if len(pure) == len(groups):
            doc_labels = [labels[idx[0]] for idx in pure]
            doc_scores = list(document_score.values())
            result["documents"] = binary_metrics(doc_labels, doc_scores, 0.5)
            result["by_source"] = by_source(rows, labels, in_context, pure, doc_scores, threshold, settings.gate_config)
        else:
            # Mixed articles (translated sentences spliced into English-written ones): the
            # sentences around an inserted run are the negatives that matter.
            mixed = [idx for idx in groups.values() if len({labels[i] for i in idx}) == 2]
            members = [i for idx in mixed for i in idx]
            result["mixed_articles"] = {
                "articles": len(mixed),
                **binary_metrics([labels[i] for i in members], [in_context[i] for i in members], threshold),
            }
    return result


def by_source(rows: list[dict], labels: list[bool], in_context: list[float], groups: list[list[int]], doc_scores: list[float],
              threshold: float, policy: Any) -> dict[str, dict[str, Any]]:
    """Per source (the rows' source field, else the label): sentences flagged in context and articles
    failing the per-article gate (mtcheck/gate.py) with the configured policy: the false alarms a
    desk sees on English-written copy and the misses on translated copy."""
    from mtcheck.gate import article_decision

    out: dict[str, dict[str, Any]] = {}
    for idx, score in zip(groups, doc_scores):
        first = rows[idx[0]]
        source = first.get("source") or first["label"]
        entry = out.setdefault(source, {"translated": labels[idx[0]], "sentences": 0, "flagged": 0, "articles": 0, "failing": 0})
        flagged = sum(1 for i in idx if in_context[i] >= threshold)
        entry["sentences"] += len(idx)
        entry["flagged"] += flagged
        entry["articles"] += 1
        entry["failing"] += article_decision(flagged, len(idx), score, policy).fail
    return dict(sorted(out.items()))


def _services(settings, languagetool: bool) -> Services:
    """The services the detector gets: LanguageTool (started on first use) when asked for."""
    from mtcheck.services.factory import build_services

    return build_services(settings, languagetool=languagetool)


def _fmt(value: float) -> str:
    return "  n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def render(result: dict) -> str:
    lines = [f"model: {result['model']}   signals: {', '.join(result['signals'])}   threshold: {result['threshold']:.4f}"]
    header = f"{'':<22}{'n':>6}{'pos':>6}{'AUROC':>8}{'prec':>8}{'recall':>8}{'F1':>8}{'FPR':>8}{'sent/s':>9}"
    lines.append(header)

    def row(name: str, m: dict) -> str:
        speed = f"{m['sentences_per_second']:9.1f}" if "sentences_per_second" in m else f"{'':>9}"
        return (
            f"{name:<22}{m['n']:>6}{m['positives']:>6}{_fmt(m['auroc']):>8}{_fmt(m['precision']):>8}"
            f"{_fmt(m['recall']):>8}{_fmt(m['f1']):>8}{_fmt(m['fpr']):>8}{speed}"
        )

    lines.append(row("sentences, alone", result["sentences"]))
    for name, metrics in result["baselines"].items():
        lines.append(row(f"  only {name}", metrics))
    if "sentences_in_context" in result:
        lines.append(row("sentences, in context", result["sentences_in_context"]))
    if "documents" in result:
        lines.append(row("documents", result["documents"]))
    if "mixed_articles" in result:
        lines.append(row("mixed, in context", result["mixed_articles"]))
    if result.get("not_prose"):
        lines.append(f"{result['not_prose']} rows are not prose (list entries, text left in Russian) and, as in `mtcheck check`, not scored")
    lines.append("alone: each sentence scored by itself (all signals; 'only X': one signal's features)")
    if "sentences_in_context" in result:
        lines.append("in context: each sentence scored with the other rows of its group as its article (what `mtcheck check` reports)")
    if "documents" in result:
        lines.append("documents: one score per group (threshold 0.5)")
    if result.get("by_source"):
        lines.append(f"{'per source':<38}{'articles':>9}{'sentences':>10}{'flagged':>9}{'failing the gate':>18}")
        for source, entry in result["by_source"].items():
            kind = "translated" if entry["translated"] else "English-written"
            flagged = entry["flagged"] / entry["sentences"] if entry["sentences"] else 0.0
            failing = entry["failing"] / entry["articles"] if entry["articles"] else 0.0
            lines.append(f"  {source + ' (' + kind + ')':<36}{entry['articles']:>9}{entry['sentences']:>10}{flagged:>9.3f}"
                         f"{entry['failing']:>10} ({failing:.1%})")
        lines.append("per source: sentences flagged in context, and articles failing the default per-article gate ([gate] in the config)")
    if "mixed_articles" in result:
        lines.append(
            f"mixed: {result['mixed_articles']['articles']} English-written articles with translated sentences spliced in; "
            "recall = inserted translated sentences flagged, FPR = the articles' own sentences flagged"
        )
    return "\n".join(lines)
