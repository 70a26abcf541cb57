"""Typed edits (mtcheck/rewrite/edits.py) and edit-level evidence (mtcheck/rewrite/evidence.py).

The evidence rules run on a fake extractor (whitespace tokens, types from a table) and fake
measurements; ERRANT on the real spaCy model is the integration test at the end.
"""

from __future__ import annotations

import difflib

import pytest

from mtcheck.rewrite.edits import Edit
from mtcheck.rewrite.evidence import EditJudge, copies
from mtcheck.rewrite.problems import Problem, find_problems
from mtcheck.types import Candidate

SEED = ("As reports Reuters, citing an unnamed representative of the opposition, the rebels will be able to "
        "leave the city the corridors within 48 hours.")


class FakeExtractor:
    """Whitespace tokens; an edit's type from ``types`` (by replacement words), else R:OTHER."""

    def __init__(self, types: dict[str, str] | None = None):
        self.types = types or {}

    def edits(self, original, candidate, units=()):
        a, b = original.split(), candidate.split()
        out = []
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
            if op != "equal":
                repl = " ".join(b[j1:j2])
                out.append(Edit(i1, i2, " ".join(a[i1:i2]), repl, self.types.get(repl or " ".join(a[i1:i2]), "R:OTHER")))
        return out

    def apply(self, original, edits):
        tokens = original.split()
        for e in sorted(edits, key=lambda e: -e.start):
            tokens[e.start:e.end] = e.replacement.split()
        return " ".join(tokens)


class FakeVerifier:
    """Surprisal: 1 nat per "zz" word, less 0.5 for "a"/"the" before "vaccine"; no LanguageTool; the
    interference rules for real (pure Python)."""

    use_models = True
    nlp = None
    resolved_tolerance = 0.5

    def surprisal(self, texts):
        return [1.0 + sum(w.startswith("zz") for w in t.split()) - 0.5 * (" a vaccine" in t) for t in texts]

    def similarity(self, pairs):
        return [0.95 for _ in pairs]

    def languagetool_matches(self, texts):
        return {}

    def problems(self, text):
        return find_problems(text)


def judge(types=None, **kwargs):
    return EditJudge(FakeVerifier(), FakeExtractor(types), **kwargs)


def by_replacement(proposals):
    return {p.edit.replacement: p for p in proposals}


def test_a_form_edit_needs_fluency_or_a_flagged_problem():
    original = "Producers plan to provide vaccine adapted to Omicron."
    fluent = "Producers plan to provide a vaccine adapted to Omicron."
    churn = "Producers plan to provide vaccine adapted to the Omicron."
    admitted, rejected = judge({"a": "M:DET", "the": "M:DET"}).judge(
        original, [Candidate("llm", fluent), Candidate("llm", churn)])
    assert [p.edit.replacement for p in admitted] == ["a"]
    assert "surprisal down 0.50" in admitted[0].evidence
    (refused,) = rejected
    assert refused.edit.replacement == "the" and "no fluency gain" in refused.reason


@pytest.mark.parametrize("kind", ["R:PREP", "M:PREP", "M:VERB:TENSE"])
def test_a_preposition_or_tense_edit_needs_agreeing_answers_not_fluency(kind):
    # The fake LM reads " a vaccine" 0.5 nats better; typed as a preposition or a tense, the same
    # edit says where or when, which fluency cannot vouch for.
    original = "Producers plan to provide vaccine adapted to Omicron."
    edited = "Producers plan to provide a vaccine adapted to Omicron."
    admitted, rejected = judge({"a": kind}).judge(original, [Candidate("llm", edited), Candidate("llm-sample", original)])
    assert admitted == []
    assert "changes where, when or how sure" in rejected[0].reason and "(needs 2)" in rejected[0].reason
    agreed, _ = judge({"a": kind}).judge(original, [Candidate("llm", edited), Candidate("llm-sample", edited)])
    assert [p.evidence for p in agreed] == ["proposed by 2 of 2 model candidates"]


class GrammarRuleVerifier(FakeVerifier):
    """LanguageTool's BEEN_PART_AGREEMENT flags "still sugar", the project's thousand-count rule the rest."""

    def problems(self, text):
        at = text.find("still sugar.")
        own = [Problem("BEEN_PART_AGREEMENT", "sugar", "a participle?", at + 6, at + 11, "sugared", "languagetool")]
        return find_problems(text) + (own if at >= 0 else [])


