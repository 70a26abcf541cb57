"""The fact checks a rewrite must pass (mtcheck/rewrite/facts/): meaning, not spelling.

Unit tests run the regular-expression fallback (``nlp=None``); the integration tests run the real
spaCy model. Content words, plurality, voice and scope are no longer fact checks: each edit brings
its own evidence (tests/test_rewrite_edits.py).
"""

from __future__ import annotations

import pytest

from mtcheck.rewrite.facts import (
    american,
    approximation_changed,
    attributions,
    date_mentions,
    fact_checks,
    numbers,
)

CHECKS = ("numbers", "dates", "approximation", "entities", "quotations", "negation", "modality", "pronouns", "links")

SEED = ("As reports Reuters, citing an unnamed representative of the opposition, the rebels will be able to "
        "leave the city the corridors within 48 hours.")
SEED_FIXED = ("As Reuters reports, citing an unnamed representative of the opposition, the rebels will be able to "
              "leave the city through the corridors within 48 hours.")
SEED_LOST_SOURCE = ("Reuters reported that the rebels will be able to leave the city through the corridors within "
                    "48 hours.")

# (original, candidate, replaceable): good rewrites of sentences of the seed article.
GOOD_REWRITES = [
    ("The opposition claimed that the group in Aleppo have not yet given a response to such a proposal.",
     "The opposition claimed that the group in Aleppo had not yet responded to such a proposal.",
     {"have", "given", "a", "response"}),
    ("On the eve of Russian reconciliation centre reported that 93% of Aleppo is under the control of the Syrian "
     "government.",
     "The day before, the Russian reconciliation center reported that 93% of Aleppo is under the control of the "
     "Syrian government.",
     {"on", "the", "eve", "of"}),
    ("For the rest who want to leave the city, no restrictions.",
     "For anyone else who wants to leave the city, there are no restrictions.",
     {"for", "the", "rest"}),
    (SEED, SEED_FIXED, {"as", "reports", "reuters", "the", "city", "corridors"}),
    ("said the Syrian opposition 12.12.2016", "said the Syrian opposition on December 12, 2016.", set()),
]
# (original, candidate, the check that must fail): damage a rewrite must never do.
DAMAGE = [
    ("More than 1.3 thousand militants laid down arms.", "More than 1,200 militants laid down arms.", "numbers"),
    ("The talks resumed in 2015.", "The talks resumed in 2016.", "numbers"),
    ("The talks resumed.", "The talks resumed in 2016.", "numbers"),
    ("The team rose from last place to third.", "The team rose from third to second.", "numbers"),
    ("The team finished 3rd.", "The team finished second.", "numbers"),
    ("said the Syrian opposition 12.12.2016", "said the Syrian opposition on December 13, 2016.", "dates"),
    ("said the Syrian opposition 12.12.2016", "said the Syrian opposition.", "dates"),
    ("The meeting is on 10 December.", "The meeting is on December 10, 2016.", "dates"),
    ("The talks were held in Geneva, Lavrov said.", "The talks were held in Geneva, the minister said.", "entities"),
    ("The ministry has not confirmed the report.", "The ministry has confirmed the report.", "negation"),
    ("The rebels have left the city.", "The rebels have not left the city.", "negation"),
    ("The rebels will be able to leave the city.", "The rebels have left the city.", "modality"),
    ("The rebels may leave the city.", "The rebels leave the city.", "modality"),
    ("Reuters said the rebels reportedly left the city.", "Reuters said the rebels left the city.", "modality"),
    ("The rebels allegedly shelled the city.", "The rebels shelled the city.", "modality"),
    ("The rebels left the city, the ministry said.", "The rebels left the city.", "modality"),
    ("The ministry said the rebels left the city, Interfax reports.", "The ministry said the rebels left the city.",
     "modality"),
    ("Nearly 5 thousand people left.", "More than 5,000 people left.", "approximation"),
    ("About 300 people left.", "300 people left.", "approximation"),
    ("Up to 300 people left.", "At least 300 people left.", "approximation"),
    ("300 people left.", "Some 300 people left.", "approximation"),
    ("He called it “a very good opportunity”.", "He called it “a very good chance”.", "quotations"),
    (SEED, SEED_LOST_SOURCE, "modality"),
]


