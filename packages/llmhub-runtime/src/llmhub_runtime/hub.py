"""``LLMHub``: call LLMs by role.

The hub resolves a role to its target (provider, model, params) and its fallbacks, and runs each
call as a series of attempts (:mod:`llmhub_runtime._attempts` decides where each goes and how long
to wait first). There is one implementation of a call (here) and one of a stream
(:mod:`llmhub_runtime._streams`), both async; the sync
methods run them on any-llm's own background event loop, exactly as any-llm's sync API runs its
async one, so sync and async calls behave the same. Responses are any-llm's own objects, passed
through unchanged.

Constructing a hub loads and checks the configuration without importing any-llm; any-llm is
imported by the first call.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from llmhub_runtime._breaker import Breaker, TargetHealth
from llmhub_runtime._calls import api_key_for, call_params, check_env, make_result
from llmhub_runtime.config_loader import load_runtime_config
from llmhub_runtime.errors import (
    LLMHubRuntimeError,
    ModeMismatchError,
)
from llmhub_runtime.models import CallContext, CallResult, LLMMode, ResolvedCall, RuntimeConfig, StreamPolicy

if TYPE_CHECKING:
    from any_llm import AnyLLM
    from any_llm.types.completion import ChatCompletionChunk

    from llmhub_runtime._attempts import Attempt, AttemptPlan
    from llmhub_runtime._clients import ClientPool

__all__ = ["AfterCallHook", "BeforeCallHook", "LLMHub", "TargetHealth"]

logger = logging.getLogger("llmhub_runtime")

BeforeCallHook = Callable[[CallContext], object]
AfterCallHook = Callable[[CallResult], object]
_Send = Callable[["AnyLLM", ResolvedCall], Awaitable[Any]]

_COMPLETION_MODES = (LLMMode.CHAT, LLMMode.TOOL)
_EMBEDDING_MODES = (LLMMode.EMBEDDING,)


class LLMHub:
    """Call LLMs by role, as configured in ``llmhub.yaml``.

    Args:
        config_path: Path of the ``llmhub.yaml`` to load.
        config_obj: An already validated :class:`RuntimeConfig` (exactly one of the two).
        strict_env: Check at construction (and on :meth:`reload`) that every provider's
            ``env_key`` variable is set; raise :class:`EnvVarMissingError` naming the unset ones.
        on_before_call: Called with a :class:`CallContext` before each attempt.
        on_after_call: Called with a :class:`CallResult` after each attempt; for streams, once
            the stream has ended. A hook that raises is logged and never changes the call's result.

    One hub may be shared by threads and asyncio tasks: provider clients are cached per
    (provider, api_base, key) and per event loop, and the circuit breakers (one per target, see
    :meth:`health`) are shared by all its calls.
    """

    def __init__(
        self,
        config_path: str | os.PathLike[str] | None = None,
        config_obj: RuntimeConfig | None = None,
        strict_env: bool = False,
        on_before_call: BeforeCallHook | None = None,
        on_after_call: AfterCallHook | None = None,
    ) -> None:
        if (config_path is None) == (config_obj is None):
            raise ValueError("LLMHub needs exactly one of config_path or config_obj")
        self._config_path = Path(config_path) if config_path is not None else None
        config = load_runtime_config(self._config_path) if self._config_path is not None else config_obj
        assert config is not None
        self._strict_env = strict_env
        if strict_env:
            check_env(config)
        self._config: RuntimeConfig = config
        self._resolved: dict[str, ResolvedCall] = {}
        self._lock = threading.Lock()
        self._pool_instance: ClientPool | None = None
        breaker = config.resilience.circuit_breaker
        self._breaker = Breaker(breaker.failure_threshold, breaker.cooldown)
        self.on_before_call = on_before_call
        self.on_after_call = on_after_call

    # ------------------------------------------------------------------ configuration

    @property
    def config(self) -> RuntimeConfig:
        """The configuration currently in use."""
        return self._config

    @property
    def config_path(self) -> Path | None:
        """The file the configuration was loaded from, if any."""
        return self._config_path

    def reload(self) -> RuntimeConfig:
        """Re-read the configuration file and switch to it.

        The switch is atomic: calls already running finish with the old configuration, and if the
        new file is invalid (or ``strict_env`` finds a variable missing) the old configuration
        stays in use and the error is raised. Circuit breaker states are kept; new breaker
        settings apply to targets from now on.
        """
        if self._config_path is None:
            raise LLMHubRuntimeError("reload() needs a hub created with config_path")
        config = load_runtime_config(self._config_path)
        if self._strict_env:
            check_env(config)
        with self._lock:
            self._config = config
            self._resolved = {}
            self._breaker.failure_threshold = config.resilience.circuit_breaker.failure_threshold
            self._breaker.cooldown = config.resilience.circuit_breaker.cooldown
        return config

    def resolve(self, role: str, params_override: Mapping[str, Any] | None = None) -> ResolvedCall:
        """Resolve ``role`` to its target and fallbacks without calling anything."""
        from llmhub_runtime.resolver import resolve_role

        if params_override:
            return resolve_role(self._config, role, params_override)
        cache = self._resolved
        resolved = cache.get(role)
        if resolved is None:
            resolved = resolve_role(self._config, role)
            cache[role] = resolved
        return resolved

    def health(self) -> list[TargetHealth]:
        """The circuit breaker of every target this hub has called, first called first.

        A target is ``closed`` (in use), ``open`` (skipped for ``retry_in`` more seconds after
        ``resilience.circuit_breaker.failure_threshold`` consecutive retryable failures) or
        ``half_open`` (the next call probes it). Targets never called are not listed.
        """
        return self._breaker.snapshot()

    def __repr__(self) -> str:
        source = str(self._config_path) if self._config_path else "<config_obj>"
        return f"LLMHub(source={source!r}, project={self._config.project!r}, roles={len(self._config.roles)})"

    # ------------------------------------------------------------------ async API

    async def acompletion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
    ) -> Any:
        """Chat completion for ``role``; returns any-llm's ``ChatCompletion``.

        ``params_override`` is merged over the role's params; per-call arguments such as
        ``tools`` or ``response_format`` go there too.
        """
        resolved = self._resolve_for(role, params_override, "acompletion", _COMPLETION_MODES)

        async def send(client: AnyLLM, target: ResolvedCall) -> Any:
            return await client.acompletion(
                model=target.model, messages=_wire(messages), **call_params(target)
            )

        return await self._call(resolved, send, messages=messages)

    async def aembedding(
        self,
        role: str,
        input: str | list[str],
        params_override: dict[str, Any] | None = None,
    ) -> Any:
        """Embeddings for ``input`` from ``role``; returns any-llm's ``CreateEmbeddingResponse``."""
        resolved = self._resolve_for(role, params_override, "aembedding", _EMBEDDING_MODES)

        async def send(client: AnyLLM, target: ResolvedCall) -> Any:
            return await client.aembedding(target.model, input, **call_params(target))

        return await self._call(resolved, send, input=input)

    def astream_completion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
        stream_policy: StreamPolicy | None = None,
    ) -> AsyncIterator[ChatCompletionChunk]:
        """Stream a chat completion for ``role``: ``async for chunk in hub.astream_completion(...)``.

        Until the first chunk has been delivered, failures move to the next target as for any
        call. A stream that breaks after that is never presented as complete: under the
        ``stream_policy`` ``raise`` (the default, see ``resilience.stream_policy``) it raises
        :class:`StreamInterruptedError`; under ``restart`` the request is replayed on the next
        target, and a :class:`~llmhub_runtime.streams.StreamReset` chunk in the stream tells the
        caller to discard what it received. A stream waits at most ``first_token_timeout`` for
        its first chunk and ``stream_idle_timeout`` between chunks. ``on_after_call`` fires once
        a stream has ended, been closed early, or failed.
        """
        resolved = self._resolve_for(role, params_override, "astream_completion", _COMPLETION_MODES)
        from llmhub_runtime._streams import stream_answer

        return stream_answer(self, resolved, messages, stream_policy)

    # ------------------------------------------------------------------ sync API

    def completion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
    ) -> Any:
        """Sync :meth:`acompletion`."""
        resolved = self._resolve_for(role, params_override, "completion", _COMPLETION_MODES)

        async def send(client: AnyLLM, target: ResolvedCall) -> Any:
            return await client.acompletion(
                model=target.model, messages=_wire(messages), **call_params(target)
            )

        return _run_sync(self._call(resolved, send, messages=messages))

    def embedding(
        self,
        role: str,
        input: str | list[str],
        params_override: dict[str, Any] | None = None,
    ) -> Any:
        """Sync :meth:`aembedding`."""
        resolved = self._resolve_for(role, params_override, "embedding", _EMBEDDING_MODES)

        async def send(client: AnyLLM, target: ResolvedCall) -> Any:
            return await client.aembedding(target.model, input, **call_params(target))

        return _run_sync(self._call(resolved, send, input=input))

    def stream_completion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
        stream_policy: StreamPolicy | None = None,
    ) -> Iterator[ChatCompletionChunk]:
        """Sync :meth:`astream_completion`: ``for chunk in hub.stream_completion(...)``."""
        resolved = self._resolve_for(role, params_override, "stream_completion", _COMPLETION_MODES)
        from llmhub_runtime._streams import stream_answer, sync_stream

        return sync_stream(stream_answer(self, resolved, messages, stream_policy))

    # ------------------------------------------------------------------ the two loops

    async def _call(
        self,
        resolved: ResolvedCall,
        send: _Send,
        *,
        messages: list[dict[str, Any]] | None = None,
        input: str | list[str] | None = None,
    ) -> Any:
        """Make one (non-streamed) call: attempts until one succeeds or the plan gives up."""
        plan = self._plan(resolved)
        while True:
            attempt = plan.next()
            target = attempt.target
            if attempt.delay:
                await asyncio.sleep(attempt.delay)
            context = self._context(plan, attempt, messages=messages, input=input)
            started = time.perf_counter()
            try:
                response = await send(self._async_client(target), target)
            except Exception as exc:  # noqa: BLE001 - the plan raises what is not retried
                self._failed(plan, attempt, context, started, exc)
                continue
            except asyncio.CancelledError:
                plan.abandoned(attempt)  # the caller gave up: no verdict on the target
                raise
            circuit = plan.succeeded(attempt)
            if context is not None and self.on_after_call is not None:
                from llmhub_runtime._usage import cost_of, usage_of

                usage = usage_of(response)
                self._fire_after(
                    make_result(
                        context,
                        started,
                        success=True,
                        response=response,
                        answered_model=getattr(response, "model", None),
                        usage=usage,
                        cost=cost_of(usage, target.prices),
                        circuit=circuit,
                    )
                )
            return response

    # ------------------------------------------------------------------ internals

    def _plan(self, resolved: ResolvedCall) -> AttemptPlan:
        plan_class = _LAZY.get("AttemptPlan")
        if plan_class is None:
            _load_call_modules()
            plan_class = _LAZY["AttemptPlan"]
        return cast(
            "AttemptPlan",
            plan_class(resolved.role, resolved.targets(), self._breaker, self._config.resilience),
        )

    def _failed(
        self,
        plan: AttemptPlan,
        attempt: Attempt,
        context: CallContext | None,
        started: float,
        exc: Exception,
        *,
        stream: bool = False,
    ) -> None:
        """Book a failed attempt (before a stream's first chunk) and tell the hooks."""
        self._scrub(exc)
        circuit, retry_in = plan.failed(attempt, exc)
        if context is not None and self.on_after_call is not None:
            self._fire_after(
                make_result(
                    context,
                    started,
                    success=False,
                    error=exc,
                    chunk_count=0 if stream else None,
                    stream_completed=False if stream else None,
                    circuit=circuit,
                    retry_in=retry_in,
                )
            )

    def _pool(self) -> ClientPool:
        pool = self._pool_instance
        if pool is None:
            with self._lock:
                if self._pool_instance is None:
                    from llmhub_runtime._clients import ClientPool

                    self._pool_instance = ClientPool()
                pool = self._pool_instance
        return pool

    def _async_client(self, target: ResolvedCall) -> AnyLLM:
        return self._pool().async_client(
            target.provider, target.api_base, api_key_for(target), target.env_key
        )

    def _resolve_for(
        self, role: str, params_override: Mapping[str, Any] | None, method: str, modes: Sequence[LLMMode]
    ) -> ResolvedCall:
        resolved = self.resolve(role, params_override)
        if resolved.mode not in modes:
            raise ModeMismatchError(role, resolved.mode.value, method, [m.value for m in modes])
        if resolved.from_defaults:
            logger.debug(
                "role %r is not configured; using defaults (%s/%s)", role, resolved.provider, resolved.model
            )
        return resolved

    def _context(
        self,
        plan: AttemptPlan,
        attempt: Attempt,
        *,
        messages: list[dict[str, Any]] | None = None,
        input: str | list[str] | None = None,
        stream: bool = False,
    ) -> CallContext | None:
        """The hook payload of an attempt, fired to ``on_before_call`` (``None`` without hooks)."""
        if self.on_before_call is None and self.on_after_call is None:
            return None  # nobody would see it: building it would cost a few us per call
        target = attempt.target
        context = CallContext(
            role=target.role,
            provider=target.provider,
            model=target.model,
            mode=target.mode,
            # A hook gets its own copy (it must not change the cached resolution); without a
            # before-hook nobody sees these params, so the copy is skipped.
            params=dict(target.params) if self.on_before_call is not None else target.params,
            messages=messages,
            input=input,
            attempt=attempt.number,
            is_fallback=plan.is_fallback(attempt),
            stream=stream,
            circuit=attempt.circuit,
        )
        hook = self.on_before_call
        if hook is not None:
            try:
                hook(context)
            except Exception:
                logger.exception("on_before_call hook raised; the call goes ahead")
        return context

    def _secrets(self) -> list[str]:
        values: list[str] = []
        for provider in self._config.providers.values():
            if provider.env_key:
                value = os.environ.get(provider.env_key)
                if value:
                    values.append(value)
        return values

    def _scrub(self, exc: BaseException) -> BaseException:
        from llmhub_runtime._redact import redact_exception

        return redact_exception(exc, self._secrets())

    def _fire_after(self, result: CallResult) -> None:
        hook = self.on_after_call
        if hook is not None:
            try:
                hook(result)
            except Exception:
                logger.exception("on_after_call hook raised; the call's own outcome is kept")


#: Classes of the modules a call needs (they import any-llm), loaded by the first call.
_LAZY: dict[str, Any] = {}


def _load_call_modules() -> None:
    from llmhub_runtime._attempts import AttemptPlan

    _LAZY["AttemptPlan"] = AttemptPlan


def _wire(messages: list[dict[str, Any]]) -> list[Any]:
    """The messages as any-llm's signature types them (it also accepts its message objects)."""
    return messages


def _run_sync(coroutine: Any) -> Any:
    """Run a call's coroutine on any-llm's background loop, as any-llm's own sync API does."""
    from any_llm.constants import INSIDE_NOTEBOOK
    from any_llm.utils.aio import run_async_in_sync

    return run_async_in_sync(coroutine, allow_running_loop=INSIDE_NOTEBOOK)