def test_languagetools_own_word_fix_needs_a_model_answer_to_count_as_resolving():
    original = "Brown or white, it is still sugar."
    fixed = original.replace("sugar", "sugared")
    j = EditJudge(GrammarRuleVerifier(), FakeExtractor({"sugared.": "R:VERB:FORM"}))
    admitted, (refused,) = j.judge(original, [Candidate("languagetool", fixed)])
    assert admitted == [] and "no fluency gain" in refused.reason
    confirmed, _ = j.judge(original, [Candidate("languagetool", fixed), Candidate("llm", fixed)])
    assert [p.evidence for p in confirmed] == ["resolves BEEN_PART_AGREEMENT: sugar"]
    # The project's own rules are taken as they are, whoever applies them.
    count = "More than 78 thousand civilians left, it is still sugar."
    rule_fix, _ = j.judge(count, [Candidate("languagetool", count.replace("78 thousand", "78,000"))])
    assert [p.evidence for p in rule_fix] == ["a rule's own fix: resolves thousand-count: 78 thousand"]


def test_a_rule_fix_of_a_flagged_problem_is_admitted_whatever_its_type():
    original = "More than 78 thousand civilians left Aleppo, the ministry said."
    fixed = original.replace("78 thousand", "78,000")
    admitted, _ = judge().judge(original, [Candidate("rules", fixed)])
    assert [p.edit.replacement for p in admitted] == ["78,000"]
    assert admitted[0].evidence.startswith("a rule's own fix: resolves ")
    # The same edit from the model alone resolves the problem too: a form edit would pass on that,
    # a content edit needs the MiniLM equivalence (the fake says 0.95).
    (alone,), _ = judge().judge(original, [Candidate("llm", fixed)])
    assert "equivalent sentence (MiniLM 0.95)" in alone.evidence


def test_a_content_edit_needs_several_model_candidates_to_agree():
    original = "The militants dabble in the city, the ministry said."
    once = original.replace("dabble", "babble")
    twice = original.replace("dabble", "meddle")
    votes = [Candidate("llm", once), Candidate("llm-sample", twice), Candidate("llm-sample", twice),
             Candidate("llm-sample", original), Candidate("llm-sample", original)]
    admitted, rejected = judge().judge(original, votes)
    assert [p.edit.replacement for p in admitted] == ["meddle"]
    assert admitted[0].evidence == "proposed by 2 of 5 model candidates"
    assert "proposed by 1 of 5 model candidates (needs 2)" in by_replacement(rejected)["babble"].reason


class FakeSourceInformation:
    """Against the Russian: ``scale`` nats of likelihood and of information per word the text shares
    with ``meant`` (its English gloss)."""

    def __init__(self, meant: str, scale: float = 4.0):
        self.meant, self.scale, self.calls = set(meant.lower().split()), scale, []

    def scores(self, russian, texts):
        from mtcheck.rewrite.adequacy import SourceScore

        self.calls.append((russian, list(texts)))
        return [SourceScore(self.scale * len(self.meant & set(t.lower().split())), 0.0) for t in texts]


def test_with_the_source_a_content_edit_it_supports_needs_no_votes():
    original = "The militants will leave the city the corridors, Reuters reported."
    closer = original.replace("the corridors", "through corridors")
    elsewhere = original.replace("the corridors", "the tunnels")
    scorer = FakeSourceInformation("The militants will leave the city through corridors")
    j = judge(source_information=scorer)
    admitted, rejected = j.judge(original, [Candidate("llm", closer), Candidate("llm-sample", elsewhere)],
                                 source="Боевики покинут город по коридорам, сообщает Reuters.")
    assert [p.edit.replacement for p in admitted] == ["through"]
    assert admitted[0].evidence.startswith("the Russian source supports it (as its translation, log-likelihood up 4.0)")
    assert "proposed by 1 of 2 model candidates" in by_replacement(rejected)["tunnels,"].reason
    assert scorer.calls[0][0].startswith("Боевики")
    # Without the source the same answers have no evidence: one vote each.
    admitted, _ = judge(source_information=scorer).judge(original, [Candidate("llm", closer), Candidate("llm-sample", elsewhere)])
    assert admitted == []


