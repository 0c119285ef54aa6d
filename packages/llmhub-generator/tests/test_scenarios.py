"""The public scenario suite: realistic specs (tests/scenarios/*.yaml) against the bundled catalog.

Each scenario is checked by properties, never by golden model names, so the suite keeps passing
when the catalog changes: the file loads in the runtime, re-generation is byte-identical, no pick
is dominated by an eligible candidate (independent judge), fallbacks meet every hard requirement,
are distinct models, start on another provider when one qualifies and keep an embedding role's
vector dimension, and descriptions infer only what their words say.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from judge import judge_dominates, same
from llmhub_catalog import load_catalog
from llmhub_catalog.models import ModelRecord
from llmhub_generator import GenerationResult, generate, load_spec
from llmhub_generator.facts import candidate_facts
from llmhub_generator.pipeline import _collapse_aliases
from llmhub_generator.relax import filter_with_relaxation
from llmhub_generator.view import build_view
from llmhub_runtime import parse_runtime_yaml

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.fixture(scope="module")
def catalog() -> Any:
    return load_catalog("bundled")


@pytest.fixture(scope="module")
def results(catalog: Any) -> dict[str, GenerationResult]:
    return {path.stem: generate(load_spec(path), catalog) for path in SCENARIOS}


def test_there_are_at_least_twelve_scenarios() -> None:
    assert len(SCENARIOS) >= 12


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_properties(path: Path, catalog: Any, results: dict[str, GenerationResult]) -> None:
    result = results[path.stem]
    again = generate(load_spec(path), catalog)
    assert again.yaml_text == result.yaml_text  # byte-identical
    config = parse_runtime_yaml(result.yaml_text, source=str(path))
    view = build_view(catalog)
    for role_name, need in result.needs.items():
        explanation = result.explain.role(role_name)
        pool, _, relaxed, _ = filter_with_relaxation(view, need, None)
        pool, _ = _collapse_aliases(pool)
        by_key: dict[tuple[str, str], ModelRecord] = {(r.provider, r.model): r for r in view.records}
        role = config.roles[role_name]
        primary = by_key[(role.provider, role.model)]
        fallbacks = [by_key[(f.provider, f.model)] for f in role.fallbacks]
        chosen = [primary, *fallbacks]
        judge_role = {"preferred": list(need.preferred_providers)}
        kind = need.catalog_kind
        category = explanation.measure.partition(":")[2]
        if not explanation.forced:
            assert primary in pool, role_name
            dominating = [
                c.id for c in pool if judge_dominates(c, primary, judge_role, kind, relaxed, category)
            ]
            assert not dominating, (role_name, primary.id, dominating)
        for f in fallbacks:
            assert f in pool, (role_name, f.id)  # every hard requirement holds
            assert not judge_dominates(f, primary, judge_role, kind, relaxed, category) or explanation.forced
        for i, a in enumerate(chosen):
            for b in chosen[i + 1 :]:
                assert not same(a, b) or (kind == "embedding" and a.provider != b.provider), (a.id, b.id)
        others = [c for c in pool if c.provider != primary.provider and not same(c, primary)]
        if fallbacks and others and kind != "embedding":
            assert fallbacks[0].provider != primary.provider, role_name
        if kind == "embedding" and fallbacks:
            dims = primary.embedding.dimensions if primary.embedding else None
            for f in fallbacks:
                assert (same(f, primary) and f.provider != primary.provider) or (
                    dims is not None and f.embedding is not None and f.embedding.dimensions == dims
                )
        # a deprecated model is never a candidate unless pinned
        assert all(not t.deprecated for t in (fallbacks if explanation.forced else chosen))
        # every pick is explained: facts, and why for each fallback
        assert len(explanation.picks) == len(chosen)
        assert all(p.why for p in explanation.picks[1:])
        # the reasoning-effort param is only ever the model's own lowest effort
        for target, record in zip((role, *role.fallbacks), chosen, strict=True):
            effort = target.params.get("reasoning_effort")
            if effort is not None and "reasoning_effort" not in need.params:
                assert record.capabilities.reasoning_efforts[:1] == (effort,)
            facts = candidate_facts(record, relaxed, explanation.measure)
            if facts.latency.budget_risk:
                assert any("max_tokens" in w for w in explanation.warnings)


def test_transcripts_are_text(results: dict[str, GenerationResult]) -> None:
    need = results["batch-summaries"].needs["calls.summarize"]
    assert need.modalities_in == ("text",)
    assert "modalities_in" not in {i.field for i in need.inferred}


def test_inferences_name_their_trigger_words(results: dict[str, GenerationResult]) -> None:
    inferred = results["vision"].explain.role("vision.describe").inferred
    by_field = {i["field"]: i["trigger"] for i in inferred}
    assert by_field == {"modalities_in": "screenshot"}  # quality: high is explicit, so not inferred
    assert results["vision"].explain.role("vision.describe").measure == "arena:vision"
    multilingual = results["multilingual-embeddings"].needs["search.embed"]
    assert multilingual.multilingual
    assert results["multilingual-embeddings"].explain.role("search.embed").measure == "mteb:multilingual"


def test_the_starter_spec_gets_no_mismatched_embedding_fallback(
    results: dict[str, GenerationResult], catalog: Any
) -> None:
    role = results["starter"].config.roles["llm.embedding"]
    view = build_view(catalog)
    primary = view.find(role.provider, role.model)
    assert primary is not None
    for f in role.fallbacks:
        record = view.find(f.provider, f.model)
        assert record is not None
        assert record.embedding is not None
        assert primary.embedding is not None
        assert record.embedding.dimensions == primary.embedding.dimensions
