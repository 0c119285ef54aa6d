"""The choice rules of issue 11, one behaviour per test, on small synthetic catalogs."""

from __future__ import annotations

import pytest

from generator_fakes import catalog_of, record
from llmhub_catalog.models import FieldConflict, ModelRecord
from llmhub_generator import GenerateOptions, GenerationResult, UnfillableRoleError, generate, parse_spec_yaml

PROVIDERS = "project: p\nproviders:\n  openai: {}\n  anthropic: {}\n  mistral: {}\n  groq: {}\n"


def run(roles: str, records: list[ModelRecord], **options: object) -> GenerationResult:
    return generate(
        parse_spec_yaml(PROVIDERS + "roles:\n" + roles),
        catalog_of(records),
        GenerateOptions(**options),  # type: ignore[arg-type]
    )


def primary(result: GenerationResult, role: str = "c") -> str:
    return result.explain.role(role).primary


# --- quality is continuous, ties are ties ---------------------------------------------------


def test_a_big_rating_gap_is_worth_a_moderate_price_gap_on_quality_high() -> None:
    # 56 points vs a 2.7x price: quality wins on a quality: high role (the old tiers said no)
    better = record("openai", "better", rating=1456, price_in=2.7, price_out=2.7)
    cheaper = record("anthropic", "cheaper", rating=1400, price_in=1.0, price_out=1.0)
    assert (
        primary(run("  c: {preferences: {quality: high, cost: medium}}\n", [better, cheaper]))
        == "openai/better"
    )


def test_a_tiny_rating_gap_is_not_worth_a_large_price_gap() -> None:
    # 1.4 points (within the intervals) vs 6.7x the price: the cheaper one wins
    top = record("openai", "top", rating=1401.4, price_in=6.7, price_out=6.7)
    cheap = record("anthropic", "cheap", rating=1400, price_in=1.0, price_out=1.0)
    result = run("  c: {preferences: {quality: high, cost: medium}}\n", [top, cheap])
    assert primary(result) == "anthropic/cheap"
    explanation = result.explain.role("c")
    assert "tied on quality" in (explanation.ties or "")
    assert explanation.picks[0].quality["tied_with_best"]


def test_non_overlapping_intervals_are_not_ties() -> None:
    top = record("openai", "top", rating=1440, ci=3, price_in=1.0, price_out=1.0)
    low = record("anthropic", "low", rating=1420, ci=3, price_in=1.0, price_out=1.0)
    explanation = run("  c: {preferences: {quality: medium}}\n", [top, low]).explain.role("c")
    assert explanation.primary == "openai/top"
    assert explanation.ties is None
    assert explanation.candidates[1].win_rate is not None
    assert explanation.candidates[1].win_rate < 1


def test_the_role_category_judges_quality() -> None:
    coder = record("openai", "coder", rating=1380, categories={"coding": 1500}, price_in=2, price_out=2)
    talker = record("anthropic", "talker", rating=1450, categories={"coding": 1400}, price_in=2, price_out=2)
    result = run("  c: {description: Reviews Python code, preferences: {quality: high}}\n", [coder, talker])
    assert primary(result) == "openai/coder"
    assert result.explain.role("c").measure == "arena:coding"


# --- Pareto first -------------------------------------------------------------------------------


def test_a_dominated_candidate_is_never_the_primary_even_when_fit_favours_it() -> None:
    # same price and latency; 'roomy' has more context and capabilities (fit) but is rated lower
    # beyond the intervals: utility alone would pick it, the Pareto step does not
    strong = record(
        "openai",
        "strong",
        rating=1400.5,
        ci=0,
        price_in=1,
        price_out=1,
        tools=False,
        structured=False,
        context=32_000,
    )
    roomy = record(
        "openai",
        "roomy",
        rating=1400,
        ci=0,
        price_in=1,
        price_out=1,
        tools=True,
        structured=True,
        attachments=True,
        context=1_000_000,
    )
    result = run("  c: {preferences: {quality: low, cost: low, latency: low}}\n", [strong, roomy])
    explanation = result.explain.role("c")
    assert explanation.candidates[0].model == "roomy"  # best utility...
    assert explanation.primary == "openai/strong"  # ...but dominated
    assert any("dominated by openai/strong" in s for s in explanation.skipped)


# --- unknown is pessimistic and visible ---------------------------------------------------------


