"""SP4..SP9: filters, weights, scores, relaxation and selection on a synthetic catalog."""

from __future__ import annotations

import pytest

from generator_fakes import FakeCatalog, catalog_of, record
from llmhub_generator import GenerateOptions, UnfillableRoleError, generate, parse_spec_yaml
from llmhub_generator.facts import candidate_facts
from llmhub_generator.filters import apply_filters, matches_pattern
from llmhub_generator.interpret import HeuristicInterpreter
from llmhub_generator.scoring import points_per_price_doubling, rank, weights_for
from llmhub_generator.spec import Level
from llmhub_generator.view import build_view

PROVIDERS = (
    "project: p\nproviders:\n  openai: {env_key: OPENAI_KEY}\n  anthropic: {env_key: ANTHROPIC_KEY}\n"
    "  mistral: {}\n"
)


def run(roles: str, catalog: FakeCatalog, **options: object):  # type: ignore[no-untyped-def]
    return generate(parse_spec_yaml(PROVIDERS + "roles:\n" + roles), catalog, GenerateOptions(**options))  # type: ignore[arg-type]


def chosen(result, role: str) -> str:  # type: ignore[no-untyped-def]
    return result.explain.role(role).primary


def test_embedding_role_only_gets_embedding_models(small_catalog: FakeCatalog) -> None:
    result = run("  e: {kind: embedding, preferences: {quality: high}}\n", small_catalog)
    explanation = result.explain.role("e")
    assert explanation.primary in {"openai/embed-small", "mistral/embed"}
    assert all(row.catalog_id.split("/")[1].startswith("embed") for row in explanation.candidates)
    kind_step = explanation.filters[0]
    assert (kind_step.name, kind_step.after) == ("kind", 2)


def test_chat_role_never_gets_an_embedding_model(small_catalog: FakeCatalog) -> None:
    result = run("  c: {preferences: {cost: high, quality: low}}\n", small_catalog)
    explanation = result.explain.role("c")
    assert "embed" not in explanation.primary
    assert all("embed" not in row.model for row in explanation.candidates)


def test_cost_high_means_cheapness_matters(small_catalog: FakeCatalog) -> None:
    cheap = run("  c: {preferences: {cost: high, quality: low, latency: low}}\n", small_catalog)
    rich = run("  c: {preferences: {cost: low, quality: high, latency: low}}\n", small_catalog)
    cheap_rec = small_catalog.records[[r.id for r in small_catalog.records].index(chosen(cheap, "c"))]
    rich_rec = small_catalog.records[[r.id for r in small_catalog.records].index(chosen(rich, "c"))]
    assert cheap_rec.tiers.cost < rich_rec.tiers.cost
    assert rich_rec.tiers.quality == 5
    assert chosen(cheap, "c") == "openai/mini"


def test_latency_is_scored(small_catalog: FakeCatalog) -> None:
    fast = run("  c: {preferences: {latency: high, quality: low, cost: low}}\n", small_catalog)
    # haiku and mini are both small non-reasoning models (1 unit); big/opus are slower
    assert chosen(fast, "c") in {"anthropic/haiku", "openai/mini"}


def test_deprecated_models_are_excluded(small_catalog: FakeCatalog) -> None:
    result = run("  c: {allow: [openai/old, openai/mini]}\n", small_catalog)
    assert chosen(result, "c") == "openai/mini"
    step = next(f for f in result.explain.role("c").filters if f.name == "deprecated")
    assert step.removed == 1
    # deprecated is a policy: never relaxed, the role is unfillable rather than served by it
    with pytest.raises(UnfillableRoleError, match="not deprecated"):
        run("  c: {allow: [openai/old]}\n", small_catalog)


def test_force_is_honoured_even_when_it_scores_badly(small_catalog: FakeCatalog) -> None:
    result = run(
        "  c: {preferences: {quality: high}, force: {provider: mistral, model: medium}}\n", small_catalog
    )
    assert chosen(result, "c") == "mistral/medium"
    assert result.explain.role("c").forced
    assert result.config.roles["c"].provider == "mistral"
    assert not result.warnings


