"""SP4..SP9: filters, weights, scores, relaxation and selection on a synthetic catalog."""

from __future__ import annotations

import pytest

from conftest import FakeCatalog, catalog_of, record
from llmhub_generator import GenerateOptions, UnfillableRoleError, generate, parse_spec_yaml
from llmhub_generator.filters import apply_filters, matches_pattern
from llmhub_generator.interpret import HeuristicInterpreter
from llmhub_generator.scoring import rank, weights_for
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
    assert chosen(fast, "c") == "anthropic/haiku"  # latency tier 1


def test_deprecated_models_are_excluded(small_catalog: FakeCatalog) -> None:
    result = run("  c: {allow: [openai/old, openai/mini]}\n", small_catalog)
    assert chosen(result, "c") == "openai/mini"
    assert result.explain.role("c").filters[-1].name == "deprecated"


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


def test_fallbacks_spread_over_providers(small_catalog: FakeCatalog) -> None:
    result = run("  c: {preferences: {quality: high}, fallbacks: 2}\n", small_catalog)
    role = result.config.roles["c"]
    providers = [role.provider] + [f.provider for f in role.fallbacks]
    assert len(set(providers)) == 3
    many = run("  c: {allow: [openai], fallbacks: 5}\n", small_catalog)
    assert len(many.config.roles["c"].fallbacks) == 2  # only three non-deprecated openai chat models
    assert any("only 2 of 5 fallbacks" in w for w in many.warnings)
    none = run("  c: {fallbacks: 0}\n", small_catalog)
    assert none.config.roles["c"].fallbacks == []


def test_weights_follow_levels() -> None:
    spec = parse_spec_yaml(PROVIDERS + "roles:\n  c: {preferences: {cost: high, quality: low}}\n").spec
    need = HeuristicInterpreter().interpret(spec, "c")
    weights = weights_for(need)
    assert weights.cost > weights.latency > weights.quality
    assert abs(weights.quality + weights.cost + weights.latency + weights.fit - 1) < 1e-9


def test_ties_are_broken_deterministically() -> None:
    twins = [
        record("openai", name, quality=3, cost=2, latency=2, price_in=1.0, price_out=1.0) for name in "dcba"
    ]
    view = build_view(catalog_of(twins))
    spec = parse_spec_yaml(PROVIDERS + "roles:\n  c: {}\n").spec
    need = HeuristicInterpreter().interpret(spec, "c")
    survivors, _ = apply_filters(view.records, need, None)
    first = [s.record.id for s in rank(survivors, need, view)]
    second = [s.record.id for s in rank(list(reversed(survivors)), need, view)]
    assert first == second == ["openai/a", "openai/b", "openai/c", "openai/d"]


@pytest.mark.parametrize("dimension", ["quality", "cost"])
def test_monotonic_in_preference_level(dimension: str) -> None:
    """Raising a preference never picks a worse model on that dimension (equal latency and fit)."""
    models = [
        record(
            "openai",
            f"m{q}{c}",
            quality=q,
            cost=c,
            latency=3,
            price_in=p,
            price_out=p,
            tools=True,
            structured=True,
            rating=None,
        )
        for q, c, p in [
            (1, 1, 0.1),
            (2, 1, 0.2),
            (3, 2, 1.0),
            (4, 3, 3.0),
            (5, 4, 10.0),
            (5, 5, 50.0),
            (3, 4, 9.0),
        ]
    ]
    catalog = catalog_of(models)
    previous = None
    for level in ("low", "medium", "high"):
        result = run(f"  c: {{preferences: {{{dimension}: {level}}}}}\n", catalog)
        picked = next(r for r in models if r.id == result.explain.role("c").primary)
        value = picked.tiers.quality if dimension == "quality" else -picked.tiers.cost
        if previous is not None:
            assert value >= previous, (dimension, level, picked.id)
        previous = value


def test_diversity_does_not_pick_a_much_weaker_backup() -> None:
    strong = [
        record("openai", "a", quality=5, cost=3, latency=3, price_in=2.0, price_out=2.0),
        record("openai", "b", quality=5, cost=3, latency=3, price_in=2.1, price_out=2.1),
    ]
    weak = record("mistral", "tiny", quality=1, cost=3, latency=3, price_in=2.0, price_out=2.0)
    close = record("mistral", "near", quality=5, cost=3, latency=3, price_in=2.5, price_out=2.5)
    far = run("  c: {preferences: {quality: high}, fallbacks: 1}\n", catalog_of([*strong, weak]))
    assert [f.model for f in far.config.roles["c"].fallbacks] == ["b"]
    near = run("  c: {preferences: {quality: high}, fallbacks: 1}\n", catalog_of([*strong, weak, close]))
    assert [(f.provider, f.model) for f in near.config.roles["c"].fallbacks] == [("mistral", "near")]
