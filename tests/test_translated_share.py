"""The share of an article that reads as translated, with its 95% interval, in every report."""

from __future__ import annotations

import dataclasses
import json

from mtcheck.report import ReportOptions, render
from mtcheck.types import translated_share
from test_report_helpers import build_result


def test_the_share_counts_prose_sentences_the_detector_flags():
    result = build_result()
    prose = [f for f in result.findings if f.sentence.kind == "prose"]
    share = result.translated
    assert (share.flagged, share.sentences) == (sum(f.flagged for f in prose), len(prose))
    assert share.low < share.share < share.high


def test_a_suppressed_finding_still_counts_towards_the_share():
    result = build_result()
    first = next(f for f in result.findings if f.flagged)
    hidden = dataclasses.replace(result, findings=tuple(dataclasses.replace(f, suppressed=True) if f is first else f
                                                        for f in result.findings))
    assert hidden.translated == result.translated
    assert len(hidden.flagged) == len(result.flagged) - 1


def test_json_carries_the_share_and_its_interval():
    result = build_result()
    doc = json.loads(render([result], "json", ReportOptions()))["documents"][0]
    share = translated_share(result.translated.flagged, result.translated.sentences)
    assert doc["translated"] == {"flagged": share.flagged, "sentences": share.sentences, "share": round(share.share, 4),
                                 "ci95": [round(share.low, 4), round(share.high, 4)]}


def test_text_and_html_show_the_share_with_its_interval():
    result = build_result()
    share = result.translated
    expected = f"{share.share:.0%} (95% CI {share.low:.0%}-{share.high:.0%})"
    assert f"reads as translated: {expected}" in render([result], "text", ReportOptions())
    page = render([result], "html", ReportOptions())
    assert "Reads as translated: <strong>" in page and f"95% CI {share.low * 100:.0f}&ndash;{share.high * 100:.0f}%" in page


def test_an_article_without_prose_shows_no_share():
    result = build_result()
    empty = dataclasses.replace(result, findings=tuple(f for f in result.findings if f.sentence.kind != "prose"))
    assert "reads as translated" not in render([empty], "text", ReportOptions())
    assert json.loads(render([empty], "json", ReportOptions()))["documents"][0]["translated"]["sentences"] == 0