def test_forced_model_missing_from_catalog_is_kept_with_a_warning(small_catalog: FakeCatalog) -> None:
    result = run("  c: {force: {provider: openai, model: gpt-99-secret}}\n", small_catalog)
    assert result.config.roles["c"].model == "gpt-99-secret"
    assert any("not in the catalog" in w for w in result.warnings)
    assert len(result.config.roles["c"].fallbacks) == 2  # fallbacks still chosen from the catalog


def test_forced_model_failing_a_requirement_is_kept_with_a_warning(small_catalog: FakeCatalog) -> None:
    result = run(
        "  c: {requires: {reasoning: true}, force: {provider: anthropic, model: haiku}}\n", small_catalog
    )
    assert chosen(result, "c") == "anthropic/haiku"
    assert any("does not meet: reasoning required" in w for w in result.warnings)


def test_allow_and_deny_patterns(small_catalog: FakeCatalog) -> None:
    result = run("  c: {allow: ['anthropic/*', 'mistral'], deny: [anthropic/opus]}\n", small_catalog)
    explanation = result.explain.role("c")
    ids = {row.catalog_id for row in explanation.candidates}
    assert ids == {"anthropic/haiku", "mistral/medium"}
    assert matches_pattern(small_catalog.records[0], "anthropic")


def test_capabilities_modalities_and_context(small_catalog: FakeCatalog) -> None:
    vision = run("  v: {requires: {modalities_in: [text, image], attachments: true}}\n", small_catalog)
    assert chosen(vision, "v") == "anthropic/opus"
    long_ctx = run("  l: {requires: {context_min: 100000}}\n", small_catalog)
    assert "mistral/medium" not in {r.catalog_id for r in long_ctx.explain.role("l").candidates}
    reasoning = run("  r: {requires: {reasoning: true}, mode_params: {temperature: 0.3}}\n", small_catalog)
    assert chosen(reasoning, "r") == "openai/reasoner"
    assert "temperature" not in reasoning.config.roles["r"].params  # the model refuses it
    assert any("does not accept temperature" in n for n in reasoning.explain.role("r").notes)
    assert not any("temperature" in w for w in reasoning.warnings)


def test_only_available_keeps_providers_with_keys(small_catalog: FakeCatalog) -> None:
    result = run(
        "  c: {preferences: {quality: high}}\n",
        small_catalog,
        only_available=True,
        environ={"ANTHROPIC_KEY": "x"},
    )
    explanation = result.explain.role("c")
    assert {row.provider for row in explanation.candidates} == {"anthropic"}
    with pytest.raises(UnfillableRoleError) as info:
        run("  c: {}\n", small_catalog, only_available=True, environ={})
    assert info.value.role == "c"
    assert "only-available" in info.value.constraint


def test_relaxation_is_recorded(small_catalog: FakeCatalog) -> None:
    result = run("  c: {requires: {context_min: 1000000, open_weights: true}}\n", small_catalog)
    relaxations = result.explain.role("c").relaxations
    changes = [r.change for r in relaxations]
    assert changes[0] == "open_weights no longer required" or "context_min" in changes[0]
    assert any(c.startswith("context_min 1000000 -> 500000") for c in changes)
    assert all(r.origin == "spec" and r.reason.startswith("no candidate met") for r in relaxations)
    meta_relax = result.config.meta["roles"]["c"]["relaxations"]  # type: ignore[index]
    assert [r["change"] for r in meta_relax] == changes


def test_inferred_requirements_are_relaxed_with_their_origin() -> None:
    catalog = catalog_of([record("openai", "plain", reasoning=False)])
    result = run("  c: {description: Analyzes data step by step}\n", catalog)
    relaxation = result.explain.role("c").relaxations[0]
    assert (relaxation.filter, relaxation.origin) == ("reasoning", "inferred")


def test_unfillable_role_names_role_and_constraint(small_catalog: FakeCatalog) -> None:
    with pytest.raises(UnfillableRoleError) as info:
        run("  a: {kind: audio}\n", small_catalog)
    assert info.value.role == "a"
    assert info.value.constraint == "kind = audio"
    assert "role 'a' cannot be filled" in str(info.value)
    with pytest.raises(UnfillableRoleError, match="tools required"):
        run("  t: {kind: tool, allow: [mistral]}\n", catalog_of([record("mistral", "m", tools=False)]))


