"""The Services factory: each part built once, on first use; LanguageTool answers reused."""

from __future__ import annotations

import threading

import pytest

from mtcheck.config import Settings
from mtcheck.services.factory import CheckedLanguageTool, Services, build_services


class CountingLanguageTool:
    def __init__(self):
        self.asked: list[str] = []
        self.url = "http://127.0.0.1:0"

    def check_paragraphs(self, texts):
        self.asked.extend(texts)
        return [[f"match in {t}"] for t in texts]


def test_languagetool_answers_are_reused_across_stages():
    fake = CountingLanguageTool()
    services = Services.with_parts(languagetool=fake)
    lt = services.languagetool
    assert lt is not None
    # detection checks a paragraph and a sentence; rewriting asks about the sentence again
    assert lt.check_paragraphs(["A paragraph.", "One sentence."]) == [["match in A paragraph."], ["match in One sentence."]]
    assert lt.check_paragraphs(["One sentence.", "A candidate."]) == [["match in One sentence."], ["match in A candidate."]]
    assert fake.asked == ["A paragraph.", "One sentence.", "A candidate."]
    assert lt.requests == 3
    assert lt.url == fake.url  # everything else is the real service's


def test_duplicate_texts_in_one_request_are_sent_once():
    fake = CountingLanguageTool()
    lt = CheckedLanguageTool(fake)
    assert lt.check_paragraphs(["Same.", "Same."]) == [["match in Same."], ["match in Same."]]
    assert fake.asked == ["Same."]


def test_languagetool_off_is_none_and_never_started(monkeypatch):
    import mtcheck.services.languagetool as languagetool

    monkeypatch.setattr(languagetool.LanguageToolService, "ensure_running",
                        lambda self: pytest.fail("LanguageTool started although switched off"))
    assert build_services(Settings(), languagetool=False).languagetool is None
    assert Services.offline().languagetool is None


def test_languagetool_is_started_once_on_first_use(monkeypatch):
    import mtcheck.services.languagetool as languagetool

    started = []
    monkeypatch.setattr(languagetool.LanguageToolService, "ensure_running", lambda self: started.append(self))
    services = build_services(Settings(), languagetool=True)
    assert started == []  # nothing starts before a stage asks
    first = services.languagetool
    assert services.languagetool is first
    assert len(started) == 1


def test_each_part_is_built_once_across_threads(monkeypatch):
    import mtcheck.services.embedder as embedder

    built = []

    class FakeEmbedder:
        def __init__(self, settings=None):
            built.append(self)

    monkeypatch.setattr(embedder, "Embedder", FakeEmbedder)
    services = Services.offline()
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(services.embedder)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1 and all(e is built[0] for e in seen)


def test_ready_made_parts_are_used_as_given():
    backend, embedder, surprisal = object(), object(), object()
    services = Services.with_parts(embedder=embedder, surprisal=surprisal, backend=backend)
    assert services.embedder is embedder and services.surprisal is surprisal and services.rewriter_backend is backend
    assert services.languagetool is None


@pytest.mark.integration
def test_spacy_is_loaded_once_for_every_stage():
    """Detection, alignment hints and rewrite verification share one spaCy pipeline."""
    from mtcheck.compare import terms
    from mtcheck.detect.signals import profile
    from mtcheck.services import english

    parsed = profile.parse(["The rebels will be able to leave the city."])[0]
    assert [t.tag_ for t in parsed][:2] == ["DT", "NNS"]
    assert terms.phrases("Russian President Vladimir Putin met Emmanuel Macron in Paris.")
    pipeline = english.english()
    assert english.english() is pipeline
    assert Services.offline().english()("Putin met Macron.")[0].text == "Putin"
    # the NER still runs for the stages that ask for it
    doc = english.parse_one("Vladimir Putin met Emmanuel Macron in Paris.")
    assert {e.label_ for e in doc.ents} >= {"PERSON"}