def test_unrated_models_rank_below_rated_ones_for_quality_medium_and_high() -> None:
    rated = record("openai", "rated", rating=1250, price_in=1, price_out=1)
    unknown = record("mistral", "unknown", rating=None, price_in=0.1, price_out=0.1)
    for level in ("medium", "high"):
        result = run(f"  c: {{preferences: {{quality: {level}, cost: high}}}}\n", [rated, unknown])
        assert primary(result) == "openai/rated", level
    low = run("  c: {preferences: {quality: low, cost: high}}\n", [rated, unknown])
    assert primary(low) == "mistral/unknown"
    assert any("no arena:overall rating" in f for f in low.explain.role("c").picks[0].flags)


def test_an_unknown_price_never_counts_as_cheapest() -> None:
    known = record("openai", "known", rating=1300, price_in=5, price_out=5)
    unknown = record("anthropic", "unknown", rating=1300, price_in=None, price_out=None)
    result = run("  c: {preferences: {cost: high}}\n", [known, unknown])
    assert primary(result) == "openai/known"
    fallback = result.explain.role("c").picks[1]
    assert "price unknown: counted as the most expensive candidate" in fallback.flags


def test_a_free_model_with_a_confirmed_zero_price_is_cheap_not_infinite() -> None:
    free = record("mistral", "free", rating=1200, price_in=0.0, price_out=0.0)
    good = record("openai", "good", rating=1420, price_in=0.2, price_out=0.8)
    result = run("  c: {preferences: {quality: medium, cost: high}}\n", [free, good])
    assert primary(result) == "openai/good"  # 220 points are worth more than 2-3 doublings


# --- latency ---------------------------------------------------------------------------------


def test_always_reasoning_models_are_not_fast_and_fast_hardware_is() -> None:
    thinker = record(
        "openai",
        "thinker-nano",
        rating=1350,
        price_in=0.05,
        price_out=0.4,
        reasoning=True,
        reasoning_mode="always",
    )
    plain = record("openai", "plain-mini", rating=1340, price_in=0.15, price_out=0.6)
    groq = record("groq", "llama-70b", rating=1340, price_in=0.6, price_out=0.8)
    result = run("  c: {preferences: {latency: high}, fallbacks: 2}\n", [thinker, plain, groq])
    rows = {r.model: r for r in result.explain.role("c").candidates}
    assert rows["thinker-nano"].latency_units > rows["plain-mini"].latency_units
    assert rows["llama-70b"].latency_units < 3  # a large model, on fast hardware
    assert primary(result) != "openai/thinker-nano"


def test_latency_high_emits_the_lowest_reasoning_effort() -> None:
    optional = record(
        "openai",
        "opt",
        rating=1400,
        price_in=1,
        price_out=4,
        reasoning=True,
        reasoning_mode="optional",
        efforts=("minimal", "low", "medium", "high"),
    )
    result = run("  c: {preferences: {latency: high}, mode_params: {max_tokens: 2000}}\n", [optional])
    assert result.config.roles["c"].params["reasoning_effort"] == "minimal"
    pick = result.explain.role("c").picks[0]
    assert pick.added_params[0][0] == "reasoning_effort"
    relaxed = run("  c: {preferences: {latency: medium}, mode_params: {max_tokens: 2000}}\n", [optional])
    assert "reasoning_effort" not in relaxed.config.roles["c"].params


def test_a_small_max_tokens_demotes_and_warns_about_always_reasoning_models() -> None:
    thinker = record(
        "openai", "thinker", rating=1450, price_in=0.1, price_out=0.4, reasoning=True, reasoning_mode="always"
    )
    plain = record("anthropic", "plain", rating=1300, price_in=1, price_out=4)
    result = run("  c: {mode_params: {max_tokens: 100}, fallbacks: 1}\n", [thinker, plain])
    assert primary(result) == "anthropic/plain"
    assert any("max_tokens is 100" in w for w in result.warnings)  # the fallback is the thinker
    unknown_mode = record("openai", "unsure", rating=1450, price_in=0.1, price_out=0.4, reasoning=True)
    result = run("  c: {mode_params: {max_tokens: 100}, fallbacks: 0}\n", [unknown_mode])
    assert any("max_tokens is 100" in w for w in result.warnings)  # unknown mode counts as always
    assert "reasoning mode unknown: counted as always-reasoning" in result.explain.role("c").picks[0].flags


# --- fallback policy -------------------------------------------------------------------------


