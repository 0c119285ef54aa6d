"""Property tests over random catalogs and specs: the selection invariants of issue 11.

The catalogs are made of the catalog's own ``ModelRecord`` with random ratings and intervals,
prices (unknown, free, cheap, dear), reasoning modes and efforts, providers (fast-hardware ones
included), aliases and previews, deprecations, embedding dimensions and MTEB scores. The judge
below is written from the documented rules, independently of the generator's code: eligibility
(the hard filters these specs use) and Pareto dominance. Only the latency proxy is shared, as it
is a documented definition rather than a measurement.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from generator_fakes import catalog_of, record
from judge import judge_dominates, rating_of, same
from llmhub_catalog.models import ModelRecord
from llmhub_generator import GenerationResult, generate, parse_spec_yaml
from llmhub_generator.facts import latency_proxy
from llmhub_generator.select import MTEB_FLOOR_POINTS, QUALITY_FLOOR_POINTS

PROVIDERS = ("openai", "anthropic", "mistral", "groq")
LEVELS = ("low", "medium", "high")
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def chat_record(draw: st.DrawFn, index: int) -> ModelRecord:
    provider = draw(st.sampled_from(PROVIDERS))
    rated = draw(st.booleans())
    mode = draw(st.sampled_from([None, "none", "optional", "always"]))
    price_in = draw(st.one_of(st.none(), st.just(0.0), st.floats(0.01, 30)))
    return record(
        provider,
        draw(st.sampled_from([f"m{index}", f"m{index}-mini", f"m{index}-large", f"m{index}-preview"])),
        rating=draw(st.floats(1100, 1500)) if rated else None,
        ci=draw(st.floats(0, 25)),
        price_in=price_in,
        price_out=None if price_in is None else draw(st.floats(0, 60)),
        tools=draw(st.booleans()),
        reasoning=mode in ("optional", "always") or (mode is None and draw(st.booleans())),
        reasoning_mode=mode,
        efforts=draw(st.sampled_from([(), ("minimal", "low", "high"), ("low", "high"), ("none", "low")])),
        temperature=draw(st.booleans()),
        deprecated=draw(st.booleans()) and draw(st.booleans()),
        canonical=draw(st.sampled_from([None, None, "shared-a", "shared-b"])),
        preview=draw(st.booleans()) and draw(st.booleans()),
    )


@st.composite
def embedding_record(draw: st.DrawFn, index: int) -> ModelRecord:
    price = draw(st.one_of(st.none(), st.floats(0.005, 0.5)))
    return record(
        draw(st.sampled_from(PROVIDERS[:3])),
        f"e{index}",
        kind="embedding",
        price_in=price,
        price_out=None if price is None else 0.0,
        tools=False,
        structured=False,
        dimensions=draw(st.sampled_from([None, 768, 1024, 1536])),
        mteb=draw(st.sampled_from([None, {"en": 0.0}, {"en": 1.0, "multilingual": 1.0}]))
        and {
            "en": draw(st.floats(50, 75)),
            "multilingual": draw(st.floats(40, 70)),
        },
        canonical=draw(st.sampled_from([None, None, "shared-e"])),
    )


@st.composite
def catalogs(draw: st.DrawFn) -> list[ModelRecord]:
    chats = [draw(chat_record(i)) for i in range(draw(st.integers(2, 14)))]
    embeds = [draw(embedding_record(i)) for i in range(draw(st.integers(0, 6)))]
    seen: set[str] = set()
    unique = []
    for r in chats + embeds:
        if r.id not in seen:
            seen.add(r.id)
            unique.append(r)
    return unique


@st.composite
def role_specs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "quality": draw(st.sampled_from(LEVELS)),
        "cost": draw(st.sampled_from(LEVELS)),
        "latency": draw(st.sampled_from(LEVELS)),
        "tools": draw(st.booleans()),
        "fallbacks": draw(st.integers(0, 3)),
        "max_tokens": draw(st.sampled_from([None, 50, 600, 4000])),
        "preferred": draw(st.sampled_from([[], ["anthropic"], ["groq", "openai"]])),
    }


def spec_text(role: dict[str, Any], kind: str = "chat", **levels: str) -> str:
    prefs = {k: levels.get(k, role[k]) for k in ("quality", "cost", "latency")}
    pref_text = ", ".join(f"{k}: {v}" for k, v in prefs.items())
    if role["preferred"]:
        pref_text += f", providers: [{', '.join(role['preferred'])}]"
    lines = [
        "project: p",
        "providers:",
        *(f"  {p}: {{}}" for p in PROVIDERS),
        "roles:",
        "  r:",
        f"    kind: {kind}",
        f"    preferences: {{{pref_text}}}",
        f"    fallbacks: {role['fallbacks']}",
    ]
    if kind == "chat" and role["tools"]:
        lines.append("    requires: {tools: true}")
    if kind == "chat" and role["max_tokens"]:
        lines.append(f"    mode_params: {{max_tokens: {role['max_tokens']}, temperature: 0.5}}")
    return "\n".join(lines) + "\n"


def run(records: list[ModelRecord], text: str) -> GenerationResult | None:
    try:
        return generate(parse_spec_yaml(text), catalog_of(records))
    except Exception as e:  # an unfillable role is a legitimate outcome for a random catalog
        from llmhub_generator import UnfillableRoleError

        if isinstance(e, UnfillableRoleError):
            return None
        raise


# --- the judge: the documented rules, written again ------------------------------------------


def eligible(records: list[ModelRecord], role: dict[str, Any], kind: str) -> list[ModelRecord]:
    """The hard filters these specs use: kind, not deprecated, tools; preview ids only when no
    stable id qualifies; an alias whose target qualifies is dropped."""
    pool = [r for r in records if r.kind == kind and not r.deprecated]
    if kind == "chat" and role["tools"]:
        pool = [r for r in pool if r.capabilities.tool_call]
    stable = [r for r in pool if not (r.preview or "preview" in r.model)]
    return stable or pool


def targets(result: GenerationResult, records: list[ModelRecord]) -> list[ModelRecord]:
    by_key = {(r.provider, r.model): r for r in records}
    role = result.config.roles["r"]
    return [by_key[(role.provider, role.model)], *(by_key[(f.provider, f.model)] for f in role.fallbacks)]


# --- properties ------------------------------------------------------------------------------


@SETTINGS
@given(records=catalogs(), role=role_specs())
def test_no_pick_is_dominated_and_fallbacks_follow_the_policy(
    records: list[ModelRecord], role: dict[str, Any]
) -> None:
    result = run(records, spec_text(role))
    pool = eligible(records, role, "chat")
    if result is None:
        assert not pool
        return
    need = result.needs["r"]
    primary, *fallbacks = targets(result, records)
    assert primary in pool
    # 1. Pareto: no eligible candidate dominates the primary (nor does any fallback)
    assert not [c.id for c in pool if judge_dominates(c, primary, role, "chat", need)]
    # 2. every fallback meets the hard requirements; no model twice (aliases included)
    chosen = [primary, *fallbacks]
    assert all(f in pool for f in fallbacks)
    for i, a in enumerate(chosen):
        assert not any(same(a, b) for b in chosen[i + 1 :]), [t.id for t in chosen]
    # 3. as many fallbacks as asked when enough distinct models exist
    distinct: list[ModelRecord] = []
    for c in pool:
        if not any(same(c, d) for d in distinct):
            distinct.append(c)
    assert len(fallbacks) == min(role["fallbacks"], len(distinct) - 1)
    # 4. the first fallback is on another provider whenever one qualifies
    others = [c for c in pool if c.provider != primary.provider and not same(c, primary)]
    if fallbacks and others:
        assert fallbacks[0].provider != primary.provider
    # 5. quality: high: after the first fallback, none below the floor while one within it is free
    top = rating_of(primary, "chat")
    if role["quality"] == "high" and top is not None:

        def within(c: ModelRecord) -> bool:
            q = rating_of(c, "chat")
            return q is not None and (q[0] >= top[0] - QUALITY_FLOOR_POINTS or q[2] >= top[1])

        for f in fallbacks[1:]:
            if not within(f):
                free = [c for c in pool if within(c) and not any(same(c, t) for t in chosen)]
                assert not free, (f.id, [c.id for c in free])
    # 6. no unrated primary for quality medium/high when a rated candidate without budget risk
    #    exists that no candidate dominates (Pareto comes first)
    if role["quality"] != "low" and rating_of(primary, "chat") is None:
        assert not [
            c
            for c in pool
            if rating_of(c, "chat") is not None
            and not latency_proxy(c, need).budget_risk
            and not any(judge_dominates(d, c, role, "chat", need) for d in pool)
        ]


@SETTINGS
@given(records=catalogs(), role=role_specs())
def test_embedding_fallbacks_keep_the_vector_dimension(
    records: list[ModelRecord], role: dict[str, Any]
) -> None:
    result = run(records, spec_text(role, kind="embedding"))
    pool = eligible(records, role, "embedding")
    if result is None:
        assert not pool
        return
    need = result.needs["r"]
    primary, *fallbacks = targets(result, records)
    assert primary.kind == "embedding"
    assert not [c.id for c in pool if judge_dominates(c, primary, role, "embedding", need)]
    dims = primary.embedding.dimensions if primary.embedding else None
    for f in fallbacks:
        identical = same(f, primary) and f.provider != primary.provider
        assert identical or (dims is not None and f.embedding is not None and f.embedding.dimensions == dims)
    if role["fallbacks"] and not fallbacks:
        assert any("fallback" in w for w in result.warnings)


@SETTINGS
@given(records=catalogs(), role=role_specs(), seed=st.randoms(use_true_random=False))
def test_generation_is_deterministic_and_order_free(
    records: list[ModelRecord], role: dict[str, Any], seed: Any
) -> None:
    text = spec_text(role)
    first = run(records, text)
    shuffled = list(records)
    seed.shuffle(shuffled)
    second = run(shuffled, text)
    assert (first is None) == (second is None)
    if first is not None and second is not None:
        assert first.yaml_text == second.yaml_text
        assert first.explain.to_dict() == second.explain.to_dict()


def _pick(result: GenerationResult) -> dict[str, Any]:
    pick = result.explain.role("r").picks[0]
    return {"q": pick.quality.get("points", float("-inf")), "d": pick.doublings, "u": pick.latency_units}


@SETTINGS
@given(records=catalogs(), role=role_specs())
def test_preferences_are_monotonic(records: list[ModelRecord], role: dict[str, Any]) -> None:
    """Raising quality never picks worse quality; raising cost never picks a dearer model; raising
    latency from low to medium never picks a slower one (at high, efforts change the proxy)."""
    for name, key, sign, levels in (
        ("quality", "q", 1, LEVELS),
        ("cost", "d", -1, LEVELS),
        ("latency", "u", -1, LEVELS[:2]),
    ):
        picks = []
        for level in levels:
            result = run(records, spec_text(role, **{name: level}))
            assume(result is not None)
            assert result is not None
            picks.append(_pick(result)[key])
        for before, after in itertools.pairwise(picks):
            assert sign * after >= sign * before - 1e-6, (name, picks)


def test_embedding_floor_is_in_mteb_points() -> None:
    assert 0 < MTEB_FLOOR_POINTS < QUALITY_FLOOR_POINTS
