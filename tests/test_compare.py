"""The compare stage: input checks, alignment of the seed pair, sacrebleu scores and `mtcheck compare`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mtcheck.compare import Comparer, check_english
from mtcheck.compare.lexical import TfIdf, words
from mtcheck.compare.score import corpus_scores, delta, sentence_scores
from mtcheck.errors import InputError
from mtcheck.types import Candidate, Finding, Rewrite, Sentence

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_57608c29d3a128ea.txt"
SEED_REF = ROOT / "seeds" / "002_81b0083cd9f1a0ed.txt"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONPATH": str(ROOT)}


def sentences(*texts: str, kind: str = "prose") -> tuple[Sentence, ...]:
    return tuple(Sentence(i, 0, len(t), t, kind) for i, t in enumerate(texts))


# --- unit -----------------------------------------------------------------------------------

def test_empty_side_is_an_input_error():
    with pytest.raises(InputError, match="empty"):
        check_english((), "reference")


def test_boilerplate_only_is_an_input_error():
    with pytest.raises(InputError, match="no prose"):
        check_english(sentences("Share this news", kind="boilerplate"), "reference")


def test_cyrillic_text_is_an_input_error():
    with pytest.raises(InputError, match="Cyrillic"):
        check_english(sentences("Россия и США предложили боевикам условия выхода из Алеппо."), "reference")


def test_text_without_english_function_words_is_an_input_error():
    german = "Russland und die Vereinigten Staaten haben den Kämpfern einen sicheren Abzug aus Aleppo angeboten."
    with pytest.raises(InputError, match="English"):
        check_english(sentences(german), "article")


def test_english_prose_passes_and_boilerplate_is_dropped():
    mixed = sentences("The rebels will leave the city within two days.") + (Sentence(1, 0, 4, "Share", "boilerplate"),)
    assert [s.index for s in check_english(mixed, "article")] == [0]


def test_keyword_words_drop_stopwords_and_plural_s():
    assert words("The militants left within 48 hours") == ["militan", "left", "within", "48", "hour"]


def test_tfidf_prefers_the_sentence_sharing_rare_words():
    refs = ["Fighters go to Idlib province.", "Fighters leave Aleppo.", "Fighters stay in Aleppo."]
    tfidf = TfIdf(refs)
    text = "Its representatives will move from Aleppo to Idlib."
    assert max(range(3), key=lambda j: tfidf.cosine(text, refs[j])) == 0


def test_delta_is_after_minus_before():
    before = sentence_scores("the cat sat on mat", "the cat sat on the mat")
    after = sentence_scores("the cat sat on the mat", "the cat sat on the mat")
    change = delta(before, after)
    assert change["chrF"] > 0 and change["BLEU"] > 0 and change["TER"] < 0


def test_scores_carry_sacrebleu_signatures():
    scores = {s.metric: s for s in sentence_scores("a safe exit", "a safe passage")}
    assert set(scores) == {"chrF", "BLEU", "TER"}
    assert "eff:yes" in scores["BLEU"].signature  # sentence BLEU uses effective order
    assert "eff:no" in {s.metric: s for s in corpus_scores(["a b"], ["a c"])}["BLEU"].signature


# --- integration: MiniLM, spaCy, sacrebleu for real ---------------------------------------

@pytest.fixture(scope="module")
def seed_pair():
    from mtcheck.load import load_document
    from mtcheck.segment import segment

    return segment(load_document(str(SEED))), segment(load_document(str(SEED_REF)))


@pytest.fixture(scope="module")
def comparer():
    return Comparer()


def _by_text(sentences_, start: str) -> Sentence:
    return next(s for s in sentences_ if s.text.startswith(start))


@pytest.mark.integration
def test_seed_reconciliation_centre_figures_have_no_counterpart(seed_pair, comparer):
    ours, theirs = seed_pair
    alignment = {a.sentence.index: a for a in comparer.align(ours, theirs)}
    for start in (
        "On the eve of Russian reconciliation centre",
        "More than 1.3 thousand militants",
        "Lavrov said that “if American experts",
    ):
        assert not alignment[_by_text(ours, start).index].references, start


@pytest.mark.integration
def test_seed_safe_passage_sentence_aligns_to_the_proposal(seed_pair, comparer):
    ours, theirs = seed_pair
    alignment = {a.sentence.index: a for a in comparer.align(ours, theirs)}
    first = alignment[_by_text(ours, "The representatives of the Syrian opposition").index]
    proposal = _by_text(theirs, "The United States and Russia on Sunday tabled a proposal").index
    assert proposal in [r.index for r in first.references]


@pytest.mark.integration
def test_seed_48_hours_sentence_aligns_to_the_48_hour_implementation(seed_pair, comparer):
    ours, theirs = seed_pair
    alignment = {a.sentence.index: a for a in comparer.align(ours, theirs)}
    found = {r.index for r in alignment[_by_text(ours, "As reports Reuters").index].references}
    acceptable = {s.index for s in theirs if "48-hour" in s.text or "safe passage" in s.text or "Safe Exit" in s.text}
    assert found and found <= acceptable


@pytest.mark.integration
def test_seed_civilians_figure_has_no_counterpart(seed_pair, comparer):
    ours, theirs = seed_pair
    alignment = {a.sentence.index: a for a in comparer.align(ours, theirs)}
    assert not alignment[_by_text(ours, "With the beginning of the Syrian forces").index].references


@pytest.mark.integration
def test_boilerplate_is_never_aligned(seed_pair, comparer):
    ours, theirs = seed_pair
    aligned = comparer.align(ours, theirs)
    assert all(a.sentence.kind == "prose" for a in aligned)
    boilerplate = {s.index for s in theirs if s.kind == "boilerplate"}
    assert not boilerplate & {r.index for a in aligned for r in a.references}


@pytest.mark.integration
def test_compare_sets_alignment_and_uses_the_rewrite(seed_pair, comparer):
    ours, theirs = seed_pair
    target = _by_text(ours, "According to the Agency")
    rewrite = "Fighters, their families and civilians would get safe passage through several corridors."
    findings = [
        Finding(s, 0.9, True, rewrite=Rewrite(rewrite, (Candidate("rules", rewrite),)) if s == target else None)
        for s in ours
    ]
    updated, scores = comparer.compare(ours, findings, theirs)
    by_index = {f.sentence.index: f for f in updated}
    assert all(f.alignment is None for f in updated if f.sentence.kind == "boilerplate")
    assert all(f.alignment is not None for f in updated if f.sentence.kind == "prose")
    changed = by_index[target.index].alignment
    assert changed.aligned and changed.before and changed.after
    before = {s.metric: s.value for s in changed.before}
    after = {s.metric: s.value for s in changed.after}
    assert after["chrF"] > before["chrF"]
    assert scores["aligned"] + scores["unaligned"] == sum(1 for s in ours if s.kind == "prose")
    assert scores["delta"]["chrF"] > 0
    assert {"chrF", "BLEU", "TER"} == set(scores["before"]) == set(scores["after"])


@pytest.mark.integration
def test_term_hints_name_safe_passage(seed_pair, comparer):
    ours, theirs = seed_pair
    hints = comparer.term_hints(ours, theirs)
    pairs = {(h.ours.lower(), h.reference.lower()) for hs in hints.values() for h in hs}
    assert ("safe exit", "safe passage") in pairs


@pytest.mark.integration
def test_scores_match_the_sacrebleu_cli(tmp_path, seed_pair, comparer):
    ours, theirs = seed_pair
    aligned = [a for a in comparer.align(ours, theirs) if a.references]
    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("".join(a.sentence.text + "\n" for a in aligned), encoding="utf-8")
    ref.write_text("".join(a.reference_text + "\n" for a in aligned), encoding="utf-8")
    sacrebleu = str(Path(sys.executable).parent / "sacrebleu")
    out = subprocess.run(
        [sacrebleu, str(ref), "-i", str(hyp), "-m", "bleu", "chrf", "ter", "-w", "4"],
        capture_output=True, text=True, check=True,
    ).stdout
    cli = {r["name"].rstrip("2"): r for r in json.loads(out)}
    ours_scores = corpus_scores([a.sentence.text for a in aligned], [a.reference_text for a in aligned])
    for score in ours_scores:
        assert score.value == pytest.approx(cli[score.metric]["score"], abs=1e-3), score.metric
        assert score.signature == cli[score.metric]["signature"], score.metric
    # sentence level: `sacrebleu -sl` on the first pair
    first = aligned[0]
    hyp.write_text(first.sentence.text + "\n", encoding="utf-8")
    ref.write_text(first.reference_text + "\n", encoding="utf-8")
    mine = {s.metric: s for s in sentence_scores(first.sentence.text, first.reference_text)}
    for metric, flag in (("BLEU", "bleu"), ("chrF", "chrf"), ("TER", "ter")):
        line = subprocess.run(
            [sacrebleu, str(ref), "-i", str(hyp), "-m", flag, "-sl", "-w", "4"],
            capture_output=True, text=True, check=True,
        ).stdout.strip().splitlines()[0]
        # e.g. "BLEU|nrefs:1|case:mixed|eff:yes|...|version:2.6.0 = 1.3817 62.5/8.7/..."
        named_signature, _, rest = line.partition(" = ")
        signature = named_signature.split("|", 1)[1]
        assert mine[metric].value == pytest.approx(float(rest.split()[0]), abs=1e-3), metric
        assert mine[metric].signature == signature, metric


# --- integration: the command ----------------------------------------------------------------

def invoke(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    """Run `mtcheck ARGS` in this process, through the same entry point as the console script.

    The MiniLM model then loads once per test session instead of once per command.
    """
    from mtcheck.cli import main

    monkeypatch.setattr(sys, "argv", ["mtcheck", *args])
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    capsys.readouterr()
    code = 0
    try:
        main()
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.integration
def test_compare_command_json_in_a_real_process(tmp_path):
    # The one test that runs the installed entry point as users do; the others run in-process.
    out = tmp_path / "compare.json"
    result = subprocess.run(
        [sys.executable, "-m", "mtcheck", "compare", str(SEED), "--reference", str(SEED_REF), "--format", "json", "--output", str(out)],
        capture_output=True, text=True, env=ENV, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    records = {r["index"]: r for r in data["sentences"]}
    assert {"index", "text", "kind"} <= set(records[0])
    aligned = [r for r in data["sentences"] if r["aligned"]]
    assert aligned and all({"index", "text", "similarity"} <= set(x) for r in aligned for x in r["references"])
    assert all(set(r["scores"]["before"]) == {"chrF", "BLEU", "TER"} and "after" not in r["scores"] for r in aligned)
    assert set(data["document"]["before"]) == {"chrF", "BLEU", "TER"}
    assert data["unaligned"] and all(not records[i]["references"] for i in data["unaligned"])
    assert all(r["kind"] == "boilerplate" and not r["aligned"] for r in data["sentences"] if r["text"] == "Share this news")
    reuters = next(r for r in data["sentences"] if r["text"].startswith("As reports Reuters"))
    assert any("48-hour" in x["text"] for x in reuters["references"])


@pytest.mark.integration
def test_compare_command_json_to_stdout(capsys, monkeypatch):
    code, out, err = invoke(capsys, monkeypatch, "compare", str(SEED), "--reference", str(SEED_REF), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    by_text = {r["text"]: r for r in data["sentences"]}
    civilians = next(r for t, r in by_text.items() if t.startswith("With the beginning of the Syrian forces"))
    assert not civilians["aligned"] and civilians["index"] in data["unaligned"]
    assert data["document"]["aligned"] + data["document"]["unaligned"] == sum(1 for r in data["sentences"] if r["kind"] == "prose")


@pytest.mark.integration
def test_compare_command_text(capsys, monkeypatch):
    code, out, err = invoke(capsys, monkeypatch, "compare", str(SEED), "--reference", str(SEED_REF))
    assert code == 0, err
    assert "no counterpart in the reference" in out
    assert "document chrF" in out and "version:" in out


@pytest.mark.parametrize(
    "reference, message",
    [
        ("", "empty"),
        ("Share this news\nShare to Google Plus\n", "no prose"),
        ("Россия и США предложили боевикам из Восточного Алеппо безопасный выход из города.\n", "Cyrillic"),
    ],
)
@pytest.mark.integration
def test_compare_command_rejects_bad_references_with_one_line(tmp_path, capsys, monkeypatch, reference, message):
    ref = tmp_path / "ref.txt"
    ref.write_text(reference, encoding="utf-8")
    code, _, err = invoke(capsys, monkeypatch, "compare", str(SEED), "--reference", str(ref))
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mtcheck: error:"), err
    assert message in lines[0] or "empty" in lines[0]


def test_compare_command_rejects_an_unknown_format(capsys, monkeypatch):
    code, _, err = invoke(capsys, monkeypatch, "compare", str(SEED), "--reference", str(SEED_REF), "--format", "xml")
    assert code == 2 and "--format" in err
