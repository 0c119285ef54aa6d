"""API keys: ``env_key`` values are sent as bearer tokens and never leak anywhere else.

The key-checking server echoes a wrong key in full in its 401 message (real providers echo part
of it), so each test that provokes one proves that the hub scrubbed the key.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from any_llm import AuthenticationError

from hub_helpers import ENV_KEY, SECRET_KEY, MakeHub, fallback, providers_for, role, user
from llmhub_runtime import CallContext, CallResult, EnvVarMissingError, FallbacksExhaustedError, LLMHub
from llmhub_testing import FakeOpenAIServer

WRONG_KEY = "sk-test-WRONG-0987654321"


def _roles() -> dict[str, dict[str, Any]]:
    return {
        "chat": role("openai", "gpt-primary", fallbacks=[fallback("llamacpp", "local-backup")]),
        "embed": role("openai", "embedder", "embedding"),
    }


def _assert_clean(key: str, *texts: object) -> None:
    for text in texts:
        assert key not in str(text)


@pytest.fixture
def hooks() -> tuple[list[CallContext], list[CallResult]]:
    return [], []


def _keyed_hub(
    make_hub: MakeHub, server: FakeOpenAIServer, key: str | None, hooks: tuple[list[Any], list[Any]]
) -> LLMHub:
    before, after = hooks
    return make_hub(
        _roles(),
        providers=providers_for(server.base_url),
        key=key,
        on_before_call=before.append,
        on_after_call=after.append,
    )


def test_env_key_value_is_the_bearer_token(
    make_hub: MakeHub, auth_server: FakeOpenAIServer, hooks: tuple[list[Any], list[Any]]
) -> None:
    hub = _keyed_hub(make_hub, auth_server, SECRET_KEY, hooks)
    assert hub.completion("chat", user("hi")).choices[0].message.content == "echo: hi"
    assert asyncio.run(hub.aembedding("embed", "x")).data
    assert [r.headers["authorization"] for r in auth_server.requests] == [f"Bearer {SECRET_KEY}"] * 2
    assert [r.model for r in auth_server.requests] == ["gpt-primary", "embedder"]


def test_wrong_key_raises_at_once_and_is_scrubbed(
    make_hub: MakeHub,
    auth_server: FakeOpenAIServer,
    hooks: tuple[list[Any], list[Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    hub = _keyed_hub(make_hub, auth_server, WRONG_KEY, hooks)
    with pytest.raises(AuthenticationError) as info:
        hub.completion("chat", user("hi"))
    # The server did echo the key; the hub scrubbed it everywhere it could travel.
    assert "Incorrect API key provided: ***" in str(info.value)
    error = info.value
    original = error.original_exception
    _assert_clean(WRONG_KEY, error, repr(error), original, repr(original), getattr(original, "body", ""))
    _assert_clean(WRONG_KEY, repr(hub), *hooks[0], *hooks[1], caplog.text)
    _assert_clean(WRONG_KEY, *(r.getMessage() for r in caplog.records))
    # No fallback for an authentication failure: the keyless backup was never called.
    assert [r.model for r in auth_server.requests] == ["gpt-primary"]
    assert [(r.attempt, r.success) for r in hooks[1]] == [(1, False)]
    assert hooks[1][0].error is error


def test_wrong_key_async_and_streams_are_scrubbed(
    make_hub: MakeHub,
    auth_server: FakeOpenAIServer,
    hooks: tuple[list[Any], list[Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    hub = _keyed_hub(make_hub, auth_server, WRONG_KEY, hooks)
    errors: list[BaseException] = []
    with pytest.raises(AuthenticationError) as info:
        asyncio.run(hub.acompletion("chat", user("hi")))
    errors.append(info.value)
    with pytest.raises(AuthenticationError) as info:
        hub.embedding("embed", "x")
    errors.append(info.value)
    with pytest.raises(AuthenticationError) as info:
        list(hub.stream_completion("chat", user("hi")))
    errors.append(info.value)

    async def consume() -> None:
        async for _ in hub.astream_completion("chat", user("hi")):
            pass

    with pytest.raises(AuthenticationError) as info:
        asyncio.run(consume())
    errors.append(info.value)
    for error in errors:
        _assert_clean(WRONG_KEY, error, repr(error), error.__cause__, error.__context__)
        assert "***" in str(error)
    _assert_clean(WRONG_KEY, *hooks[0], *hooks[1], caplog.text)
    assert [r.model for r in auth_server.requests] == [
        "gpt-primary",
        "embedder",
        "gpt-primary",
        "gpt-primary",
    ]


def test_echoed_key_in_retryable_errors_is_scrubbed(
    make_hub: MakeHub,
    server: FakeOpenAIServer,
    hooks: tuple[list[Any], list[Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 5xx whose message carries the key: scrubbed in the fallback warning and the final error."""
    caplog.set_level(logging.DEBUG)
    hub = _keyed_hub(make_hub, server, SECRET_KEY, hooks)
    server.fail_next(500, count=2, message=f"upstream rejected {SECRET_KEY}")
    with pytest.raises(FallbacksExhaustedError) as info:
        hub.completion("chat", user("hi"))
    assert "upstream rejected ***" in str(info.value)
    _assert_clean(SECRET_KEY, info.value, repr(info.value), info.value.__cause__, caplog.text)
    _assert_clean(SECRET_KEY, *(a.message for a in info.value.attempts), *hooks[1])
    for attempt in info.value.attempts:  # the exceptions kept in the error are scrubbed too
        error = attempt.error
        _assert_clean(SECRET_KEY, repr(error), *error.args, getattr(error, "body", None))
    assert any("trying the next target" in r.getMessage() for r in caplog.records)