def test_with_the_source_a_model_edit_that_loses_what_it_says_is_refused_whatever_its_votes():
    original = "The militants dabble in the city, the ministry said."
    drifted = original.replace("dabble", "babble")
    scorer = FakeSourceInformation("militants dabble", scale=8.0)
    admitted, rejected = judge(source_information=scorer).judge(original, [Candidate("llm", drifted)] * 3, source="…")
    assert admitted == []
    assert rejected[0].reason == "the Russian source does not support it (as its translation, log-likelihood down 8.0)"
    # A rule's own fix is never weighed: a translation model prefers the literal rendering it replaces.
    fixed = "More than 78,000 civilians left Aleppo, the ministry said."
    admitted, _ = judge(source_information=FakeSourceInformation("78 thousand", 9.0)).judge(
        "More than 78 thousand civilians left Aleppo, the ministry said.", [Candidate("rules", fixed)], source="…")
    assert admitted and admitted[0].evidence.startswith("a rule's own fix")


def test_an_edit_that_changes_a_fact_is_rejected_whatever_its_support():
    original = "More than 78 thousand civilians left Aleppo, the ministry said."
    wrong = original.replace("78 thousand", "87 thousand")
    admitted, rejected = judge().judge(original, [Candidate("llm", wrong)] * 5)
    assert admitted == [] and rejected[0].reason.startswith("numbers:")


def test_a_content_deletion_needs_more_than_votes():
    original = "The long talks ended on Monday."
    shorter = "The talks ended on Monday."
    admitted, rejected = judge().judge(original, [Candidate("llm", shorter)] * 3)
    assert admitted == [] and any("deletion" in p.reason for p in rejected)


def test_a_replacement_that_only_drops_words_is_a_deletion():
    original = "Now the ministry proceeds from the fact that talks failed."
    shorter = original.replace("Now the", "The")
    admitted, (refused,) = judge().judge(original, [Candidate("llm", shorter), Candidate("llm-sample", shorter)])
    assert admitted == [] and refused.edit.only_removes
    assert "deletion of content (“Now the”) that resolves no flagged problem" in refused.reason
    assert not Edit(0, 2, "Now the", "Today the", "R:OTHER").only_removes


def test_a_model_edit_that_copies_a_word_from_elsewhere_in_the_sentence_is_refused():
    original = "When consciousness returned to normal, indifference gave way to fear."
    copied = original.replace("indifference", "fear")
    admitted, (refused,) = judge().judge(original, [Candidate("llm", copied)] * 3)
    assert admitted == [] and refused.reason == "puts in “fear”, which the rest of the sentence already has"
    # A function word the sentence has is no copy; nor is a rule's fix.
    calm = original.replace("indifference", "calm")
    (kept,), _ = judge().judge(original, [Candidate("llm", calm)] * 3)
    assert kept.edit.replacement == "calm"
    assert copies(original, Edit(5, 6, "indifference", "and to", "R:OTHER")) == ""


def test_clashing_edits_keep_the_better_supported_one():
    original = "The rebels dabble in the city, the ministry said."
    a, b = original.replace("dabble", "meddle"), original.replace("dabble", "interfere")
    admitted, rejected = judge(support_share=0.0).judge(
        original, [Candidate("llm", a), Candidate("llm-sample", a), Candidate("llm-sample", a),
                   Candidate("llm-sample", b), Candidate("llm-sample", b)])
    assert [p.edit.replacement for p in admitted] == ["meddle"]
    assert "overlaps the better supported edit" in by_replacement(rejected)["interfere"].reason


def test_edits_clash_by_span_and_insertions_by_position():
    replace, insert_inside, insert_at = Edit(2, 4, "x y", "z", "R:NOUN"), Edit(3, 3, "", "a", "M:DET"), Edit(2, 2, "", "a", "M:DET")
    assert replace.overlaps(insert_inside) and not replace.overlaps(insert_at)
    assert insert_at.overlaps(Edit(2, 2, "", "the", "M:DET")) and not Edit(4, 5, "w", "v", "R:VERB").overlaps(replace)
    assert Edit(0, 1, "on", "in", "R:PREP").kind == "form" and Edit(0, 1, "x", "y", "R:NOUN").kind == "content"
    assert Edit(0, 0, "", ",", "M:PUNCT").kind == "form" and Edit(0, 2, "a b", "b a", "R:WO").kind == "form"
    # A pronoun says who: "According to her" -> "him" needs meaning evidence, not fluency.
    assert Edit(2, 3, "her", "him", "R:PRON").kind == "content"


def test_a_model_insertion_that_hides_a_flagged_phrase_does_not_fix_it():
    # "the" breaks the on-the-eve pattern without fixing the calque: only a rule's insertion counts
    # as a fix; the model's needs fluency or votes like its other edits.
    original = "On the eve of Russian reconciliation centre reported that 93% of Aleppo is under control."
    hidden = original.replace("of Russian", "of the Russian")
    admitted, rejected = judge({"the": "M:DET"}).judge(original, [Candidate("llm", hidden)])
    assert admitted == [] and "no flagged problem" in rejected[0].reason
    (by_rule,), _ = judge({"the": "M:DET"}).judge(original, [Candidate("rules", hidden)])
    assert by_rule.evidence.startswith("resolves on-the-eve")


