"""End-to-end properties of generate(): determinism, loadability, explain data, goldens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator_fakes import FakeCatalog
from llmhub_catalog import load_catalog
from llmhub_generator import content_fingerprint, generate, load_spec, parse_spec_yaml
from llmhub_generator.emitter import HEADER
from llmhub_runtime import load_runtime_config, parse_runtime_yaml

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = sorted(p.parent for p in (ROOT / "examples").glob("*/llmhub.spec.yaml"))

SPEC = """\
project: shop
env: prod
providers:
  openai: {env_key: OPENAI_API_KEY}
  anthropic: {env_key: ANTHROPIC_API_KEY}
  gemini: {env_key: GEMINI_API_KEY}
  mistral: {env_key: MISTRAL_API_KEY}
roles:
  llm.answer:
    description: Answers customer questions about orders; must be reliable.
    preferences: {quality: high, cost: medium}
    mode_params: {temperature: 0.3, max_tokens: 1024}
  llm.extract:
    description: Extracts order fields from emails as JSON.
    preferences: {cost: high}
  llm.embed:
    kind: embedding
    description: Embeds product descriptions for search.
  llm.agent:
    kind: tool
    description: An agent that calls the order API tools and plans refunds step by step.
"""


@pytest.fixture(scope="module")
def bundled() -> object:
    return load_catalog("bundled")


def test_generates_every_role_and_loads_with_the_runtime(bundled: object, tmp_path: Path) -> None:
    result = generate(parse_spec_yaml(SPEC), bundled)  # type: ignore[arg-type]
    assert result.yaml_text.startswith(f"# {HEADER}\n")
    path = tmp_path / "llmhub.yaml"
    path.write_text(result.yaml_text, encoding="utf-8")
    config = load_runtime_config(path)  # full check, including any-llm provider ids
    assert set(config.roles) == {"llm.answer", "llm.extract", "llm.embed", "llm.agent"}
    assert config.roles["llm.embed"].mode.value == "embedding"
    assert config.roles["llm.agent"].mode.value == "tool"
    for role in config.roles.values():
        assert role.provider in config.providers
        assert all(f.provider in config.providers for f in role.fallbacks)
    # Every provider written keeps the env_key the spec gave it (whichever providers were chosen).
    spec_keys = {name: p.env_key for name, p in parse_spec_yaml(SPEC).spec.providers.items()}
    assert config.providers
    assert {name: p.env_key for name, p in config.providers.items()} == {
        name: spec_keys[name] for name in config.providers
    }
    meta = config.meta or {}
    assert meta["spec_sha256"] == parse_spec_yaml(SPEC).sha256
    assert meta["catalog"]["version"] == bundled.version  # type: ignore[attr-defined]
    assert meta["output_sha256"] == content_fingerprint(config)
    assert set(meta["roles"]) == set(config.roles)
    assert all(isinstance(r["score"], float) and r["rationale"] for r in meta["roles"].values())


def test_explain_is_structured_and_json_serialisable(bundled: object) -> None:
    result = generate(parse_spec_yaml(SPEC), bundled)  # type: ignore[arg-type]
    data = json.loads(json.dumps(result.explain.to_dict()))
    agent = next(r for r in data["roles"] if r["role"] == "llm.agent")
    assert agent["filters"][0]["filter"] == "kind"
    assert any(f["filter"] == "tools" for f in agent["filters"])
    assert all(f["rejected"] == f["before"] - f["after"] for f in agent["filters"])
    top = agent["top_candidates"]
    assert top[0]["chosen"] == "primary"
    assert set(top[0]["scores"]) == {"quality", "price_doublings", "latency_units", "fit", "total"}
    assert [c["scores"]["total"] for c in top] == sorted((c["scores"]["total"] for c in top), reverse=True)
    assert {i["field"] for i in agent["inferred"]} >= {"reasoning"}
    assert (
        agent["primary"]
        == f"{result.config.roles['llm.agent'].provider}/{result.config.roles['llm.agent'].model}"
    )


def test_output_is_byte_identical_across_processes(tmp_path: Path) -> None:
    spec_path = tmp_path / "llmhub.spec.yaml"
    spec_path.write_text(SPEC, encoding="utf-8")
    script = (
        "import sys; from llmhub_generator import generate, load_spec; "
        "sys.stdout.write(generate(load_spec(sys.argv[1])).yaml_text)"
    )
    outputs = []
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", script, str(spec_path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0] == generate(load_spec(spec_path)).yaml_text


def test_hand_edits_change_the_fingerprint(bundled: object) -> None:
    result = generate(parse_spec_yaml(SPEC), bundled)  # type: ignore[arg-type]
    config = parse_runtime_yaml(result.yaml_text)
    recorded = (config.meta or {})["output_sha256"]
    edited = parse_runtime_yaml(result.yaml_text.replace("temperature: 0.3", "temperature: 0.9"))
    assert content_fingerprint(config) == recorded
    assert content_fingerprint(edited) != recorded
    reordered = parse_runtime_yaml(
        result.yaml_text.replace("env: prod\n", "").replace("project: shop\n", "project: shop\nenv: prod\n")
    )
    assert content_fingerprint(reordered) == recorded


def test_synthetic_catalog_meta(small_catalog: FakeCatalog) -> None:
    result = generate(parse_spec_yaml("project: p\nproviders: {openai: {}}\nroles: {a: {}}\n"), small_catalog)
    assert result.config.meta["catalog"] == {
        "version": small_catalog.version,  # type: ignore[index]
        "sha256": small_catalog.fingerprint,
    }


_LEVEL = st.sampled_from([None, "low", "medium", "high"])
_PROVIDERS = ["openai", "anthropic", "gemini", "mistral", "deepseek", "xai"]


@st.composite
def specs(draw: st.DrawFn) -> str:
    providers = draw(st.lists(st.sampled_from(_PROVIDERS), min_size=1, max_size=4, unique=True))
    lines = ["project: prop", "providers:"] + [f"  {p}: {{env_key: {p.upper()}_KEY}}" for p in providers]
    lines.append("roles:")
    for i in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["chat", "embedding", "tool"]))
        prefs = {k: draw(_LEVEL) for k in ("quality", "cost", "latency")}
        pref_text = ", ".join(f"{k}: {v}" for k, v in prefs.items() if v)
        desc = draw(
            st.sampled_from(
                [
                    "",
                    "Answers questions",
                    "Extracts JSON",
                    "Analyzes long documents",
                    "Calls tools",
                    "Summarises real-time chat",
                ]
            )
        )
        lines.append(f"  role{i}:")
        lines.append(f"    kind: {kind}")
        if desc:
            lines.append(f"    description: {desc}")
        if pref_text:
            lines.append(f"    preferences: {{{pref_text}}}")
        lines.append(f"    fallbacks: {draw(st.integers(0, 3))}")
    return "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=specs())
def test_property_output_always_loads(text: str, bundled: object) -> None:
    from llmhub_generator import UnfillableRoleError

    try:
        result = generate(parse_spec_yaml(text), bundled)  # type: ignore[arg-type]
    except UnfillableRoleError as e:
        error: UnfillableRoleError | None = e
    else:
        error = None
    if error is not None:
        # Only legitimate when the chosen providers really have no model of that kind.
        assert error.constraint.startswith(("kind", "providers", "tools")), error
        return
    config = parse_runtime_yaml(result.yaml_text)
    assert set(config.roles) == set(parse_spec_yaml(text).spec.roles)
    for role in config.roles.values():
        assert role.provider in config.providers
        assert all(f.provider in config.providers for f in role.fallbacks)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_match_their_golden_files(example: Path, bundled: object) -> None:
    golden = example / "llmhub.yaml"
    result = generate(load_spec(example / "llmhub.spec.yaml"), bundled)  # type: ignore[arg-type]
    if os.environ.get("LLMHUB_UPDATE_GOLDENS") == "1":
        golden.write_text(result.yaml_text, encoding="utf-8")
    assert golden.exists(), f"missing golden {golden}; run with LLMHUB_UPDATE_GOLDENS=1"
    assert result.yaml_text == golden.read_text(encoding="utf-8")


def test_fingerprints_of_files_written_before_context_and_prices_are_kept() -> None:
    from llmhub_generator.emitter import content_fingerprint

    body: dict[str, Any] = {
        "project": "p",
        "env": "dev",
        "providers": {"openai": {}},
        "roles": {"chat": {"provider": "openai", "model": "m", "mode": "chat", "fallbacks": []}},
    }
    before = content_fingerprint(body)
    assert content_fingerprint({**body, "resilience": {"stream_policy": "raise"}}) == before  # the default
    with_facts = {**body, "roles": {"chat": {**body["roles"]["chat"], "context_window": 8192}}}
    assert content_fingerprint(with_facts) != before
    assert content_fingerprint({**body, "resilience": {"stream_policy": "restart"}}) != before


def test_generated_targets_carry_context_window_and_prices() -> None:
    from llmhub_runtime import load_runtime_config

    config = load_runtime_config(
        Path(__file__).resolve().parents[3] / "examples" / "rag-chat" / "llmhub.yaml"
    )
    role = config.roles["rag.answer"] if "rag.answer" in config.roles else next(iter(config.roles.values()))
    targets = [role, *role.fallbacks]
    assert all(t.context_window for t in targets)
    assert all(t.prices is not None and t.prices.input is not None for t in targets)
