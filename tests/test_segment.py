"""Stage ``segment``: sentence splitting on tricky text, offsets, and boilerplate on the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from mtcheck.load import load_document, load_text
from mtcheck.segment import looks_like_headline, segment, split_sentences
from mtcheck.types import Document

DATA = Path(__file__).resolve().parent / "data"

CASES = [
    ("titles", "Mr. Smith met Dr. Jones and Mrs. Brown. They talked.", ["Mr. Smith met Dr. Jones and Mrs. Brown.", "They talked."]),
    ("more titles", "Gov. Brown, Sen. Warren and Rep. Smith met Gen. Petraeus, Col. Reed, Lt. Dan and Sgt. Pepper. Prof. Ivanov agreed.",
     ["Gov. Brown, Sen. Warren and Rep. Smith met Gen. Petraeus, Col. Reed, Lt. Dan and Sgt. Pepper.", "Prof. Ivanov agreed."]),
    ("countries", "The U.S. and the U.K. agreed with the U.N. The E.U. did not.",
     ["The U.S. and the U.K. agreed with the U.N.", "The E.U. did not."]),
    ("abbreviation before a name", "Talks between Russian and U.S. experts continue. U.S. Allies Worry.",
     ["Talks between Russian and U.S. experts continue.", "U.S. Allies Worry."]),
    ("abbreviation at the end", "He lives in the U.S. The weather is fine.", ["He lives in the U.S.", "The weather is fine."]),
    ("companies", "Apple Inc. reported profits. Acme Ltd. and Widget Corp. merged with Jones Co. It was big.",
     ["Apple Inc. reported profits.", "Acme Ltd. and Widget Corp. merged with Jones Co.", "It was big."]),
    ("initials", "J. R. R. Tolkien wrote it. Sergei V. Lavrov said so.", ["J. R. R. Tolkien wrote it.", "Sergei V. Lavrov said so."]),
    ("decimals dates times", "More than 1.3 thousand militants left on 12.12.2016 at 10.30. Then it rained.",
     ["More than 1.3 thousand militants left on 12.12.2016 at 10.30.", "Then it rained."]),
    ("a.m. p.m.", "It opened at 9 a.m. on Monday. It closed at 5 p.m. The next day it reopened.",
     ["It opened at 9 a.m. on Monday.", "It closed at 5 p.m.", "The next day it reopened."]),
    ("months and numbers", "The meeting is on Dec. 10 in Geneva, see No. 5 of the Jan. 3 plan. Russia agreed.",
     ["The meeting is on Dec. 10 in Geneva, see No. 5 of the Jan. 3 plan.", "Russia agreed."]),
    ("latin", "Prices rose, e.g. bread, and fell, i.e. milk, vs. last year, etc. Other items did not.",
     ["Prices rose, e.g. bread, and fell, i.e. milk, vs. last year, etc.", "Other items did not."]),
    ("juniors", "Martin Luther King Jr. spoke. He was heard.", ["Martin Luther King Jr. spoke.", "He was heard."]),
    ("saint", "He flew to St. Petersburg. It was cold.", ["He flew to St. Petersburg.", "It was cold."]),
    ("ellipsis", "Wait... What happened? Nobody knows! He paused… and then left.",
     ["Wait...", "What happened?", "Nobody knows!", "He paused… and then left."]),
    ("urls and e-mail", "Visit www.example.com or https://example.org/a.b?c=d. Mail john.smith@example.org. It is free.",
     ["Visit www.example.com or https://example.org/a.b?c=d.", "Mail john.smith@example.org.", "It is free."]),
    ("curly quotes", "“We will win.” The crowd cheered. ‘Really?’ She doubted it.",
     ["“We will win.”", "The crowd cheered.", "‘Really?’", "She doubted it."]),
    ("straight quotes", 'He said, "Stop." Then he left.', ['He said, "Stop."', "Then he left."]),
    ("guillemets", "He said: «Hello.» Then he left. «Мы победим», — сказал он.",
     ["He said: «Hello.»", "Then he left.", "«Мы победим», — сказал он."]),
    ("quote mid-sentence", 'He called it a "disaster. Total." and left. Fine.', ['He called it a "disaster.', 'Total." and left.', "Fine."]),
    ("exclamation in quote", '"Stop!" he shouted. “Why?” she asked.', ['"Stop!" he shouted.', "“Why?” she asked."]),
    ("attribution", '"The issue is separate. This agreement has not been reached," RIA quoted him as saying. Talks go on.',
     ['"The issue is separate.', 'This agreement has not been reached," RIA quoted him as saying.', "Talks go on."]),
    ("attribution with final quote", "Lavrov said that “if experts agree, that is a very good opportunity.” RIA reported it.",
     ["Lavrov said that “if experts agree, that is a very good opportunity.”", "RIA reported it."]),
    ("parenthesis", "He said (quietly.) That was it.", ["He said (quietly.)", "That was it."]),
    ("numbered item", "1. The first point is this. 2. The second.", ["1. The first point is this.", "2. The second."]),
    ("question and exclamation", "Is it true?! Yes. 100 people came.", ["Is it true?!", "Yes.", "100 people came."]),
    ("no final punctuation", "Share this news", ["Share this news"]),
    ("lowercase after period", "The approx. figure is 5. and rising.", ["The approx. figure is 5. and rising."]),
    ("dash after period", "He left. — Then came back.", ["He left.", "— Then came back."]),
    ("dash then lower case", "Half her life - half her life! - has been lost.", ["Half her life - half her life! - has been lost."]),
    ("trailing dash", "The analyst said so. —", ["The analyst said so. —"]),
]


@pytest.mark.parametrize("label,text,expected", CASES, ids=[c[0] for c in CASES])
def test_split_sentences(label, text, expected):
    assert split_sentences(text) == expected


def _sentences_of(path: Path) -> tuple[Document, tuple]:
    document = load_document(str(path))
    return document, segment(document)


FIXTURES = sorted(DATA.glob("load_*")) + sorted(DATA.glob("seg_*")) + sorted((DATA.parent.parent / "seeds").glob("*.txt"))


@pytest.mark.parametrize("path", FIXTURES, ids=[p.name for p in FIXTURES])
def test_offsets_cover_each_sentence_in_the_source(path):
    document, sentences = _sentences_of(path)
    assert sentences
    assert [s.index for s in sentences] == list(range(len(sentences)))
    previous_end = 0
    for sentence in sentences:
        assert sentence.text == sentence.text.strip() and sentence.text
        assert previous_end <= sentence.start < sentence.end <= len(document.text)
        previous_end = sentence.end
        source = document.text[sentence.start:sentence.end]
        if document.format == "text":
            assert source == sentence.text
        else:
            block = document.blocks[sentence.block]
            begin = block.text.index(sentence.text)
            for i, ch in enumerate(sentence.text):
                at = block.source_offset(begin + i)
                assert sentence.start <= at < sentence.end
                assert document.text[at] in (ch, "&") or ch.isspace()
            assert source[0] in (sentence.text[0], "&") and source.rstrip().endswith(tuple(sentence.text[-1] + ";>"))


def test_tricky_fixture_sentences():
    _, sentences = _sentences_of(DATA / "seg_tricky.txt")
    assert [s.text for s in sentences] == [
        "Mr. Smith met Dr. Jones in the U.S. capital on Dec. 10.",
        "They talked.",
        "More than 1.3 thousand militants left on 12.12.2016 at 10.30.",
        "Sergei V. Lavrov said so.",
        "“We will win.”",
        "The crowd cheered.",
        "He said: «Hello.»",
        "Then he left.",
        '"The issue is separate," RIA quoted him as saying.',
        "Visit www.example.com or mail john.smith@example.org.",
        "It is free.",
        "Wait...",
        "What happened?",
        "Nobody knows!",
    ]


def test_hard_wrapped_sentence_keeps_its_newline_and_offsets():
    document, sentences = _sentences_of(DATA / "load_wrapped.txt")
    assert sentences[0].text == "Russia and the United States have offered a safe passage for militants\nfrom Eastern Aleppo, the opposition said."
    assert sentences[1].text == "The rebels will be able to leave\nthe city within 48 hours."
    assert all(document.text[s.start:s.end] == s.text for s in sentences)


def test_lines_mode_gives_one_sentence_per_line():
    document = load_text("First. Still the first line.\nSecond line! Yes.\n", input_format="lines")
    sentences = segment(document)
    assert [s.text for s in sentences] == ["First. Still the first line.", "Second line! Yes."]
    assert [s.block for s in sentences] == [0, 1]
    assert all(document.text[s.start:s.end] == s.text for s in sentences)


def test_html_sentence_spans_cover_entities():
    document, sentences = _sentences_of(DATA / "load_article.html")
    quoted = next(s for s in sentences if s.text.startswith("Mr. Ryabkov"))
    assert quoted.text == 'Mr. Ryabkov said it’s "not yet agreed."'
    assert document.text[quoted.start:quoted.end] == "Mr. Ryabkov said it&#8217;s &quot;not yet agreed.&quot;"


# ----------------------------------------------------------------------------- seeds and boilerplate


def test_seed_mt_prose_and_boilerplate(seed_mt):
    _, sentences = _sentences_of(seed_mt)
    prose = [s for s in sentences if s.kind == "prose"]
    boilerplate = [s for s in sentences if s.kind == "boilerplate"]
    assert len(prose) == 15
    assert [s.text for s in boilerplate] == ["Share this news", "Share to Google Plus", "Share to LiveJournal"]
    assert all(s.boilerplate_reason for s in boilerplate)
    assert all(s.boilerplate_reason is None for s in prose)
    texts = [s.text for s in prose]
    assert ("As reports Reuters, citing an unnamed representative of the opposition, the rebels will be able to leave the city"
            " the corridors within 48 hours.") in texts
    assert "More than 1.3 thousand militants laid down arms and went to the areas controlled by Damascus, 1270 terrorists pardoned." in texts
    assert texts[-1] == ("Russia and the United States invited the militants of the conditions for release from Aleppo,"
                         " said the Syrian opposition 12.12.2016")
    assert any(t.startswith("Earlier, Russian foreign Minister Sergei Lavrov said") and t.endswith("in Geneva.") for t in texts)
    assert any(t.startswith("Lavrov said that “if American experts") and t.endswith("leaving all militants.”") for t in texts)


def test_seed_reference_prose_and_boilerplate(seed_ref):
    _, sentences = _sentences_of(seed_ref)
    prose = [s.text for s in sentences if s.kind == "prose"]
    boilerplate = [s.text for s in sentences if s.kind == "boilerplate"]
    assert len(prose) == 11
    assert prose[0] == "U.S., Russia Propose Safe Exit for Aleppo Rebels, Opposition Officials Say; Russia Denies"
    assert prose[1].startswith("Implementation would take place over a 48-hour period")
    assert prose[-1].startswith("Fighters would be allowed to take their light weapons")
    assert boilerplate == [
        "- ISIS Captures Most of Palmyra in Dramatic Reversal",
        "- As Assad Near Victory in Aleppo, U.S. Allies Worry Over Trump Alliance With Russia",
        "- Erdogan, Putin Agree on Need for Aleppo Cease-fire, Aid Relief",
        "Click the alert icon to follow topics:",
        "Comments",
        "In the News",
        "ICYMI",
        "The Artist Who Survived Auschwitz Thought Israel Was 'Worse Than the Concentration Camp'",
        "Jewish Law Above All: Recordings Reveal Far-right MK's Plan to Turn Israel Into Theocracy",
        "Why I’m Turning My Back on My Jewish Identity",
        "Down and Out: Why These New Immigrants Ended Up Leaving Israel",
        "The Reality Behind ‘The White Lotus’ Sex Work Fantasy",
    ]
    reasons = {s.text: s.boilerplate_reason for s in sentences if s.kind == "boilerplate"}
    assert "headline" in reasons["- ISIS Captures Most of Palmyra in Dramatic Reversal"]
    assert "ICYMI" in reasons["Why I’m Turning My Back on My Jewish Identity"]


def _kinds(text: str, fmt: str = "text") -> list[tuple[str, str]]:
    return [(s.text, s.kind) for s in segment(load_text(text, input_format=fmt))]


def test_section_marker_region_ends_when_prose_resumes():
    kinds = _kinds(
        "Related\nPutin Meets Erdogan in Moscow\nOil Prices Fall Again\n"
        "The talks in Geneva, officials said, would resume on Monday.\nAnother Short Title Line\n"
    )
    assert kinds == [
        ("Related", "boilerplate"),
        ("Putin Meets Erdogan in Moscow", "boilerplate"),
        ("Oil Prices Fall Again", "boilerplate"),
        ("The talks in Geneva, officials said, would resume on Monday.", "prose"),
        ("Another Short Title Line", "prose"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "Share on Facebook", "Share to Google Plus", "Tweet", "Share this article", "Email this story",
        "Comments", "12 comments", "Leave a comment", "Read more", "Read also:", "Most popular", "ICYMI",
        "In the News", "Related stories", "© 2016 Reuters. All rights reserved.", "Copyright 2016 Haaretz",
        "12.12.2016", "December 12, 2016", "12 Dec 2016 10:30 GMT", "Updated: Dec. 12, 2016 at 3:45 p.m.",
        "Click the alert icon to follow topics:", "Sign up for our daily newsletter", "Advertisement",
    ],
)
def test_furniture_lines_are_boilerplate(line):
    kinds = _kinds(line + "\n")
    assert kinds and all(kind == "boilerplate" for _, kind in kinds), kinds


@pytest.mark.parametrize(
    "line",
    [
        "Share prices fell sharply in Moscow on Monday.",
        "Comments from the ministry were not available.",
        "The U.S. shared the plan on 12.12.2016.",
        "Russia and the United States invited the militants of the conditions for release from Aleppo, said the Syrian opposition 12.12.2016",
        "U.S., Russia Propose Safe Exit for Aleppo Rebels, Opposition Officials Say; Russia Denies",
        "- the militants laid down their arms, officials said",
    ],
)
def test_article_lines_are_prose(line):
    assert all(kind == "prose" for _, kind in _kinds(line + "\n"))


def test_headline_shape():
    assert looks_like_headline("ISIS Captures Most of Palmyra in Dramatic Reversal")
    assert looks_like_headline("Why I’m Turning My Back on My Jewish Identity")
    assert not looks_like_headline("Officials said the talks would resume")
    assert not looks_like_headline("Putin Meets Erdogan in Moscow.")
    assert not looks_like_headline("Comments")


def test_html_navigation_and_share_list_are_boilerplate():
    _, sentences = _sentences_of(DATA / "load_article.html")
    kinds = {s.text: (s.kind, s.boilerplate_reason) for s in sentences}
    assert kinds["Home"] == ("boilerplate", "inside <nav>")
    assert kinds["Share this news"][0] == "boilerplate"
    assert kinds["All rights reserved."][0] == "boilerplate"
    assert kinds["U.S., Russia Propose Safe Exit for Aleppo Rebels"] == ("prose", None)
    assert kinds["Talks continue."] == ("prose", None)


def test_markdown_bulleted_headlines_are_boilerplate():
    _, sentences = _sentences_of(DATA / "load_article.md")
    kinds = {s.text: s.kind for s in sentences}
    assert kinds["ISIS Captures Most of Palmyra in Dramatic Reversal"] == "boilerplate"
    assert kinds["U.S., Russia Propose Safe Exit for Aleppo Rebels"] == "prose"
    assert kinds["Related"] == "boilerplate"
    assert kinds["Share this news"] == "boilerplate"


def test_list_entries_are_not_prose_to_score():
    from mtcheck.segment import LIST_ENTRY, is_list_entry

    text = ("Newcastle face a trip to Yeading in the FA Cup third round.\n\n"
            "Arsenal v Stoke\n\nSwindon/Notts Co v Middlesbrough\n\n"
            "Pilkington, Talbot, Buxton, Dimech, Artell.\n\nScott 51.\n\nMatches to be played on 8/9 January.\n")
    sentences = segment(load_text(text))
    kinds = {s.text: (s.kind, s.boilerplate_reason) for s in sentences}
    assert kinds["Arsenal v Stoke"] == ("boilerplate", LIST_ENTRY)
    assert kinds["Pilkington, Talbot, Buxton, Dimech, Artell."] == ("boilerplate", LIST_ENTRY)
    assert kinds["Scott 51."] == ("boilerplate", LIST_ENTRY)
    assert kinds["Matches to be played on 8/9 January."][0] == "prose"
    assert kinds["Newcastle face a trip to Yeading in the FA Cup third round."][0] == "prose"
    # a headline with one ordinary word is prose; one shouted in capitals is not judged
    assert not is_list_entry("U.S., Russia Propose Safe Exit for Aleppo Rebels, Opposition Officials Say; Russia Denies")
    assert is_list_entry("RUSSIA DENIES DEAL")
    assert not is_list_entry("The UN said so.")
    assert not is_list_entry("Iran Reports Lowest Number of Daily COVID-19 Cases")  # a headline in title case
    assert is_list_entry("Subs Not Used: White, McIntosh, Wood, Lloyd, Herron.")
