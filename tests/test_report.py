"""The HTML review report as a file: self-contained, escaped, pinned by its Content-Security-Policy."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from html.parser import HTMLParser

from mtcheck.report import ReportOptions, render
from mtcheck.report.formats.html import script_json
from test_report_helpers import NO_SUGGESTION_NOTE, ON_THE_EVE, XSS_IMG, XSS_SCRIPT, build_result


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self.styles: list[str] = []
        self._open: tuple[str, dict] | None = None
        self._buffer: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag in ("script", "style"):
            self._open, self._buffer = (tag, attrs), []

    def handle_endtag(self, tag):
        if self._open and tag == self._open[0]:
            body = "".join(self._buffer)
            if tag == "script":
                self.scripts.append((self._open[1], body))
            else:
                self.styles.append(body)
            self._open = None

    def handle_data(self, data):
        if self._open:
            self._buffer.append(data)
        else:
            self.text.append(data)


def _page(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _html(results=None, **kw) -> str:
    return render([build_result()] if results is None else results, "html", ReportOptions(exit_code=1, reference_path="ref.txt", **kw))


def _sha(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


def test_report_is_one_self_contained_file():
    html = _html()
    page = _page(html)
    for tag, attrs in page.tags:
        for name in ("src", "href", "action", "data", "poster"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), f"<{tag} {name}={value!r}> would load something"
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")
    assert "@import" not in html and "url(" not in "".join(page.styles)
    assert not re.search(r"\bfetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon", html)


def test_content_security_policy_pins_the_inline_blocks():
    html = _html()
    page = _page(html)
    csp = next(attrs["content"] for tag, attrs in page.tags if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy")
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "'none'"
    assert directives["img-src"] in ("'none'", "data:")
    executable = [body for attrs, body in page.scripts if attrs.get("type") != "application/json"]
    assert len(executable) == 1 and len(page.styles) == 1
    assert directives["script-src"] == _sha(executable[0])
    assert directives["style-src"] == _sha(page.styles[0])
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert not any("style" in attrs or any(k.startswith("on") for k in attrs) for _tag, attrs in page.tags)


def test_article_text_is_escaped():
    html = _html()
    assert XSS_SCRIPT not in html and XSS_IMG not in html
    assert "&lt;script&gt;window.__mtcheckPwned" in html
    page = _page(html)
    visible = "".join(page.text)
    assert XSS_SCRIPT in visible and XSS_IMG in visible  # shown to the reader as text
    assert not any(tag == "img" for tag, _ in page.tags)
    assert sum(1 for tag, _ in page.tags if tag == "script") == 2
    assert "100% &lt;b&gt;bold&lt;/b&gt; &amp; &#34;odd&#34;" in html


def test_embedded_json_cannot_break_out():
    assert "</" not in script_json({"a": "</script><!--"}) and "<!--" not in script_json({"a": "<!--"})
    assert json.loads(script_json({"a": "</script><!-- & \u2028"})) == {"a": "</script><!-- & \u2028"}
    page = _page(_html())
    (attrs, body), = [(a, b) for a, b in page.scripts if a.get("type") == "application/json"]
    data = json.loads(body)
    assert data["baseline"] == {"version": 1, "filename": ".mtcheck-baseline.json"}
    texts = [f["text"] for f in data["findings"].values()]
    assert any(XSS_SCRIPT in t for t in texts)
    assert all(f["fingerprint"] and f["path"] == "news/story.md" for f in data["findings"].values())


def test_report_shows_findings_reasons_diff_candidates_and_reference():
    html = _html()
    page = _page(html)
    cards = [attrs for tag, attrs in page.tags if tag == "div" and "finding" in attrs.get("class", "").split()]
    assert [c["data-severity"] for c in cards] == ["error", "warning", "info", "warning"]
    assert cards[0]["data-signals"] == "interference"
    assert all(c["tabindex"] == "0" for c in cards)
    assert "interference/AS_REPORTS" in html and "Inverted" in html
    assert "<del>" in html and "<ins>" in html
    assert "<details class=\"rejected\">" in html and "lost 1.3 thousand" in html
    assert "Reuters said about 1,300 fighters were killed." in html
    assert "<td>31.5</td><td>52.2</td>" in html or "<td>31.5</td><td>52.3</td>" in html
    assert html.count('class="filter-severity"') == 3 and 'value="languagetool"' in html and 'value="fluency"' in html
    assert "<svg" in html and html.count('class="bar ') == 10
    assert 'id="export-baseline"' in html
    assert "Document score <strong>0.81</strong>" in html


def test_report_handles_no_findings_and_suppressed_ones():
    result = build_result()
    clean = replace(result, findings=tuple(replace(f, flagged=False, severity="none") for f in result.findings))
    html = _html([clean])
    assert 'class="finding ' not in html and "As reports Reuters" in html
    suppressed = replace(result, findings=tuple(replace(f, suppressed="baseline") if f.flagged else f for f in result.findings))
    assert "suppressed: baseline" in _html([suppressed])
    assert "No documents were checked." in _html([])


def test_whole_sentence_reasons_do_not_underline_the_whole_sentence():
    from mtcheck.report.formats.html import _pieces
    from mtcheck.types import Document, DocumentResult, Finding, Reason, Sentence

    text = "As reports Reuters, the rebels left."
    sentence = Sentence(0, 0, len(text), text)
    reasons = (
        Reason("document", "translated-context", "the rest of the article reads as translated", 0, len(text)),
        Reason("interference", "reporting-inversion", "verb before subject", 0, 18),
    )
    finding = Finding(sentence, 0.99, True, reasons=reasons)
    result = DocumentResult(document=Document("a.txt", text, "text", "utf-8"), findings=(finding,), score=0.9)
    marked = "".join(p.text for p in _pieces(result, finding) if p.marked)
    assert marked == "As reports Reuters"


def _card_html(html: str, number: int) -> str:
    """The markup of the n-th finding card (0-based)."""
    return html.split('<div class="finding ')[number + 1].split('<div class="finding ')[0]


def test_partial_rewrite_has_a_badge_and_lists_what_it_leaves():
    html = _html()
    full, partial, info, none = (_card_html(html, n) for n in range(4))
    assert "partial-badge" in partial and ">partial</span>" in partial
    assert '<div class="rewrite partial">' in partial and "<del>about</del>" in partial
    assert "Still to fix:" in partial and f"<li>{ON_THE_EVE}</li>" in partial
    assert "partial-badge" not in full and "Still to fix" not in full and "<del>" in full
    # No suggestion: the note says why; a sentence that was not rewritten says nothing about rewrites.
    assert f'<span class="label">No suggestion:</span> {NO_SUGGESTION_NOTE}' in none and "<del>" not in none
    assert "No suggestion" not in info and "Suggested rewrite" not in info
    assert "No rewrite passed verification" not in html


def test_remaining_problems_and_notes_are_escaped():
    from mtcheck.types import Rewrite

    result = build_result()
    hostile = "<b>bold</b> & \"odd\""
    findings = tuple(
        replace(f, rewrite=Rewrite("Fixed.", remaining=(XSS_SCRIPT,))) if f.sentence.index == 2
        else replace(f, rewrite=Rewrite(None, note=hostile)) if f.sentence.index == 4 else f
        for f in result.findings
    )
    html = _html([replace(result, findings=findings)])
    assert XSS_SCRIPT not in html and "<b>bold</b>" not in html
    assert "<li>&lt;script&gt;window.__mtcheckPwned" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &#34;odd&#34;" in _card_html(html, 3)
    # And without a note, the card still says why there is no suggestion.
    bare = replace(result, findings=tuple(replace(f, rewrite=Rewrite(None)) if f.sentence.index == 4 else f for f in result.findings))
    assert "No suggestion:</span> no candidate rewrite was produced" in _html([bare])