def failed(original, candidate, nlp=None) -> dict[str, str]:
    return {c.name: c.detail for c in fact_checks(original, candidate, nlp) if not c.passed}


# -- the interface -----------------------------------------------------------------------
def test_every_check_is_reported_by_name_in_order():
    assert tuple(c.name for c in fact_checks(SEED, SEED_FIXED)) == CHECKS


def test_identical_sentence_passes_every_check():
    for original, _, _ in GOOD_REWRITES:
        assert failed(original, original) == {}


@pytest.mark.parametrize("original,candidate,replaceable", GOOD_REWRITES)
def test_good_rewrites_pass_without_spacy(original, candidate, replaceable):
    assert failed(original, candidate) == {}


@pytest.mark.parametrize("original,candidate,check", DAMAGE)
def test_damage_fails_without_spacy(original, candidate, check):
    assert check in failed(original, candidate)


def test_the_issue_example_needs_the_source_kept():
    assert failed(SEED, SEED_FIXED) == {}
    problems = failed(SEED, SEED_LOST_SOURCE)
    assert problems["modality"] == "lost attribution"


# -- spelling and derivation -------------------------------------------------------------
@pytest.mark.parametrize("british,american_form", [
    ("centre", "center"), ("centres", "centers"), ("centred", "centered"), ("colour", "color"),
    ("behaviour", "behavior"), ("favourite", "favorite"), ("organise", "organize"), ("organisation", "organization"),
    ("realised", "realized"), ("analyse", "analyze"), ("paralysed", "paralyzed"), ("defence", "defense"),
    ("offences", "offenses"), ("programme", "program"), ("programmes", "programs"), ("travelled", "traveled"),
    ("travelling", "traveling"), ("cancelled", "canceled"), ("metre", "meter"), ("fibre", "fiber"),
    ("licence", "license"), ("practised", "practiced"), ("judgement", "judgment"), ("grey", "gray"),
])
def test_british_and_american_spellings_are_one_word(british, american_form):
    assert american(british) == american(american_form)


@pytest.mark.parametrize("word", ["hour", "four", "your", "tour", "there", "genre", "acre", "filled", "rise", "wise"])
def test_short_words_keep_their_spelling(word):
    assert american(word) == word


def test_spelling_variants_pass_content_and_entities():
    assert failed("The Reconciliation Centre said the programme was organised by the Defence Ministry.",
                  "The Reconciliation Center said the program was organized by the Defense Ministry.") == {}


# -- numbers -----------------------------------------------------------------------------
def test_thousand_forms_and_ranges_are_one_value():
    assert numbers("78 thousand civilians") == numbers("78,000 civilians") == numbers("78000 civilians")
    assert numbers("More than 1.3 thousand militants") == numbers("More than 1,300 militants")
    assert numbers("from 3 to 6 thousand rubles") == numbers("from 3,000 to 6,000 rubles")
    assert numbers("3 to 6,000 rubles") != numbers("3,000 to 6,000 rubles")


def test_ranks_are_numbers():
    assert numbers("third place") == numbers("3rd place")
    assert numbers("from last place to third") != numbers("from third to second")
    assert numbers("the talks will last two days") == numbers("the talks take two days")


def test_a_date_is_not_a_number():
    assert numbers("said the Syrian opposition 12.12.2016") == numbers("on December 12, 2016") == {}
    assert numbers("in 2016, 5 people") == numbers("in 2016, five people")


# -- dates -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["12.12.2016", "12 December 2016", "December 12, 2016", "Dec. 12, 2016",
                                  "12th of December, 2016", "2016-12-12", "Dec 12 2016"])
def test_date_formats_are_one_date(text):
    (mention,) = date_mentions(f"It happened on {text}.")
    assert (2016, 12, 12) in mention.values


def test_a_date_without_year_compares_on_month_and_day():
    assert failed("The meeting is on Saturday, 10 December.", "The meeting is on Saturday, December 10.") == {}
    assert "dates" in failed("The meeting is on Saturday, 10 December.", "The meeting is on Saturday, 11 December.")
    assert "dates" in failed("The meeting is on Saturday, 10 December.", "The meeting is on Sunday, 10 December.")


