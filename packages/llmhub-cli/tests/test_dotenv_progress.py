"""``.env`` in the project root (env check, test, doctor) and the progress of ``llmhub test`` attempts."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import run
from llmhub_testing import FakeOpenAIServer

KEY = "sk-test-DOTENV-abcdef123456"


@pytest.fixture(autouse=True)
def _restore_environ() -> Iterator[None]:
    # The commands set variables from .env in this process; each test starts from the same state.
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY) as fake:
        yield fake


@pytest.fixture
def runtime_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server: FakeOpenAIServer) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FAKE_OPENAI_KEY", raising=False)
    (tmp_path / "llmhub.yaml").write_text(
        "project: t\nenv: test\n"
        f"providers:\n  openai: {{env_key: FAKE_OPENAI_KEY, api_base: '{server.base_url}', max_retries: 0}}\n"
        f"  llamacpp: {{api_base: '{server.base_url}', max_retries: 0}}\n"
        "roles:\n"
        "  llm.chat:\n    provider: openai\n    model: primary\n    mode: chat\n"
        "    fallbacks:\n      - {provider: openai, model: second}\n"
        "      - {provider: openai, model: third}\n"
    )
    return tmp_path


def test_env_check_reads_dotenv_without_overriding_the_environment(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (generated / ".env").write_text(
        "# keys for this machine\nOPENAI_API_KEY=sk-from-dotenv-1111\n"
        "export ANTHROPIC_API_KEY='sk-ant-dotenv-2222'\n"
    )
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-shell-3333")
    result = run("env", "check", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = {r["env_key"]: r for r in json.loads(result.stdout)["variables"]}
    assert rows["OPENAI_API_KEY"]["from"] == ".env"
    assert rows["ANTHROPIC_API_KEY"]["from"] == "environment"
    assert os.environ["ANTHROPIC_API_KEY"] == "sk-ant-shell-3333"  # the shell's value won
    assert os.environ["OPENAI_API_KEY"] == "sk-from-dotenv-1111"
    del os.environ["OPENAI_API_KEY"]  # a new process would not have it
    human = run("env", "check")
    for secret in ("1111", "2222", "3333"):
        assert secret not in human.output
    assert "set (value hidden) from .env" in human.stdout


def test_env_check_without_dotenv_says_where_keys_can_go(generated: Path) -> None:
    result = run("env", "check")
    assert result.exit_code == 1
    assert "set them in .env in the project root" in result.stderr


def test_doctor_counts_keys_from_dotenv(generated: Path) -> None:
    (generated / ".env").write_text("OPENAI_API_KEY=sk-a\nANTHROPIC_API_KEY=sk-b\n")
    checks = {c["name"]: c for c in json.loads(run("doctor", "-f", "json").stdout)["checks"]}
    assert checks["key openai"]["status"] == "ok"
    assert checks["key openai"]["detail"] == "OPENAI_API_KEY is set (from .env)"


def test_dotenv_example_header_describes_what_llmhub_does(project_dir: Path) -> None:
    header = (project_dir / ".env.example").read_text()
    assert "llmhub env check, test and doctor read .env" in header
    assert "already set in your shell win" in header


def test_llmhub_test_uses_the_key_from_dotenv(runtime_project: Path, server: FakeOpenAIServer) -> None:
    (runtime_project / ".env").write_text(f"FAKE_OPENAI_KEY={KEY}\n")
    result = run("test", "--role", "llm.chat", "--prompt", "hi", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["content"] == "echo: hi"  # the server checked the key
    assert KEY not in result.output


def test_the_environment_wins_over_dotenv_for_llmhub_test(
    runtime_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (runtime_project / ".env").write_text(f"FAKE_OPENAI_KEY={KEY}\n")
    monkeypatch.setenv("FAKE_OPENAI_KEY", "sk-wrong-shell-key-000")
    result = run("test", "--role", "llm.chat", "--prompt", "hi")
    assert result.exit_code == 1
    assert "AuthenticationError" in result.stderr


def test_llmhub_test_shows_each_attempt(runtime_project: Path, server: FakeOpenAIServer) -> None:
    server.fail_model("primary", 503)
    server.fail_model("second", 429)
    result = run("test", "--role", "llm.chat", "--prompt", "hi", "--json", env={"FAKE_OPENAI_KEY": KEY})
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.stderr.splitlines()]
    assert "calling openai/primary (attempt 1 of 3)..." in lines
    assert any(line.startswith("openai/primary failed after") for line in lines)
    assert "calling openai/second (fallback, attempt 2 of 3)..." in lines
    assert "calling openai/third (fallback, attempt 3 of 3)..." in lines
    data = json.loads(result.stdout)
    assert data["model"] == "third"
    assert [(a["model"], a["success"]) for a in data["attempts"]] == [
        ("primary", False),
        ("second", False),
        ("third", True),
    ]
    assert "RateLimitError" in data["attempts"][1]["error"]
