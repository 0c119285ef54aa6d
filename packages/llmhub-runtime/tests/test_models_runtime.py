"""models: the pydantic models of llmhub.yaml, built directly in code."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from llmhub_runtime import (
    FallbackConfig,
    LLMMode,
    ProviderConfig,
    ResolvedCall,
    RoleConfig,
    RoleDefaultsConfig,
    RuntimeConfig,
)
from llmhub_runtime.models import DEFER_REFERENCE_CHECK, RESERVED_PARAMS


def _role(**changes: Any) -> dict[str, Any]:
    return {"provider": "openai", "model": "gpt-4.1", "mode": "chat", **changes}


def _config(**changes: Any) -> dict[str, Any]:
    return {
        "project": "memory",
        "env": "dev",
        "providers": {"openai": {"env_key": "OPENAI_API_KEY"}},
        "roles": {"llm.inference": _role()},
        **changes,
    }


# --------------------------------------------------------------------------- LLMMode


def test_mode_values() -> None:
    assert [m.value for m in LLMMode] == ["chat", "embedding", "image", "audio", "tool", "other"]
    assert LLMMode("embedding") is LLMMode.EMBEDDING
    assert LLMMode.CHAT == "chat"
    assert f"{LLMMode.TOOL}" == "tool"
    assert isinstance(LLMMode.AUDIO, str)


def test_mode_is_case_sensitive() -> None:
    with pytest.raises(ValidationError):
        RoleConfig.model_validate(_role(mode="Chat"))


# --------------------------------------------------------------------------- unknown and x- keys


@pytest.mark.parametrize(
    ("model", "data", "key"),
    [
        (ProviderConfig, {"env_keys": "X"}, "env_keys"),
        (RoleConfig, _role(parms={}), "parms"),
        (RoleDefaultsConfig, _role(fallback=[]), "fallback"),
        (FallbackConfig, {"provider": "openai", "model": "m", "mode": "chat"}, "mode"),
        (RuntimeConfig, _config(default={}), "default"),
    ],
)
def test_unknown_keys_are_forbidden(model: type[Any], data: dict[str, Any], key: str) -> None:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    errors = info.value.errors()
    assert [(e["type"], e["loc"][-1]) for e in errors] == [("extra_forbidden", key)]


def test_extension_keys_are_dropped_everywhere() -> None:
    data = _config(
        **{"x-owner": "ml"},
        providers={"openai": {"env_key": "OPENAI_API_KEY", "x-note": 1}},
        roles={
            "a": _role(
                **{"x-reviewed": True}, fallbacks=[{"provider": "openai", "model": "m", "x-why": "cheap"}]
            )
        },
        defaults=_role(**{"x-comment": "catch-all"}),
    )
    config = RuntimeConfig.model_validate(data)
    dumped = config.model_dump()
    assert "x-owner" not in dumped
    assert dumped["providers"]["openai"] == {
        "env_key": "OPENAI_API_KEY",
        "api_base": None,
        "timeout": None,
        "max_retries": None,
    }
    role_fields = {"provider", "model", "mode", "params", "fallbacks", "context_window", "prices"}
    role_fields |= {"stream_policy", "first_token_timeout", "stream_idle_timeout"}
    assert set(dumped["roles"]["a"]) == role_fields
    assert set(dumped["roles"]["a"]["fallbacks"][0]) == {
        "provider",
        "model",
        "params",
        "context_window",
        "prices",
    }
    assert set(dumped["defaults"]) == role_fields


def test_x_prefix_is_case_sensitive_and_needs_the_dash() -> None:
    for key in ("X-note", "xnote", "x_note"):
        with pytest.raises(ValidationError):
            ProviderConfig.model_validate({key: 1})


def test_params_and_meta_are_free_form() -> None:
    role = RoleConfig.model_validate(_role(params={"temperature": 0.1, "x-keep": 1, "response_format": {}}))
    assert role.params == {"temperature": 0.1, "x-keep": 1, "response_format": {}}
    config = RuntimeConfig.model_validate(_config(meta={"anything": [1, {"goes": None}]}))
    assert config.meta == {"anything": [1, {"goes": None}]}


def test_models_are_frozen() -> None:
    config = RuntimeConfig.model_validate(_config())
    with pytest.raises(ValidationError):
        config.project = "other"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        config.roles["llm.inference"].model = "other"  # type: ignore[misc]


def test_defaults_and_empty_collections() -> None:
    role = RoleConfig.model_validate(_role())
    assert role.params == {}
    assert role.fallbacks == []
    assert FallbackConfig(provider="openai", model="m").params == {}
    config = RuntimeConfig.model_validate(_config())
    assert config.defaults is None
    assert config.meta is None


def test_null_provider_entry_means_no_settings() -> None:
    config = RuntimeConfig.model_validate(_config(providers={"openai": None}))
    assert config.providers["openai"] == ProviderConfig()


# --------------------------------------------------------------------------- reserved params


@pytest.mark.parametrize("key", sorted(RESERVED_PARAMS))
@pytest.mark.parametrize("model", [RoleConfig, RoleDefaultsConfig, FallbackConfig])
def test_reserved_params_are_rejected(key: str, model: type[Any]) -> None:
    data = _role(params={"temperature": 0.2, key: "value"})
    if model is FallbackConfig:
        del data["mode"]
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    (error,) = info.value.errors()
    assert error["loc"] == ("params",)
    assert f"{key!r} is not allowed in params" in error["msg"]
    assert RESERVED_PARAMS[key] in error["msg"]


def test_reserved_params_cover_keys_and_streaming() -> None:
    assert {"api_key", "api_base", "stream", "model", "messages", "input"} <= set(RESERVED_PARAMS)
    assert "env_key" in RESERVED_PARAMS["api_key"]


def test_reserved_value_does_not_leak() -> None:
    with pytest.raises(ValidationError) as info:
        RoleConfig.model_validate(_role(params={"api_key": "sk-live-123456"}))
    assert "sk-live-123456" not in info.value.errors()[0]["msg"]


# --------------------------------------------------------------------------- provider settings


@pytest.mark.parametrize(
    "name", ["OPENAI_API_KEY", "_PRIVATE", "key2", "a", "MY_GATEWAY_TOKEN_V2", "lower_case"]
)
def test_env_key_accepts_variable_names(name: str) -> None:
    assert ProviderConfig(env_key=name).env_key == name


@pytest.mark.parametrize(
    "value",
    [
        "sk-proj-abc123DEF456",
        "anthropic-api-key",
        "2FA_KEY",
        "$OPENAI_API_KEY",
        "${OPENAI_API_KEY}",
        "",
        "A B",
        "KEY\n",
    ],
)
def test_env_key_rejects_non_names_without_echoing_them(value: str) -> None:
    with pytest.raises(ValidationError) as info:
        ProviderConfig(env_key=value)
    message = info.value.errors()[0]["msg"]
    assert "never the API key itself" in message
    if value:
        assert value.strip() not in message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/v1", "https://api.example.com", "http://localhost:11434"]
)
def test_api_base_accepts_http_urls(url: str) -> None:
    assert ProviderConfig(api_base=url).api_base == url


@pytest.mark.parametrize("url", ["127.0.0.1:8080/v1", "ftp://host", "http://", "https:// space", "localhost"])
def test_api_base_rejects_non_urls(url: str) -> None:
    with pytest.raises(ValidationError, match="is not an http"):
        ProviderConfig(api_base=url)


def test_timeout_and_retries_bounds() -> None:
    assert ProviderConfig(timeout=0.5, max_retries=0).max_retries == 0
    for bad in ({"timeout": 0}, {"timeout": -1}, {"max_retries": -1}, {"max_retries": 1.5}):
        with pytest.raises(ValidationError):
            ProviderConfig.model_validate(bad)


@pytest.mark.parametrize("field", ["provider", "model"])
def test_provider_and_model_must_not_be_empty(field: str) -> None:
    with pytest.raises(ValidationError) as info:
        RoleConfig.model_validate(_role(**{field: ""}))
    assert info.value.errors()[0]["type"] == "string_too_short"


# --------------------------------------------------------------------------- references


def test_bad_reference_built_in_code_names_the_role() -> None:
    with pytest.raises(ValidationError) as info:
        RuntimeConfig(
            project="p",
            env="dev",
            providers={"openai": ProviderConfig()},
            roles={"llm.memwrite": RoleConfig(provider="anthropic", model="claude", mode=LLMMode.CHAT)},
        )
    text = str(info.value)
    assert "role 'llm.memwrite' uses provider 'anthropic'" in text
    assert "roles.llm.memwrite.provider" in text
    assert "listed: openai" in text


def test_bad_fallback_and_defaults_references() -> None:
    data = _config(
        roles={
            "a": _role(
                fallbacks=[{"provider": "openai", "model": "m"}, {"provider": "mistral", "model": "m"}]
            )
        },
        defaults=_role(provider="groq"),
    )
    with pytest.raises(ValidationError) as info:
        RuntimeConfig.model_validate(data)
    text = str(info.value)
    assert "roles.a.fallbacks.1.provider: role 'a' (fallback 2) uses provider 'mistral'" in text
    assert "defaults.provider: defaults uses provider 'groq'" in text


def test_reference_check_can_be_deferred() -> None:
    data = _config(roles={"a": _role(provider="anthropic", fallbacks=[{"provider": "cohere", "model": "c"}])})
    config = RuntimeConfig.model_validate(data, context={DEFER_REFERENCE_CHECK: True})
    assert config.reference_problems() == [
        (
            ("roles", "a", "provider"),
            "role 'a' uses provider 'anthropic', which is not listed under providers (listed: openai)",
        ),
        (
            ("roles", "a", "fallbacks", 0, "provider"),
            "role 'a' (fallback 1) uses provider 'cohere', "
            "which is not listed under providers (listed: openai)",
        ),
    ]


def test_reference_problems_with_no_providers() -> None:
    data = _config(providers={})
    config = RuntimeConfig.model_validate(data, context={DEFER_REFERENCE_CHECK: True})
    ((path, message),) = config.reference_problems()
    assert path == ("roles", "llm.inference", "provider")
    assert message.endswith("(listed: none)")


def test_sound_config_has_no_reference_problems() -> None:
    assert RuntimeConfig.model_validate(_config()).reference_problems() == []


# --------------------------------------------------------------------------- ResolvedCall


def test_resolved_call_targets_order() -> None:
    backup = ResolvedCall(role="r", provider="anthropic", model="b", mode=LLMMode.CHAT)
    primary = ResolvedCall(role="r", provider="openai", model="a", mode=LLMMode.CHAT, fallbacks=(backup,))
    assert primary.targets() == (primary, backup)
    assert backup.targets() == (backup,)
    assert primary.from_defaults is False
    with pytest.raises(ValidationError):
        primary.model = "c"  # type: ignore[misc]
