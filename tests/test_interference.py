"""Every interference rule fires on a machine-translated example and not on a fluent paraphrase."""

from __future__ import annotations

import pytest

from mtcheck.config import Settings
from mtcheck.detect.base import SignalContext
from mtcheck.detect.signals.interference import RULE_IDS, InterferenceSignal, feature_names, find_matches
from mtcheck.types import Sentence

# (rule id, machine-translated sentence, the matched text, suggestion or None, clean English paraphrase)
CASES = [
    ("reporting-inversion", "As reports Reuters, the rebels will leave the city.", "As reports Reuters", "As Reuters reports",
     "As Reuters reports, the rebels will leave the city."),
    ("reporting-inversion", "As reported the agency, talks continue.", "As reported the agency", "As the agency reported",
     "As reported by the agency, talks continue."),
    ("reporting-inversion-end", "No date was given, said RIA “Novosti”.", "said RIA “Novosti”", "RIA “Novosti” said",
     "No date was given, RIA Novosti said."),
    ("reporting-inversion-end", "Three people were detained, reported the ministry.", "reported the ministry", "the ministry reported",
     "Three people were detained, the ministry reported."),
    ("thousand-count", "More than 1.3 thousand militants laid down arms.", "1.3 thousand", "1,300",
     "More than 1,300 militants laid down arms."),
    ("thousand-count", "More than 78 thousand civilians left.", "78 thousand", "78,000", "More than 78,000 civilians left."),
    ("decimal-comma", "Prices rose by 2,5 percent in May.", "2,5", "2.5", "Prices rose by 2.5 percent in May."),
    ("numeric-date", "The opposition said so on 12.12.2016", "12.12.2016", "December 12, 2016",
     "The opposition said so on December 12, 2016."),
    ("year-calque", "The plant opened in 2016 year.", "2016 year", "2016", "The plant opened in 2016."),
    ("derived-from", "Since Monday is derived from Aleppo more than 78 thousand civilians.", "is derived from Aleppo", None,
     "Since Monday, more than 78,000 civilians have been brought out of Aleppo."),
    ("on-the-eve", "On the eve the ministry confirmed the report.", "On the eve", "The day before",
     "On the eve of the summit, the ministry confirmed the report."),
    ("on-the-eve", "On the eve of Russian reconciliation centre reported that 93% is under control.", "On the eve of", None,
     "The day before, the Russian reconciliation centre reported that 93% is under control."),
    ("media-law-disclaimer", "Militants of “al-Nusra Front” (banned in Russia) may leave.", "banned in Russia", "",
     "Militants of the Nusra Front may leave."),
    ("media-law-disclaimer", "The outlet, recognised as a foreign agent, reported it.", "recognised as a foreign agent", "",
     "The outlet reported it."),
    ("cyrillic", "The village of Новоселовка was shelled.", "Новоселовка", None, "The village of Novoselivka was shelled."),
    ("guillemets", "The party «United Russia» won.", "«United Russia»", "“United Russia”", "The party United Russia won."),
    ("calque", "Flights were cancelled in connection with the storm.", "in connection with", "because of",
     "Flights were cancelled because of the storm."),
    ("calque", "Talks were held within the framework of the visit.", "within the framework of", "as part of",
     "Talks were held as part of the visit."),
    ("calque", "It should be noted that the talks failed.", "It should be noted that ", "", "The talks failed."),
    ("calque", "With the beginning of the operation, 78 people left.", "With the beginning of", "Since the start of",
     "Since the operation began, 78 people left."),
    ("weak-calque", "Police carried out a number of raids.", "carried out", None, "Police raided several homes."),
    ("russian-agency-quoted", "This was reported by RIA «Novosti».", "RIA «Novosti»", "RIA Novosti",
     "This was reported by Reuters."),
    ("capitalisation", "Earlier, Russian foreign Minister Sergei Lavrov said so.", "foreign Minister", "Foreign Minister",
     "Earlier, Russian Foreign Minister Sergei Lavrov said so."),
    ("capitalisation", "According to the Agency, all fighters can leave.", "the Agency", "the agency",
     "According to the agency, all fighters can leave."),
    ("country-title", "Yesterday President of Russia Vladimir Putin arrived.", "President of Russia", "Russian President",
     "Yesterday Russian President Vladimir Putin arrived."),
    ("russian-federation", "Sanctions hit the Russian Federation hard.", "the Russian Federation", "Russia",
     "Sanctions hit Russia hard."),
    ("transliteration", "The mayor, Dmitriy Ivanov, resigned.", "Dmitriy", None, "The mayor, Dmitry Ivanov, resigned."),
]


@pytest.mark.parametrize("rule_id,mt,matched,suggestion,clean", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_rule_fires_on_mt_and_not_on_paraphrase(rule_id, mt, matched, suggestion, clean):
    hits = [m for _, m in find_matches(mt) if m.rule == rule_id]
    assert hits, f"{rule_id} did not fire on {mt!r}"
    assert mt[hits[0].start : hits[0].end] == matched
    assert hits[0].suggestion == suggestion
    assert hits[0].message and "\n" not in hits[0].message
    assert not [m for _, m in find_matches(clean) if m.rule == rule_id], f"{rule_id} fired on clean {clean!r}"


def test_every_rule_id_has_a_case_and_a_feature():
    covered = {c[0] for c in CASES}
    assert RULE_IDS - covered <= {"russian-agency"}
    assert set(feature_names()) == {f"interference.{r}" for r in RULE_IDS} | {"interference.total"}


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
    from mtcheck.detect.signals.interference import thousand_count

    text = "The average price is from 3 to 6 thousand rubles, and 10-15 thousand in Moscow."
    fixes = [(text[m.start:m.end], m.suggestion) for m in thousand_count(text)]
    assert fixes == [("3 to 6 thousand", "3,000 to 6,000"), ("10-15 thousand", "10,000-15,000")]
    # A year before "to" is no range: only the scaled number changes.
    (m,) = thousand_count("From 2020 to 50 thousand people")
    assert m.suggestion == "50,000"
