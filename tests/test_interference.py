"""The interference signal, and the rules' cases beyond their declared examples: plain English that must
stay silent, document spans and counts, the allow-list, number ranges."""

from __future__ import annotations

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext
from mtcheck.detect.signals.interference import InterferenceSignal, find_matches
from mtcheck.types import Sentence

# Every rule's own examples (declared with it in mtcheck/detect/rules/) run in tests/test_rules.py;
# these are the cases that need more than an example.


def test_plain_said_with_a_person_is_good_english():
    assert not find_matches("“We will not leave,” said John Smith.")
    assert not find_matches("The rebels have yet to respond to the proposal, a copy of the proposal seen by Reuters said.")
    assert not find_matches("Sales rose 2.5 million units, with 1,300 more sold on Dec. 12, 2016.")
    assert not find_matches("The formula is derived from Newton's laws, which hold for 3 bodies.")


def test_signal_reports_document_spans_and_counts():
    text = "As reports Reuters, 1.3 thousand militants left."
    sentence = Sentence(index=0, start=100, end=100 + len(text), text=text)
    [result] = InterferenceSignal(Settings()).run([sentence], SignalContext(settings=Settings()))
    assert result.features["interference.reporting-inversion"] == 1.0
    assert result.features["interference.thousand-count"] == 1.0
    assert result.features["interference.total"] == 2.0
    for reason in result.reasons:
        assert reason.source == "interference"
        assert sentence.start <= reason.start < reason.end <= sentence.end
    assert {text[r.start - 100 : r.end - 100] for r in result.reasons} == {"As reports Reuters", "1.3 thousand"}


def test_allow_listed_names_never_produce_reasons():
    settings = Settings(allow=("Dmitriy",))
    sentence = Sentence(index=0, start=0, end=40, text="The mayor, Dmitriy Ivanov, resigned.")
    [result] = InterferenceSignal(settings).run([sentence], SignalContext(settings=settings))
    assert result.reasons == ()
    assert result.features["interference.total"] == 0.0


def test_named_institutions_are_not_miscapitalised():
    assert not find_matches("He works for the Agency for Regulation and Development of the Financial Market.")
    assert not find_matches("A research team at the Department of Chemistry said so.")


def test_a_thousand_range_is_fixed_at_both_ends():
    from mtcheck.detect.rules.numbers import thousand_count

    text = "The average price is from 3 to 6 thousand rubles, and 10-15 thousand in Moscow."
    fixes = [(text[m.start:m.end], m.suggestion) for m in thousand_count(text)]
    assert fixes == [("3 to 6 thousand", "3,000 to 6,000"), ("10-15 thousand", "10,000-15,000")]
    # A year before "to" is no range: only the scaled number changes.
    (m,) = thousand_count("From 2020 to 50 thousand people")
    assert m.suggestion == "50,000"
