"""Arena tables, name matching and tier formulas."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from llmhub_catalog.arena import ArenaMatcher, loose_key, parse_arena_table, strict_key
from llmhub_catalog.errors import SourceDataError
from llmhub_catalog.normalize import classify_kind
from llmhub_catalog.tiers import COST_BOUNDS, cost_tier, latency_tier, quality_tier, win_probability


def test_parse_tasks_shape(arena_doc: dict[str, Any]) -> None:
    table = parse_arena_table(arena_doc)
    assert table.date == "2026-10-20"
    assert table.categories[0] == "overall"
    entry = table.models["openai / gpt-4.1"]
    assert entry.ratings["overall"] == (1414.5, 1410.8, 1418.3, 50293, 2)
    assert entry.ratings["coding"][0] == 1420.0


def test_canonical_shape_round_trips(arena_doc: dict[str, Any]) -> None:
    table = parse_arena_table(arena_doc)
    assert parse_arena_table(table.to_json()).models == table.models


def test_pages_shape() -> None:
    table = parse_arena_table(
        {
            "fetched_at": "2026-10-05T06:19:52",
            "pages": {
                "text/coding": [["gpt-5.5-high", 1500.0, 1490.0, 1510.0, 100, 1, 2]],
                "vision/overall": [["gpt-5.5-high", 1300.0, None, None, 50, 1, 2]],
            },
        }
    )
    assert table.date == "2026-10-05"
    assert set(table.models["gpt-5.5-high"].ratings) == {"coding", "vision"}


@pytest.mark.parametrize(
    "bad", [[], {"nothing": 1}, {"tasks": {"overall": [["x", "X", "not a number", 0, 0, 0, 1]]}}]
)
def test_bad_tables_are_clear_errors(bad: Any) -> None:
    with pytest.raises(SourceDataError):
        parse_arena_table(bad)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("us.anthropic.claude-opus-4-7-v1:0", "claude-opus-4-7"),
        ("anthropic / claude-opus-4.7", "claude-opus-4-7"),
        ("Qwen/Qwen3-235B-A22B", "qwen3-235b-a22b"),
        ("gemini-3.1-flash-lite@eu", "gemini-3-1-flash-lite"),
        ("gemma-4-31b-it:free", "gemma-4-31b-it"),
    ],
)
def test_strict_key(name: str, key: str) -> None:
    assert strict_key(name) == key


def test_loose_key_does_not_eat_versions() -> None:
    # "-20-0309" once looked like a month-year date and turned grok-4.20 into grok-4.
    assert loose_key("grok-4.20-0309-non-reasoning") == "grok420"
    assert loose_key("claude-haiku-4-5-20251001") == loose_key("anthropic / claude-haiku-4.5")
    assert loose_key("gpt-5-chat") != loose_key("gpt-5")


def test_matcher(arena_doc: dict[str, Any]) -> None:
    matcher = ArenaMatcher(parse_arena_table(arena_doc))
    assert matcher.match("gpt-4.1") == ("openai / gpt-4.1", "exact")
    assert matcher.match("claude-sonnet-4-5-20250929") == ("anthropic / claude-sonnet-4.5", "normalized")
    assert matcher.match("mistral-9000") is None


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (
            ("text-embedding-3-large", "text-embedding-3-large", "text-embedding", ["text"], ["text"]),
            "embedding",
        ),
        (("Qwen/Qwen3-Embedding-8B", "Qwen3 Embedding 8B", "qwen", ["text"], ["text"]), "embedding"),
        (("gpt-image-1", "GPT Image 1", "gpt-image", ["text", "image"], ["image"]), "image"),
        (("whisper-1", "Whisper", "whisper", ["audio"], ["text"]), "audio"),
        (("gemini-2.5-flash-preview-tts", "TTS", "gemini-flash", ["text"], ["audio"]), "audio"),
        (("rerank-v3.5", "Rerank", "rerank", ["text"], ["text"]), "other"),
        (("gpt-4.1", "GPT-4.1", "gpt", ["text", "image"], ["text"]), "chat"),
    ],
)
def test_classify_kind(args: tuple[Any, ...], kind: str) -> None:
    assert classify_kind(*args) == kind


def test_quality_tiers() -> None:
    assert quality_tier(1500, 1500) == 5
    assert quality_tier(1400, 1500) == 4  # 100 points behind: p = 0.36
    assert quality_tier(1320, 1500) == 3  # 180 points behind: p = 0.26
    assert win_probability(1500, 1500) == pytest.approx(0.5)
    assert quality_tier(1000, 1500) == 1


def test_cost_tiers() -> None:
    assert cost_tier({"input": 0, "output": 0}) == (1, "price")
    assert cost_tier({"input": 2.0, "output": 8.0}) == (3, "price")  # blended 3.5
    assert cost_tier({"input": 15.0, "output": 75.0}) == (5, "price")
    assert cost_tier({}) == (3, "unknown")


def test_latency_proxy() -> None:
    assert latency_tier(kind="embedding", cost=5, model_id="x", name="x", reasoning=True) == 1
    assert latency_tier(kind="chat", cost=3, model_id="gpt-4.1-mini", name="", reasoning=False) == 2
    assert latency_tier(kind="chat", cost=3, model_id="o3", name="o3", reasoning=True) == 4


@given(st.floats(min_value=800, max_value=1600), st.floats(min_value=0, max_value=300))
def test_quality_tier_is_monotonic(rating: float, gap: float) -> None:
    top = 1600.0
    assert 1 <= quality_tier(rating, top) <= 5
    assert quality_tier(rating, top) >= quality_tier(rating - gap, top)


@given(
    st.floats(min_value=0, max_value=500),
    st.floats(min_value=0, max_value=500),
    st.floats(min_value=1, max_value=3),
)
def test_cost_tier_is_monotonic(price_in: float, price_out: float, factor: float) -> None:
    low, _ = cost_tier({"input": price_in, "output": price_out})
    high, _ = cost_tier({"input": price_in * factor, "output": price_out * factor})
    assert 1 <= low <= high <= 5
    assert len(COST_BOUNDS) == 4
