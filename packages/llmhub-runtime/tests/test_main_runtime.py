"""``python -m llmhub_runtime validate|schema`` as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from llmhub_runtime import runtime_json_schema

FIXTURES = Path(__file__).parent / "fixtures"

#: Generous upper bound so that a hang fails the test instead of the whole run; never a timing check.
HANG_GUARD_SECONDS = 120


def _run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llmhub_runtime", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )


def _assert_clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, result
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
    assert "errors.pydantic.dev" not in result.stderr


def test_validate_good_file() -> None:
    path = FIXTURES / "good" / "design_example.yaml"
    result = _run("validate", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == f"{path}: project 'memory', env 'dev', 2 role(s)"
    assert "  llm.embedding [embedding] -> openai/text-embedding-3-small" in lines
    assert "  llm.inference [chat] -> openai/gpt-4.1" in lines
    assert "      fallback -> anthropic/claude-sonnet-4-5" in lines
    assert "      fallback -> llamacpp/smollm2-135m-instruct" in lines
    assert lines[-1] == "  (any other role) -> openai/gpt-4.1-mini"


def test_validate_shows_api_base() -> None:
    result = _run("validate", str(FIXTURES / "good" / "provider_without_settings.yaml"))
    assert result.returncode == 0, result.stderr
    assert "  llm.local [chat] -> llamacpp/smollm2-135m-instruct @ http://127.0.0.1:8080/v1" in result.stdout


@pytest.mark.parametrize(
    "name",
    [
        "invalid_mode",
        "yaml_unclosed_flow_mapping",
        "unknown_key_parms",
        "role_provider_not_listed",
        "non_utf8_bytes",
    ],
)
def test_validate_bad_file(name: str) -> None:
    path = FIXTURES / "bad" / f"{name}.yaml"
    first = path.read_bytes().split(b"\n", 1)[0].decode()
    line = first.split("line=", 1)[1].split()[0]
    result = _run("validate", str(path))
    _assert_clean_failure(result)
    assert result.stderr.startswith(f"error: {path}:{line}")


def test_validate_bad_file_message_is_exact() -> None:
    path = FIXTURES / "bad" / "invalid_mode.yaml"
    result = _run("validate", str(path))
    assert result.stderr == (
        f"error: {path}:14 roles.llm.inference.mode: "
        "'chatt' is not one of chat, embedding, image, audio, tool, other\n"
    )


def test_validate_alias_bomb_finishes() -> None:
    result = _run("validate", str(FIXTURES / "bad" / "yaml_alias_bomb.yaml"))
    _assert_clean_failure(result)
    assert "yaml_alias_bomb.yaml:3 x-lol: YAML aliases expand this document" in result.stderr


def test_validate_python_tag_is_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    config = tmp_path / "llmhub.yaml"
    config.write_text(
        f'project: !!python/object/apply:os.system ["touch {marker}"]\n'
        "env: dev\nproviders: {openai: {}}\nroles: {}\n",
        encoding="utf-8",
    )
    result = _run("validate", str(config))
    _assert_clean_failure(result)
    assert "YAML tag !!python/object/apply:os.system is not supported" in result.stderr
    assert not marker.exists()


def test_validate_defaults_to_llmhub_yaml_in_cwd(tmp_path: Path) -> None:
    (tmp_path / "llmhub.yaml").write_text(
        (FIXTURES / "good" / "reference_style.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = _run("validate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("llmhub.yaml: project 'agents', env 'prod', 2 role(s)")


def test_validate_missing_file(tmp_path: Path) -> None:
    result = _run("validate", cwd=tmp_path)
    _assert_clean_failure(result)
    assert result.stderr == "error: llmhub.yaml: file not found\n"


def test_validate_strict_env(tmp_path: Path) -> None:
    path = FIXTURES / "good" / "seed_001_example.yaml"
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    result = _run("validate", str(path), "--strict-env", env=env)
    _assert_clean_failure(result)
    assert "OPENAI_API_KEY" in result.stderr

    secret = "sk-test-do-not-print-0123456789"
    env.update({f"{name}_API_KEY": secret for name in ("OPENAI", "ANTHROPIC", "MISTRAL", "OPENROUTER")})
    result = _run("validate", str(path), "--strict-env", env=env)
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr


def test_schema_command() -> None:
    result = _run("schema")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == runtime_json_schema()


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("validate", "a.yaml", "b.yaml")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    result = _run(*args)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr


def test_help() -> None:
    result = _run("--help")
    assert result.returncode == 0
    assert "validate" in result.stdout
    assert "schema" in result.stdout
