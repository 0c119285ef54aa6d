"""resolver: role -> provider, model, mode, merged params, fallbacks."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from llmhub_runtime import (
    LLMHubRuntimeError,
    LLMMode,
    ProviderConfig,
    RoleConfig,
    RuntimeConfig,
    UnknownProviderError,
    UnknownRoleError,
    parse_runtime_config,
    resolve_role,
)
from llmhub_runtime.models import DEFER_REFERENCE_CHECK

DATA: dict[str, Any] = {
    "project": "memory",
    "env": "dev",
    "providers": {
        "openai": {"env_key": "OPENAI_API_KEY", "timeout": 20, "max_retries": 1},
        "anthropic": {"env_key": "ANTHROPIC_API_KEY"},
        "llamacpp": {"api_base": "http://127.0.0.1:8080/v1"},
    },
    "roles": {
        "llm.inference": {
            "provider": "openai",
            "model": "gpt-4.1",
            "mode": "chat",
            "params": {"temperature": 0.7, "max_tokens": 2048},
            "fallbacks": [
                {
                    "provider": "anthropic",
                    "model": "claude-sonnet-4-5",
                    "params": {"temperature": 0.5, "top_k": 5},
                },
                {"provider": "llamacpp", "model": "smollm2"},
            ],
        },
        "llm.embedding": {"provider": "openai", "model": "text-embedding-3-small", "mode": "embedding"},
    },
    "defaults": {
        "provider": "openai",
        "model": "gpt-4.1-mini",
        "mode": "chat",
        "params": {"temperature": 0.3},
        "fallbacks": [{"provider": "llamacpp", "model": "smollm2", "params": {"max_tokens": 64}}],
    },
}


@pytest.fixture
def config() -> RuntimeConfig:
    return parse_runtime_config(DATA, check_provider_ids=False)


def test_listed_role(config: RuntimeConfig) -> None:
    resolved = resolve_role(config, "llm.inference")
    assert (resolved.role, resolved.provider, resolved.model, resolved.mode) == (
        "llm.inference",
        "openai",
        "gpt-4.1",
        LLMMode.CHAT,
    )
    assert resolved.params == {"temperature": 0.7, "max_tokens": 2048}
    assert (resolved.env_key, resolved.api_base, resolved.timeout, resolved.max_retries) == (
        "OPENAI_API_KEY",
        None,
        20.0,
        1,
    )
    assert resolved.from_defaults is False
    assert resolved.fallbacks[0].fallbacks == ()


def test_fallbacks_resolve_with_their_own_provider_settings(config: RuntimeConfig) -> None:
    anthropic, local = resolve_role(config, "llm.inference").fallbacks
    assert (anthropic.provider, anthropic.model, anthropic.env_key, anthropic.timeout) == (
        "anthropic",
        "claude-sonnet-4-5",
        "ANTHROPIC_API_KEY",
        None,
    )
    assert (local.provider, local.api_base, local.env_key) == ("llamacpp", "http://127.0.0.1:8080/v1", None)
    for fallback in (anthropic, local):
        assert fallback.role == "llm.inference"
        assert fallback.mode is LLMMode.CHAT
        assert not fallback.from_defaults


def test_embedding_role(config: RuntimeConfig) -> None:
    resolved = resolve_role(config, "llm.embedding")
    assert resolved.mode is LLMMode.EMBEDDING
    assert resolved.params == {}
    assert resolved.fallbacks == ()


def test_unlisted_role_uses_defaults(config: RuntimeConfig) -> None:
    resolved = resolve_role(config, "llm.summarize")
    assert resolved.role == "llm.summarize"
    assert (resolved.provider, resolved.model, resolved.mode) == ("openai", "gpt-4.1-mini", LLMMode.CHAT)
    assert resolved.params == {"temperature": 0.3}
    assert resolved.from_defaults is True
    (fallback,) = resolved.fallbacks
    assert (fallback.provider, fallback.params, fallback.from_defaults) == (
        "llamacpp",
        {"max_tokens": 64},
        True,
    )
    assert fallback.role == "llm.summarize"


def test_unknown_role_without_defaults_lists_known_roles() -> None:
    config = parse_runtime_config({**DATA, "defaults": None}, check_provider_ids=False)
    with pytest.raises(UnknownRoleError) as info:
        resolve_role(config, "llm.infrence")
    error = info.value
    assert isinstance(error, LLMHubRuntimeError)
    assert error.role == "llm.infrence"
    assert error.known_roles == ("llm.embedding", "llm.inference")
    assert (
        str(error) == "unknown role 'llm.infrence'; the configuration defines: llm.embedding, llm.inference"
    )


def test_unknown_role_with_no_roles_at_all() -> None:
    config = parse_runtime_config({**DATA, "roles": {}, "defaults": None}, check_provider_ids=False)
    with pytest.raises(UnknownRoleError, match="the configuration defines: none"):
        resolve_role(config, "x")


# --------------------------------------------------------------------------- params


def test_override_wins_over_role_params(config: RuntimeConfig) -> None:
    resolved = resolve_role(config, "llm.inference", {"temperature": 0.0, "seed": 7})
    assert resolved.params == {"temperature": 0.0, "max_tokens": 2048, "seed": 7}


def test_fallback_params_replace_role_params_and_override_applies_on_top(config: RuntimeConfig) -> None:
    resolved = resolve_role(config, "llm.inference", {"temperature": 0.0})
    anthropic, local = resolved.fallbacks
    # The fallback's own params, not the role's (no max_tokens=2048 inherited), then the override.
    assert anthropic.params == {"temperature": 0.0, "top_k": 5}
    assert local.params == {"temperature": 0.0}


def test_override_applies_to_defaults_and_their_fallbacks(config: RuntimeConfig) -> None:
    resolved = resolve_role(config, "other", {"max_tokens": 10})
    assert resolved.params == {"temperature": 0.3, "max_tokens": 10}
    assert resolved.fallbacks[0].params == {"max_tokens": 10}


@pytest.mark.parametrize("override", [None, {}])
def test_no_override(config: RuntimeConfig, override: dict[str, Any] | None) -> None:
    assert resolve_role(config, "llm.inference", override).params == {"temperature": 0.7, "max_tokens": 2048}


def test_resolving_never_mutates_config_or_override(config: RuntimeConfig) -> None:
    before = config.model_dump()
    override = {"temperature": 0.1}
    resolved = resolve_role(config, "llm.inference", override)
    resolved.params["extra"] = 1
    resolved.fallbacks[0].params["extra"] = 1
    assert override == {"temperature": 0.1}
    assert config.model_dump() == before
    assert resolve_role(config, "llm.inference").params == {"temperature": 0.7, "max_tokens": 2048}


def test_resolution_is_deterministic(config: RuntimeConfig) -> None:
    assert resolve_role(config, "llm.inference") == resolve_role(config, "llm.inference")


# --------------------------------------------------------------------------- providers missing


def _unchecked(data: dict[str, Any]) -> RuntimeConfig:
    return RuntimeConfig.model_validate(data, context={DEFER_REFERENCE_CHECK: True})


def test_unknown_provider_via_model_construct() -> None:
    config = RuntimeConfig.model_construct(
        project="p",
        env="dev",
        providers={"openai": ProviderConfig()},
        roles={"a": RoleConfig(provider="mistral", model="m", mode=LLMMode.CHAT)},
        defaults=None,
        meta=None,
    )
    with pytest.raises(UnknownProviderError) as info:
        resolve_role(config, "a")
    error = info.value
    assert (error.role, error.provider, error.known_providers) == ("a", "mistral", ("openai",))
    assert (
        str(error) == "role 'a' uses provider 'mistral', which is not listed under providers (listed: openai)"
    )


def test_unknown_fallback_provider_via_context_flag() -> None:
    data = copy.deepcopy(DATA)
    data["roles"]["llm.inference"]["fallbacks"][1]["provider"] = "vllm"
    config = _unchecked(data)
    with pytest.raises(UnknownProviderError) as info:
        resolve_role(config, "llm.inference")
    assert info.value.provider == "vllm"
    assert info.value.known_providers == ("anthropic", "llamacpp", "openai")
    # Other roles are unaffected.
    assert resolve_role(config, "llm.embedding").provider == "openai"


def test_unknown_defaults_provider_via_context_flag() -> None:
    data = copy.deepcopy(DATA)
    data["defaults"]["provider"] = "groq"
    config = _unchecked(data)
    with pytest.raises(UnknownProviderError) as info:
        resolve_role(config, "not.listed")
    assert (info.value.role, info.value.provider) == ("not.listed", "groq")
    assert resolve_role(config, "llm.inference").provider == "openai"


def test_no_providers_at_all() -> None:
    config = _unchecked({**DATA, "providers": {}})
    with pytest.raises(UnknownProviderError, match=r"\(listed: none\)"):
        resolve_role(config, "llm.embedding")