def test_slashed_dates_may_be_either_order_but_dotted_ones_are_day_first():
    assert failed("It was signed on 05/06/2016.", "It was signed on May 6, 2016.") == {}
    assert "dates" in failed("It was signed on 05.06.2016.", "It was signed on May 6, 2016.")
    assert failed("It was signed on 05.06.2016.", "It was signed on 5 June 2016.") == {}


def test_may_the_modal_is_no_month():
    assert date_mentions("The rebels may leave 5 cities.") == []
    assert [d.label for d in date_mentions("The talks began in May and ended on May 5.")] == ["May", "5 May"]


# -- approximation -----------------------------------------------------------------------
@pytest.mark.parametrize("original,candidate,ok", [
    ("nearly 5 thousand people", "almost 5,000 people", True),
    ("nearly 5 thousand people", "more than 5,000 people", False),
    ("about 300 people", "some 300 people", True),
    ("about 300 people", "around 300 people", True),
    ("about 300 people", "300 people", False),
    ("more than 78 thousand civilians", "over 78,000 civilians", True),
    ("more than 78 thousand civilians", "at least 78,000 civilians", True),
    ("more than 78 thousand civilians", "78,000 civilians or more", True),
    ("less than 300 people", "fewer than 300 people", True),
    ("less than 300 people", "about 300 people", False),
    ("an estimated 300 people", "roughly 300 people", True),
    ("no more than 300 people", "more than 300 people", False),
])
def test_a_qualifier_keeps_its_direction(original, candidate, ok):
    assert (approximation_changed(original, candidate) == []) is ok


def test_qualifiers_after_the_number():
    assert approximation_changed("more than 300 people", "300-odd people") != []
    assert approximation_changed("about 300 people", "300-odd people") == []
    assert approximation_changed("at least 300 people", "300+ people") == []


def test_approximation_names_both_phrases():
    assert failed("Nearly 5 thousand people left.", "More than 5,000 people left.") == {
        "approximation": "nearly 5,000 became more than 5,000"}


# -- attribution -------------------------------------------------------------------------
def test_attribution_is_counted_by_clause():
    assert attributions(SEED) == 2
    assert attributions("According to a report by Reuters, the rebels left.") == 1
    assert attributions("The rebels left, the ministry said, citing the commander.") == 2


def test_a_name_is_no_reporting_verb():
    assert attributions("Russia and the United States offered a passage.") == 0
    assert attributions("Reports say the United States offered a passage.") == 1


def test_moved_attribution_passes():
    assert failed(SEED, "Citing an unnamed opposition representative, Reuters reports that the rebels will be able "
                        "to leave the city through the corridors within 48 hours.") == {}
    assert failed("The rebels left the city, the ministry said.", "The ministry said the rebels left the city.") == {}


# -- names -------------------------------------------------------------------------------
@pytest.mark.parametrize("original,candidate", [
    ("Russia and the United States offered a passage.", "Russia and the U.S. offered a passage."),
    ("Russia and the US offered a passage.", "Russia and the United States offered a passage."),
    ("The United Nations said the talks failed.", "The UN said the talks failed."),
    ("Britain said the talks failed.", "The UK said the talks failed."),
    ("The Ministry of Defence said the talks failed.", "The Defense Ministry said the talks failed."),
    ("The Syrian army entered the city.", "Syria's army entered the city."),
])
def test_one_name_in_other_words_passes(original, candidate):
    assert failed(original, candidate) == {}


def test_a_changed_name_fails():
    assert failed("The UN said the talks failed.", "The EU said the talks failed.") == {"entities": "dropped UN"}
    assert failed("The talks failed, Ivanov said.", "The talks failed, Ivanova said.") == {"entities": "dropped Ivanov"}


# -- with the real models ----------------------------------------------------------------
@pytest.fixture(scope="module")
def nlp():
    from mtcheck.services.english import english as load_spacy

    return load_spacy()


@pytest.mark.integration
def test_spacy_pipeline_lemmatizes(nlp):
    assert [t.lemma_ for t in nlp("The groups responded")] == ["the", "group", "respond"]


@pytest.mark.integration
@pytest.mark.parametrize("original,candidate,replaceable", GOOD_REWRITES)
def test_good_rewrites_pass_with_spacy(nlp, original, candidate, replaceable):
    assert failed(original, candidate, nlp=nlp) == {}


