"""The stream loop of :class:`~llmhub_runtime.hub.LLMHub` and the bridge for sync streams.

A stream is attempts like any call (:mod:`llmhub_runtime._attempts`) until its first chunk has
reached the caller; after that, a failure is handled by the stream policy: ``raise``
(:class:`~llmhub_runtime.errors.StreamInterruptedError`) or ``restart`` (replay on the next target,
with a :class:`~llmhub_runtime.streams.StreamReset` chunk first). First-token and idle timeouts
are :class:`~llmhub_runtime.errors.StreamTimeoutError`. The hub loads this module on its first
stream; it imports any-llm.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, cast

from any_llm.types.completion import ChatCompletionChunk

from llmhub_runtime._calls import aclose_quietly, call_params, make_result
from llmhub_runtime._usage import UsageTracker, cost_of
from llmhub_runtime.errors import StreamInterruptedError, StreamTimeoutError
from llmhub_runtime.models import ResolvedCall, StreamPolicy

if TYPE_CHECKING:
    from any_llm import AnyLLM

    from llmhub_runtime.hub import LLMHub

__all__ = ["stream_answer", "sync_stream"]

_END: Any = object()


async def stream_answer(
    hub: LLMHub, resolved: ResolvedCall, messages: list[dict[str, Any]], policy: StreamPolicy | None
) -> AsyncIterator[ChatCompletionChunk]:
    """Stream one answer (see :meth:`LLMHub.astream_completion`)."""
    plan = hub._plan(resolved)
    reset: ChatCompletionChunk | None = None
    while True:
        attempt = plan.next()
        target = attempt.target
        if attempt.delay:
            await asyncio.sleep(attempt.delay)
        context = hub._context(plan, attempt, messages=messages, stream=True)
        started = time.perf_counter()
        iterator: AsyncIterator[ChatCompletionChunk] | None = None
        try:
            # The client is made before the clock starts: a first call may import the provider's
            # SDK, which is not the provider being slow to answer.
            client = hub._async_client(target)
            async with _deadline(target.first_token_timeout, "first_token", target):
                stream = await client.acompletion(
                    model=target.model,
                    messages=_wire(messages),
                    stream=True,
                    **_stream_params(hub, client, target),
                )
                iterator = aiter(cast("AsyncIterator[ChatCompletionChunk]", stream))
                chunk = await anext(iterator, _END)
        except Exception as exc:  # noqa: BLE001 - the plan raises what is not retried
            await aclose_quietly(iterator)
            hub._failed(plan, attempt, context, started, exc, stream=True)
            continue
        except asyncio.CancelledError:
            await aclose_quietly(iterator)
            plan.abandoned(attempt)
            raise
        if reset is not None:
            yield reset
            reset = None
        tracker = UsageTracker()
        delivered = 0
        outcome: BaseException | None = None
        try:
            while chunk is not _END:
                tracker.see(chunk)
                delivered += 1
                yield chunk
                async with _deadline(target.stream_idle_timeout, "idle", target):
                    chunk = await anext(iterator, _END)
        except (GeneratorExit, asyncio.CancelledError):
            outcome = _STOPPED  # the consumer stopped reading: not a failure of the target
            raise
        except Exception as exc:  # noqa: BLE001 - handled by the stream policy below
            outcome = hub._scrub(exc)
        finally:
            await aclose_quietly(iterator)
            if outcome is None or outcome is _STOPPED:
                if outcome is None:
                    circuit = plan.succeeded(attempt)
                else:
                    plan.abandoned(attempt)
                    circuit = attempt.circuit
                if context is not None and hub.on_after_call is not None:
                    hub._fire_after(
                        make_result(
                            context,
                            started,
                            success=True,
                            chunk_count=delivered,
                            stream_completed=outcome is None,
                            answered_model=tracker.model,
                            usage=tracker.usage,
                            cost=cost_of(tracker.usage, target.prices) if outcome is None else None,
                            circuit=circuit,
                        )
                    )
        if outcome is None:
            return
        assert isinstance(outcome, Exception)
        interrupted = StreamInterruptedError(resolved.role, target.provider, target.model, delivered, outcome)
        interrupted.__cause__ = outcome
        restart = (policy or target.stream_policy) == "restart" and _may_restart(outcome)
        if restart:
            circuit, _ = plan.failed(attempt, outcome, restart=True, record=interrupted)
        else:
            circuit = plan.interrupted(attempt, outcome, interrupted)
        if context is not None and hub.on_after_call is not None:
            hub._fire_after(
                make_result(
                    context,
                    started,
                    success=False,
                    error=interrupted,
                    chunk_count=delivered,
                    stream_completed=False,
                    answered_model=tracker.model,
                    circuit=circuit,
                )
            )
        if not restart:
            raise interrupted from outcome
        from llmhub_runtime.streams import StreamReset

        reason = f"{type(outcome).__name__}: {outcome}"
        reset = StreamReset.build(target.provider, target.model, delivered, reason)


def _stream_params(hub: LLMHub, client: AnyLLM, target: ResolvedCall) -> dict[str, Any]:
    params = call_params(target)
    if hub._config.resilience.stream_usage and "stream_options" not in params:
        from any_llm.providers.openai.base import BaseOpenAIProvider

        if isinstance(client, BaseOpenAIProvider):
            params["stream_options"] = {"include_usage": True}
    return params


class _Stopped(BaseException):
    """Marks a stream whose consumer stopped reading (not an error)."""


_STOPPED = _Stopped()


def _wire(messages: list[dict[str, Any]]) -> list[Any]:
    """The messages as any-llm's signature types them (it also accepts its message objects)."""
    return messages


def _may_restart(exc: BaseException) -> bool:
    """A stream broken by ``exc`` may be replayed elsewhere (never after a content filter)."""
    from llmhub_runtime._retry import Verdict, classify

    return classify(exc) is not Verdict.RAISE


class _deadline:  # noqa: N801 - used like asyncio.timeout
    """``asyncio.timeout(seconds)`` whose expiry raises :class:`StreamTimeoutError`."""

    __slots__ = ("_phase", "_seconds", "_target", "_timeout")

    def __init__(self, seconds: float | None, phase: str, target: ResolvedCall) -> None:
        self._seconds = seconds
        self._phase = phase
        self._target = target
        self._timeout = asyncio.timeout(seconds)

    async def __aenter__(self) -> None:
        await self._timeout.__aenter__()

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool | None:
        try:
            await self._timeout.__aexit__(exc_type, exc, tb)
        except TimeoutError as e:
            if self._timeout.expired() and self._seconds is not None:
                raise StreamTimeoutError(
                    self._phase, self._seconds, self._target.provider, self._target.model
                ) from e
            raise
        return None


def sync_stream(stream: AsyncIterator[ChatCompletionChunk]) -> Iterator[ChatCompletionChunk]:
    """Iterate an async stream from sync code, on any-llm's background loop.

    any-llm's own bridge, in its on-demand mode: one task on that loop reads the stream, one chunk
    each time the caller asks for one (not ahead), so "chunks delivered" means received by the
    caller, and a caller who stops early (``close()``) stops the stream.
    """
    from any_llm.constants import INSIDE_NOTEBOOK
    from any_llm.utils.aio import _async_source_to_sync_iter

    async def source() -> AsyncIterator[ChatCompletionChunk]:
        return stream

    return _async_source_to_sync_iter(source, allow_running_loop=INSIDE_NOTEBOOK, on_demand=True)
