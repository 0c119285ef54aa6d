"""``llmhub test``: a real call through llmhub-runtime to a local OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import run
from llmhub_testing import FakeOpenAIServer

KEY = "sk-test-SECRET-abcdef123456"


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY) as fake:
        yield fake


@pytest.fixture
def runtime_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAIServer) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.yaml").write_text(
        "project: t\nenv: test\n"
        f"providers:\n  openai: {{env_key: FAKE_OPENAI_KEY, api_base: '{server.base_url}', max_retries: 0}}\n"
        "roles:\n"
        "  llm.chat: {provider: openai, model: fake-chat, mode: chat, params: {temperature: 0.1}}\n"
        "  llm.embed: {provider: openai, model: fake-embedding, mode: embedding}\n"
    )
    return tmp_path


def test_chat_role_json(runtime_project: Path, server: FakeOpenAIServer) -> None:
    result = run(
        "test", "--role", "llm.chat", "--prompt", "hello there", "--json", env={"FAKE_OPENAI_KEY": KEY}
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["content"] == "echo: hello there"
    assert data["provider"] == "openai"
    assert data["model"] == "fake-chat"
    assert data["mode"] == "chat"
    assert data["usage"]["total_tokens"] > 0
    assert data["duration_ms"] >= 0
    assert server.requests[-1].body["temperature"] == 0.1
    assert KEY not in result.output


def test_chat_role_human(runtime_project: Path) -> None:
    result = run("test", "-r", "llm.chat", "-p", "hi", env={"FAKE_OPENAI_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "echo: hi"
    assert "llm.chat -> openai/fake-chat" in result.stderr


def test_embedding_role(runtime_project: Path) -> None:
    result = run(
        "test",
        "--role",
        "llm.embed",
        "--prompt",
        "some text",
        "--format",
        "json",
        env={"FAKE_OPENAI_KEY": KEY},
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["dimensions"] == 8
    assert len(data["embedding"]) == 8
    assert all(isinstance(x, float) for x in data["embedding"])
    human = run("test", "--role", "llm.embed", "--prompt", "x", env={"FAKE_OPENAI_KEY": KEY})
    assert "embedding of 8 dimensions" in human.stdout


def test_errors_are_messages_and_never_show_the_key(runtime_project: Path) -> None:
    unknown = run("test", "--role", "llm.nope", "--prompt", "x", env={"FAKE_OPENAI_KEY": KEY})
    assert unknown.exit_code == 1
    assert "unknown role 'llm.nope'" in unknown.stderr
    wrong_key = "sk-wrong-KEY-9876543210"
    denied = run("test", "--role", "llm.chat", "--prompt", "x", env={"FAKE_OPENAI_KEY": wrong_key})
    assert denied.exit_code == 1
    assert "Traceback" not in denied.stderr
    assert "internal error" not in denied.stderr
    assert "AuthenticationError" in denied.stderr  # any-llm's own error, named with the target
    assert wrong_key not in denied.output
    assert KEY not in denied.output
    missing_file = runtime_project / "llmhub.yaml"
    missing_file.unlink()
    gone = run("test", "--role", "llm.chat", "--prompt", "x")
    assert gone.exit_code == 1
    assert "file not found" in gone.stderr
