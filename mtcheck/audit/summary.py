"""The audit's summary: per source and month, and the articles most likely machine-translated.

Read in one pass over the shards (a shard at a time in memory):

- ``summary.csv``: per source and month (then per source, then overall) the articles, how many
  could not be checked, how many read as machine-translated (document score at least
  ``doc_threshold``), that share, the mean document score, and the flagged share of sentences;
- ``top.csv``: the ``top`` articles with the highest document scores and their top reasons;
- ``errors.csv``: the articles that could not be checked, and why;
- ``summary.html``: the same on one self-contained page (no script, no network: styles and the
  chart, an inline SVG of the monthly share per source, are in the file);
- ``articles.parquet`` (with ``--parquet``): one row per article, for pandas and friends.

A month is ``YYYY-MM`` of the article's date, "unknown" without one.
"""

from __future__ import annotations

import heapq
import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from mtcheck.audit.sources import UNKNOWN_MONTH
from mtcheck.csvfile import csv_text
from mtcheck.fsutil import atomic_file, atomic_write_all

ALL = "all"
TOP_REASONS_SHOWN = 3
CHART_SERIES = 6  # sources drawn in the chart; the rest are summed as "other sources"
PALETTE = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989", "#57606a")


@dataclass
class Tally:
    articles: int = 0
    errors: int = 0
    flagged: int = 0
    score_sum: float = 0.0
    sentences: int = 0
    flagged_sentences: int = 0

    @property
    def checked(self) -> int:
        return self.articles - self.errors

    @property
    def flagged_share(self) -> float | None:
        return self.flagged / self.checked if self.checked else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.checked if self.checked else None

    @property
    def sentence_share(self) -> float | None:
        return self.flagged_sentences / self.sentences if self.sentences else None

    def add(self, record: dict[str, Any], doc_threshold: float) -> None:
        self.articles += 1
        if _unchecked(record):
            self.errors += 1
            return
        score = float(record["score"])
        self.score_sum += score
        self.flagged += score >= doc_threshold
        self.sentences += int(record.get("sentences") or 0)
        self.flagged_sentences += int(record.get("flagged_sentences") or 0)

    def merge(self, other: "Tally") -> None:
        for name in ("articles", "errors", "flagged", "score_sum", "sentences", "flagged_sentences"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _unchecked(record: dict[str, Any]) -> bool:
    """The article could not be checked: it counts, but has no score."""
    return bool(record.get("error")) or record.get("score") is None


@dataclass
class Summary:
    doc_threshold: float
    top_n: int
    groups: dict[tuple[str, str], Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    # A min-heap of (score, -arrival, record) holding the highest scores; among equal scores the
    # earlier article (shards are read in source order) is kept.
    top: list[tuple[float, int, dict[str, Any]]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seen: int = 0

    def add(self, record: dict[str, Any]) -> None:
        key = (str(record.get("source") or ""), str(record.get("month") or UNKNOWN_MONTH))
        self.groups.setdefault(key, Tally()).add(record, self.doc_threshold)
        self.total.add(record, self.doc_threshold)
        if _unchecked(record):
            self.errors.append({k: record.get(k) for k in ("id", "source", "path", "error")})
            return
        self.seen += 1
        entry = (float(record["score"]), -self.seen, _top_fields(record))
        if len(self.top) < self.top_n:
            heapq.heappush(self.top, entry)
        elif entry[:2] > self.top[0][:2]:
            heapq.heapreplace(self.top, entry)

    # -- views ------------------------------------------------------------------------------
    def sources(self) -> list[str]:
        return sorted({s for s, _ in self.groups})

    def months(self) -> list[str]:
        return sorted({m for _, m in self.groups}, key=lambda m: (m == UNKNOWN_MONTH, m))

    def per_source(self) -> dict[str, Tally]:
        out: dict[str, Tally] = {}
        for (source, _), tally in self.groups.items():
            out.setdefault(source, Tally()).merge(tally)
        return out

    def rows(self) -> list[tuple[str, str, Tally]]:
        """(source, month, tally): each source's months, then each source, then everything."""
        order = {m: i for i, m in enumerate(self.months())}
        rows = [(s, m, t) for (s, m), t in sorted(self.groups.items(), key=lambda item: (item[0][0], order[item[0][1]]))]
        rows += [(s, ALL, t) for s, t in sorted(self.per_source().items())]
        rows.append((ALL, ALL, self.total))
        return rows

    def ranked(self) -> list[dict[str, Any]]:
        return [record for _, _, record in sorted(self.top, key=lambda e: (-e[0], -e[1]))]


def _top_fields(record: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "source", "date", "month", "url", "path", "score", "sentences", "flagged_sentences", "share")
    out = {k: record.get(k) for k in keep}
    out["reasons"] = list(record.get("reasons") or [])[:TOP_REASONS_SHOWN]
    return out


def summarise(records: Iterable[dict[str, Any]], *, doc_threshold: float = 0.5, top: int = 50) -> Summary:
    summary = Summary(doc_threshold=doc_threshold, top_n=top)
    for record in records:
        summary.add(record)
    return summary


# --------------------------------------------------------------------------- CSV


def _number(value: float | None, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    return csv_text(header, rows)  # ids, sources, URLs and paths come from the feed: no formula survives


def summary_csv(summary: Summary) -> str:
    header = ["source", "month", "articles", "checked", "errors", "flagged", "flagged_share", "mean_score",
              "sentences", "flagged_sentences", "flagged_sentence_share"]
    return _csv(header, ([s, m, t.articles, t.checked, t.errors, t.flagged, _number(t.flagged_share), _number(t.mean_score),
                          t.sentences, t.flagged_sentences, _number(t.sentence_share)] for s, m, t in summary.rows()))


def _reasons_text(record: dict[str, Any]) -> str:
    return " | ".join(f"{r['rule_id']} (x{r['count']}): {r['message']}" for r in record["reasons"])


def top_csv(summary: Summary) -> str:
    header = ["rank", "id", "source", "date", "url", "score", "flagged_sentences", "sentences", "share", "top_reasons"]
    return _csv(header, ([rank, r["id"], r["source"], r["date"] or "", r["url"] or "", _number(r["score"]), r["flagged_sentences"],
                          r["sentences"], _number(r["share"]), _reasons_text(r)] for rank, r in enumerate(summary.ranked(), 1)))


def errors_csv(summary: Summary) -> str:
    return _csv(["id", "source", "path", "error"], ([e["id"], e["source"], e["path"], e["error"]] for e in summary.errors))


# --------------------------------------------------------------------------- HTML

_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;margin:0;background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.meta{color:#57606a;font-size:13px;word-break:break-all}
.figures{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.figure{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:10px 16px;min-width:150px}
.figure b{display:block;font-size:22px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px;overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:13px;background:#fff}
th,td{border-bottom:1px solid #d8dee4;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:600}
.reasons{margin:0;padding-left:16px;color:#57606a}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
svg .axis{stroke:#8c959f}svg .grid{stroke:#d8dee4}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def chart_svg(summary: Summary) -> str:
    """Grouped bars: for each month, the share of each source's checked articles that read as translated."""
    months = summary.months()
    per_source = summary.per_source()
    by_size = sorted(per_source, key=lambda s: (-per_source[s].articles, s))
    shown = by_size[:CHART_SERIES]
    series: list[tuple[str, dict[str, Tally]]] = []
    for source in shown:
        series.append((source, {m: t for (s, m), t in summary.groups.items() if s == source}))
    if len(by_size) > CHART_SERIES:
        other: dict[str, Tally] = {}
        for (s, m), t in summary.groups.items():
            if s not in shown:
                other.setdefault(m, Tally()).merge(t)
        series.append((f"{len(by_size) - CHART_SERIES} other sources", other))
    bar, gap, left, top, height = 14, 18, 56, 16, 240
    group = max(1, len(series)) * bar + gap
    width = max(640, left + len(months) * group + 20)
    legend_y = top + height + 56
    per_row = max(1, int((width - left - 10) // 180))
    total_height = legend_y + 22 * ((len(series) + per_row - 1) // per_row) + 8
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="chart" role="img" viewBox="0 0 {width} {total_height}" '
             f'width="{width}" height="{total_height}" aria-labelledby="chart-title">',
             '<title id="chart-title">Share of checked articles that read as machine-translated, per month and source</title>']
    for pct in (0, 25, 50, 75, 100):
        y = top + height - height * pct / 100
        parts.append(f'<line class="grid" x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{pct}%</text>')
    parts.append(f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{top + height}"/>')
    for i, month in enumerate(months):
        x0 = left + gap / 2 + i * group
        for j, (name, tallies) in enumerate(series):
            tally = tallies.get(month)
            share = tally.flagged_share if tally is not None else None
            if tally is None or share is None:
                continue
            h = height * share
            x = x0 + j * bar
            tip = f"{name}, {month}: {tally.flagged} of {tally.checked} articles ({_pct(share)}); mean score {_number(tally.mean_score, 2)}"
            parts.append(f'<rect class="bar" data-source="{_e(name)}" data-month="{_e(month)}" data-share="{share:.4f}" x="{x:.1f}" '
                         f'y="{top + height - h:.1f}" width="{bar - 2}" height="{max(h, 0.5):.1f}" fill="{PALETTE[j % len(PALETTE)]}">'
                         f'<title>{_e(tip)}</title></rect>')
        label_x = x0 + (len(series) * bar) / 2
        parts.append(f'<text x="{label_x:.1f}" y="{top + height + 16}" text-anchor="end" '
                     f'transform="rotate(-35 {label_x:.1f} {top + height + 16})">{_e(month)}</text>')
    for j, (name, _) in enumerate(series):
        x = left + (j % per_row) * 180
        y = legend_y + 22 * (j // per_row)
        parts.append(f'<rect class="legend" x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[j % len(PALETTE)]}"/>'
                     f'<text x="{x + 18}" y="{y}">{_e(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _row(cells: Iterable[tuple[Any, bool]], css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f"<tr{cls}>" + "".join(f'<td class="n">{_e(v)}</td>' if numeric else f"<td>{_e(v)}</td>" for v, numeric in cells) + "</tr>"


def _link(record: dict[str, Any]) -> str:
    url = record.get("url") or ""
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{_e(url)}" rel="noreferrer noopener">{_e(record["id"])}</a>'
    return _e(record["id"])


def summary_html(summary: Summary, manifest: dict[str, Any]) -> str:
    from mtcheck import __version__

    total = summary.total
    source = manifest.get("source", {})
    selection = manifest.get("selection", {})
    sample = f", a sample of {selection['sample']}" if selection.get("sample") else ""
    head = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="generator" content="mtcheck audit {_e(__version__)}">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>mtcheck archive audit</title><style>{_STYLE}</style></head><body><main>")
    parts = [head, "<h1>Archive audit: how much reads as machine-translated</h1>",
             f'<p class="meta">{_e(source.get("kind"))} {_e(source.get("path"))} ({_e(source.get("articles"))} articles{_e(sample)}) '
             f"&middot; detector {_e(manifest.get('signature'))} &middot; an article counts as machine-translated at a document "
             f"score of {summary.doc_threshold:.2f} or more</p>"]
    figures = [("articles", f"{total.articles:,}"), ("checked", f"{total.checked:,}"),
               ("read as machine-translated", f"{total.flagged:,} ({_pct(total.flagged_share)})"),
               ("mean document score", _number(total.mean_score, 3) or "-"),
               ("sentences flagged", _pct(total.sentence_share)), ("could not be checked", f"{total.errors:,}")]
    parts.append('<div class="figures">' + "".join(f'<div class="figure" data-figure="{_e(k)}"><b>{_e(v)}</b>{_e(k)}</div>'
                                                     for k, v in figures) + "</div>")
    parts.append("<h2>Share read as machine-translated, per month</h2>")
    parts.append(f'<div class="card">{chart_svg(summary)}</div>')
    parts.append("<h2>Per source and month</h2>")
    header = ("source", "month", "articles", "checked", "errors", "machine-translated", "share", "mean score", "sentences flagged")
    parts.append('<div class="card"><table id="groups"><thead><tr>' + "".join(f"<th>{h}</th>" for h in header) + "</tr></thead><tbody>")
    for s, m, t in summary.rows():
        css = "total" if m == ALL else ""
        parts.append(_row([(s, False), (m, False), (t.articles, True), (t.checked, True), (t.errors, True), (t.flagged, True),
                           (_pct(t.flagged_share), True), (_number(t.mean_score, 3), True), (_pct(t.sentence_share), True)], css))
    parts.append("</tbody></table></div>")
    ranked = summary.ranked()
    parts.append(f"<h2>The {len(ranked)} articles most likely machine-translated</h2>")
    parts.append('<div class="card"><table id="top"><thead><tr><th>#</th><th>article</th><th>source</th><th>date</th><th>score</th>'
                 "<th>flagged sentences</th><th>top reasons</th></tr></thead><tbody>")
    for rank, r in enumerate(ranked, 1):
        reasons = "".join(f"<li><b>{_e(x['rule_id'])}</b> &times;{_e(x['count'])}: {_e(x['message'])}</li>" for x in r["reasons"])
        parts.append(f'<tr class="top-article"><td class="n">{rank}</td><td>{_link(r)}</td><td>{_e(r["source"])}</td><td>{_e(r["date"])}</td>'
                     f'<td class="n">{_number(r["score"], 3)}</td><td class="n">{_e(r["flagged_sentences"])} of {_e(r["sentences"])}</td>'
                     f'<td><ul class="reasons">{reasons}</ul></td></tr>')
    parts.append("</tbody></table></div>")
    if summary.errors:
        parts.append(f"<h2>{len(summary.errors)} articles could not be checked</h2>")
        parts.append('<div class="card"><table id="errors"><thead><tr><th>article</th><th>why</th></tr></thead><tbody>')
        parts.extend(_row([(e["id"], False), (e["error"], False)]) for e in summary.errors[:200])
        parts.append("</tbody></table>" + (f"<p>… and {len(summary.errors) - 200} more in errors.csv</p>" if len(summary.errors) > 200 else "")
                     + "</div>")
    parts.append("</main></body></html>\n")
    return "".join(parts)


# --------------------------------------------------------------------------- files

PARQUET_COLUMNS = ("id", "source", "date", "month", "url", "path", "format", "score", "sentences", "flagged_sentences", "share", "error")


def write_parquet(records: Iterable[dict[str, Any]], path: Path) -> None:
    """One row per article: the scalar fields, plus ``reasons`` and ``findings`` as JSON text."""
    import pyarrow as pa  # type: ignore[import-untyped]  # pyarrow ships no type hints
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    schema = pa.schema([(name, pa.float64() if name in ("score", "share") else pa.int64() if name in ("sentences", "flagged_sentences")
                         else pa.string()) for name in PARQUET_COLUMNS] + [("reasons", pa.string()), ("findings", pa.string())])
    with atomic_file(path) as tmp, pq.ParquetWriter(tmp, schema) as writer:
        batch: list[dict[str, Any]] = []
        for record in records:
            row = {name: record.get(name) for name in PARQUET_COLUMNS}
            row["reasons"] = json.dumps(record.get("reasons") or [], ensure_ascii=False)
            row["findings"] = json.dumps(record.get("findings") or [], ensure_ascii=False)
            batch.append(row)
            if len(batch) >= 1000:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))


def write_summary(summary: Summary, manifest: dict[str, Any], out: Path) -> list[Path]:
    files = {out / "summary.csv": summary_csv(summary), out / "top.csv": top_csv(summary), out / "errors.csv": errors_csv(summary),
             out / "summary.html": summary_html(summary, manifest)}
    atomic_write_all(list(files.items()))
    return list(files)