def test_missing_key_for_openai_raises_at_once(
    make_hub: MakeHub, server: FakeOpenAIServer, hooks: tuple[list[Any], list[Any]]
) -> None:
    hub = _keyed_hub(make_hub, server, None, hooks)
    with pytest.raises(EnvVarMissingError, match=ENV_KEY) as info:
        hub.completion("chat", user("hi"))
    assert info.value.missing == {"openai": ENV_KEY}
    # Nothing was sent, and the keyless fallback was not tried either.
    assert server.requests == []


def test_no_key_on_a_keyed_server_is_an_auth_error(make_hub: MakeHub, auth_server: FakeOpenAIServer) -> None:
    """A keyless ``llamacpp`` target against a server that wants a key: the 401 is raised at once."""
    hub = make_hub(
        {"local": role("llamacpp", "local-model", fallbacks=[fallback("openai", "hosted")])},
        providers=providers_for(auth_server.base_url),
    )
    with pytest.raises(AuthenticationError, match="401"):
        hub.completion("local", user("hi"))
    assert [r.model for r in auth_server.requests] == ["local-model"]  # the keyed fallback was not tried
    assert auth_server.requests[0].headers.get("authorization") != f"Bearer {SECRET_KEY}"


def test_unset_env_key_never_borrows_another_variable(
    make_hub: MakeHub, server: FakeOpenAIServer, clean_env: pytest.MonkeyPatch
) -> None:
    """With ``env_key``'s variable unset, any-llm's default variable must not be sent instead.

    Otherwise ``OPENAI_API_KEY`` would go to whatever ``api_base`` the role points at.
    """
    clean_env.setenv("OPENAI_API_KEY", "sk-ambient-openai-key-42")
    clean_env.setenv("LLAMACPP_API_KEY", "sk-ambient-llamacpp-key-42")
    providers = providers_for(server.base_url, llamacpp={"env_key": "LLMHUB_TEST_LOCAL_KEY"})
    hub = make_hub(
        {"chat": role("openai", "m"), "local": role("llamacpp", "l")}, providers=providers, key=None
    )
    with pytest.raises(EnvVarMissingError) as info:
        hub.completion("chat", user("x"))
    assert info.value.missing == {"openai": ENV_KEY}
    with pytest.raises(EnvVarMissingError, match="LLMHUB_TEST_LOCAL_KEY"):
        asyncio.run(hub.acompletion("local", user("x")))
    with pytest.raises(EnvVarMissingError):
        list(hub.stream_completion("chat", user("x")))
    assert server.requests == []


def test_custom_endpoint_without_env_key_never_gets_an_ambient_key(
    make_hub: MakeHub, server: FakeOpenAIServer, clean_env: pytest.MonkeyPatch
) -> None:
    """A provider with an ``api_base`` but no ``env_key`` gets a placeholder, not OPENAI_API_KEY."""
    clean_env.setenv("OPENAI_API_KEY", "sk-ambient-openai-key-42")
    clean_env.setenv("LLAMACPP_API_KEY", "sk-ambient-llamacpp-key-42")
    providers = providers_for(server.base_url, openai={"env_key": None})
    hub = make_hub(
        {"chat": role("openai", "m"), "local": role("llamacpp", "l")}, providers=providers, key=None
    )
    hub.completion("chat", user("x"))
    asyncio.run(hub.acompletion("local", user("x")))
    sent = [r.headers.get("authorization") for r in server.requests]
    assert sent == ["Bearer llmhub-no-key", "Bearer llmhub-no-key"]


def test_strict_env_names_the_variable_not_the_value(
    make_hub: MakeHub, server: FakeOpenAIServer, clean_env: pytest.MonkeyPatch
) -> None:
    providers = providers_for(server.base_url, llamacpp={"env_key": "LLMHUB_TEST_MISSING_KEY"})
    with pytest.raises(EnvVarMissingError) as info:
        make_hub(_roles(), providers=providers, strict_env=True)
    message = str(info.value)
    assert "LLMHUB_TEST_MISSING_KEY" in message
    assert ENV_KEY not in message  # that one is set
    assert SECRET_KEY not in message
    assert SECRET_KEY not in repr(info.value)
    assert info.value.missing == {"llamacpp": "LLMHUB_TEST_MISSING_KEY"}

    clean_env.setenv("LLMHUB_TEST_MISSING_KEY", "sk-local-key-value")
    hub = make_hub(_roles(), providers=providers, strict_env=True)
    assert hub.completion("chat", user("ok")).choices
    assert "sk-local-key-value" not in repr(hub)
    assert SECRET_KEY not in repr(hub)


def test_hook_payloads_carry_no_key(
    make_hub: MakeHub, server: FakeOpenAIServer, hooks: tuple[list[Any], list[Any]]
) -> None:
    hub = _keyed_hub(make_hub, server, SECRET_KEY, hooks)
    hub.completion("chat", user("hi"))
    list(hub.stream_completion("chat", user("hi")))
    asyncio.run(hub.aembedding("embed", ["a", "b"]))
    assert len(hooks[0]) == len(hooks[1]) == 3
    for payload in (*hooks[0], *hooks[1]):
        assert SECRET_KEY not in repr(payload)
    assert server.requests[0].headers["authorization"] == f"Bearer {SECRET_KEY}"
