"""LanguageTool's protocol as mtcheck serve reads and writes it: fields, annotated text, offsets."""

from __future__ import annotations

import json

import pytest

from mtcheck.serve import protocol
from mtcheck.serve.protocol import CheckedText, HttpError, parse_check, parse_form

LANGUAGES = protocol.ENGLISH


def test_form_fields_are_percent_and_plus_decoded_and_the_first_repeat_wins():
    fields = parse_form(b"text=Hello+world%21&language=en-US&text=again&empty=")
    assert fields == {"text": "Hello world!", "language": "en-US", "empty": ""}


def test_raw_and_percent_encoded_utf8_both_read_and_invalid_utf8_is_a_400():
    assert parse_form("text=Привет".encode("utf-8"))["text"] == "Привет"
    assert parse_form(b"text=%D0%9F%D1%80")["text"] == "Пр"
    with pytest.raises(HttpError) as err:
        parse_form(b"text=%FF%FEabc&language=en-US")
    assert err.value.status == 400 and "not valid UTF-8" in err.value.message


def test_check_request_validation_names_what_is_wrong():
    cases = [
        ({"language": "en-US"}, "missing 'text' or 'data'"),
        ({"text": "Hi.", "data": "{}", "language": "en-US"}, "not both"),
        ({"text": "Hi."}, "missing 'language'"),
        ({"text": "Hi.", "language": "xx-YY"}, "unknown language 'xx-YY'"),
        ({"text": " \n ", "language": "en-US"}, "the text is empty"),
        ({"data": "{not json", "language": "en-US"}, "'data' is not valid JSON"),
        ({"data": '{"annotation": [{"text": 3}]}', "language": "en-US"}, "annotation 0"),
    ]
    for fields, message in cases:
        with pytest.raises(HttpError) as err:
            parse_check(fields, LANGUAGES)
        assert err.value.status == 400 and message in err.value.message, (fields, err.value.message)


def test_rule_and_category_selection():
    request = parse_check({"text": "Hi.", "language": "auto", "disabledRules": "a, b", "level": "picky", "mtcheckRewrite": "true",
                           "apiKey": "secret", "motherTongue": "ru"}, LANGUAGES)
    assert request.picky and request.rewrite and request.disabled_rules == {"a", "b"}
    assert not request.wants("a", "MTCHECK") and request.wants("c", "MTCHECK")
    assert "apiKey" not in request.grammar_fields() and "mtcheckRewrite" not in request.grammar_fields()
    assert request.grammar_fields()["motherTongue"] == "ru"
    only = parse_check({"text": "Hi.", "language": "en", "enabledOnly": "true", "enabledRules": "x"}, LANGUAGES)
    assert only.wants("x", "MTCHECK") and not only.wants("y", "MTCHECK")
    no_category = parse_check({"text": "Hi.", "language": "en-GB", "disabledCategories": "MTCHECK"}, LANGUAGES)
    assert not no_category.wants("x", "MTCHECK")


def test_annotated_text_skips_markup_for_offsets_as_languagetool_does():
    data = json.dumps({"annotation": [
        {"markup": "<p>"}, {"text": "As reports "}, {"markup": "<b>"}, {"text": "Reuters"}, {"markup": "</b>"},
        {"text": ", talks failed."}, {"markup": "<br/>", "interpretAs": "\n\n"}, {"text": "Next."},
    ]})
    text = protocol.annotated_text(data)
    assert text.plain == "As reports Reuters, talks failed.\n\nNext."
    assert text.source == "<p>As reports <b>Reuters</b>, talks failed.<br/>Next."
    start = text.plain.index("Reuters")
    offset, length = text.span16(start, start + len("Reuters"))
    assert text.source[offset:offset + length] == "Reuters"
    whole = text.span16(0, text.plain.index("."))  # a span across markup covers the markup too
    assert text.source[whole[0]:whole[0] + whole[1]] == "As reports <b>Reuters</b>, talks failed"
    nxt = text.plain.index("Next")
    assert text.source[text.span16(nxt, nxt + 4)[0]:][:4] == "Next"


def test_offsets_count_utf16_units_and_crlf_and_bom_map_back():
    text = CheckedText.plain_text("\ufeffA 😀 b.\r\nAs reports Reuters.")
    assert text.plain == "A 😀 b.\nAs reports Reuters."
    start = text.plain.index("Reuters")
    offset, length = text.span16(start, start + 7)
    # In the text as sent: the BOM, the emoji (two UTF-16 units) and the \r all count.
    assert text.source.encode("utf-16-le")[2 * offset:2 * (offset + length)].decode("utf-16-le") == "Reuters"


def test_match_shape_is_what_language_tool_python_reads():
    text = CheckedText.plain_text("More than 1.3 thousand militants laid down arms.")
    start = text.plain.index("1.3")
    m = protocol.match(text, start, start + len("1.3 thousand militants"), text.plain, message="m", short_message="s",
                       replacements=["1,300 militants"], rule_id="thousand-count", description="d", extra={"score": 0.9})
    assert m["rule"]["id"] == "thousand-count" and m["rule"]["category"]["id"] == "MTCHECK" and m["rule"]["issueType"] == "style"
    assert m["replacements"] == [{"value": "1,300 militants"}]
    assert m["context"]["text"][m["context"]["offset"]:][: m["context"]["length"]] == "1.3 thousand militants"
    assert (m["offset"], m["length"]) == (start, len("1.3 thousand militants"))


def test_merge_drops_a_server_match_that_repeats_one_of_ours_and_sorts():
    ours = [{"offset": 5, "length": 3, "rule": {"id": "R"}}]
    theirs = [{"offset": 5, "length": 3, "rule": {"id": "R"}}, {"offset": 0, "length": 2, "rule": {"id": "G"}},
              {"offset": 5, "length": 3, "rule": {"id": "OTHER"}}]
    merged = protocol.merge_matches(ours, theirs)
    assert [m["rule"]["id"] for m in merged] == ["G", "R", "OTHER"]


def test_error_body_is_one_line_of_json():
    body = protocol.error_body(413, "too\nbig")
    assert body.count(b"\n") == 1 and json.loads(body) == {"error": "too big", "status": 413}
