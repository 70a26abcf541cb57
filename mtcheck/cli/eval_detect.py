"""``mtcheck eval detect`` and ``mtcheck eval make-sets``: measure the detector on labelled JSONL."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Optional

import typer

from mtcheck.cli.evaluate import eval_app
from mtcheck.paths import data_help


def read_labelled(path: Path, text_field: str, label_field: str, group_field: str | None) -> list[dict]:
    from mtcheck.errors import InputError
    from mtcheck.jsonl import json_lines

    rows = []
    for number, record in json_lines(path, "labelled"):
        missing = [f for f in (text_field, label_field, group_field) if f and f not in record]
        if missing:
            raise InputError(f"{path}:{number}: no field {missing[0]!r}", fix="pass --text-field/--label-field/--group-field")
        text = str(record[text_field]).strip()
        if text:
            rows.append({"text": text, "label": str(record[label_field]), "group": str(record[group_field]) if group_field else None})
    if not rows:
        raise InputError(f"{path}: no labelled rows")
    return rows


def binary_metrics(labels: list[bool], scores: list[float], threshold: float) -> dict:
    from mtcheck.detect.train import auroc

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
    from mtcheck.types import Sentence

    settings = load_settings()
    settings = Settings(**{**settings.__dict__, "cache": False})  # measure real work, not the cache
    services = {}
    if languagetool:
        from mtcheck.services.languagetool import LanguageToolService

        service = LanguageToolService(settings)
        service.ensure_running()
        services["languagetool"] = service
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
        pure = [idx for idx in groups.values() if len({labels[i] for i in idx}) == 1]
        if len(pure) == len(groups):
            doc_labels = [labels[idx[0]] for idx in pure]
            doc_scores = [full.model.document_probability([logodds[i] for i in idx]) for idx in pure]
            result["documents"] = binary_metrics(doc_labels, doc_scores, 0.5)
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
    lines.append("alone: each sentence scored by itself (all signals; 'only X': one signal's features)")
    if "sentences_in_context" in result:
        lines.append("in context: each sentence scored with the other rows of its group as its article (what `mtcheck check` reports)")
    if "documents" in result:
        lines.append("documents: one score per group (threshold 0.5)")
    if "mixed_articles" in result:
        lines.append(
            f"mixed: {result['mixed_articles']['articles']} English-written articles with translated sentences spliced in; "
            "recall = inserted translated sentences flagged, FPR = the articles' own sentences flagged"
        )
    return "\n".join(lines)


@eval_app.command("detect")
def detect_command(
    file: Optional[Path] = typer.Argument(None, help="JSONL file with one labelled sentence per line (optional with --holdout)."),
    text_field: str = typer.Option("text", "--text-field", help="Field holding the sentence."),
    label_field: str = typer.Option("label", "--label-field", help="Field holding the label."),
    positive: str = typer.Option("mt", "--positive", help="The label of machine-translated sentences."),
    group_field: Optional[str] = typer.Option(
        None, "--group-field", help="Rows sharing this field form one document, in file order: adds in-context sentence scores and document scores."
    ),
    signals: Optional[str] = typer.Option(None, "--signals", help="Comma-separated signals (default: those the model was trained on)."),
    languagetool: bool = typer.Option(False, "--languagetool/--no-languagetool", help="Start LanguageTool and include its signal."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    model: Optional[Path] = typer.Option(
        None, "--model", help="Detector model file to evaluate (default: [detect] model in the config, else the packaged one)."
    ),
    holdout: bool = typer.Option(
        False,
        "--holdout",
        help="Also print the leave-one-source-out report (each MT system, the BBC and the WMT22 originals held out in turn; "
        "refits the sub-models on the development data).",
    ),
    holdout_only: Optional[str] = typer.Option(
        None, "--holdout-only", help="Comma-separated held-out sources to run (e.g. Online-A,bbc); default all."
    ),
    data: Optional[Path] = typer.Option(None, "--data", help="Development data for --holdout. " + data_help()),
) -> None:
    """AUROC, precision/recall/F1 and false-positive rate at the default threshold, speed, and per-signal baselines.

    Sentences are scored alone; with --group-field also in context (each group scored as one
    article, as `mtcheck check` does) and as documents.
    """
    from mtcheck.errors import InputError

    if file is None and not holdout:
        raise InputError("give a labelled JSONL file, or --holdout for the leave-one-source-out report")
    model_path = str(model) if model else None
    if file is not None:
        rows = read_labelled(file, text_field, label_field, group_field)
        names = [s.strip() for s in signals.split(",") if s.strip()] if signals else None
        result = evaluate(rows, positive, names, languagetool, model_path)
        typer.echo(json.dumps(result, indent=1) if as_json else render(result))
    if holdout:
        from mtcheck.config import load_settings
        from mtcheck.detect.classifier import load_model
        from mtcheck.detect.holdout import leave_one_source_out
        from mtcheck.detect.holdout import render as render_holdout

        detector_model = load_model(model_path or load_settings().section("detect").get("model"))
        only = [s.strip() for s in holdout_only.split(",") if s.strip()] if holdout_only else ()
        held = leave_one_source_out(detector_model, data, progress=lambda m: typer.echo(m, err=True), only=only)
        if as_json:
            import dataclasses

            typer.echo(json.dumps([dataclasses.asdict(h) for h in held], indent=1))
        else:
            typer.echo(render_holdout(held))


@eval_app.command("make-sets")
def make_sets_command(
    out: Path = typer.Option(Path("reports/eval"), "--out", help="Folder for the JSONL validation sets."),
    data: Optional[Path] = typer.Option(None, "--data", help=data_help()),
) -> None:
    """Write the validation sets (sentence and document level; MT vs English-original, MT vs human, MLQE-PE)."""
    from mtcheck.detect.data import write_sets

    for name, count in write_sets(out, data).items():
        typer.echo(f"{out / name}: {count} rows")
    typer.echo(
        f"evaluate with: mtcheck eval detect {out}/sentences_mt_vs_original.jsonl  (in context: add --group-field article;"
        f" whole articles and documents: {out}/documents_mt_vs_original.jsonl --group-field doc_id; mixed articles:"
        f" {out}/mixed_articles.jsonl --group-field article; sources held out: mtcheck eval detect --holdout)"
    )
