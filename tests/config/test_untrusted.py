"""config/untrusted.py, the one reader of strangers' JSON and the one rule for text PostgreSQL
cannot hold (the endpoints that use it: tests/security/test_bad_input*.py)."""

import pytest

from config.untrusted import (
    JSON_MAX_DEPTH,
    InvalidJson,
    json_read,
    text_problems,
    words_clean,
)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity", b'{"a": [NaN]}'])
def test_json_read_refuses_what_strict_json_has_no_word_for(constant):
    """As DRF's strict parser did: PostgreSQL's jsonb has no NaN nor Infinity either."""
    with pytest.raises(InvalidJson):
        json_read(constant)


def test_json_read_refuses_a_number_too_large_to_be_finite():
    with pytest.raises(InvalidJson):
        json_read(b'{"amount": 1e400}')


def test_json_read_refuses_nesting_deeper_than_its_limit_and_reads_up_to_it():
    at_limit = b"[" * JSON_MAX_DEPTH + b"]" * JSON_MAX_DEPTH

    assert json_read(at_limit) is not None
    with pytest.raises(InvalidJson):
        json_read(b"[" + at_limit + b"]")
    with pytest.raises(InvalidJson):
        json_read(b"[" * 100_000)


@pytest.mark.parametrize("raw", [b"\xff\xfe", b"{", b"", b'{"a": 1} x'])
def test_json_read_refuses_what_is_not_json(raw):
    with pytest.raises(InvalidJson):
        json_read(raw)


def test_json_read_reads_a_surrogate_pair_as_the_one_character_it_is():
    assert json_read(b'"\\ud83d\\ude00"') == "\U0001f600"
    assert text_problems(json_read(b'"\\ud83d\\ude00"')) == {}


def test_text_problems_name_each_place_by_its_path():
    document = {
        "visitor_id": "ok",
        "utm": {"utm_source": "a\x00b"},
        "tags": ["fine", "\ud800"],
        "custom_fields": {"na\x00me": "x"},
    }

    assert sorted(text_problems(document)) == ["custom_fields", "tags.1", "utm.utm_source"]


def test_words_clean_keeps_the_words_and_line_breaks_and_drops_what_is_not_text():
    said = "Our\x00 sales\x07 team\ttoday\r\nis slow \ud800 caf\u00e9 \U0001f600"

    assert words_clean(said) == "Our sales team\ttoday\r\nis slow \ufffd caf\u00e9 \U0001f600"
