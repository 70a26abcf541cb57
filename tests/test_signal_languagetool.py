"""The LanguageTool signal: paragraphs in, per-sentence features and reasons with document offsets out."""

from __future__ import annotations

import socket

import pytest

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext, SignalResult
from mtcheck.registry import signals
from mtcheck.services.factory import Services
from mtcheck.services.languagetool import LTMatch
from mtcheck.types import Block, Document, Sentence

P1 = "Officials met on Monday. As reports Reuters, the rebels will be able to leave the city the corridors."
P2 = "This are the results. The vote was close."
TEXT = P1 + "\n\n" + P2 + "\n"


def two_paragraph_document() -> tuple[Document, list[Sentence]]:
    b2 = len(P1) + 2
    blocks = (Block(text=P1, start=0, end=len(P1)), Block(text=P2, start=b2, end=b2 + len(P2)))
    doc = Document(path="two.txt", text=TEXT, format="text", encoding="utf-8", blocks=blocks)
    sentences = []
    for block_index, block in enumerate(blocks):
        pos = 0
        for part in block.text.split(". "):
            piece = part if part.endswith(".") else part + "."
            start = block.start + block.text.index(piece, pos)
            sentences.append(Sentence(index=len(sentences), start=start, end=start + len(piece), text=piece, block=block_index))
            pos = start - block.start + len(piece)
    return doc, sentences


class FakeService:
    """Answers with matches found by plain string search, and records the requests."""

    def __init__(self, needles: dict[str, tuple[str, str]]):
        self.needles = needles  # text -> (rule_id, category)
        self.requests: list[list[str]] = []

    def check_paragraphs(self, texts: list[str]) -> list[list[LTMatch]]:
        self.requests.append(list(texts))
        out = []
        for text in texts:
            matches = []
            for needle, (rule_id, category) in self.needles.items():
                at = text.find(needle)
                if at >= 0:
                    matches.append(LTMatch(at, len(needle), rule_id, category, "grammar", f"about {needle}", ("fix",)))
            out.append(matches)
        return out


NEEDLES = {
    "reports Reuters": ("MTCHECK_RU_AS_REPORTS", "MTCHECK_RU"),
    "This are": ("THIS_NNS", "GRAMMAR"),
    "Reuters,": ("EN_QUOTES", "TYPOGRAPHY"),  # a noise rule: never counted
    "Monday": ("MORFOLOGIK_RULE_EN_US", "TYPOS"),  # a capitalised "typo": counted, no reason
}


def run(sentences, document=None, service=None):
    signal = signals.get("languagetool")(Settings())
    services = Services.with_parts(languagetool=service)
    return signal.run(sentences, SignalContext(settings=Settings(), document=document, services=services))


def test_registered_under_its_name():
    assert signals.get("languagetool").name == "languagetool"


def test_no_service_gives_empty_results():
    _, sentences = two_paragraph_document()
    assert run(sentences) == [SignalResult() for _ in sentences]


def test_one_request_per_paragraph_and_document_offsets():
    doc, sentences = two_paragraph_document()
    service = FakeService(NEEDLES)
    results = run(sentences, doc, service)
    assert service.requests == [[P1, P2]]
    assert len(results) == len(sentences) == 4
    (reason,) = results[1].reasons
    assert reason.rule_id == "MTCHECK_RU_AS_REPORTS" and reason.source == "languagetool"
    assert TEXT[reason.start : reason.end] == "reports Reuters"
    assert reason.category == "mtcheck" and reason.suggestions == ("fix",)
    (grammar,) = results[2].reasons
    assert TEXT[grammar.start : grammar.end] == "This are"
    assert sentences[2].start <= grammar.start < sentences[2].end
    assert results[3].reasons == () and results[3].features["languagetool.total"] == 0


def test_features_are_counts_per_ten_words_by_group():
    doc, sentences = two_paragraph_document()
    results = run(sentences, doc, FakeService(NEEDLES))
    words = len(sentences[1].text.split())
    assert results[1].features["languagetool.mtcheck"] == pytest.approx(10 / words, abs=1e-3)
    assert results[1].features["languagetool.punctuation"] == 0  # EN_QUOTES is noise
    assert results[2].features["languagetool.grammar"] == pytest.approx(10 / len(sentences[2].text.split()), abs=1e-3)
    # A capitalised "spelling mistake" (a name) counts as a feature but gives no reason.
    assert results[0].features["languagetool.typos"] > 0 and results[0].reasons == ()
    assert set(results[0].features) == {f"languagetool.{g}" for g in ("grammar", "typos", "style", "punctuation", "misc", "mtcheck", "total")}


def test_mapped_through_block_offsets_when_markup_was_removed():
    # "<b>As reports</b> Reuters": the block text drops the tags, offsets point into the HTML.
    html = "<p><b>As reports</b> Reuters said.</p>"
    visible = "As reports Reuters said."
    offsets = []
    i = 0
    for ch in visible:
        i = html.index(ch, i)
        offsets.append(i)
        i += 1
    block = Block(text=visible, start=offsets[0], end=offsets[-1] + 1, offsets=tuple(offsets))
    doc = Document(path="a.html", text=html, format="html", encoding="utf-8", blocks=(block,))
    sentence = Sentence(index=0, start=block.start, end=block.end, text=visible, block=0)
    (result,) = run([sentence], doc, FakeService({"reports Reuters": ("MTCHECK_RU_AS_REPORTS", "MTCHECK_RU")}))
    (reason,) = result.reasons
    assert html[reason.start : reason.end] == "reports</b> Reuters"


def test_without_a_document_the_sentences_go_in_one_request():
    _, sentences = two_paragraph_document()
    service = FakeService(NEEDLES)
    results = run(sentences, None, service)
    assert len(service.requests) == 1 and len(service.requests[0]) == 1
    assert TEXT[results[1].reasons[0].start : results[1].reasons[0].end] == "reports Reuters"
    assert TEXT[results[2].reasons[0].start : results[2].reasons[0].end] == "This are"


@pytest.mark.integration
def test_real_server_on_a_two_paragraph_document(tmp_path_factory):
    from mtcheck.services import languagetool as lt

    lib = lt.default_lib_dir()
    if not lt.is_installed(lib):
        lt.install(lib)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    service = lt.LanguageToolService(Settings(), port=port, lib_dir=lib, state_dir=tmp_path_factory.mktemp("lt-signal"))
    try:
        service.ensure_running()
        doc, sentences = two_paragraph_document()
        results = run(sentences, doc, service)
        by_rule = {r.rule_id: (i, TEXT[r.start : r.end]) for i, res in enumerate(results) for r in res.reasons}
        assert by_rule["MTCHECK_RU_AS_REPORTS"] == (1, "reports Reuters")
        assert by_rule["MTCHECK_RU_NP_NP_LEAVE"] == (1, "the corridors")
        grammar = [(i, r) for i, res in enumerate(results) for r in res.reasons if r.category == "grammar"]
        assert grammar and all(i == 2 for i, _ in grammar)
        assert all(TEXT[r.start : r.end] in ("This", "are", "This are") for _, r in grammar)
        assert results[1].features["languagetool.mtcheck"] > 0
        assert results[3].features["languagetool.total"] == 0
    finally:
        service.stop()
