"""One allow-span helper (mtcheck/detect/allowlist.py) for the rules and the detector."""

from __future__ import annotations

from mtcheck.config import Settings
from mtcheck.detect import Detector
from mtcheck.detect.allowlist import allowed_spans, inside, mask_allowed, overlaps
from mtcheck.detect.rules import find_matches
from mtcheck.types import Document, Sentence


def test_allowed_spans_are_case_insensitive_and_skip_blank_names():
    text = "As reports RIA Novosti, ria novosti said."
    assert allowed_spans(text, ["RIA Novosti", "", "  "]) == [(11, 22), (24, 35)]
    assert inside(11, 15, [(11, 22)]) and not inside(10, 15, [(11, 22)])
    assert overlaps(10, 12, [(11, 22)]) and not overlaps(0, 11, [(11, 22)])


def test_masking_replaces_allowed_names_in_place_and_ignores_blank_ones():
    text = "Dmitriy Peskov met Ryabkov and Li."
    masked, spans = mask_allowed(text, ["dmitriy", "Li", " "])
    assert spans == [(0, 7), (31, 33)]
    assert len(masked) == len(text) and masked == "Smith   Peskov met Ryabkov and Le."
    assert mask_allowed(text, ["", "  "]) == (text, [])


def test_a_blank_allow_name_silences_nothing_in_the_rules_or_the_detector():
    text = "The report was confirmed by RIA Novosti."
    assert [m.rule for _, m in find_matches(text, [" "])] == [m.rule for _, m in find_matches(text)] == ["russian-agency"]
    assert not find_matches(text, ["ria novosti"])
    sentence = Sentence(index=0, start=0, end=len(text), text=text)
    doc = Document("t.txt", text, "text", "utf-8")

    def reasons(allow: tuple[str, ...]) -> list[str]:
        finding = Detector(Settings(allow=allow, cache=False), signals=["interference"]).detect(doc, [sentence]).findings[0]
        return [r.rule_id for r in finding.reasons]

    assert reasons((" ",)) == reasons(()) == ["russian-agency"]
    assert reasons(("RIA Novosti",)) == []
