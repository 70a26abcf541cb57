"""The Russian source (`check --source`, `eval rewrite --with-source`): split, aligned, prompted."""

from __future__ import annotations

from types import SimpleNamespace

from conftest import error_line, run_main
from mtcheck.rewrite import Job
from mtcheck.rewrite.prompt import clean_output, editor_prompt
from mtcheck.rewrite.source import align, source_sentences, split_russian
from mtcheck.types import Finding, Sentence

RUSSIAN = ("Как сообщает агентство Reuters, боевики смогут покинуть город по коридорам в течение 48 часов. "
           "По данным агентства, т.е. источника в оппозиции, выход обеспечат для всех. "
           "С начала операции из Алеппо выведено более 78 тыс. мирных жителей.\n\n"
           "Министр С. Лавров заявил об этом в субботу.")
ENGLISH = ["As reports Reuters, the rebels will be able to leave the city the corridors within 48 hours.",
           "According to the Agency, and ensure safe exit for all.",
           "With the beginning of the operation is derived from Aleppo more than 78 thousand civilians.",
           "Minister Sergei Lavrov said this on Saturday."]


def test_russian_sentences_split_at_sentence_ends_not_after_abbreviations_or_initials():
    assert split_russian(RUSSIAN) == [
        "Как сообщает агентство Reuters, боевики смогут покинуть город по коридорам в течение 48 часов.",
        "По данным агентства, т.е. источника в оппозиции, выход обеспечат для всех.",
        "С начала операции из Алеппо выведено более 78 тыс. мирных жителей.",
        "Министр С. Лавров заявил об этом в субботу.",
    ]


def test_alignment_pairs_by_length_and_numbers_and_takes_a_merge():
    russian = split_russian(RUSSIAN)
    assert align(ENGLISH, russian) == [((0,), (0,)), ((1,), (1,)), ((2,), (2,)), ((3,), (3,))]
    # One English sentence translated from two Russian ones.
    merged = [ENGLISH[0] + " " + ENGLISH[1]] + ENGLISH[2:]
    assert align(merged, russian)[0] == ((0,), (0, 1))


def test_source_sentences_are_keyed_by_prose_sentence_index():
    sentences = [Sentence(index=0, start=0, end=5, text="Syria", kind="heading")] + [
        Sentence(index=k + 1, start=0, end=len(t), text=t) for k, t in enumerate(ENGLISH)]
    found = source_sentences(sentences, RUSSIAN)
    assert set(found) == {1, 2, 3, 4}
    assert "78 тыс." in found[3]


def test_the_prompt_carries_the_russian_only_when_given_and_answers_lose_the_tag():
    plain = editor_prompt(ENGLISH[0])
    with_source = editor_prompt(ENGLISH[0], source="Как сообщает <агентство> Reuters")
    assert "<source>" not in plain.user and with_source.system == plain.system
    assert "<source>Как сообщает ‹агентство› Reuters</source>" in with_source.user
    assert Job(ENGLISH[0], source="Как сообщает").prompt().user.count("<source>") == 1
    assert clean_output("<source>As Reuters reports.</source>") == "As Reuters reports."


class SourceRecordingRewriter:
    def __init__(self):
        self.sources = None

    def rewrite(self, document, sentences, findings, hints=None, sources=None):
        self.sources = sources
        return findings


def test_check_source_reaches_the_rewriter_aligned(tmp_path):
    from mtcheck.config import load_settings
    from mtcheck.pipeline import CheckOptions, Pipeline

    article, original = tmp_path / "a.txt", tmp_path / "a.ru.txt"
    article.write_text("\n\n".join(ENGLISH) + "\n", encoding="utf-8")
    original.write_text(RUSSIAN, encoding="utf-8")
    pipeline = Pipeline(load_settings(None), CheckOptions(source=str(original), languagetool=False))
    recorder = SourceRecordingRewriter()

    def detect(document, sentences, progress=None):
        return SimpleNamespace(findings=tuple(Finding(sentence=s, score=0.9, flagged=True) for s in sentences), score=0.9)

    pipeline._detector = SimpleNamespace(detect=detect, threshold=0.5)
    pipeline._rewriter = recorder
    (result,) = pipeline.run([str(article)])
    assert result.error is None
    assert [recorder.sources[k][:12] for k in sorted(recorder.sources)] == [
        "Как сообщает", "По данным аг", "С начала опе", "Министр С. Л"]


def test_source_with_several_inputs_is_one_error_line(monkeypatch, capsys, tmp_path):
    a, b, ru = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "a.ru.txt"
    for path in (a, b, ru):
        path.write_text("Text.\n", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "check", str(a), str(b), "--source", str(ru), "--no-rewrite",
                            "--no-languagetool")
    assert code == 2
    assert "--source is the Russian original of one article" in error_line(err)


def test_a_missing_source_file_is_one_error_line(monkeypatch, capsys, tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("Text.\n", encoding="utf-8")
    code, _, err = run_main(monkeypatch, capsys, "check", str(a), "--source", str(tmp_path / "missing.ru.txt"),
                            "--no-rewrite", "--no-languagetool")
    assert code == 2 and "missing.ru.txt" in error_line(err)
