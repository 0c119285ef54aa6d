"""Every fault class of a fault-injecting provider, through the real any-llm SDK over loopback HTTP.

Each test asserts what the caller gets (a complete answer or a typed error, never a truncated
success), the attempts the provider saw, the gaps between them, and a generous upper bound on the
wall time (to prove that nothing waited for the SDK's long defaults; not a speed target). Every
test runs twice: through the sync API and through the async API.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import time
from collections.abc import Callable
from typing import Any

import pytest
from any_llm import ContentFilterError, ContextLengthExceededError

from hub_helpers import ENV_KEY, SECRET_KEY, config_data, joined, user
from llmhub_runtime import (
    CallResult,
    CircuitOpenError,
    FallbacksExhaustedError,
    LLMHub,
    StreamInterruptedError,
    StreamReset,
    StreamTimeoutError,
    parse_runtime_config,
)
from llmhub_testing import FakeOpenAIServer, refused_base_url

ANSWER = " ".join(f"w{i}" for i in range(60))  # 60 words: 60 content chunks, as in the issue
FULL = f"echo: {ANSWER}"


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


class Faults:
    """A hub with a primary and a backup target on the fake server, and helpers to call it."""

    def __init__(self, server: FakeOpenAIServer, api: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.api = api
        self.results: list[CallResult] = []
        monkeypatch.setenv(ENV_KEY, SECRET_KEY)

    def hub(
        self,
        *,
        primary_base: str | None = None,
        resilience: dict[str, Any] | None = None,
        role: dict[str, Any] | None = None,
        timeout: float = 1.0,
    ) -> LLMHub:
        base = self.server.base_url
        providers = {
            "openai": {"env_key": ENV_KEY, "api_base": primary_base or base, "timeout": timeout},
            "llamacpp": {"api_base": base, "timeout": timeout},
        }
        settings = {
            # Long enough that a healthy target answers in time on a loaded CI machine.
            "first_token_timeout": 1.0,
            "stream_idle_timeout": 1.0,
            "backoff_base": 0.05,
            "max_retry_after": 2.0,
            "circuit_breaker": {"failure_threshold": 100, "cooldown": 30},
            **(resilience or {}),
        }
        binding = {
            "provider": "openai",
            "model": "primary",
            "mode": "chat",
            "fallbacks": [{"provider": "llamacpp", "model": "backup"}],
            **(role or {}),
        }
        data = config_data(providers, {"chat": binding})
        data["resilience"] = settings
        return LLMHub(config_obj=parse_runtime_config(data), on_after_call=self.results.append)

    def complete(self, hub: LLMHub, text: str = ANSWER) -> Any:
        if self.api == "sync":
            return hub.completion("chat", user(text))
        return asyncio.run(hub.acompletion("chat", user(text)))

    def stream(self, hub: LLMHub, into: list[Any], policy: str | None = None, text: str = ANSWER) -> None:
        """Collect the chunks of one stream into ``into`` (kept when the stream raises)."""
        if self.api == "sync":
            for chunk in hub.stream_completion("chat", user(text), stream_policy=policy):  # type: ignore[arg-type]
                into.append(chunk)
            return

        async def main() -> None:
            async for chunk in hub.astream_completion("chat", user(text), stream_policy=policy):  # type: ignore[arg-type]
                into.append(chunk)

        asyncio.run(main())

    def models(self) -> list[str | None]:
        """The models of the chat requests the provider saw, in order."""
        return [r.model for r in self.server.model_requests()]

    def gaps(self) -> list[float]:
        times = [r.received_at for r in self.server.model_requests()]
        return [b - a for a, b in itertools.pairwise(times)]


@pytest.fixture
def faults(server: FakeOpenAIServer, api: str, clean_env: pytest.MonkeyPatch) -> Faults:
    return Faults(server, api, clean_env)


@pytest.fixture
def clock() -> Callable[[], float]:
    started = time.monotonic()
    return lambda: time.monotonic() - started


def _text_after_reset(chunks: list[Any]) -> str:
    """The answer a caller following the reset protocol ends with."""
    kept: list[Any] = []
    for chunk in chunks:
        if isinstance(chunk, StreamReset):
            kept.clear()
        else:
            kept.append(chunk)
    return joined(kept)


# ---------------------------------------------------------------------------- HTTP errors


def test_429_with_retry_after_is_honoured_on_the_same_target(
    faults: Faults, clock: Callable[[], float]
) -> None:
    hub = faults.hub()
    faults.server.fail_rate_limited(retry_after=1, model="primary")
    assert faults.complete(hub).choices[0].message.content == FULL
    assert faults.models() == ["primary", "primary"]
    assert faults.gaps()[0] >= 0.95  # waited for Retry-After
    assert [r.retry_in for r in faults.results] == [1.0, None]
    assert clock() < 10


def test_429_with_a_long_retry_after_moves_on_at_once(faults: Faults, clock: Callable[[], float]) -> None:
    hub = faults.hub()
    faults.server.fail_rate_limited(retry_after=120, model="primary")
    assert faults.complete(hub).model == "backup"
    assert faults.models() == ["primary", "backup"]
    assert clock() < 10  # did not wait 120 s


def test_5xx_is_retried_with_backoff_then_the_fallback(faults: Faults, clock: Callable[[], float]) -> None:
    hub = faults.hub(resilience={"max_retries": 2, "backoff_base": 0.2})
    faults.server.fail_model("primary", 503)
    assert faults.complete(hub).model == "backup"
    assert faults.models() == ["primary", "primary", "primary", "backup"]
    first, second, _ = faults.gaps()
    # Backoff 0.2 s, then 0.4 s, each less up to half of it (jitter).
    assert first >= 0.1
    assert second >= 0.2
    assert [r.success for r in faults.results] == [False, False, False, True]
    assert all(r.cost is None and r.usage is None for r in faults.results[:3])  # failures are not billed
    assert clock() < 10


def test_transient_5xx_is_rescued_by_the_same_target(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.fail_next(500, model="primary")
    assert faults.complete(hub).model == "primary"
    assert faults.models() == ["primary", "primary"]


def test_every_target_failing_is_one_typed_error_with_every_attempt(faults: Faults) -> None:
    hub = faults.hub(resilience={"max_retries": 1})
    faults.server.fail_model("primary", 502)
    faults.server.fail_model("backup", 500)
    with pytest.raises(FallbacksExhaustedError) as info:
        faults.complete(hub)
    assert [(a.model, a.error_type) for a in info.value.attempts] == [
        ("primary", "UpstreamProviderError"),
        ("primary", "UpstreamProviderError"),
        ("backup", "ProviderError"),
        ("backup", "ProviderError"),
    ]
    assert faults.models() == ["primary", "primary", "backup", "backup"]


def test_context_length_goes_to_a_larger_context_fallback(faults: Faults) -> None:
    big = FakeOpenAIServer(context_windows={"primary": 10, "middle": 20, "large": 1000})
    with big:
        hub = faults.hub(
            primary_base=big.base_url,
            role={
                "context_window": 10,
                "fallbacks": [
                    {"provider": "openai", "model": "middle", "context_window": 20},
                    {"provider": "openai", "model": "small-too", "context_window": 8},
                    {"provider": "openai", "model": "large", "context_window": 1000},
                ],
            },
        )
        # 60 words: too long for primary (10) and middle (20); small-too is skipped (smaller).
        assert faults.complete(hub).model == "large"
        assert [r.model for r in big.model_requests()] == ["primary", "middle", "large"]


def test_context_length_without_a_larger_target_raises_at_once(faults: Faults) -> None:
    hub = faults.hub(
        role={"context_window": 8192, "fallbacks": [{"provider": "llamacpp", "model": "backup"}]}
    )
    faults.server.fail_context_length(model="primary")
    with pytest.raises(ContextLengthExceededError):
        faults.complete(hub)
    assert faults.models() == ["primary"]  # backup's context is unknown: not tried, no retry


def test_content_filter_is_never_retried(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.fail_content_filter(model="primary")
    with pytest.raises(ContentFilterError):
        faults.complete(hub)
    assert faults.models() == ["primary"]


def test_connection_refused_moves_to_the_fallback(faults: Faults, clock: Callable[[], float]) -> None:
    hub = faults.hub(primary_base=refused_base_url(), resilience={"max_retries": 1})
    assert faults.complete(hub).model == "backup"
    assert faults.models() == ["backup"]  # the primary never got a request through
    assert [r.success for r in faults.results] == [False, False, True]
    assert clock() < 10


# ---------------------------------------------------------------------------- slowness


def test_silent_provider_is_not_retried_on_the_same_target(
    faults: Faults, clock: Callable[[], float]
) -> None:
    hub = faults.hub(timeout=1.0, resilience={"max_retries": 2})
    faults.server.hang_next(count=5, model="primary")
    assert faults.complete(hub).model == "backup"
    assert faults.models() == ["primary", "backup"]  # one timeout, then straight to the fallback
    assert 0.9 <= faults.gaps()[0] < 5
    assert clock() < 10  # not 3 x the timeout


def test_silent_provider_on_a_stream_hits_the_first_token_timeout(
    faults: Faults, clock: Callable[[], float]
) -> None:
    hub = faults.hub(timeout=30.0)
    faults.server.hang_next(model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks)
    assert joined(chunks) == FULL
    assert faults.models() == ["primary", "backup"]
    assert 0.95 <= faults.gaps()[0] < 5
    assert isinstance(faults.results[0].error, StreamTimeoutError)
    assert faults.results[0].error.phase == "first_token"
    assert clock() < 10


@pytest.mark.parametrize("delay", [3.0, math.inf], ids=["slow-first-token", "never-starts"])
def test_slow_first_token_moves_on(faults: Faults, clock: Callable[[], float], delay: float) -> None:
    hub = faults.hub(timeout=30.0)
    faults.server.delay_first_chunk(delay, model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks)
    assert joined(chunks) == FULL
    assert not any(isinstance(c, StreamReset) for c in chunks)  # nothing had been delivered
    assert faults.models() == ["primary", "backup"]
    assert clock() < 10


def test_stream_cut_before_the_first_chunk_is_retried(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.fail_stream_after(0, model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks)
    assert joined(chunks) == FULL
    assert faults.models() == ["primary", "primary"]  # a dropped connection: same target again


# ---------------------------------------------------------------------------- broken streams


def test_stream_cut_mid_answer_raises_a_typed_error(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.fail_stream_after(41, model="primary")  # the role delta + 40 words
    chunks: list[Any] = []
    with pytest.raises(StreamInterruptedError) as info:
        faults.stream(hub, chunks)
    assert len(chunks) == info.value.chunks_delivered == 41
    assert (info.value.role, info.value.provider, info.value.model) == ("chat", "openai", "primary")
    assert "Connection error" in str(info.value.cause)
    assert faults.models() == ["primary"]
    [result] = faults.results
    assert (result.success, result.stream_completed, result.chunk_count) == (False, False, 41)


def test_stream_cut_mid_answer_restarts_on_the_next_target(faults: Faults) -> None:
    hub = faults.hub(role={"stream_policy": "restart"})  # the role's policy
    faults.server.fail_stream_after(41, model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks)
    [reset] = [c for c in chunks if isinstance(c, StreamReset)]
    assert chunks.index(reset) == 41
    assert (reset.failed_model, reset.chunks_discarded) == ("primary", 41)
    assert _text_after_reset(chunks) == FULL
    assert faults.models() == ["primary", "backup"]
    assert [(r.model, r.success, r.stream_completed) for r in faults.results] == [
        ("primary", False, False),
        ("backup", True, True),
    ]


def test_stream_stall_mid_answer(faults: Faults, clock: Callable[[], float]) -> None:
    hub = faults.hub()
    faults.server.stall_stream_after(20, model="primary")
    chunks: list[Any] = []
    with pytest.raises(StreamInterruptedError) as info:
        faults.stream(hub, chunks)
    assert len(chunks) == 20
    assert isinstance(info.value.cause, StreamTimeoutError)
    assert info.value.cause.phase == "idle"
    assert clock() < 10


def test_stream_stall_mid_answer_restarts(faults: Faults, clock: Callable[[], float]) -> None:
    hub = faults.hub()
    faults.server.stall_stream_after(20, model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks, policy="restart")  # the call's policy
    assert _text_after_reset(chunks) == FULL
    assert faults.models() == ["primary", "backup"]
    assert clock() < 10


def test_a_short_pause_within_the_idle_timeout_is_not_a_failure(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.stall_stream_after(20, seconds=0.1, model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks)
    assert joined(chunks) == FULL
    assert faults.models() == ["primary"]


def test_malformed_event_mid_answer(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.malform_stream_at(30, model="primary")
    chunks: list[Any] = []
    with pytest.raises(StreamInterruptedError) as info:
        faults.stream(hub, chunks)
    assert len(chunks) == info.value.chunks_delivered == 30


def test_malformed_event_mid_answer_restarts(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.malform_stream_at(30, model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks, policy="restart")
    assert _text_after_reset(chunks) == FULL
    assert faults.models() == ["primary", "backup"]


def test_malformed_first_event_moves_on(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.malform_stream_at(0, model="primary")
    chunks: list[Any] = []
    faults.stream(hub, chunks)
    assert joined(chunks) == FULL
    assert faults.models() == ["primary", "backup"]


def test_restart_with_every_target_broken_ends_in_a_typed_error(faults: Faults) -> None:
    hub = faults.hub()
    faults.server.fail_stream_after(5, model="primary")
    faults.server.fail_stream_after(7, model="backup")
    chunks: list[Any] = []
    with pytest.raises(FallbacksExhaustedError) as info:
        faults.stream(hub, chunks, policy="restart")
    assert [type(a.error) for a in info.value.attempts] == [StreamInterruptedError] * 2
    assert sum(isinstance(c, StreamReset) for c in chunks) == 1


# ---------------------------------------------------------------------------- circuit breaker


def test_circuit_breaker_skips_a_dead_target_then_probes_it(
    faults: Faults, clock: Callable[[], float]
) -> None:
    hub = faults.hub(
        resilience={"max_retries": 0, "circuit_breaker": {"failure_threshold": 2, "cooldown": 1.0}}
    )
    faults.server.fail_model("primary", 503)
    for _ in range(4):
        assert faults.complete(hub).model == "backup"
    # Two failures open the primary's breaker; the next two calls skip it.
    assert faults.models() == ["primary", "backup", "primary", "backup", "backup", "backup"]
    [primary] = [h for h in hub.health() if h.model == "primary"]
    assert (primary.state, primary.consecutive_failures) == ("open", 2)
    assert 0 < primary.retry_in <= 1.0
    assert faults.results[2].circuit == "open"  # the hook saw it open

    time.sleep(1.05)
    faults.server.reset()  # the primary recovers
    faults.server.clear_requests()
    assert faults.complete(hub).model == "primary"  # the half-open probe
    probe = faults.results[-1]
    assert probe.success
    assert probe.circuit == "closed"
    assert [h.state for h in hub.health() if h.model == "primary"] == ["closed"]
    assert clock() < 15


def test_a_role_whose_only_target_is_open_fails_fast(faults: Faults) -> None:
    hub = faults.hub(
        role={"fallbacks": []},
        resilience={"max_retries": 0, "circuit_breaker": {"failure_threshold": 1, "cooldown": 30}},
    )
    faults.server.fail_model("primary", 500)
    with pytest.raises(Exception, match="scripted"):
        faults.complete(hub)
    started = time.monotonic()
    with pytest.raises(CircuitOpenError):
        faults.complete(hub)
    assert time.monotonic() - started < 5
    assert faults.models() == ["primary"]


# ---------------------------------------------------------------------------- usage and cost


def test_usage_cost_and_answering_model(faults: Faults) -> None:
    hub = faults.hub(
        role={
            "prices": {"input": 2.0, "output": 8.0},
            "fallbacks": [
                {"provider": "llamacpp", "model": "backup", "prices": {"input": 1.0, "output": 1.0}}
            ],
        }
    )
    faults.complete(hub, "one two three")
    chunks: list[Any] = []
    faults.stream(hub, chunks, text="one two three")
    plain, streamed = faults.results
    for result in (plain, streamed):
        assert result.answered_model == "primary"
        assert result.usage is not None
        assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (3, 4)
        assert result.cost == pytest.approx((3 * 2.0 + 4 * 8.0) / 1_000_000)
    assert faults.server.model_requests()[-1].body["stream_options"] == {"include_usage": True}


def test_a_probe_stream_abandoned_by_its_reader_does_not_block_the_breaker(faults: Faults) -> None:
    hub = faults.hub(
        role={"fallbacks": []},
        resilience={"max_retries": 0, "circuit_breaker": {"failure_threshold": 1, "cooldown": 0.2}},
    )
    faults.server.fail_next(500, model="primary")
    with pytest.raises(Exception, match="scripted"):
        faults.complete(hub)
    time.sleep(0.25)  # the cooldown passes: the next call is the half-open probe
    if faults.api == "sync":
        stream = hub.stream_completion("chat", user("a b c"))
        next(stream)
        stream.close()  # type: ignore[attr-defined]
    else:

        async def read_one() -> None:
            stream = hub.astream_completion("chat", user("a b c"))
            await anext(stream)
            await stream.aclose()  # type: ignore[attr-defined]

        asyncio.run(read_one())
    assert faults.complete(hub).model == "primary"  # another probe was allowed through
