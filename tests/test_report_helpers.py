"""Hand-built results for the report, format, gate and browser tests (imported by them; the tests here check the builder)."""

from __future__ import annotations

from mtcheck.gate import fingerprint
from mtcheck.types import (
    AlignedReference,
    Alignment,
    Candidate,
    Check,
    Document,
    DocumentResult,
    Finding,
    Reason,
    Rewrite,
    Score,
    Sentence,
)

XSS_SCRIPT = "<script>window.__mtcheckPwned = 'script'; alert(1)</script>"
XSS_IMG = "<img src=x onerror=\"window.__mtcheckPwned = 'img'; alert(1)\">"

ON_THE_EVE = "\u2018On the eve\u2019 is a calque of \u2018накануне\u2019"
PARTIAL_REWRITE = "On the eve the representative of the department reported on the \u201cnew\u201d measures."
NO_SUGGESTION_NOTE = "1 candidate rejected (content 1)"

# Rewrites: sentence 0 has a complete fix, sentence 2 a partial one, sentence 4 none (with the
# rewriter's note), and sentence 3 was not rewritten at all.
SENTENCES = [
    # (text, score, severity, paragraph)
    ("As reports Reuters, 1.3 thousand militants were liquidated in the course of the operation.", 0.95, "error", 0),
    ("The ministry said the talks would resume next week.", 0.12, "none", 0),
    ("On the eve the representative of the department reported about the \u201cnew\u201d measures.", 0.78, "warning", 1),
    (f"Readers wrote {XSS_SCRIPT} and {XSS_IMG} to the editor.", 0.55, "info", 1),
    ("Prices rose by 100% in the region, \"quoted\" by na\u00efve, officials, said: yes.", 0.74, "warning", 2),
    ("The agency did not comment.", 0.05, "none", 2),
]


def build_document(path: str = "news/story.md") -> tuple[Document, list[Sentence]]:
    parts: list[str] = []
    sentences: list[Sentence] = []
    offset = 0
    last_paragraph = 0
    for index, (text, _score, _severity, paragraph) in enumerate(SENTENCES):
        if parts:
            sep = "\n\n" if paragraph != last_paragraph else " "
            parts.append(sep)
            offset += len(sep)
        sentences.append(Sentence(index=index, start=offset, end=offset + len(text), text=text, block=paragraph))
        parts.append(text)
        offset += len(text)
        last_paragraph = paragraph
    text = "".join(parts) + "\n"
    return Document(path=path, text=text, format="markdown", encoding="utf-8"), sentences


def build_result(path: str = "news/story.md") -> DocumentResult:
    document, sentences = build_document(path)
    findings = []
    for sentence, (_text, score, severity, _p) in zip(sentences, SENTENCES):
        flagged = severity != "none"
        reasons: tuple[Reason, ...] = ()
        rewrite = None
        alignment = None
        if sentence.index == 0:
            reasons = (
                Reason("interference", "AS_REPORTS", "Inverted \u2018as reports X\u2019 word order", sentence.start, sentence.start + 18, weight=0.6),
                Reason("interference", "THOUSAND", "Write 1,300, not \u20181.3 thousand\u2019", sentence.start + 20, sentence.start + 33, weight=0.3),
            )
            rewrite = Rewrite(
                text="Reuters reported that 1,300 militants were killed in the operation.",
                candidates=(
                    Candidate("llm", "Reuters reported that 1,300 militants were killed in the operation.", (Check("numbers", True),), 0.9),
                    Candidate("llm", "Reuters said militants died.", (Check("numbers", False, "lost 1.3 thousand"),), 0.4),
                ),
                model="test-model",
            )
            alignment = Alignment(
                sentence=0,
                references=(AlignedReference(2, "Reuters said about 1,300 fighters were killed.", 0.83),),
                before=(Score("chrF", 31.5, "chrF2|nrefs:1"),),
                after=(Score("chrF", 52.25, "chrF2|nrefs:1"),),
            )
        elif sentence.index == 2:
            about = sentence.text.index("reported about")
            reasons = (
                Reason("languagetool", "ON_THE_EVE", ON_THE_EVE, sentence.start, sentence.start + 10, weight=0.5),
                Reason("languagetool", "REPORTED_ABOUT",
                       "\u2018Reported about\u2019 renders Russian \u2018сообщил о\u2019; English reports on something",
                       sentence.start + about, sentence.start + about + 14, weight=0.3),
            )
            # A partial fix: the suggestion mends "reported about" and leaves "On the eve".
            rewrite = Rewrite(
                text=PARTIAL_REWRITE,
                candidates=(Candidate("languagetool", PARTIAL_REWRITE, (Check("numbers", True),), 0.5),),
                model="test-model",
                remaining=(ON_THE_EVE,),
            )
        elif sentence.index == 3:
            reasons = (Reason("fluency", "LOW_LM", "Unusual word sequence for English news", sentence.start, sentence.end, weight=0.2),)
        elif sentence.index == 4:
            reasons = (Reason("languagetool", "PERCENT", "100% <b>bold</b> & \"odd\"", sentence.start + 15, sentence.start + 19, weight=0.4),)
            # No suggestion, and the rewriter says why.
            rewrite = Rewrite(
                text=None,
                candidates=(Candidate("llm", "Prices doubled in the region, officials said.",
                                      (Check("content", False, "dropped quoted, naïve"),), 0.2),),
                model="test-model",
                note=NO_SUGGESTION_NOTE,
            )
        findings.append(
            Finding(
                sentence=sentence,
                score=score,
                flagged=flagged,
                reasons=reasons,
                severity=severity,  # type: ignore[arg-type]
                rewrite=rewrite,
                alignment=alignment,
                fingerprint=fingerprint(document.path, sentence.text),
            )
        )
    return DocumentResult(document=document, findings=tuple(findings), score=0.81)


def test_builder_offsets_point_into_the_document():
    result = build_result()
    for finding in result.findings:
        s = finding.sentence
        assert result.document.text[s.start : s.end] == s.text
        for reason in finding.reasons:
            assert s.start <= reason.start < reason.end <= s.end
    assert len(result.flagged) == 4
    rewrites = {f.sentence.index: f.rewrite for f in result.findings if f.rewrite is not None}
    assert rewrites[0].text and not rewrites[0].partial
    assert rewrites[2].partial and rewrites[2].remaining == (ON_THE_EVE,)
    assert rewrites[4].text is None and rewrites[4].note == NO_SUGGESTION_NOTE
