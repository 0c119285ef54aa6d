"""SP2, LLM-assisted: a real LLMHub call to an OpenAI-compatible server on 127.0.0.1.

The server is the runtime's FakeOpenAIServer with scripted replies (the JSON a model would give).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator_fakes import FakeCatalog
from llmhub_generator import GenerateOptions, Level, generate, parse_spec_yaml
from llmhub_testing import FakeOpenAIServer

ROLE_DESCRIPTION = "Helps users with their accounts."


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key="sk-generator-test-key") as srv:
        yield srv


@pytest.fixture
def spec_text(server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch) -> str:
    server.reset()
    monkeypatch.setenv("GEN_KEY", "sk-generator-test-key")
    return (
        "project: p\n"
        "providers:\n"
        "  openai: {env_key: OPENAI_API_KEY}\n"
        "  anthropic: {}\n"
        f"  llamacpp: {{env_key: GEN_KEY, api_base: '{server.base_url}', max_retries: 0}}\n"
        "roles:\n"
        f"  helper: {{description: {ROLE_DESCRIPTION}, requires: {{tools: false}},\n"
        "           allow: [openai, anthropic]}\n"
    )


def _options(tmp_path: Path) -> GenerateOptions:
    return GenerateOptions(generator_model="llamacpp:judge-model", cache_dir=tmp_path / "cache")


def test_model_suggestions_become_needs(
    spec_text: str, server: FakeOpenAIServer, small_catalog: FakeCatalog, tmp_path: Path
) -> None:
    server.reply_next(
        json.dumps({"reasoning": True, "tools": True, "quality": "high", "reason": "hard questions"})
    )
    result = generate(parse_spec_yaml(spec_text), small_catalog, _options(tmp_path))
    need = result.needs["helper"]
    assert need.interpreter == "llm:llamacpp:judge-model"
    assert need.reasoning is True
    assert need.quality is Level.HIGH
    assert need.tools is False  # the spec said so explicitly: the model's suggestion loses
    assert result.explain.role("helper").primary == "openai/reasoner"
    request = server.requests[0]
    assert request.model == "judge-model"
    assert request.body["response_format"] == {"type": "json_object"}
    assert ROLE_DESCRIPTION in request.body["messages"][-1]["content"]
    assert request.headers["authorization"] == "Bearer sk-generator-test-key"
    inferred = {i.field: i.reason for i in need.inferred}
    assert inferred["reasoning"] == "suggested by llamacpp:judge-model: hard questions"


def test_cached_answers_are_reused_without_a_call(
    spec_text: str, server: FakeOpenAIServer, small_catalog: FakeCatalog, tmp_path: Path
) -> None:
    server.reply_next(json.dumps({"cost": "high"}))
    first = generate(parse_spec_yaml(spec_text), small_catalog, _options(tmp_path))
    calls = len(server.requests)
    second = generate(parse_spec_yaml(spec_text), small_catalog, _options(tmp_path))
    assert len(server.requests) == calls == 1
    assert first.yaml_text == second.yaml_text
    assert second.needs["helper"].cost is Level.HIGH
    changed = spec_text.replace("Helps users", "Helps admins")
    server.reply_next(json.dumps({}))
    generate(parse_spec_yaml(changed), small_catalog, _options(tmp_path))
    assert len(server.requests) == 2  # a different role spec is a different cache key


def test_invalid_answer_is_repaired_once(
    spec_text: str, server: FakeOpenAIServer, small_catalog: FakeCatalog, tmp_path: Path
) -> None:
    server.reply_next("Sure! The role needs tools.")
    server.reply_next(json.dumps({"latency": "high"}))
    result = generate(parse_spec_yaml(spec_text), small_catalog, _options(tmp_path))
    assert result.needs["helper"].latency is Level.HIGH
    assert len(server.requests) == 2
    repair = server.requests[1].body["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Sure! The role needs tools."}
    assert "invalid" in repair[-1]["content"]
    assert not result.warnings


def test_two_bad_answers_fall_back_to_heuristics_with_a_warning(
    spec_text: str, server: FakeOpenAIServer, small_catalog: FakeCatalog, tmp_path: Path
) -> None:
    server.reply_next(json.dumps({"tools": "yes please", "colour": "blue"}), count=2)
    result = generate(parse_spec_yaml(spec_text), small_catalog, _options(tmp_path))
    assert result.needs["helper"].interpreter == "heuristic"
    assert any("gave no usable answer" in w and "interpreted heuristically" in w for w in result.warnings)
    assert not list((tmp_path / "cache").glob("*.json"))  # nothing cached from a failure


def test_server_failure_falls_back_and_never_leaks_the_key(
    spec_text: str, server: FakeOpenAIServer, small_catalog: FakeCatalog, tmp_path: Path
) -> None:
    server.fail_next(500, count=1)
    result = generate(parse_spec_yaml(spec_text), small_catalog, _options(tmp_path))
    assert result.needs["helper"].interpreter == "heuristic"
    assert result.warnings
    assert all("sk-generator-test-key" not in w for w in result.warnings)


def test_no_llm_wins_over_a_generator_model(
    spec_text: str, server: FakeOpenAIServer, small_catalog: FakeCatalog, tmp_path: Path
) -> None:
    options = GenerateOptions(no_llm=True, generator_model="llamacpp:judge-model", cache_dir=tmp_path)
    result = generate(parse_spec_yaml(spec_text), small_catalog, options)
    assert result.needs["helper"].interpreter == "heuristic"
    assert server.requests == []


def test_llm_generator_role_from_an_existing_runtime_file(
    spec_text: str, server: FakeOpenAIServer, small_catalog: FakeCatalog, tmp_path: Path
) -> None:
    runtime = tmp_path / "llmhub.yaml"
    runtime.write_text(
        "project: p\nenv: dev\n"
        f"providers:\n  openai: {{env_key: GEN_KEY, api_base: '{server.base_url}', max_retries: 0}}\n"
        "roles:\n  llm.generator: {provider: openai, model: gen-judge, mode: chat}\n",
        encoding="utf-8",
    )
    server.reply_next(json.dumps({"structured_output": True}))
    options = GenerateOptions(runtime_path=runtime, cache_dir=tmp_path / "cache")
    result = generate(parse_spec_yaml(spec_text), small_catalog, options)
    assert result.needs["helper"].interpreter == "llm:openai:gen-judge"
    assert result.needs["helper"].structured_output is True
    assert server.requests[0].model == "gen-judge"
    runtime.write_text(runtime.read_text().replace("llm.generator", "llm.other"), encoding="utf-8")
    without = generate(parse_spec_yaml(spec_text), small_catalog, options)
    assert without.needs["helper"].interpreter == "heuristic"
    assert any("no role 'llm.generator'" in w for w in without.warnings)


def test_bad_generator_model_syntax(spec_text: str, small_catalog: FakeCatalog) -> None:
    with pytest.raises(ValueError, match="provider:model"):
        generate(parse_spec_yaml(spec_text), small_catalog, GenerateOptions(generator_model="just-a-model"))


@pytest.mark.parametrize(
    "content", [b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe\x00 not json", b'{"kind": 3}', b""]
)
def test_unreadable_needs_cache_entries_are_ignored(tmp_path: Path, content: bytes) -> None:
    from llmhub_generator.llm_interpret import NeedsCache

    (tmp_path / "k.json").write_bytes(content)  # deep, binary, wrong shape, empty
    assert NeedsCache(tmp_path).get("k") is None
    assert NeedsCache(tmp_path).get("missing") is None
