"""``mtcheck eval align FILE``: precision and recall of the sentence aligner."""

from __future__ import annotations

import typer

from mtcheck.cli.evaluate import eval_app


@eval_app.command("align")
def eval_align(
    path: str = typer.Argument(..., help="Alignment set (JSON lines; a checkout has one in tests/data/alignment_pairs.jsonl)."),
) -> None:
    """Cross-validated precision and recall of the aligner on a hand-checked alignment set."""
    from mtcheck.evaluate.alignment import evaluate

    report = evaluate(path)
    c = report.counts
    typer.echo(f"alignment set: {path} ({report.pairs} sentences, {c.sure} required links)")
    typer.echo(f"{report.folds}-fold cross-validation (parameters tuned on the other folds):")
    typer.echo(f"precision {c.precision:.3f} ({c.correct}/{c.predicted})")
    typer.echo(f"recall {c.recall:.3f} ({c.found}/{c.sure})")
    for group, counts in sorted(report.per_group.items()):
        typer.echo(f"  {group}: precision {counts.precision:.3f} recall {counts.recall:.3f}")
    d = report.defaults
    typer.echo(f"default parameters on the whole set: precision {d.precision:.3f} recall {d.recall:.3f}")
    t = report.tuned
    typer.echo(
        f"tuned on the whole set: weight={t.weight} background={t.background} keywords={t.keywords} "
        f"numbers={t.numbers} names={t.names} "
        f"lead={t.lead} threshold={t.threshold} gain={t.gain} close={t.close}"
    )
