"""A provider whose any-llm extra is not installed: named by ``validate``, a failed target at call time.

The provider SDK is made unimportable for real: ``sys.modules[name] = None`` makes ``import
mistralai`` raise ImportError, and any-llm's mistral module is imported afresh, so any-llm itself
records the missing package exactly as on a machine without ``any-llm-sdk[mistral]``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hub_helpers import ENV_KEY, MakeHub, fallback, providers_for, role, user
from llmhub_runtime import CallResult, FallbacksExhaustedError, ProviderUnavailableError
from llmhub_runtime.extras import missing_extras, needed_extras, pip_command
from llmhub_testing import FakeOpenAIServer


@pytest.fixture
def no_mistral_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "mistralai", None)
    for name in [m for m in sys.modules if m.startswith("any_llm.providers.mistral")]:
        monkeypatch.delitem(sys.modules, name)


def test_needed_extras_come_from_any_llm_metadata() -> None:
    # openai and anthropic ship with any-llm-sdk itself; mistral and groq are extras; llamacpp
    # talks to an OpenAI-compatible server and needs none.
    assert needed_extras(["openai", "anthropic", "llamacpp"]) == []
    assert needed_extras(["mistral", "openai", "groq", "mistral"]) == [
        "any-llm-sdk[groq]",
        "any-llm-sdk[mistral]",
    ]
    assert (
        pip_command(["any-llm-sdk[mistral]", "any-llm-sdk[groq]"])
        == 'pip install "any-llm-sdk[groq,mistral]"'
    )


def test_missing_extras_asks_any_llm(no_mistral_sdk: None) -> None:
    missing = missing_extras(["openai", "mistral", "not-a-provider"])
    assert [(m.provider, m.requirement) for m in missing] == [("mistral", "any-llm-sdk[mistral]")]
    assert "mistralai" in missing[0].reason


def test_a_missing_sdk_fails_that_target_and_the_next_one_answers(
    make_hub: MakeHub, server: FakeOpenAIServer, no_mistral_sdk: None
) -> None:
    results: list[CallResult] = []
    providers = providers_for(server.base_url, mistral={"api_base": server.base_url, "env_key": ENV_KEY})
    hub = make_hub(
        {"chat": role("mistral", "small", fallbacks=[fallback("openai", "backup")])},
        providers=providers,
        on_after_call=results.append,
    )
    response = hub.completion("chat", user("hi"))
    assert response.model == "backup"
    assert [(r.provider, r.success) for r in results] == [("mistral", False), ("openai", True)]
    assert isinstance(results[0].error, ProviderUnavailableError)
    assert [r.model for r in server.requests] == ["backup"]


def test_when_every_target_fails_the_error_names_the_missing_extra(
    make_hub: MakeHub, server: FakeOpenAIServer, no_mistral_sdk: None
) -> None:
    server.fail_model("backup", 503)
    providers = providers_for(server.base_url, mistral={"api_base": server.base_url, "env_key": ENV_KEY})
    hub = make_hub(
        {"chat": role("mistral", "small", fallbacks=[fallback("openai", "backup")])}, providers=providers
    )
    with pytest.raises(FallbacksExhaustedError) as caught:
        hub.completion("chat", user("hi"))
    text = str(caught.value)
    assert "1) mistral/small: ProviderUnavailableError" in text
    assert "any-llm-sdk[mistral]" in text
    assert "2) openai/backup: " in text
    # Alone on its role, the missing SDK is raised as itself.
    solo = make_hub({"solo": role("mistral", "small")}, providers=providers)
    with pytest.raises(ProviderUnavailableError, match=r"any-llm-sdk\[mistral\]"):
        solo.completion("solo", user("hi"))


def _validate(tmp_path: Path, yaml_text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "llmhub.yaml"
    path.write_text(yaml_text, encoding="utf-8")
    # A real process in which `import mistralai` fails: a shim package on PYTHONPATH raises.
    shim = tmp_path / "shim" / "mistralai"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError(\"No module named 'mistralai'\")\n")
    env = {**os.environ, "PYTHONPATH": str(shim.parent)}
    return subprocess.run(
        [sys.executable, "-m", "llmhub_runtime", "validate", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_validate_reports_the_missing_extra_with_the_pip_command(tmp_path: Path) -> None:
    result = _validate(
        tmp_path,
        "project: p\nenv: dev\nproviders:\n  openai: {env_key: OPENAI_API_KEY}\n"
        "  mistral: {env_key: MISTRAL_API_KEY}\nroles:\n"
        "  rewrite:\n    provider: mistral\n    model: ministral-3b-latest\n    mode: chat\n"
        "    fallbacks:\n      - {provider: openai, model: gpt-5-nano}\n",
    )
    assert result.returncode == 1
    assert "provider 'mistral' (roles: rewrite) needs any-llm-sdk[mistral]" in result.stderr
    assert 'fix: pip install "any-llm-sdk[mistral]"' in result.stderr
    assert "rewrite [chat] -> mistral/ministral-3b-latest" in result.stdout  # the resolution is still shown


def test_validate_passes_when_every_sdk_imports(tmp_path: Path) -> None:
    result = _validate(
        tmp_path,
        "project: p\nenv: dev\nproviders:\n  openai: {env_key: OPENAI_API_KEY}\nroles:\n"
        "  chat: {provider: openai, model: gpt-5-nano, mode: chat}\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
