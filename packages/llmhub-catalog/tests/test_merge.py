"""Merging sources on small fixtures: provenance, conflicts and their rules, aliases, lifecycle,
price units, the $0 rule, image-output prices, long-context tiers and reasoning modes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from llmhub_catalog.checks import check_rows
from llmhub_catalog.genai_prices import matches, parse_genai_prices
from llmhub_catalog.lifecycle import canonical_key
from llmhub_catalog.litellm_map import parse_litellm
from llmhub_catalog.normalize import normalize
from llmhub_catalog.refresh import build_payload

MD_DATE, GENAI_DATE, LITELLM_DATE = "2026-08-18", "2026-11-10", "2026-11-20"


def _model(model_id: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": model_id,
        "name": model_id,
        "family": "test",
        "attachment": False,
        "reasoning": False,
        "tool_call": True,
        "modalities": {"input": ["text"], "output": ["text"]},
        "open_weights": False,
        "cost": {"input": 1.0, "output": 4.0},
        "limit": {"context": 200_000, "output": 32_000},
    }
    data.update(extra)
    return data


def _provider(provider_id: str, *models: dict[str, Any]) -> dict[str, Any]:
    return {"id": provider_id, "name": provider_id, "models": {m["id"]: m for m in models}}


@pytest.fixture
def models_dev() -> dict[str, Any]:
    return {
        "openai": _provider(
            "openai",
            _model("gpt-9", cost={"input": 2.0, "output": 8.0, "cache_read": 0.5}),
            _model("gpt-9-2026-05-01", cost={"input": 2.0, "output": 8.0}),
            _model("gpt-old", cost={"input": 10.0, "output": 30.0}),
            _model("gpt-9-luna", cost={"input": 0.2, "output": 1.2}),
            _model("gpt-9-mini", reasoning=True, cost={"input": 0.5, "output": 2.0}),
        ),
        "azure": _provider(
            "azure",
            # Reseller copies: one implausible price (5x) and one plausible.
            _model("gpt-9-luna", cost={"input": 1.0, "output": 6.0}),
            _model("gpt-9", cost={"input": 2.2, "output": 8.8}),
        ),
        "openrouter": _provider(
            "openrouter",
            _model("openai/gpt-9", cost={"input": 2.0, "output": 8.0}),
            _model("openai/gpt-9-mini", reasoning=True, cost={"input": 0.5, "output": 2.0}),
            _model("meta/free-llama:free", cost={"input": 0, "output": 0}),
            _model("meta/paid-llama", cost={"input": 0, "output": 0}),
        ),
        "google": _provider(
            "google",
            _model(
                "gemini-9-flash-image",
                modalities={"input": ["text", "image"], "output": ["text", "image"]},
                cost={"input": 0.3, "output": 30.0},  # the image-output price, filed as text output
            ),
            _model(
                "gemini-9-pro",
                reasoning=True,
                cost={"input": 2.0, "output": 12.0, "context_over_200k": {"input": 4.0, "output": 18.0}},
                limit={"context": 1_000_000, "output": 64_000},
            ),
        ),
        "anthropic": _provider("anthropic", _model("claude-test-5", reasoning=True)),
    }


@pytest.fixture
def litellm() -> dict[str, Any]:
    return {
        "sample_spec": {"litellm_provider": "one of ..."},
        "gpt-9": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 2.5e-06,  # a newer price than models.dev's
            "output_cost_per_token": 8e-06,
            "cache_read_input_token_cost": 0.0,  # a placeholder zero
            "max_input_tokens": 200_000,
            "max_output_tokens": 32_000,
            "supports_reasoning": True,
            "supports_none_reasoning_effort": True,
            "supports_xhigh_reasoning_effort": True,
        },
        "gpt-9-mini": {
            "litellm_provider": "openai",
            "mode": "chat",
            "supports_reasoning": True,
            "thinking_always_on": True,
            "reasoning_effort_levels": ["high", "low"],
        },
        "gpt-old": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 1e-05,
            "output_cost_per_token": 3e-05,
            "deprecation_date": "2026-09-30",
        },
        "gpt-10": {  # a model models.dev does not know yet
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 3e-06,
            "output_cost_per_token": 1.5e-05,
            "max_input_tokens": 400_000,
            "max_output_tokens": 128_000,
            "supports_function_calling": True,
            "supports_vision": True,
            "input_cost_per_token_above_272k_tokens": 6e-06,
            "output_cost_per_token_above_272k_tokens": 2.25e-05,
        },
        "gpt-retired": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            "deprecation_date": "2026-01-01",
        },
        "gpt-latest": {"litellm_provider": "openai", "mode": "chat", "alias_of": "gpt-10"},
        "dall-e-9": {"litellm_provider": "openai", "mode": "image_generation"},
        "gemini/gemini-9-flash-image": {
            "litellm_provider": "gemini",
            "mode": "chat",
            "input_cost_per_token": 3e-07,
            "output_cost_per_token": 2.5e-06,
            "output_cost_per_image_token": 3e-05,
        },
        "some-unrouted/model": {"litellm_provider": "nobody", "mode": "chat"},
    }


@pytest.fixture
def genai() -> list[dict[str, Any]]:
    return [
        {
            "id": "openai",
            "models": [
                {
                    "id": "gpt-9",
                    "match": {"or": [{"equals": "gpt-9"}, {"starts_with": "gpt-9-2026"}]},
                    "context_window": 200_000,
                    "prices": [
                        {"prices": {"input_mtok": 2.0, "output_mtok": 8.0}},
                        {
                            "constraint": {"start_date": "2026-10-01"},
                            "prices": {"input_mtok": 2.4, "output_mtok": 8},
                        },
                        {
                            "constraint": {"start_date": "2027-01-01"},
                            "prices": {"input_mtok": 9, "output_mtok": 9},
                        },
                    ],
                },
                {
                    "id": "gpt-old",
                    "match": {"equals": "gpt-old"},
                    "deprecated": True,
                    "prices": {"input_mtok": 10},
                },
            ],
        },
        {
            "id": "google",
            "models": [
                {
                    "id": "gemini-9-pro",
                    "match": {"starts_with": "gemini-9-pro"},
                    "prices": {
                        "input_mtok": {"base": 2.0, "tiers": [{"start": 200_000, "price": 4.0}]},
                        "output_mtok": {"base": 12.0, "tiers": [{"start": 200_000, "price": 18.0}]},
                    },
                }
            ],
        },
        {"id": "not-a-catalog-provider", "models": [{"id": "x", "match": {"equals": "x"}, "prices": {}}]},
    ]


def _merged(
    models_dev: Any, litellm: Any, genai: Any, as_of: str = LITELLM_DATE
) -> dict[str, dict[str, Any]]:
    sources = [
        parse_litellm(litellm, date=LITELLM_DATE),
        parse_genai_prices(genai, date=GENAI_DATE),
    ]
    report = normalize(models_dev, None, sources=sources, models_dev_date=MD_DATE, as_of=as_of)
    return {row["id"]: row for row in report.rows}


def test_agreeing_sources_give_no_conflict_and_the_newest_source(
    models_dev: Any, litellm: Any, genai: Any
) -> None:
    rows = _merged(models_dev, litellm, genai)
    row = rows["openai/gpt-9"]
    assert row["prices"]["output"] == 8.0  # all three agree
    assert row["provenance"]["prices.output"] == "litellm"  # the newest of the agreeing sources
    assert "prices.output" not in {c["field"] for c in row["conflicts"]}


def test_disagreeing_sources_are_kept_as_a_conflict_resolved_by_the_newer_source(
    models_dev: Any, litellm: Any, genai: Any
) -> None:
    rows = _merged(models_dev, litellm, genai)
    row = rows["openai/gpt-9"]
    conflict = next(c for c in row["conflicts"] if c["field"] == "prices.input")
    # genai-prices' price in force on the snapshot date is 2.4 (not the 2027 one, not the first one).
    assert conflict["values"] == {"genai_prices": 2.4, "litellm": 2.5, "models_dev": 2.0}
    assert conflict["chosen"] == "litellm"
    assert conflict["rule"] == "newer-source"
    assert row["prices"]["input"] == 2.5
    assert row["provenance"]["prices.input"] == "litellm"


def test_a_placeholder_zero_is_ignored_and_a_hosted_zero_is_unknown(
    models_dev: Any, litellm: Any, genai: Any
) -> None:
    rows = _merged(models_dev, litellm, genai)
    # litellm's 0.0 cache price does not override (or conflict with) models.dev's 0.5.
    assert rows["openai/gpt-9"]["prices"]["cache_read"] == 0.5
    assert "prices.cache_read" not in {c["field"] for c in rows["openai/gpt-9"]["conflicts"]}
    # $0 on a hosted provider without a "free" signal is unknown; a ":free" model stays free.
    assert rows["openrouter/meta/paid-llama"]["prices"]["input"] is None
    assert rows["openrouter/meta/free-llama:free"]["prices"]["input"] == 0


def test_reseller_price_outside_the_plausible_ratio_takes_the_first_party_price(
    models_dev: Any, litellm: Any, genai: Any
) -> None:
    rows = _merged(models_dev, litellm, genai)
    luna = rows["azure/gpt-9-luna"]
    assert luna["alias_of"] == "openai/gpt-9-luna"
    assert luna["prices"]["input"] == 0.2
    assert luna["prices"]["output"] == 1.2
    conflict = next(c for c in luna["conflicts"] if c["field"] == "prices.input")
    assert conflict == {
        "field": "prices.input",
        "values": {"models_dev": 1.0, "first_party": 0.2},
        "chosen": "first_party",
        "rule": "provider-own-row",
    }
    # A 10% premium is plausible and kept.
    assert rows["azure/gpt-9"]["prices"]["input"] == 2.2
    assert not check_rows(list(rows.values()), flagships=())


def test_image_output_price_is_not_a_text_output_price(models_dev: Any, litellm: Any, genai: Any) -> None:
    row = _merged(models_dev, litellm, genai)["google/gemini-9-flash-image"]
    assert row["prices"]["output_image"] == 30.0
    assert row["prices"]["output"] == 2.5
    conflict = next(c for c in row["conflicts"] if c["field"] == "prices.output")
    assert conflict["rule"] == "image-output-price"


def test_long_context_tiers_from_each_source(models_dev: Any, litellm: Any, genai: Any) -> None:
    rows = _merged(models_dev, litellm, genai)
    pro = rows["google/gemini-9-pro"]
    assert pro["prices"]["long_context"] == [
        {"above_tokens": 200_000, "input": 4.0, "output": 18.0, "cache_read": None}
    ]
    assert "prices.long_context" not in {c["field"] for c in pro["conflicts"]}  # models.dev and genai agree
    new = rows["openai/gpt-10"]
    assert new["prices"]["long_context"] == [
        {"above_tokens": 272_000, "input": 6.0, "output": 22.5, "cache_read": None}
    ]


def test_lifecycle_deprecation_from_any_source(models_dev: Any, litellm: Any, genai: Any) -> None:
    rows = _merged(models_dev, litellm, genai)
    old = rows["openai/gpt-old"]
    assert old["status"] == "deprecated"
    assert old["deprecation_date"] == "2026-09-30"
    # Deprecated by the first source that says so, even before its date.
    early = _merged(models_dev, litellm, genai, as_of="2026-09-01")["openai/gpt-old"]
    assert early["status"] == "deprecated"
    assert early["provenance"]["status"] == "genai_prices"
    without_genai = normalize(
        models_dev,
        None,
        sources=[parse_litellm(litellm, date=LITELLM_DATE)],
        models_dev_date=MD_DATE,
        as_of="2026-09-01",
    )
    assert {r["id"]: r for r in without_genai.rows}["openai/gpt-old"][
        "status"
    ] == "active"  # date not reached
    # A model retired before the snapshot date is not added from litellm at all.
    assert "openai/gpt-retired" not in rows


def test_new_models_from_litellm_and_aliases(models_dev: Any, litellm: Any, genai: Any) -> None:
    rows = _merged(models_dev, litellm, genai)
    new = rows["openai/gpt-10"]
    assert new["source"] == "litellm"
    assert new["provider"] == "openai"
    assert new["limits"] == {"context": 400_000, "input": None, "output": 128_000}
    assert new["capabilities"]["tool_call"]
    assert new["capabilities"]["attachments"]
    assert new["modalities"]["input"] == ["text", "image"]
    assert "openai/dall-e-9" not in rows  # image generation is not read
    # Explicit alias from the source; canonical shared with the target.
    assert rows["openai/gpt-latest"]["alias_of"] == "openai/gpt-10"
    assert rows["openai/gpt-latest"]["canonical"] == rows["openai/gpt-10"]["canonical"]
    # The undated id points at the dated snapshot; a reseller copy at the first-party record.
    assert rows["openai/gpt-9"]["alias_of"] == "openai/gpt-9-2026-05-01"
    assert rows["openai/gpt-9-2026-05-01"]["alias_of"] is None
    assert rows["openrouter/openai/gpt-9"]["alias_of"] == "openai/gpt-9-2026-05-01"
    assert rows["openrouter/openai/gpt-9"]["canonical"] == rows["openai/gpt-9"]["canonical"] == "gpt-9"


def test_reasoning_mode_from_source_then_table(models_dev: Any, litellm: Any, genai: Any) -> None:
    rows = _merged(models_dev, litellm, genai)
    gpt = rows["openai/gpt-9"]["capabilities"]
    assert gpt["reasoning_mode"] == "optional"  # litellm: the model accepts effort "none"
    assert gpt["reasoning_efforts"] == ["none", "low", "medium", "high", "xhigh"]
    # A reseller copy nobody describes takes the first party's mode, with that provenance.
    mini = rows["openrouter/openai/gpt-9-mini"]
    assert rows["openai/gpt-9-mini"]["capabilities"]["reasoning_mode"] == "always"
    assert mini["capabilities"]["reasoning_mode"] == "always"
    assert mini["capabilities"]["reasoning_efforts"] == ["low", "high"]
    assert mini["provenance"]["capabilities.reasoning_mode"] == "litellm"
    claude = rows["anthropic/claude-test-5"]
    assert claude["capabilities"]["reasoning_mode"] is None  # no source, no table pattern
    assert rows["openai/gpt-old"]["capabilities"]["reasoning_mode"] == "none"


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("us.anthropic.claude-opus-4-6-v1:0", "claude-opus-4-6"),
        ("anthropic/claude-opus-4.6", "claude-opus-4-6"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("mistral-large-latest", "mistral-large"),
        ("mistral-large-2411", "mistral-large"),
        ("gemini-2.0-flash-001", "gemini-2-0-flash"),
        ("meta-llama/llama-3.3-70b-instruct:free", "llama-3-3-70b-instruct"),
    ],
)
def test_canonical_keys(model: str, key: str) -> None:
    assert canonical_key(model) == key


def test_genai_match_rules() -> None:
    rule = {
        "or": [{"equals": "a"}, {"and": [{"starts_with": "b-"}, {"ends_with": "-x"}]}, {"regex": "^c\\d$"}]
    }
    assert matches(rule, "A")
    assert matches(rule, "b-1-x")
    assert not matches(rule, "b-1-y")
    assert matches(rule, "c7")
    assert not matches(rule, "c77")
    assert matches({"contains": "flash"}, "gemini-flash-lite")
    assert not matches({"unknown": "x"}, "x")


def test_price_unit_and_limit_checks_fail_with_a_list(models_dev: Any, litellm: Any, genai: Any) -> None:
    rows = copy.deepcopy(list(_merged(models_dev, litellm, genai).values()))
    by_id = {row["id"]: row for row in rows}
    by_id["openai/gpt-9-luna"]["prices"]["input"] = 2e-07  # a per-token price left unconverted
    by_id["google/gemini-9-pro"]["limits"]["output"] = 2_000_000
    problems = check_rows(rows, flagships=("openai/gpt-10", "openai/gpt-missing", "openai/gpt-old"))
    assert any("openai/gpt-9-luna: prices.input" in p and "per 1M" in p for p in problems)
    assert any("google/gemini-9-pro: context 1000000 < max output 2000000" in p for p in problems)
    assert "openai/gpt-missing: flagship model missing" in problems
    assert "openai/gpt-old: flagship model is deprecated" in problems
    assert not any(p.startswith("openai/gpt-10") for p in problems)


def test_output_limit_is_capped_at_the_context_window(models_dev: Any, litellm: Any, genai: Any) -> None:
    models_dev["anthropic"]["models"]["claude-test-5"]["limit"] = {"context": 8192, "output": 16384}
    row = _merged(models_dev, litellm, genai)["anthropic/claude-test-5"]
    assert row["limits"]["output"] == 8192
    assert {
        "field": "limits.output",
        "chosen": "limits.context",
        "rule": "output-capped-at-context",
    }.items() <= (row["conflicts"][-1].items())


def test_payload_is_dated_by_its_newest_source_and_records_validate(
    models_dev: Any, litellm: Any, genai: Any
) -> None:
    from llmhub_catalog.catalog import Catalog
    from llmhub_catalog.models import ModelRecord

    sources = [parse_litellm(litellm, date=LITELLM_DATE), parse_genai_prices(genai, date=GENAI_DATE)]
    payload = build_payload(
        models_dev, None, models_dev_source={"date": MD_DATE}, arena_source=None, sources=sources
    )
    assert payload["version"] == LITELLM_DATE
    counts = payload["counts"]
    assert counts["records_per_source"]["litellm"] >= 4
    assert counts["added"] == {"litellm": 2}  # gpt-10 and gpt-latest
    assert counts["conflicts_per_field"]["prices.input"] >= 2
    catalog = Catalog(
        payload["models"],
        arena={},
        version=payload["version"],
        sha256="x",
        source="test",
        sources=payload["sources"],
        provenance_table=payload["provenance"],
    )
    assert isinstance(payload["models"][0]["provenance"], int)  # stored compactly, as an index
    record = catalog.get("openai/gpt-9")
    assert record.provenance["prices.input"].source == "litellm"
    assert record.provenance["prices.input"].date == LITELLM_DATE
    assert record.conflicts[0].values
    assert catalog.get("openai/gpt-old").deprecated
    assert "openai/gpt-old" not in {r.id for r in catalog.filter()}  # never a candidate...
    assert catalog.get("openai/gpt-old").id == "openai/gpt-old"  # ...but a pinned lookup still works
    for item in catalog.records:  # the fast construction path gives what validation gives
        assert ModelRecord.model_validate(item.model_dump()) == item
