"""ServeApp's shaping of findings into LanguageTool matches, with a stand-in pipeline (no model)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

from mtcheck.config import Settings
from mtcheck.serve import protocol
from mtcheck.serve.app import ServeApp
from mtcheck.services.factory import CheckedLanguageTool, Services
from mtcheck.types import DocumentResult, Finding, Reason, Rewrite, Sentence

TEXT = "The council met on Tuesday. More than 1.3 thousand militants laid down arms, said RIA Novosti."


class StandInPipeline:
    """segment/check_document as the Pipeline has them; the second sentence is flagged."""

    def __init__(self):
        self.settings = Settings()
        self.services = Services.offline()
        self.detector = SimpleNamespace(threshold=0.89)
        self.rewriter = SimpleNamespace(rewrite=lambda document, sentences, findings: tuple(
            dataclasses.replace(f, rewrite=Rewrite(text=f.sentence.text.replace("1.3 thousand", "1,300"))) for f in findings))

    def segment(self, document):
        first = TEXT.index("More")
        return (Sentence(0, 0, first - 1, TEXT[: first - 1]), Sentence(1, first, len(TEXT), TEXT[first:]))

    def check_document(self, document, sentences):
        a, b = sentences
        start = TEXT.index("1.3 thousand")
        reasons = (
            Reason("interference", "thousand-count", "“1.3 thousand” is a Russian way of writing numbers.", start, start + 12,
                   "numbers", ("1,300",), 1.2),
            Reason("languagetool", "MTCHECK_RU_THOUSAND_DECIMAL", "Write the number in full.", start, start + 12, "numbers", ("1,300",), 0.4),
            Reason("embedding", "translated-phrasing", "The phrasing resembles machine-translated news.", b.start, b.end, "style", (), 0.9),
        )
        quiet = (Reason("interference", "on-the-eve", "“On the eve”.", 0, 3, "calque", (), 0.3),)
        return DocumentResult(document=document, findings=(Finding(a, 0.2, False, quiet, "none"), Finding(b, 0.97, True, reasons, "error")),
                              score=0.8)


def app() -> ServeApp:
    return ServeApp(StandInPipeline(), grammar=False)  # type: ignore[arg-type]


def check(**fields):
    return app().check(protocol.parse_check({"text": TEXT, "language": "en-US", **fields}, protocol.ENGLISH))


def test_a_flagged_sentence_is_one_match_and_its_reasons_one_match_per_span():
    body = check()
    rules = [m["rule"]["id"] for m in body["matches"]]
    assert rules == ["translated-sentence", "thousand-count"]  # the quiet sentence's reason is not shown
    sentence, reason = body["matches"]
    assert (sentence["offset"], sentence["length"]) == (TEXT.index("More"), len(TEXT) - TEXT.index("More"))
    assert "score 0.97" in sentence["message"] and "machine-translated news" in sentence["message"]  # whole-sentence reasons told here
    assert sentence["replacements"] == [] and sentence["mtcheck"]["flagged"]
    # Two rules over the same words are one match: the weightiest rule's id, every suggestion once.
    assert TEXT[reason["offset"]:reason["offset"] + reason["length"]] == "1.3 thousand"
    assert reason["replacements"] == [{"value": "1,300"}]
    assert reason["mtcheck"]["rules"] == ["thousand-count", "MTCHECK_RU_THOUSAND_DECIMAL"]
    assert body["mtcheck"]["gate"]["fail"] is True  # the article's gate decision, as check gives it
    assert body["mtcheck"]["score"] == 0.8 and [s["flagged"] for s in body["mtcheck"]["sentences"]] == [False, True]
    assert body["language"]["code"] == "en-US"


def test_picky_shows_unflagged_sentences_reasons_and_rules_can_be_switched_off():
    assert "on-the-eve" in [m["rule"]["id"] for m in check(level="picky")["matches"]]
    assert [m["rule"]["id"] for m in check(disabledRules="translated-sentence")["matches"]] == ["thousand-count"]
    assert check(disabledCategories="MTCHECK")["matches"] == []
    assert [m["rule"]["id"] for m in check(enabledOnly="true", enabledRules="thousand-count")["matches"]] == ["thousand-count"]


def test_the_languagetool_memo_is_bounded():
    class Service:
        calls = 0

        def check_paragraphs(self, texts):
            Service.calls += len(texts)
            return [[t.upper()] for t in texts]

    memo = CheckedLanguageTool(Service(), limit=2)
    assert memo.check_paragraphs(["a", "b", "a"]) == [["A"], ["B"], ["A"]]
    assert Service.calls == 2
    memo.check_paragraphs(["a", "c"])  # "b" is the least recently used: it goes
    assert Service.calls == 3 and len(memo._answers) == 2
    memo.check_paragraphs(["b"])
    assert Service.calls == 4


def test_rewrite_finds_the_sentence_in_its_article_and_says_why_there_is_none():
    flagged = TEXT[TEXT.index("More"):]
    body = app().rewrite(protocol.RewriteRequest(sentence=flagged, context=TEXT))
    assert body["suggestion"] == flagged.replace("1.3 thousand", "1,300") and body["note"] == ""
    assert [s["flagged"] for s in body["sentences"]] == [True] and body["sentences"][0]["start"] == 0
    quiet = app().rewrite(protocol.RewriteRequest(sentence="The council met on Tuesday.", context=TEXT))
    assert quiet["suggestion"] is None and "not flagged (score 0.20, under the threshold 0.89)" in quiet["note"]
