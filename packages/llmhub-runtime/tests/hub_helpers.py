"""Constants and small builders shared by the hub tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from llmhub_runtime import LLMHub

#: The variable the test configurations name as ``env_key``, and the distinctive key it holds.
ENV_KEY = "LLMHUB_TEST_OPENAI_KEY"
SECRET_KEY = "sk-test-SECRET-1234567890"

#: The type of the ``make_hub`` fixture (conftest.py): roles (and options) -> an ``LLMHub``.
MakeHub = Callable[..., LLMHub]


def providers_for(base_url: str, **overrides: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``openai`` (keyed by ``ENV_KEY``) and ``llamacpp`` (keyless), both at ``base_url``, no SDK retries."""
    providers: dict[str, dict[str, Any]] = {
        "openai": {"env_key": ENV_KEY, "api_base": base_url, "max_retries": 0},
        "llamacpp": {"api_base": base_url, "max_retries": 0},
    }
    for name, settings in overrides.items():
        providers[name] = {**providers.get(name, {}), **settings}
    return providers


def config_data(
    providers: dict[str, dict[str, Any]],
    roles: dict[str, dict[str, Any]],
    defaults: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"project": "tests", "env": "test", "providers": providers, "roles": roles}
    if defaults is not None:
        data["defaults"] = defaults
    return data


def write_yaml(path: Path, base_url: str, model: str, *, extra_role: str = "") -> Path:
    """An ``llmhub.yaml`` with one chat role ``chat`` on ``openai`` serving ``model``."""
    path.write_text(
        "project: tests\n"
        "env: test\n"
        "providers:\n"
        f"  openai: {{env_key: {ENV_KEY}, api_base: '{base_url}', max_retries: 0}}\n"
        "roles:\n"
        f"  chat: {{provider: openai, model: {model}, mode: chat, params: {{temperature: 0.5}}}}\n"
        f"{extra_role}",
        encoding="utf-8",
    )
    return path


def user(text: str) -> list[dict[str, Any]]:
    """A one-message conversation."""
    return [{"role": "user", "content": text}]


def role(
    provider: str,
    model: str,
    mode: str = "chat",
    *,
    params: dict[str, Any] | None = None,
    fallbacks: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A role binding as it appears under ``roles:``."""
    binding: dict[str, Any] = {"provider": provider, "model": model, "mode": mode}
    if params is not None:
        binding["params"] = params
    if fallbacks is not None:
        binding["fallbacks"] = fallbacks
    return binding


def fallback(provider: str, model: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """A fallback entry."""
    return {"provider": provider, "model": model, "params": params or {}}


def joined(chunks: list[Any]) -> str:
    """The text of a list of any-llm ``ChatCompletionChunk`` objects."""
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def drain(stream: Iterable[Any], into: list[Any]) -> None:
    """Consume ``stream`` into ``into``, so that chunks delivered before a failure are kept."""
    for chunk in stream:
        into.append(chunk)
