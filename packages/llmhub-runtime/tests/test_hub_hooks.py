"""``on_before_call`` / ``on_after_call``: once per attempt, after streams end, never in the way."""

from __future__ import annotations

import asyncio
import logging
import types
from typing import Any

import pytest
from any_llm import InvalidRequestError, RateLimitError

from hub_helpers import MakeHub, drain, fallback, role, user
from llmhub_runtime import CallContext, CallResult, LLMHub, LLMMode, StreamInterruptedError
from llmhub_testing import FakeOpenAIServer

ROLES: dict[str, dict[str, Any]] = {
    "chat": role(
        "openai", "primary", params={"temperature": 0.3}, fallbacks=[fallback("llamacpp", "backup")]
    ),
    "embed": role("openai", "embedder", "embedding"),
}


class Recorder:
    """Collects hook calls in order: ("before", CallContext) / ("after", CallResult)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def before(self, context: CallContext) -> None:
        self.events.append(("before", context))

    def after(self, result: CallResult) -> None:
        self.events.append(("after", result))

    @property
    def contexts(self) -> list[CallContext]:
        return [payload for kind, payload in self.events if kind == "before"]

    @property
    def results(self) -> list[CallResult]:
        return [payload for kind, payload in self.events if kind == "after"]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def hub(make_hub: MakeHub, recorder: Recorder) -> LLMHub:
    return make_hub(ROLES, on_before_call=recorder.before, on_after_call=recorder.after)


def test_one_before_and_one_after_per_successful_call(hub: LLMHub, recorder: Recorder) -> None:
    response = hub.completion("chat", user("hi"))
    assert [kind for kind, _ in recorder.events] == ["before", "after"]
    [context] = recorder.contexts
    [result] = recorder.results
    assert (context.role, context.provider, context.model, context.mode) == (
        "chat",
        "openai",
        "primary",
        "chat",
    )
    assert (context.attempt, context.is_fallback, context.stream) == (1, False, False)
    assert context.params == {"temperature": 0.3}
    assert context.messages == user("hi")
    assert (result.role, result.provider, result.model, result.attempt) == ("chat", "openai", "primary", 1)
    assert result.success
    assert result.error is None
    assert result.response is response
    assert result.duration_ms > 0
    assert not result.is_fallback
    assert result.chunk_count is None


def test_hooks_for_embeddings_and_async(hub: LLMHub, recorder: Recorder) -> None:
    hub.embedding("embed", ["a", "b"])
    asyncio.run(hub.acompletion("chat", user("x")))
    asyncio.run(hub.aembedding("embed", "c"))
    assert [kind for kind, _ in recorder.events] == ["before", "after"] * 3
    assert [c.input for c in recorder.contexts] == [["a", "b"], None, "c"]
    assert [c.mode for c in recorder.contexts] == [LLMMode.EMBEDDING, LLMMode.CHAT, LLMMode.EMBEDDING]
    assert all(r.success and r.duration_ms > 0 for r in recorder.results)


def test_each_attempt_is_visible(hub: LLMHub, recorder: Recorder, server: FakeOpenAIServer) -> None:
    server.fail_next(429, model="primary")
    response = hub.completion("chat", user("hi"))
    assert response.model == "backup"
    assert [kind for kind, _ in recorder.events] == ["before", "after", "before", "after"]
    first, second = recorder.results
    assert (first.provider, first.model, first.attempt, first.is_fallback) == ("openai", "primary", 1, False)
    assert not first.success
    assert isinstance(first.error, RateLimitError)
    assert first.response is None
    assert (second.provider, second.model, second.attempt, second.is_fallback) == (
        "llamacpp",
        "backup",
        2,
        True,
    )
    assert second.success
    assert second.response is response
    assert [(c.attempt, c.is_fallback) for c in recorder.contexts] == [(1, False), (2, True)]
    assert all(r.duration_ms > 0 for r in recorder.results)


def test_after_hook_waits_for_the_stream(hub: LLMHub, recorder: Recorder) -> None:
    stream = hub.stream_completion("chat", user("a b c"))
    first = next(stream)
    assert first.choices[0].delta.role == "assistant"
    assert [kind for kind, _ in recorder.events] == ["before"]
    assert recorder.contexts[0].stream
    rest = list(stream)
    [result] = recorder.results
    assert result.success
    assert result.stream
    assert result.stream_completed is True
    assert result.chunk_count == 1 + len(rest)
    assert result.duration_ms > 0
    assert result.response is None


def test_after_hook_when_the_consumer_stops_early(hub: LLMHub, recorder: Recorder) -> None:
    stream = hub.stream_completion("chat", user("a b c d e"))
    next(stream)
    next(stream)
    assert recorder.results == []
    assert isinstance(stream, types.GeneratorType)
    stream.close()
    [result] = recorder.results
    assert result.stream_completed is False
    assert result.chunk_count == 2
    assert result.error is None


def test_after_hook_when_a_for_loop_breaks(hub: LLMHub, recorder: Recorder) -> None:
    for _chunk in hub.stream_completion("chat", user("a b c d e")):
        break
    [result] = recorder.results
    assert (result.stream_completed, result.chunk_count) == (False, 1)


def test_async_stream_hooks(hub: LLMHub, recorder: Recorder) -> None:
    async def main() -> tuple[int, list[str]]:
        stream = hub.astream_completion("chat", user("a b c"))
        await anext(stream)
        kinds_after_first = [kind for kind, _ in recorder.events]
        count = 1
        async for _ in stream:
            count += 1
        return count, kinds_after_first

    count, kinds_after_first = asyncio.run(main())
    assert kinds_after_first == ["before"]
    [result] = recorder.results
    assert (result.success, result.stream_completed, result.chunk_count) == (True, True, count)

    async def stop_early() -> None:
        stream = hub.astream_completion("chat", user("a b c"))
        await anext(stream)
        assert isinstance(stream, types.AsyncGeneratorType)
        await stream.aclose()

    asyncio.run(stop_early())
    assert (recorder.results[-1].stream_completed, recorder.results[-1].chunk_count) == (False, 1)


def test_stream_failure_mid_way_reaches_the_after_hook(
    hub: LLMHub, recorder: Recorder, server: FakeOpenAIServer
) -> None:
    server.fail_stream_after(3)
    received: list[Any] = []
    with pytest.raises(StreamInterruptedError):
        drain(hub.stream_completion("chat", user("a b c d e")), received)
    [result] = recorder.results
    assert not result.success
    assert isinstance(result.error, StreamInterruptedError)
    assert result.chunk_count == len(received) == 3
    assert result.stream_completed is False


def test_failing_hooks_change_nothing(
    make_hub: MakeHub, server: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(_: object) -> None:
        raise RuntimeError("hook bug")

    hub = make_hub(ROLES, on_before_call=explode, on_after_call=explode)
    assert hub.completion("chat", user("still fine")).choices[0].message.content == "echo: still fine"
    assert len(list(hub.stream_completion("chat", user("x")))) > 2
    assert asyncio.run(hub.aembedding("embed", "x")).data
    # The call's own error wins over the hooks' errors.
    server.fail_next(400, message="bad request")
    with pytest.raises(InvalidRequestError, match="bad request"):
        hub.completion("chat", user("x"))
    # A retryable failure still falls back with raising hooks.
    server.fail_next(500, model="primary")
    assert hub.completion("chat", user("x")).model == "backup"
    hook_logs = [r for r in caplog.records if "hook raised" in r.getMessage()]
    assert hook_logs
    assert all(r.levelno == logging.ERROR and r.exc_info for r in hook_logs)


def test_hooks_can_be_set_after_construction(hub: LLMHub) -> None:
    seen: list[CallResult] = []
    hub.on_before_call = None
    hub.on_after_call = seen.append
    hub.completion("chat", user("x"))
    assert len(seen) == 1
