"""Stop-sequence scanning and request validation helpers."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmhub_local import LLMConfigError
from llmhub_local.runners._text import StopScanner, json_schema_of, normalize_messages


def _batch(text: str, stops: list[str]) -> str:
    """Reference: cut before the stop sequence that is *completed* first (as generation would)."""
    found = [(i + len(s), i) for s in stops if (i := text.find(s)) >= 0]
    return text[: min(found)[1]] if found else text


def test_the_first_completed_stop_wins() -> None:
    # Token by token, 'D' completes (after 'ED') before 'EDD' could: the answer is 'E', however
    # the text arrives.
    whole = StopScanner(["D", "EDD"])
    assert whole.feed("EDD") + whole.flush() == "E"
    pieces = StopScanner(["D", "EDD"])
    assert pieces.feed("ED") + pieces.feed("D") + pieces.flush() == "E"


def test_stop_split_across_pieces() -> None:
    scanner = StopScanner(["</s>"])
    out = [scanner.feed(p) for p in ["Hello </", "s> world"]]
    assert out == ["Hello ", ""]
    assert scanner.stopped
    assert scanner.flush() == ""


def test_held_back_text_is_released_when_not_a_stop() -> None:
    scanner = StopScanner(["END"])
    assert scanner.feed("the E") == "the "
    assert scanner.feed("ND?") == ""  # "END" completed: stop
    scanner = StopScanner(["END"])
    assert scanner.feed("the E") == "the "
    assert scanner.feed("ast") == "East"
    assert scanner.flush() == ""
    scanner = StopScanner(["END"])
    assert scanner.feed("EN") == ""
    assert scanner.flush() == "EN"


@given(
    text=st.text(alphabet="abcE ND\n", max_size=40),
    stops=st.lists(st.text(alphabet="abEND\n", min_size=1, max_size=4), max_size=3),
    cuts=st.lists(st.integers(min_value=0, max_value=40), max_size=6),
)
def test_streamed_equals_batch(text: str, stops: list[str], cuts: list[int]) -> None:
    bounds = sorted({0, len(text), *(c for c in cuts if c <= len(text))})
    scanner = StopScanner(stops)
    streamed = "".join(scanner.feed(text[a:b]) for a, b in itertools.pairwise(bounds)) + scanner.flush()
    assert streamed == _batch(text, stops)


def test_normalize_messages() -> None:
    out = normalize_messages(
        [
            {"role": "developer", "content": "sys"},
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        ],
        "ignored",
    )
    assert out == [{"role": "system", "content": "sys"}, {"role": "user", "content": "ab"}]
    assert normalize_messages([{"role": "assistant", "content": None}], None) == [
        {"role": "assistant", "content": ""}
    ]
    with pytest.raises(LLMConfigError, match=r"messages\[0\] must be a mapping"):
        normalize_messages(["hi"], None)  # type: ignore[list-item]
    with pytest.raises(LLMConfigError, match="non-empty list"):
        normalize_messages("hi", None)  # type: ignore[arg-type]


def test_json_schema_of() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    assert json_schema_of(None) is None
    assert json_schema_of({"type": "text"}) is None
    assert json_schema_of({"type": "json_object"}) == {}
    assert json_schema_of({"type": "json_object", "schema": schema}) == schema
    assert json_schema_of({"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}) == schema
    with pytest.raises(LLMConfigError, match=r"json_schema\.schema is required"):
        json_schema_of({"type": "json_schema", "json_schema": {"name": "x"}})
    with pytest.raises(LLMConfigError, match="must be a mapping"):
        json_schema_of("json")  # type: ignore[arg-type]