def test_no_alias_of_the_primary_or_of_another_fallback() -> None:
    dated = record("openai", "gpt-x-2026-01-01", rating=1450, price_in=0.5, price_out=0.5, canonical="gpt-x")
    undated = record(
        "openai",
        "gpt-x",
        rating=1450,
        price_in=0.5,
        price_out=0.5,
        canonical="gpt-x",
        alias_of="openai/gpt-x-2026-01-01",
    )
    latest = record("openai", "gpt-x-latest", rating=1450, price_in=0.5, price_out=0.5, canonical="gpt-x")
    other = record("openai", "gpt-y", rating=1440, price_in=1, price_out=1)
    mirror = record("mistral", "gpt-y", rating=1440, price_in=1, price_out=1)
    result = run("  c: {fallbacks: 3}\n", [dated, undated, latest, other, mirror])
    role = result.config.roles["c"]
    assert (role.provider, role.model) == ("openai", "gpt-x-2026-01-01")
    assert [(f.provider, f.model) for f in role.fallbacks] == [("mistral", "gpt-y")]
    steps = {f.name: f for f in result.explain.role("c").filters}
    assert steps["aliases"].removed == 1
    assert steps["stable"].removed == 1


def test_previews_only_when_nothing_stable_qualifies_or_when_allowed() -> None:
    preview = record("openai", "next-preview", rating=1500, price_in=1, price_out=1, preview=True)
    stable = record("openai", "now", rating=1400, price_in=1, price_out=1)
    assert primary(run("  c: {}\n", [preview, stable])) == "openai/now"
    assert primary(run("  c: {allow_previews: true}\n", [preview, stable])) == "openai/next-preview"
    alone = run("  c: {}\n", [preview])
    assert primary(alone) == "openai/next-preview"
    assert alone.explain.role("c").relaxations[0].filter == "stable"
    assert any("preview/-latest id" in w for w in alone.warnings)


def test_a_pinned_deprecated_model_is_kept_with_a_warning() -> None:
    old = record("openai", "old", rating=1300, deprecated=True)
    new = record("anthropic", "new", rating=1350)
    result = run("  c: {force: {provider: openai, model: old}, fallbacks: 1}\n", [old, new])
    assert primary(result) == "openai/old"
    assert any("deprecated" in w for w in result.warnings)
    assert [f.model for f in result.config.roles["c"].fallbacks] == ["new"]


def test_all_fallbacks_on_the_primary_provider_is_a_warning() -> None:
    a = record("openai", "a", rating=1400)
    b = record("openai", "b", rating=1390)
    c = record("openai", "c", rating=1380)
    result = run("  c: {fallbacks: 2}\n", [a, b, c])
    assert any("all fallbacks are on openai" in w for w in result.warnings)


def test_dropped_params_are_listed_per_model() -> None:
    cold = record("openai", "cold", rating=1450, temperature=False, price_in=1, price_out=1)
    warm = record("anthropic", "warm", rating=1400, price_in=1, price_out=1)
    result = run(
        "  c: {preferences: {quality: high}, mode_params: {temperature: 0.7}, fallbacks: 1}\n", [cold, warm]
    )
    picks = result.explain.role("c").picks
    assert picks[0].dropped_params == (("temperature", "the model does not accept temperature"),)
    assert picks[1].dropped_params == ()
    assert "temperature" not in result.config.roles["c"].params
    assert result.config.roles["c"].fallbacks[0].params == {"temperature": 0.7}


# --- embeddings ----------------------------------------------------------------------------------


def embedder(
    provider: str, model: str, dims: int, en: float, multi: float, price: float, **kw: object
) -> ModelRecord:
    return record(
        provider,
        model,
        kind="embedding",
        price_in=price,
        price_out=0.0,
        tools=False,
        structured=False,
        dimensions=dims,
        mteb={"en": en, "multilingual": multi},
        **kw,  # type: ignore[arg-type]
    )


def test_embedding_quality_uses_mteb_and_multilingual_when_asked() -> None:
    english = embedder("openai", "english", 1536, en=70, multi=50, price=0.02)
    worldly = embedder("mistral", "worldly", 1024, en=62, multi=66, price=0.02)
    en = run("  e: {kind: embedding, preferences: {quality: high}, fallbacks: 0}\n", [english, worldly])
    assert primary(en, "e") == "openai/english"
    multi = run(
        "  e: {kind: embedding, description: Embeds multilingual listings, fallbacks: 0,\n"
        "      preferences: {quality: high}}\n",
        [english, worldly],
    )
    assert primary(multi, "e") == "mistral/worldly"
    assert multi.explain.role("e").measure == "mteb:multilingual"