def test_an_insertion_that_repeats_words_the_sentence_still_has_is_half_a_move_and_refused():
    original = "It will create written residences, the newspaper in Moscow reported."
    moved = "The newspaper in Moscow will create written residences, reported."
    admitted, rejected = judge().judge(original, [Candidate("llm", moved), Candidate("llm-sample", moved)])
    assert admitted == []
    assert any(p.reason.startswith("repeats “") and p.reason.endswith("”, which is already in the sentence")
               for p in rejected)


def test_one_fix_per_flagged_problem_and_the_rule_fix_first():
    original = "Earlier, Russian foreign Minister Sergei Lavrov said it."
    rule, model = original.replace("foreign", "Foreign"), original.replace("Minister", "minister")
    admitted, rejected = judge({"Foreign": "R:ORTH", "minister": "R:ORTH"}).judge(
        original, [Candidate("llm", model), Candidate("llm-sample", model), Candidate("rules", rule)])
    assert [p.edit.replacement for p in admitted] == ["Foreign"]
    assert "overlaps the better supported edit" in by_replacement(rejected)["minister"].reason


class InteractingVerifier(FakeVerifier):
    """"the rest who want" is flagged; "anyone else who want" and "the rest who wants" read worse."""

    def surprisal(self, texts):
        return [1.0 + 0.5 * ("rest who wants" in t) + 0.5 * ("else who want " in t) - 0.3 * ("anyone else" in t)
                for t in texts]

    def problems(self, text):
        at = text.find("the rest who")
        return [Problem("the-rest-who", "the rest", "a calque", at, at + 8, "anyone else")] if at >= 0 else []


def test_a_form_edit_refused_alone_is_admitted_when_it_reads_better_with_the_admitted_ones():
    original = "For the rest who want to leave the city, no restrictions."
    rule = original.replace("the rest", "anyone else")
    agreement = original.replace("want", "wants")
    j = EditJudge(InteractingVerifier(), FakeExtractor({"wants": "R:VERB:SVA"}))
    admitted, rejected = j.judge(original, [Candidate("rules", rule), Candidate("llm", agreement)])
    assert [p.edit.replacement for p in admitted] == ["anyone else"]
    assert by_replacement(rejected)["wants"].reason.startswith("reads worse")
    (later,) = j.on_top(original, admitted, rejected)
    assert later.edit.replacement == "wants" and later.evidence.startswith("reads more fluently with the admitted edits")
    assert j.extractor.apply(original, [admitted[0].edit, later.edit]) == \
        "For anyone else who wants to leave the city, no restrictions."


# -- ERRANT on the real spaCy model ----------------------------------------------------------
@pytest.fixture(scope="module")
def extractor():
    from mtcheck.rewrite.edits import EditExtractor
    from mtcheck.services.english import english

    return EditExtractor(english())


@pytest.mark.integration
def test_punctuation_put_before_a_closing_quote_stays_glued(extractor):
    original = 'Analogues do not help or harm, "until you die"'
    edits = extractor.edits(original, 'Analogues do not help or harm, "until you die."')
    assert [e.replacement for e in edits] == ["."]
    assert extractor.apply(original, edits) == 'Analogues do not help or harm, "until you die."'
    # A word put there is still set off by a space.
    (word,) = extractor.edits("He said it (twice)", "He said it again (twice)")
    assert extractor.apply("He said it (twice)", [word]) == "He said it again (twice)"


@pytest.mark.integration
def test_errant_types_the_edits_and_applies_a_subset(extractor):
    fixed = ("As Reuters reports, citing an unnamed representative of the opposition, the rebels will be able to "
             "leave the city through the corridors within 48 hours.")
    edits = extractor.edits(SEED, fixed)
    assert {e.type for e in edits} == {"R:WO", "M:PREP"}
    prep = [e for e in edits if e.type == "M:PREP"]
    assert extractor.apply(SEED, prep) == SEED.replace("the city the corridors", "the city through the corridors")
    assert extractor.apply(SEED, edits) == fixed
    assert extractor.apply(SEED, []) == SEED


