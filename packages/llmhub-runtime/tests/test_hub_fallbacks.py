"""Fallbacks: retryable failures move on to the next target, the others are raised at once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from any_llm import AuthenticationError, InvalidRequestError, ProviderError, RateLimitError

from hub_helpers import MakeHub, drain, fallback, joined, providers_for, role, user
from llmhub_runtime import CallResult, FallbacksExhaustedError, LLMHub, StreamInterruptedError
from llmhub_testing import FakeOpenAIServer

CHAT = {
    "chat": role("openai", "primary", fallbacks=[fallback("llamacpp", "backup")]),
    "solo": role("openai", "only"),
    "embed": role("openai", "embed-primary", "embedding", fallbacks=[fallback("llamacpp", "embed-backup")]),
}


@pytest.fixture
def results() -> list[CallResult]:
    return []


@pytest.fixture
def hub(make_hub: MakeHub, results: list[CallResult]) -> LLMHub:
    return make_hub(CHAT, on_after_call=results.append)


def _models(server: FakeOpenAIServer) -> list[str | None]:
    return [r.model for r in server.requests]


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_retryable_status_falls_back(
    hub: LLMHub, server: FakeOpenAIServer, results: list[CallResult], status: int
) -> None:
    server.fail_next(status, model="primary")
    response = hub.completion("chat", user("hi"))
    assert response.model == "backup"
    assert response.choices[0].message.content == "echo: hi"
    assert _models(server) == ["primary", "backup"]
    assert [(r.model, r.success) for r in results] == [("primary", False), ("backup", True)]


def test_async_and_embedding_fall_back(hub: LLMHub, server: FakeOpenAIServer) -> None:
    server.fail_model("primary", 503)
    server.fail_model("embed-primary", 429)
    assert asyncio.run(hub.acompletion("chat", user("x"))).model == "backup"
    assert hub.embedding("embed", "x").model == "embed-backup"
    assert asyncio.run(hub.aembedding("embed", "x")).model == "embed-backup"
    assert _models(server) == ["primary", "backup", *["embed-primary", "embed-backup"] * 2]


def test_timeout_falls_back(make_hub: MakeHub, server: FakeOpenAIServer, results: list[CallResult]) -> None:
    providers = providers_for(server.base_url, openai={"timeout": 0.5})
    hub = make_hub(CHAT, providers=providers, on_after_call=results.append)
    server.delay_next(2, model="primary")
    response = hub.completion("chat", user("slow"))
    assert response.model == "backup"
    assert _models(server) == ["primary", "backup"]
    assert not results[0].success
    assert isinstance(results[0].error, ProviderError)
    assert results[0].error.status_code is None  # a timeout, not an HTTP error


def test_async_timeout_falls_back(make_hub: MakeHub, server: FakeOpenAIServer) -> None:
    hub = make_hub(CHAT, providers=providers_for(server.base_url, openai={"timeout": 0.5}))
    server.delay_next(2, model="primary")
    assert asyncio.run(hub.acompletion("chat", user("slow"))).model == "backup"


def test_refused_connection_falls_back(
    make_hub: MakeHub, server: FakeOpenAIServer, closed_port: int, results: list[CallResult]
) -> None:
    providers = providers_for(server.base_url, openai={"api_base": f"http://127.0.0.1:{closed_port}/v1"})
    hub = make_hub(CHAT, providers=providers, on_after_call=results.append)
    assert hub.completion("chat", user("x")).model == "backup"
    assert asyncio.run(hub.acompletion("chat", user("x"))).model == "backup"
    assert _models(server) == ["backup", "backup"]  # the primary never reached the server
    assert [(r.provider, r.success) for r in results] == [("openai", False), ("llamacpp", True)] * 2


@pytest.mark.parametrize(("status", "error"), [(400, InvalidRequestError), (401, AuthenticationError)])
def test_client_errors_are_raised_at_once(
    hub: LLMHub, server: FakeOpenAIServer, results: list[CallResult], status: int, error: type[Exception]
) -> None:
    server.fail_next(status, model="primary", message="you did it wrong")
    with pytest.raises(error, match="you did it wrong"):
        hub.completion("chat", user("x"))
    server.fail_next(status, model="primary")
    with pytest.raises(error):
        asyncio.run(hub.acompletion("chat", user("x")))
    server.fail_next(status, model="primary")
    with pytest.raises(error):
        list(hub.stream_completion("chat", user("x")))
    assert _models(server) == ["primary"] * 3
    assert len(results) == 3


def test_all_targets_failing(make_hub: MakeHub, server: FakeOpenAIServer) -> None:
    hub = make_hub(
        {
            "chat": role(
                "openai", "first", fallbacks=[fallback("llamacpp", "second"), fallback("openai", "third")]
            )
        }
    )
    server.fail_model("first", 429)
    server.fail_model("second", 500)
    server.fail_model("third", 503)
    with pytest.raises(FallbacksExhaustedError) as info:
        hub.completion("chat", user("x"))
    error = info.value
    assert error.role == "chat"
    assert [(a.provider, a.model, a.error_type) for a in error.attempts] == [
        ("openai", "first", "RateLimitError"),
        ("llamacpp", "second", "ProviderError"),
        ("openai", "third", "ProviderError"),
    ]
    message = str(error)
    assert "all 3 attempts" in message
    assert all(name in message for name in ("first", "second", "third"))
    assert isinstance(error.__cause__, ProviderError)
    # The attempts keep the exceptions themselves, not only their names and texts.
    assert isinstance(error.attempts[0].error, RateLimitError)
    assert error.attempts[-1].error is error.__cause__
    assert _models(server) == ["first", "second", "third"]

    with pytest.raises(FallbacksExhaustedError) as ainfo:
        asyncio.run(hub.acompletion("chat", user("x")))
    assert len(ainfo.value.attempts) == 3


def test_single_target_raises_the_original_error(hub: LLMHub, server: FakeOpenAIServer) -> None:
    server.fail_next(429, message="too many")
    with pytest.raises(RateLimitError, match="too many"):
        hub.completion("solo", user("x"))
    server.fail_next(500)
    with pytest.raises(ProviderError) as info:
        asyncio.run(hub.acompletion("solo", user("x")))
    assert info.value.status_code == 500
    assert not isinstance(info.value, FallbacksExhaustedError)


def test_a_later_fallback_can_fail_non_retryably(make_hub: MakeHub, server: FakeOpenAIServer) -> None:
    hub = make_hub(
        {"chat": role("openai", "a", fallbacks=[fallback("llamacpp", "b"), fallback("openai", "c")])}
    )
    server.fail_model("a", 500)
    server.fail_model("b", 400)
    with pytest.raises(InvalidRequestError):
        hub.completion("chat", user("x"))
    assert _models(server) == ["a", "b"]


def test_stream_falls_back_before_the_first_chunk(
    hub: LLMHub, server: FakeOpenAIServer, results: list[CallResult]
) -> None:
    server.fail_next(503, model="primary")
    chunks = list(hub.stream_completion("chat", user("one two")))
    assert joined(chunks) == "echo: one two"
    assert {c.model for c in chunks} == {"backup"}
    assert _models(server) == ["primary", "backup"]
    assert [(r.model, r.success, r.chunk_count, r.stream_completed) for r in results] == [
        ("primary", False, 0, False),
        ("backup", True, len(chunks), True),
    ]


def test_stream_falls_back_when_cut_before_any_chunk(hub: LLMHub, server: FakeOpenAIServer) -> None:
    server.fail_stream_after(0)  # headers sent, then the connection drops
    chunks = list(hub.stream_completion("chat", user("x")))
    assert joined(chunks) == "echo: x"
    assert _models(server) == ["primary", "backup"]


def test_astream_falls_back_before_the_first_chunk(hub: LLMHub, server: FakeOpenAIServer) -> None:
    server.fail_next(429, model="primary")

    async def collect() -> list[Any]:
        return [c async for c in hub.astream_completion("chat", user("three four"))]

    chunks = asyncio.run(collect())
    assert joined(chunks) == "echo: three four"
    assert _models(server) == ["primary", "backup"]


def test_stream_failure_mid_way_is_raised(
    hub: LLMHub, server: FakeOpenAIServer, results: list[CallResult]
) -> None:
    server.fail_stream_after(2)
    received: list[Any] = []
    with pytest.raises(StreamInterruptedError) as info:
        drain(hub.stream_completion("chat", user("a b c d")), received)
    assert len(received) == 2
    assert (info.value.role, info.value.model, info.value.chunks_delivered) == ("chat", "primary", 2)
    assert isinstance(info.value.cause, ProviderError)
    assert info.value.__cause__ is info.value.cause
    assert _models(server) == ["primary"]  # the default policy (raise): no switch mid-answer
    assert [(r.success, r.chunk_count) for r in results] == [(False, 2)]


def test_astream_failure_mid_way_is_raised(hub: LLMHub, server: FakeOpenAIServer) -> None:
    server.fail_stream_after(3)
    received: list[Any] = []

    async def consume() -> None:
        async for chunk in hub.astream_completion("chat", user("a b c d")):
            received.append(chunk)

    with pytest.raises(StreamInterruptedError) as info:
        asyncio.run(consume())
    assert len(received) == info.value.chunks_delivered == 3
    assert _models(server) == ["primary"]