@pytest.mark.integration
@pytest.mark.parametrize("original,candidate,check", DAMAGE)
def test_damage_fails_with_spacy(nlp, original, candidate, check):
    assert check in failed(original, candidate, nlp=nlp)


@pytest.mark.integration
@pytest.mark.parametrize("original,candidate", [
    ("Russia and the United States offered a passage.", "Russia and the U.S. offered a passage."),
    ("The United Nations said the talks failed.", "The UN said the talks failed."),
    ("The Ministry of Defence said the talks failed.", "The Defense Ministry said the talks failed."),
])
def test_one_name_in_other_words_passes_with_spacy(nlp, original, candidate):
    assert failed(original, candidate, nlp=nlp) == {}


@pytest.mark.integration
def test_a_made_up_name_fails_with_spacy(nlp):
    problems = failed("The talks failed, the minister said.", "The talks failed, Lavrov said.", nlp=nlp)
    assert problems["entities"] == "added Lavrov"


@pytest.mark.integration
@pytest.mark.parametrize("original,candidate,check", [
    # Judged blind on WMT22 dev suggestions: each changed the meaning and passed the earlier checks.
    ("The leadership can compromise, as a result of which the internal confrontation may be possible.",
     "The leadership can compromise. The internal confrontation is possible as a result.", "modality"),
    ('"Great measures may be required to prevent the overload of the service," said Rozana Barnard of LSHTM.',
     "Great measures may be required to prevent the overload of the service, according to Rozana Barnard of LSHTM.",
     "quotations"),
])
def test_meaning_changes_a_blind_judge_found_are_caught(nlp, original, candidate, check):
    assert check in failed(original, candidate, nlp=nlp)


def test_a_hedge_is_kept_word_for_word():
    from mtcheck.rewrite.facts import modality_lost
    # "allegedly": the claim is disputed; "reportedly": the claim is someone else's.
    assert modality_lost("Media allegedly claimed they had allegedly fought.",
                         "Media reportedly claimed they had allegedly fought.") == ["hedge"]
    assert modality_lost("The alleged spy reportedly left.", "The spy allegedly and reportedly left.") == []


def test_a_spelled_out_fraction_is_not_a_rank():
    # "rose by fourth" (Russian "на четверть", by a quarter) is not "rose by 4th".
    assert "numbers" in failed("Demand rose worldwide by fourth.", "Demand rose worldwide by 4th.")
    assert "numbers" not in failed("The team finished third.", "The team finished 3rd.")


def test_a_name_written_with_a_dot_stays_one_word():
    assert "entities" in failed("Analysts told Gazeta.Ru they buy more.", "Analysts told Gazeta. Ru they buy more.")


def test_a_rewrite_gives_nobody_a_gender_the_original_did_not():
    assert failed("According to her, the talks failed.", "According to him, the talks failed.") == {
        "pronouns": "a masculine pronoun added"}
    assert "pronouns" in failed("This was reported on Friday.", "He reported this on Friday.")
    # A gendered pronoun for a thing may become "it"; the same speaker may move.
    assert "pronouns" not in failed("The virus mutated, and he met no resistance.", "The virus mutated and met no resistance.")
    assert "pronouns" not in failed("According to her, the talks failed.", "The talks failed, she said.")


def test_a_link_is_kept_character_for_character_even_when_translation_spaced_it_out():
    from mtcheck.rewrite.facts.links import links

    spaced = "http: / / echo.msk.ru / programs / code / 1582608-echo / (at the end of the program)"
    # LanguageTool's capital at a sentence start, applied to a scheme, breaks the address.
    assert failed(spaced, spaced.replace("http:", "Http:"))["links"] == "changed http:, added Http:"
    assert "links" in failed("Details at www.bbc.co.uk/news/world-123.", "Details at www.bbc.co.uk/news.")
    assert "links" in failed("Write to press@kremlin.ru or @tass_agency.", "Write to press@kremlin.ru or @tass.")
    assert "links" not in failed("See kremlin.ru for the text, he said.", "He said the text is on kremlin.ru.")
    # Abbreviations, a name written with a dot and a sentence glued to the next are no links.
    assert not links("The U.S. and e.g. the city.The next day Gazeta.Ru said 3.5 i.e. more.")
