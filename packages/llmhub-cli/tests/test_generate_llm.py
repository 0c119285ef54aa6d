"""``llmhub generate`` in LLM-assisted mode, against an OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import run
from llmhub_testing import FakeOpenAIServer


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as srv:
        yield srv


def _spec(server: FakeOpenAIServer) -> str:
    return (
        "project: llm-mode\n"
        "providers:\n"
        "  openai: {env_key: OPENAI_API_KEY}\n"
        f"  llamacpp: {{api_base: '{server.base_url}', max_retries: 0}}\n"
        "roles:\n"
        "  helper: {description: Helps users., allow: [openai]}\n"
    )


def test_generator_model_flag_asks_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAIServer
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMHUB_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "llmhub.spec.yaml").write_text(_spec(server), encoding="utf-8")
    server.reply_next(json.dumps({"reasoning": True, "reason": "multi-step support cases"}))
    result = run("generate", "--generator-model", "llamacpp:judge", "--format", "json", "--explain")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    role = data["explain"]["roles"][0]
    assert role["interpreter"] == "llm:llamacpp:judge"
    assert role["needs"]["reasoning"] is True
    assert [r.model for r in server.requests] == ["judge"]
    # --no-llm wins, and makes no call.
    server.clear_requests()
    heuristic = run("generate", "--no-llm", "--dry-run", "--format", "json", "--explain")
    assert heuristic.exit_code == 0, heuristic.output
    assert json.loads(heuristic.stdout)["explain"]["roles"][0]["interpreter"] == "heuristic"
    assert server.requests == []


def test_llm_generator_role_in_llmhub_yaml_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAIServer
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMHUB_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "llmhub.spec.yaml").write_text(_spec(server), encoding="utf-8")
    (tmp_path / "llmhub.yaml").write_text(
        "project: llm-mode\nenv: dev\n"
        f"providers:\n  llamacpp: {{api_base: '{server.base_url}', max_retries: 0}}\n"
        "roles:\n  llm.generator: {provider: llamacpp, model: house-judge, mode: chat}\n",
        encoding="utf-8",
    )
    server.reply_next(json.dumps({"structured_output": True}))
    result = run("generate", "--dry-run", "--format", "json", "--explain")
    assert result.exit_code == 0, result.output
    role = json.loads(result.stdout)["explain"]["roles"][0]
    assert role["interpreter"] == "llm:llamacpp:house-judge"
    assert role["needs"]["structured_output"] is True
    assert [r.model for r in server.requests] == ["house-judge"]
