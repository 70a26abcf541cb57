"""Post-edit demonstrations ([rewrite] demonstrations): read, filtered, retrieved, prompted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mtcheck.errors import InputError
from mtcheck.rewrite import Job
from mtcheck.rewrite.demonstrations import PostEditMemory, read_memory, usable

ROWS = [
    # a small correction: kept
    {"mt_en": "The deputies of the State Duma adopted the law in the first reading on Tuesday.",
     "ref_en": "State Duma deputies passed the law in its first reading on Tuesday.", "hter": 0.3},
    {"translated": "As reports the press service, the bridge will be opened on Friday morning.",
     "fixed": "The bridge will open on Friday morning, the press service reports."},
    # untouched, retranslated, too short: left out
    {"mt_en": "The weather in Moscow will be warm and sunny all week.",
     "ref_en": "The weather in Moscow will be warm and sunny all week.", "hter": 0.0},
    {"mt_en": "Storms of the sea are expected near the coast by the evening.",
     "ref_en": "Forecasters warn of gales on the coast tonight, with waves up to five metres.", "hter": 0.9},
    {"mt_en": "Go home.", "ref_en": "Go home now."},
]


def write(tmp_path: Path, rows) -> Path:
    path = tmp_path / "post-edits.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


class WordEmbedder:
    """Bag-of-words vectors: enough to make "nearest" mean something in a unit test."""

    location = "fake-words"

    def __init__(self):
        self.vocabulary: dict[str, int] = {}

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(256, dtype="float32")
        for word in text.lower().split():
            v[self.vocabulary.setdefault(word.strip(".,"), len(self.vocabulary) % 256)] += 1
        return v / (np.linalg.norm(v) or 1)

    def encode(self, texts):
        return np.stack([self._vector(t) for t in texts])


def test_only_small_real_corrections_of_sentence_sized_text_are_kept(tmp_path):
    kept = read_memory(write(tmp_path, ROWS))
    assert [d.translated.split()[1] for d in kept] == ["deputies", "reports"]
    assert not usable("a b c d e f g", "a b c d e f g")
    assert usable("one two three four five six.", "one two three four five seven.", 0.17)
    assert not usable("One two three four five six.", "One, two, three four five six.")  # punctuation only
    assert not usable("UKRAINE NEWS TODAY | WHAT RUSSIA WANTS NOW?", "UKRAINE NEWS TODAY | WHAT DOES RUSSIA WANT NOW?")
    assert not usable("The transition period will last until 2028 -", "The transition period will last until year 2028 -")


def test_a_file_without_usable_pairs_or_no_file_is_one_input_error(tmp_path):
    with pytest.raises(InputError, match="no usable post-edits"):
        read_memory(write(tmp_path, ROWS[2:]))
    with pytest.raises(InputError, match="no such post-edit file"):
        read_memory(tmp_path / "missing.jsonl")


def test_the_nearest_demonstrations_are_retrieved_and_their_vectors_cached(tmp_path):
    path = write(tmp_path, ROWS)
    memory = PostEditMemory(path, WordEmbedder(), count=1, cache_root=tmp_path / "cache")
    (near,) = memory.nearest("Deputies of the State Duma adopted the budget in the second reading.")
    assert near.edited.startswith("State Duma deputies passed")
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 1
    # Nothing alike enough: no demonstration rather than a misleading one.
    assert PostEditMemory(path, WordEmbedder(), count=2, min_similarity=0.99, cache_root=tmp_path / "cache").nearest(
        "Completely unrelated words here.") == ()
    # The sentence itself is never its own demonstration.
    assert all(d.translated != ROWS[0]["mt_en"] for d in memory.nearest(ROWS[0]["mt_en"]))


def test_demonstrations_go_into_the_user_message_not_the_shared_system_prompt():
    plain = Job("As reports Reuters, the talks ended.").prompt()
    shown = Job("As reports Reuters, the talks ended.", demonstrations=(("As informs <TASS>, it rained.", "It rained, TASS reports."),)).prompt()
    assert shown.system == plain.system
    assert "Machine translation: As informs ‹TASS›, it rained.\nEdited: It rained, TASS reports." in shown.user
    assert shown.user.index("Edited:") < shown.user.index("<sentence>")


def test_the_rewriter_puts_each_sentences_nearest_post_edits_in_its_job(tmp_path):
    from mtcheck.config import Settings
    from mtcheck.rewrite import Rewriter
    from mtcheck.services.factory import Services
    from mtcheck.types import Finding, Sentence

    settings = Settings().with_table_values("rewrite", {"demonstrations": str(write(tmp_path, ROWS)), "demonstration_count": 1})
    services = Services.with_parts(settings, embedder=WordEmbedder())
    rewriter = Rewriter(settings, services=services, backend=object())
    rewriter.memory.cache_root = tmp_path / "cache"
    text = "The deputies adopted the law in the first reading."
    sentence = Sentence(index=0, start=0, end=len(text), text=text)
    (job,) = rewriter.jobs_for([sentence], [Finding(sentence=sentence, score=0.9, flagged=True)])
    assert job.demonstrations == ((ROWS[0]["mt_en"], ROWS[0]["ref_en"]),)


@pytest.mark.integration
def test_minilm_retrieves_a_post_edit_on_the_same_kind_of_sentence(tmp_path):
    from mtcheck.services.embedder import Embedder

    memory = PostEditMemory(write(tmp_path, ROWS), Embedder(), count=1, cache_root=tmp_path / "cache")
    (near,) = memory.nearest("Parliament members approved the bill in a first reading on Wednesday.")
    assert "State Duma" in near.translated
