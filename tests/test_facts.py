"""The fact checks a rewrite must pass (mtcheck/rewrite/facts/): meaning, not spelling.

Unit tests run the regular-expression fallback (``nlp=None``) and a fake ``similar``; the
integration tests run the real spaCy model and the real MiniLM embedder.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from mtcheck.rewrite.facts import (
    WORD_SIMILARITY,
    american,
    approximation_changed,
    attributions,
    content_dropped,
    contrast,
    date_mentions,
    derived,
    fact_checks,
    numbers,
    plurality_changed,
)

CHECKS = ("numbers", "dates", "approximation", "entities", "content", "voice", "plurality", "quotations", "negation",
          "modality", "scope")

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
BEGINNING = ("With the beginning of the Syrian forces ‘ operation to liberate the city centre for reconciliation is "
             "derived from Aleppo more than 78 thousand civilians.")
BEGINNING_FIXED = ("Since the start of the Syrian forces' operation to liberate the city, the reconciliation centre says "
                   "more than 78,000 civilians have been evacuated from Aleppo.")
BEGINNING_REPLACEABLE = {"with", "the", "beginning", "of", "78", "thousand"}

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
    (SEED, SEED_LOST_SOURCE, "content"),
    (SEED, SEED_LOST_SOURCE, "modality"),
]


def failed(original, candidate, **kwargs) -> dict[str, str]:
    return {c.name: c.detail for c in fact_checks(original, candidate, **kwargs) if not c.passed}


def word_table(table: dict[frozenset, float]):
    """A fake ``similar``: known word pairs score as given, anything else 0."""
    def similar(pairs):
        return [table.get(frozenset((a, b)), 1.0 if a == b else 0.0) for a, b in pairs]
    return similar


# -- the interface -----------------------------------------------------------------------
def test_every_check_is_reported_by_name_in_order():
    assert tuple(c.name for c in fact_checks(SEED, SEED_FIXED)) == CHECKS


def test_identical_sentence_passes_every_check():
    for original, _, _ in GOOD_REWRITES:
        assert failed(original, original) == {}


@pytest.mark.parametrize("original,candidate,replaceable", GOOD_REWRITES)
def test_good_rewrites_pass_without_spacy(original, candidate, replaceable):
    assert failed(original, candidate, replaceable=replaceable) == {}


@pytest.mark.parametrize("original,candidate,check", DAMAGE)
def test_damage_fails_without_spacy(original, candidate, check):
    assert check in failed(original, candidate)


def test_the_issue_example_needs_the_source_kept():
    assert failed(SEED, SEED_FIXED) == {}
    problems = failed(SEED, SEED_LOST_SOURCE)
    assert "representative" in problems["content"] and problems["modality"] == "lost attribution"


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


@pytest.mark.parametrize("a,b,same", [
    ("response", "respond", True), ("responded", "response", True), ("evacuation", "evacuated", True),
    ("government", "govern", True), ("liberation", "liberate", True),
    ("department", "departure", False), ("militant", "military", False), ("constitution", "construction", False),
    ("cat", "catalog", False),
])
def test_derivations_share_most_of_a_stem(a, b, same):
    assert derived(a, b) is same


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


# -- content words -----------------------------------------------------------------------
def test_replaceable_words_may_go():
    original = "On the eve of the talks, the remainder who want to leave the city face no restrictions."
    candidate = "The day before the talks, everyone else who wants to leave the city faces no restrictions."
    assert content_dropped(original, candidate, similar=word_table({})) == ["remainder"]
    assert content_dropped(original, candidate, replaceable={"remainder"}, similar=word_table({})) == []


def test_a_synonym_passes_only_with_enough_similarity():
    original = "An unnamed representative of the opposition said the militants left the besieged districts."
    synonym = original.replace("militants", "fighters")
    lost = original.replace("representative", "weather")
    table = word_table({frozenset(("militants", "fighters")): 0.67, frozenset(("representative", "weather")): 0.19})
    assert content_dropped(original, synonym, similar=table) == []
    assert content_dropped(original, lost, similar=table) == ["representative"]


def test_one_new_word_replaces_one_old_word():
    original = "The commander and the representative of the opposition left the besieged districts."
    candidate = "The official of the opposition left the besieged districts."
    table = word_table({frozenset(("commander", "official")): 0.6, frozenset(("representative", "official")): 0.6})
    assert len(content_dropped(original, candidate, similar=table)) == 1


def test_without_an_embedder_one_swap_is_allowed_but_no_loss():
    swapped = "The militants left the besieged eastern districts through humanitarian corridors on Tuesday."
    assert content_dropped(swapped, swapped.replace("militants", "fighters")) == []
    assert content_dropped(swapped, swapped.replace("militants", "fighters").replace("eastern ", "")) != []
    assert content_dropped(swapped, swapped.replace("besieged ", "")) == ["besieged"]


@pytest.mark.parametrize("a,b", [("militants", "civilians"), ("increased", "decreased"), ("legal", "illegal"),
                                 ("import", "export"), ("north", "south"), ("allies", "enemies"), ("brother", "sister")])
def test_contrasts_are_never_synonyms(a, b):
    assert contrast(a, b) and contrast(b, a)
    original = f"The report says the {a} agreed quickly."
    assert content_dropped(original, original.replace(a, b), similar=word_table({frozenset((a, b)): 0.9})) == [a]


@pytest.mark.parametrize("a,b", [("militants", "fighters"), ("beginning", "start"), ("increase", "rise"),
                                 ("response", "respond"), ("centre", "center")])
def test_synonyms_are_no_contrasts(a, b):
    assert not contrast(a, b)


def test_a_derivation_replaces_its_word():
    original = "The group in Aleppo have not yet given a response to such a proposal."
    candidate = "The group in Aleppo had not yet responded to such a proposal."
    assert content_dropped(original, candidate, similar=word_table({})) == []


# -- plurality (fake spaCy tokens) -------------------------------------------------------
class FakeDoc(list):
    ents = ()


def fake_nlp(tagged: dict[str, list[tuple[str, str, str, str]]]):
    """``tagged`` maps a text to (text, lemma, pos, tag) per token."""
    def parse(text):
        doc, idx = FakeDoc(), 0
        for word, lemma, pos, tag in tagged[text]:
            idx = text.index(word, idx)
            doc.append(SimpleNamespace(text=word, lower_=word.lower(), lemma_=lemma, pos_=pos, tag_=tag, idx=idx))
            idx += len(word)
        return doc
    return parse


def test_plurality_flags_a_noun_that_changed_number():
    nlp = fake_nlp({
        "The official said so.": [("The", "the", "DET", "DT"), ("official", "official", "NOUN", "NN"),
                                  ("said", "say", "VERB", "VBD"), ("so", "so", "ADV", "RB"), (".", ".", "PUNCT", ".")],
        "Officials said so.": [("Officials", "official", "NOUN", "NNS"), ("said", "say", "VERB", "VBD"),
                               ("so", "so", "ADV", "RB"), (".", ".", "PUNCT", ".")],
    })
    assert plurality_changed("The official said so.", "Officials said so.", nlp) == ["official: singular became plural"]
    assert plurality_changed("The official said so.", "The official said so.", nlp) == []
    assert plurality_changed("The official said so.", "Officials said so.") == []  # no tagger, no verdict


# -- with the real models ----------------------------------------------------------------
@pytest.fixture(scope="module")
def nlp():
    from mtcheck.services.english import english as load_spacy

    return load_spacy()


@pytest.fixture(scope="module")
def similar():
    from mtcheck.config import Settings
    from mtcheck.services.embedder import Embedder

    return Embedder(Settings()).similarities


@pytest.mark.integration
def test_spacy_pipeline_lemmatizes(nlp):
    assert [t.lemma_ for t in nlp("The groups responded")] == ["the", "group", "respond"]


@pytest.mark.integration
@pytest.mark.parametrize("original,candidate,replaceable", GOOD_REWRITES)
def test_good_rewrites_pass_with_spacy_and_the_embedder(nlp, similar, original, candidate, replaceable):
    assert failed(original, candidate, nlp=nlp, replaceable=replaceable, similar=similar) == {}


@pytest.mark.integration
@pytest.mark.parametrize("original,candidate,check", DAMAGE)
def test_damage_fails_with_spacy_and_the_embedder(nlp, similar, original, candidate, check):
    assert check in failed(original, candidate, nlp=nlp, similar=similar)


@pytest.mark.integration
def test_evacuated_is_not_derived(nlp, similar):
    # "is derived from Aleppo" is the MT's word for "taken out"; "evacuated" is a reading the checks
    # cannot verify (MiniLM: 0.18 between the two), so the rewrite passes only where a flagged
    # problem covers "derived".
    problems = failed(BEGINNING, BEGINNING_FIXED, nlp=nlp, replaceable=BEGINNING_REPLACEABLE, similar=similar)
    assert problems == {"content": "dropped derived, added evacuated"}
    assert failed(BEGINNING, BEGINNING_FIXED, nlp=nlp, replaceable=BEGINNING_REPLACEABLE | {"derived"},
                  similar=similar) == {}


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
def test_plurality_with_spacy(nlp):
    assert "plurality" in failed("The official said the talks failed.", "Officials said the talks failed.", nlp=nlp)
    assert "plurality" not in failed("The group in Aleppo have not yet responded.",
                                     "The group in Aleppo has not yet responded.", nlp=nlp)
    assert "plurality" in failed("The militants left the city.", "The militant left the city.", nlp=nlp)


@pytest.mark.integration
def test_inflection_and_part_of_speech_changes_pass_with_spacy(nlp, similar):
    assert failed("The opposition claimed that the group in Aleppo have not yet given a response to such a proposal.",
                  "The opposition claimed that the group in Aleppo had not yet responded to such a proposal.",
                  nlp=nlp, similar=similar) == {}


@pytest.mark.integration
@pytest.mark.parametrize("old,new,same", [
    ("militants", "fighters", True), ("beginning", "start", True), ("rebels", "insurgents", True),
    ("troops", "soldiers", True), ("representative", "weather", False), ("derived", "evacuated", False),
    ("efficiency", "potential", False),
])
def test_word_similarity_threshold_on_minilm(similar, old, new, same):
    (score,) = similar([(old, new)])
    assert (score >= WORD_SIMILARITY) is same


@pytest.mark.integration
@pytest.mark.parametrize("old,new,kept", [
    ("militants", "fighters", True), ("militants", "insurgents", True), ("representative", "spokesman", True),
    ("representative", "weather", False), ("militants", "civilians", False), ("besieged", "eastern", False),
])
def test_synonym_and_lost_fact_with_the_embedder(nlp, similar, old, new, kept):
    original = "An unnamed representative of the opposition said the militants left the besieged districts."
    problems = failed(original, original.replace(old, new), nlp=nlp, similar=similar)
    assert ("content" not in problems) is kept


@pytest.mark.integration
def test_related_but_opposite_words_are_no_synonyms(nlp, similar):
    original = "Prices for bread increased by 5% last month, the statistics service said."
    assert "content" in failed(original, original.replace("increased", "decreased"), nlp=nlp, similar=similar)
    assert "content" in failed(original, original.replace("bread", "milk"), nlp=nlp, similar=similar)


@pytest.mark.integration
@pytest.mark.parametrize("original,candidate,check", [
    # Judged blind on WMT22 dev suggestions: each changed the meaning and passed the earlier checks.
    ("More budgetary options are made of cotton or polyamide, but are, accordingly, less.",
     "More budgetary options are made of cotton or polyamide, but they are, accordingly, less cost-effective.", "content"),
    ("The leadership can compromise, as a result of which the internal confrontation may be possible.",
     "The leadership can compromise. The internal confrontation is possible as a result.", "modality"),
    ("Deputy Prime Minister Yuri Trutnev, Plenipotentiary Representative of the President, awarded the prize.",
     "Deputy Prime Minister Yuri Trutnev, Plenipotentiary Representative of the President, was awarded the prize.", "voice"),
    ('"Great measures may be required to prevent the overload of the service," said Rozana Barnard of LSHTM.',
     "Great measures may be required to prevent the overload of the service, according to Rozana Barnard of LSHTM.",
     "quotations"),
])
def test_meaning_changes_a_blind_judge_found_are_caught(nlp, similar, original, candidate, check):
    assert check in failed(original, candidate, nlp=nlp, similar=similar)


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


@pytest.mark.parametrize("original, candidate, detail", [
    # Found by blind judging on held-out rows 880+: each read well and changed the claim.
    ("10 largest sites and most of them ceased to exist, says X.", "10 largest sites, which ceased to exist, according to X.",
     "lost “most”"),
    ("Russians gave car dealers about 4.5% of GDP", "Roughly speaking, Russians gave car dealers about 4.5% of GDP",
     "added “roughly speaking”"),
    ("The aim is to evaluate the suitability for the life of the clouds and then search for life there.",
     "The aim is to evaluate the suitability of the clouds and then search for life there.", "“life” 2 times -> 1"),
])
def test_scope_keeps_quantifiers_stance_and_repeated_words(original, candidate, detail):
    (check,) = [c for c in fact_checks(original, candidate) if c.name == "scope"]
    assert not check.passed and check.detail == detail


def test_scope_passes_an_added_article():
    assert "scope" not in failed("Producers plan to provide vaccine adapted to Omikron.",
                                 "Producers plan to provide a vaccine adapted to Omikron.")