@pytest.mark.integration
def test_a_rule_fix_inside_its_flagged_span_is_one_edit(extractor):
    original = "The countdown was not specified, said RIA “Novosti”."
    moved = "The countdown was not specified, RIA “Novosti” said."
    span = (original.index("said"), original.index("”.") + 1)
    assert len(extractor.edits(original, moved)) > 1  # ERRANT alone: an insertion and a deletion
    (edit,) = extractor.edits(original, moved, [span])
    assert edit.type == "R:WO" and edit.kind == "form"
    assert extractor.apply(original, [edit]) == moved


@pytest.mark.integration
def test_errant_content_and_punctuation_edits(extractor):
    original = "The militants dabble in the city said the ministry."
    edits = extractor.edits(original, "The militants meddle in the city, said the ministry.")
    assert {(e.type, e.replacement) for e in edits} == {("R:VERB", "meddle"), ("M:PUNCT", ",")}
    assert extractor.apply(original, [e for e in edits if e.type == "M:PUNCT"]) == \
        "The militants dabble in the city, said the ministry."


def test_reports_list_each_edit_with_its_evidence_or_reason():
    from mtcheck.report.serialize import rewrite_to_dict
    from mtcheck.report.view import edit_lines
    from mtcheck.types import EditDecision, Finding, Rewrite, Sentence

    edits = (EditDecision("R:WO", "reports Reuters", "Reuters reports", True, evidence="resolves reporting-inversion",
                          sources=("rules", "llm")),
             EditDecision("R:VERB", "dabble", "babble", False, reason="proposed by 1 of 5 model candidates (needs 2)",
                          sources=("llm",)))
    finding = Finding(Sentence(0, 0, 3, "x"), 0.9, True, rewrite=Rewrite("y", edits=edits))
    assert edit_lines(finding) == [
        (True, "R:WO “reports Reuters” → “Reuters reports”: resolves reporting-inversion"),
        (False, "R:VERB “dabble” → “babble”: proposed by 1 of 5 model candidates (needs 2)")]
    listed = rewrite_to_dict(finding.rewrite)["edits"]
    assert [(e["type"], e["accepted"], e["sources"]) for e in listed] == [("R:WO", True, ("rules", "llm")),
                                                                      ("R:VERB", False, ("llm",))]


def test_a_suggestion_never_mixes_the_model_edits_of_two_answers():
    from mtcheck.rewrite.evidence import Proposal

    def proposal(start, replacement, *answers):
        return Proposal(Edit(start, start + 1, "w", replacement, "R:VERB"), ["llm"] * len(answers), answers=set(answers))

    greedy, sample = "answer one", "answer two"
    tense = proposal(4, "has found", greedy)
    verb = proposal(12, "receive", sample, greedy)
    kept, dropped = EditJudge.one_answer([tense, verb])
    assert kept == [tense, verb] and not dropped  # both in the greedy answer
    stray = proposal(8, "obtained", sample)
    kept, dropped = EditJudge.one_answer([tense, stray, verb])
    assert dropped == [stray] and "answers are not mixed" in stray.reason
    # A rule's fix joins any answer.
    rule = Proposal(Edit(2, 3, "78 thousand", "78,000", "R:NUM"), ["rules", "llm"], answers={sample})
    assert EditJudge.one_answer([tense, rule])[1] == []


def test_edits_of_one_answer_two_words_apart_stand_or_fall_together():
    original = "Exports fell amid the depreciation of the lira ."
    answers = [Candidate("llm", "Exports fell as the lira depreciated ."),
               Candidate("llm-sample", "Exports fell while the lira depreciated ."), Candidate("llm-sample", original)]
    # "depreciated" has two votes, but its partners one each: alone it would leave "... of the lira depreciated".
    admitted, rejected = judge().judge(original, answers)
    assert admitted == []
    assert "stands or falls with" in by_replacement(rejected)["depreciated"].reason


@pytest.mark.integration
def test_a_rule_fix_inside_overlapping_flagged_spans_stays_one_edit():
    from mtcheck.config import Settings
    from mtcheck.rewrite.edits import EditExtractor
    from mtcheck.services.factory import Services

    original = "It helps with heart disease by lowering cholesterol, reports the Semana portal."
    fixed = "It helps with heart disease by lowering cholesterol, the Semana portal reports."
    at = original.index("reports the")
    # The rule's match and a smaller LanguageTool match inside it.
    units = [(at, at + len("reports")), (at, original.index("."))]
    (edit,) = EditExtractor(Services.offline(Settings()).english()).edits(original, fixed, units)
    assert (edit.original, edit.replacement) == ("reports the Semana portal", "the Semana portal reports")