def test_embedding_fallbacks_keep_the_dimension_or_are_not_emitted() -> None:
    a = embedder("openai", "a", 1536, en=65, multi=55, price=0.02)
    b = embedder("mistral", "b", 3072, en=66, multi=56, price=0.13)
    mirror = embedder("anthropic", "a", 1536, en=65, multi=55, price=0.02)
    same_dims = embedder("mistral", "c", 1536, en=60, multi=50, price=0.05)
    result = run("  e: {kind: embedding, preferences: {cost: high}, fallbacks: 2}\n", [a, b])
    assert result.config.roles["e"].fallbacks == []
    assert any("1536-dimensional" in w for w in result.warnings)
    result = run(
        "  e: {kind: embedding, preferences: {cost: high}, fallbacks: 2}\n", [a, b, mirror, same_dims]
    )
    role = result.config.roles["e"]
    assert role.model == "a"
    fallbacks = [(f.provider, f.model) for f in role.fallbacks]
    assert fallbacks[0][1] == "a"  # identical vectors first
    assert fallbacks[0][0] != role.provider
    assert fallbacks[1] == ("mistral", "c")  # then the same dimension


# --- inference you can see and override ----------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    [
        "Summarises call transcripts.",
        "Writes copy in our brand voice.",
        "Answers questions from a transcript.",
    ],
)
def test_narrow_audio_triggers(description: str) -> None:
    result = run(f"  c: {{description: {description}}}\n", [record("openai", "a", rating=1300)])
    assert result.needs["c"].modalities_in == ("text",)


def test_audio_is_inferred_from_audio_words_with_the_trigger_shown() -> None:
    listener = record("openai", "ears", rating=1300, inputs=("text", "audio"))
    result = run("  c: {description: Transcribes voice notes into text.}\n", [listener])
    inferred = result.explain.role("c").inferred
    assert inferred[0]["field"] == "modalities_in"
    assert "voice" in inferred[0]["trigger"]


def test_infer_false_switches_inference_off() -> None:
    plain = record("openai", "plain", rating=1300)
    with pytest.raises(UnfillableRoleError):
        run(
            "  c: {description: An agentic assistant that calls tools, fallbacks: 0}\n",
            [record("openai", "x", tools=False)],
        )
    result = run("  c: {description: Transcribes audio and calls tools, infer: false}\n", [plain])
    assert result.needs["c"].inferred == ()
    assert result.needs["c"].modalities_in == ("text",)
    assert not result.needs["c"].tools


def test_explain_shows_provenance_conflicts_margin_and_flips() -> None:
    sourced = record(
        "openai",
        "sourced",
        rating=1450,
        price_in=2,
        price_out=8,
        provenance={"prices.input": ("models.dev", "2026-08-18"), "arena.overall": ("lmarena", "2026-08-10")},
    )
    sourced = sourced.model_copy(
        update={
            "conflicts": (
                FieldConflict(
                    field="prices.input",
                    values={"models.dev": 2.0, "litellm": 2.5},
                    chosen="models.dev",
                    rule="newest",
                ),
            )
        }
    )
    cheap = record("anthropic", "cheap", rating=1380, price_in=0.2, price_out=0.8)
    result = run("  c: {preferences: {quality: high, cost: medium}, fallbacks: 1}\n", [sourced, cheap])
    explanation = result.explain.role("c")
    pick = explanation.picks[0]
    assert pick.provenance == {"lmarena 2026-08-10": "arena.overall", "models.dev 2026-08-18": "prices.input"}
    assert pick.conflicts[0].startswith("prices.input: litellm=2.5, models.dev=2.0 -> models.dev")
    assert pick.quality["votes"] == 1000
    assert pick.quality["ci_lower"] == 1445
    assert explanation.runner_up is not None
    assert explanation.runner_up["margin"] > 0
    assert any(f.startswith("cost: medium -> high would pick anthropic/cheap") for f in explanation.flips)
    assert "another provider" in explanation.picks[1].why


def test_a_dominated_pin_is_kept_and_the_dominating_model_is_named() -> None:
    pinned = record("openai", "old-big", rating=1300, price_in=5, price_out=15)
    better = record("anthropic", "new-small", rating=1400, price_in=1, price_out=4)
    result = run("  c: {force: {provider: openai, model: old-big}, fallbacks: 1}\n", [pinned, better])
    assert primary(result) == "openai/old-big"
    notes = result.explain.role("c").notes
    assert any("dominated by anthropic/new-small" in n for n in notes)