def test_fallbacks_first_on_another_provider_and_within_the_floor(small_catalog: FakeCatalog) -> None:
    result = run("  c: {preferences: {quality: high}, fallbacks: 2}\n", small_catalog)
    role = result.config.roles["c"]
    assert role.provider == "anthropic"  # opus 1420: best, tied with nobody cheaper
    assert role.fallbacks[0].provider != role.provider
    # mistral/medium is 90 points below: outside the 50-point floor while openai models are inside it
    assert all(f.model != "medium" for f in role.fallbacks)
    many = run("  c: {allow: [openai], fallbacks: 5}\n", small_catalog)
    assert len(many.config.roles["c"].fallbacks) == 2  # only three non-deprecated openai chat models
    assert any("only 2 of 5 fallbacks" in w for w in many.warnings)
    none = run("  c: {fallbacks: 0}\n", small_catalog)
    assert none.config.roles["c"].fallbacks == []


def test_trade_off_rates_grow_with_the_cost_level_and_shrink_with_quality() -> None:
    for quality in Level:
        rates = [points_per_price_doubling(quality, cost) for cost in (Level.LOW, Level.MEDIUM, Level.HIGH)]
        assert rates == sorted(rates)
        assert len(set(rates)) == 3
    for cost in Level:
        rates = [points_per_price_doubling(q, cost) for q in (Level.LOW, Level.MEDIUM, Level.HIGH)]
        assert rates == sorted(rates, reverse=True)
    weights = weights_for(Level.LOW, Level.HIGH, Level.MEDIUM)
    assert weights.cost > weights.latency
    assert weights.quality < 1


def test_ties_are_broken_deterministically() -> None:
    twins = [record("openai", name, price_in=1.0, price_out=1.0, rating=1300) for name in "dcba"]
    view = build_view(catalog_of(twins))
    spec = parse_spec_yaml(PROVIDERS + "roles:\n  c: {}\n").spec
    need = HeuristicInterpreter().interpret(spec, "c")
    survivors, _ = apply_filters(view.records, need, None)
    first = [s.record.id for s in rank([candidate_facts(r, need, "arena:overall") for r in survivors], need)]
    backwards = [candidate_facts(r, need, "arena:overall") for r in reversed(survivors)]
    second = [s.record.id for s in rank(backwards, need)]
    assert first == second == ["openai/a", "openai/b", "openai/c", "openai/d"]
    result = run("  c: {fallbacks: 1}\n", catalog_of(twins))
    assert "tied on quality" in (result.explain.role("c").ties or "")


def test_a_close_second_beats_a_distant_one_of_another_provider_only_after_the_first_fallback() -> None:
    strong = [
        record("openai", "a", price_in=2.0, price_out=2.0, rating=1400),
        record("openai", "b", price_in=2.1, price_out=2.1, rating=1398),
    ]
    weak = record("mistral", "tiny", price_in=2.0, price_out=2.0, rating=1250)
    close = record("mistral", "near", price_in=2.5, price_out=2.5, rating=1390)
    # the only other provider is far below the floor: it is still the first fallback (outage
    # cover), and the explanation says no other provider had a model within the floor
    far = run("  c: {preferences: {quality: high}, fallbacks: 2}\n", catalog_of([*strong, weak]))
    fallbacks = far.config.roles["c"].fallbacks
    assert [(f.provider, f.model) for f in fallbacks] == [("mistral", "tiny"), ("openai", "b")]
    why = far.explain.role("c").picks[1].why
    assert "another provider" in why
    assert "within the quality floor" in why
    near = run("  c: {preferences: {quality: high}, fallbacks: 2}\n", catalog_of([*strong, weak, close]))
    assert [(f.provider, f.model) for f in near.config.roles["c"].fallbacks] == [
        ("mistral", "near"),
        ("openai", "b"),
    ]
