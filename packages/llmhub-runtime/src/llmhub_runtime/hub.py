"""``LLMHub``: call LLMs by role.

The hub resolves a role to its target (provider, model, params) and its fallbacks, makes the call
through a reused any-llm client, fires the hooks once per attempt, and moves to the next fallback
on a retryable failure. Responses are any-llm's own objects, passed through unchanged.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

from llmhub_runtime.config_loader import load_runtime_config
from llmhub_runtime.errors import (
    AttemptFailure,
    EnvVarMissingError,
    FallbacksExhaustedError,
    LLMHubRuntimeError,
    ModeMismatchError,
)
from llmhub_runtime.models import CallContext, CallResult, LLMMode, ResolvedCall, RuntimeConfig
from llmhub_runtime.resolver import resolve_role

if TYPE_CHECKING:
    from any_llm import AnyLLM
    from any_llm.types.completion import ChatCompletion, ChatCompletionChunk, CreateEmbeddingResponse

    from llmhub_runtime._clients import ClientPool

__all__ = ["AfterCallHook", "BeforeCallHook", "LLMHub"]

logger = logging.getLogger("llmhub_runtime")

BeforeCallHook = Callable[[CallContext], object]
AfterCallHook = Callable[[CallResult], object]

_COMPLETION_MODES = (LLMMode.CHAT, LLMMode.TOOL)
_EMBEDDING_MODES = (LLMMode.EMBEDDING,)
# Descriptive params written by generators that are not request arguments.
_INFORMATIONAL_PARAMS = frozenset({"embedding_dim"})
_END = object()


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
    (provider, api_base, key) and, for async calls, per event loop.
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
            _check_env(config)
        self._config: RuntimeConfig = config
        self._resolved: dict[str, ResolvedCall] = {}
        self._lock = threading.Lock()
        self._pool_instance: ClientPool | None = None
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
        stays in use and the error is raised.
        """
        if self._config_path is None:
            raise LLMHubRuntimeError("reload() needs a hub created with config_path")
        config = load_runtime_config(self._config_path)
        if self._strict_env:
            _check_env(config)
        with self._lock:
            self._config = config
            self._resolved = {}
        return config

    def resolve(self, role: str, params_override: Mapping[str, Any] | None = None) -> ResolvedCall:
        """Resolve ``role`` to its target and fallbacks without calling anything."""
        if params_override:
            return resolve_role(self._config, role, params_override)
        cache = self._resolved
        resolved = cache.get(role)
        if resolved is None:
            resolved = resolve_role(self._config, role)
            cache[role] = resolved
        return resolved

    def __repr__(self) -> str:
        source = str(self._config_path) if self._config_path else "<config_obj>"
        return f"LLMHub(source={source!r}, project={self._config.project!r}, roles={len(self._config.roles)})"

    # ------------------------------------------------------------------ sync API

    def completion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
    ) -> ChatCompletion:
        """Chat completion for ``role``.

        ``params_override`` is merged over the role's params; per-call arguments such as
        ``tools`` or ``response_format`` go there too. Returns any-llm's ``ChatCompletion``.
        """
        resolved = self._resolve_for(role, params_override, "completion", _COMPLETION_MODES)

        def call(client: AnyLLM, target: ResolvedCall) -> Any:
            return client.completion(model=target.model, messages=_wire(messages), **_call_params(target))

        return cast("ChatCompletion", self._attempts(resolved, call, messages=messages))

    def embedding(
        self,
        role: str,
        input: str | list[str],
        params_override: dict[str, Any] | None = None,
    ) -> CreateEmbeddingResponse:
        """Embeddings for ``input`` from ``role``. Returns any-llm's ``CreateEmbeddingResponse``."""
        resolved = self._resolve_for(role, params_override, "embedding", _EMBEDDING_MODES)

        def call(client: AnyLLM, target: ResolvedCall) -> Any:
            # AnyLLM's sync embedding entry point (what any_llm.embedding() itself calls).
            return client._embedding(target.model, input, **_call_params(target))

        return cast("CreateEmbeddingResponse", self._attempts(resolved, call, input=input))

    def stream_completion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
    ) -> Iterator[ChatCompletionChunk]:
        """Stream a chat completion for ``role``, chunk by chunk.

        Fallbacks apply until the first chunk has been delivered; a failure after that is raised
        to the consumer (switching models mid-answer would garble it). ``on_after_call`` fires
        once the stream has ended, been closed early, or failed.
        """
        resolved = self._resolve_for(role, params_override, "stream_completion", _COMPLETION_MODES)
        return self._stream_sync(resolved, messages)

    def _stream_sync(
        self, resolved: ResolvedCall, messages: list[dict[str, Any]]
    ) -> Iterator[ChatCompletionChunk]:
        failures: list[AttemptFailure] = []
        targets = resolved.targets()
        for attempt, target in enumerate(targets, start=1):
            context = self._context(target, attempt, messages=messages, stream=True) if self._hooked else None
            self._fire_before(context)
            started = time.perf_counter()
            iterator: Iterator[ChatCompletionChunk] | None = None
            try:
                api_key = _api_key(target)
                client = self._pool().sync_client(
                    target.provider, target.api_base, api_key, target.max_retries, target.env_key
                )
                iterator = iter(
                    client.completion(
                        model=target.model, messages=_wire(messages), stream=True, **_call_params(target)
                    )
                )
                first = next(iterator, _END)
            except Exception as exc:  # noqa: BLE001 - _retry_or_raise re-raises what is not retried
                _close_quietly(iterator)
                self._after_failure(context, started, exc, stream=True)
                self._retry_or_raise(resolved.role, target, exc, failures, attempt == len(targets))
                continue
            count = 0
            completed = False
            error: BaseException | None = None
            try:
                if first is not _END:
                    count += 1
                    yield first  # type: ignore[misc]
                    for chunk in iterator:
                        count += 1
                        yield chunk
                completed = True
            except GeneratorExit:
                raise
            except Exception as exc:
                error = self._scrub(exc)
                raise
            finally:
                _close_quietly(iterator)
                if context is not None and self.on_after_call is not None:
                    self._fire_after(
                        _result(
                            context,
                            started,
                            success=error is None,
                            error=error,
                            chunk_count=count,
                            stream_completed=completed,
                        )
                    )
            return

    # ------------------------------------------------------------------ async API

    async def acompletion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
    ) -> ChatCompletion:
        """Async :meth:`completion`."""
        resolved = self._resolve_for(role, params_override, "acompletion", _COMPLETION_MODES)

        async def call(client: AnyLLM, target: ResolvedCall) -> Any:
            return await client.acompletion(
                model=target.model, messages=_wire(messages), **_call_params(target)
            )

        return cast("ChatCompletion", await self._async_attempts(resolved, call, messages=messages))

    async def aembedding(
        self,
        role: str,
        input: str | list[str],
        params_override: dict[str, Any] | None = None,
    ) -> CreateEmbeddingResponse:
        """Async :meth:`embedding`."""
        resolved = self._resolve_for(role, params_override, "aembedding", _EMBEDDING_MODES)

        async def call(client: AnyLLM, target: ResolvedCall) -> Any:
            return await client.aembedding(target.model, input, **_call_params(target))

        return cast("CreateEmbeddingResponse", await self._async_attempts(resolved, call, input=input))

    def astream_completion(
        self,
        role: str,
        messages: list[dict[str, Any]],
        params_override: dict[str, Any] | None = None,
    ) -> AsyncIterator[ChatCompletionChunk]:
        """Async :meth:`stream_completion`: ``async for chunk in hub.astream_completion(...)``."""
        resolved = self._resolve_for(role, params_override, "astream_completion", _COMPLETION_MODES)
        return self._stream_async(resolved, messages)

    async def _stream_async(
        self, resolved: ResolvedCall, messages: list[dict[str, Any]]
    ) -> AsyncIterator[ChatCompletionChunk]:
        failures: list[AttemptFailure] = []
        targets = resolved.targets()
        for attempt, target in enumerate(targets, start=1):
            context = self._context(target, attempt, messages=messages, stream=True) if self._hooked else None
            self._fire_before(context)
            started = time.perf_counter()
            iterator: AsyncIterator[ChatCompletionChunk] | None = None
            try:
                client = self._async_client(target)
                stream = await client.acompletion(
                    model=target.model, messages=_wire(messages), stream=True, **_call_params(target)
                )
                iterator = aiter(stream)
                first = await anext(iterator, _END)
            except Exception as exc:  # noqa: BLE001 - _retry_or_raise re-raises what is not retried
                await _aclose_quietly(iterator)
                self._after_failure(context, started, exc, stream=True)
                self._retry_or_raise(resolved.role, target, exc, failures, attempt == len(targets))
                continue
            count = 0
            completed = False
            error: BaseException | None = None
            try:
                if first is not _END:
                    count += 1
                    yield first  # type: ignore[misc]
                    async for chunk in iterator:
                        count += 1
                        yield chunk
                completed = True
            except GeneratorExit:
                raise
            except Exception as exc:
                error = self._scrub(exc)
                raise
            finally:
                await _aclose_quietly(iterator)
                if context is not None and self.on_after_call is not None:
                    self._fire_after(
                        _result(
                            context,
                            started,
                            success=error is None,
                            error=error,
                            chunk_count=count,
                            stream_completed=completed,
                        )
                    )
            return

    # ------------------------------------------------------------------ internals

    def _attempts(
        self,
        resolved: ResolvedCall,
        call: Callable[[AnyLLM, ResolvedCall], Any],
        *,
        messages: list[dict[str, Any]] | None = None,
        input: str | list[str] | None = None,
    ) -> Any:
        """Try the role's targets in order (sync); hooks fire once per attempt."""
        failures: list[AttemptFailure] = []
        targets = resolved.targets()
        for attempt, target in enumerate(targets, start=1):
            context = self._context(target, attempt, messages=messages, input=input) if self._hooked else None
            self._fire_before(context)
            started = time.perf_counter()
            try:
                client = self._pool().sync_client(
                    target.provider, target.api_base, _api_key(target), target.max_retries, target.env_key
                )
                response = call(client, target)
            except Exception as exc:  # noqa: BLE001 - _retry_or_raise re-raises what is not retried
                self._after_failure(context, started, exc)
                self._retry_or_raise(resolved.role, target, exc, failures, attempt == len(targets))
                continue
            if context is not None and self.on_after_call is not None:
                self._fire_after(_result(context, started, success=True, response=response))
            return response
        raise AssertionError("unreachable: a role always has at least one target")  # pragma: no cover

    async def _async_attempts(
        self,
        resolved: ResolvedCall,
        call: Callable[[AnyLLM, ResolvedCall], Awaitable[Any]],
        *,
        messages: list[dict[str, Any]] | None = None,
        input: str | list[str] | None = None,
    ) -> Any:
        """Try the role's targets in order (async); hooks fire once per attempt."""
        failures: list[AttemptFailure] = []
        targets = resolved.targets()
        for attempt, target in enumerate(targets, start=1):
            context = self._context(target, attempt, messages=messages, input=input) if self._hooked else None
            self._fire_before(context)
            started = time.perf_counter()
            try:
                response = await call(self._async_client(target), target)
            except Exception as exc:  # noqa: BLE001 - _retry_or_raise re-raises what is not retried
                self._after_failure(context, started, exc)
                self._retry_or_raise(resolved.role, target, exc, failures, attempt == len(targets))
                continue
            if context is not None and self.on_after_call is not None:
                self._fire_after(_result(context, started, success=True, response=response))
            return response
        raise AssertionError("unreachable: a role always has at least one target")  # pragma: no cover

    @property
    def _hooked(self) -> bool:
        # Without hooks no CallContext/CallResult is built: they would cost a few us per call.
        return self.on_before_call is not None or self.on_after_call is not None

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
            target.provider, target.api_base, _api_key(target), target.max_retries, target.env_key
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
        target: ResolvedCall,
        attempt: int,
        *,
        messages: list[dict[str, Any]] | None = None,
        input: str | list[str] | None = None,
        stream: bool = False,
    ) -> CallContext:
        return CallContext(
            role=target.role,
            provider=target.provider,
            model=target.model,
            mode=target.mode,
            # A hook gets its own copy (it must not change the cached resolution); without a
            # before-hook nobody sees these params, so the copy is skipped.
            params=dict(target.params) if self.on_before_call is not None else target.params,
            messages=messages,
            input=input,
            attempt=attempt,
            is_fallback=attempt > 1,
            stream=stream,
        )

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

    def _after_failure(
        self, context: CallContext | None, started: float, exc: BaseException, *, stream: bool = False
    ) -> None:
        self._scrub(exc)
        if context is None or self.on_after_call is None:
            return
        self._fire_after(
            _result(
                context,
                started,
                success=False,
                error=exc,
                chunk_count=0 if stream else None,
                stream_completed=False if stream else None,
            )
        )

    def _retry_or_raise(
        self,
        role: str,
        target: ResolvedCall,
        exc: Exception,
        failures: list[AttemptFailure],
        last: bool,
    ) -> None:
        """Record a failed attempt; return to try the next target, or raise."""
        from llmhub_runtime._retry import is_retryable

        if not is_retryable(exc):
            raise exc
        failures.append(AttemptFailure(target.provider, target.model, exc))
        if not last:
            logger.warning(
                "role %r: %s/%s failed (%s: %s); trying the next fallback",
                role,
                target.provider,
                target.model,
                type(exc).__name__,
                exc,
            )
            return
        if len(failures) == 1:
            raise exc
        _raise_exhausted(role, failures, exc)

    def _fire_before(self, context: CallContext | None) -> None:
        hook = self.on_before_call
        if hook is not None and context is not None:
            try:
                hook(context)
            except Exception:
                logger.exception("on_before_call hook raised; the call goes ahead")

    def _fire_after(self, result: CallResult) -> None:
        hook = self.on_after_call
        if hook is not None:
            try:
                hook(result)
            except Exception:
                logger.exception("on_after_call hook raised; the call's own outcome is kept")


def _raise_exhausted(role: str, failures: list[AttemptFailure], last: Exception) -> NoReturn:
    raise FallbacksExhaustedError(role, failures) from last


def _wire(messages: list[dict[str, Any]]) -> list[Any]:
    """The messages as any-llm's signature types them (it also accepts its message objects)."""
    return messages


#: Sent as the key to a custom endpoint that has no ``env_key``: any-llm would otherwise read its
#: default variable (``OPENAI_API_KEY``...) and send a hosted provider's key to that endpoint.
NO_KEY = "llmhub-no-key"


def _api_key(target: ResolvedCall) -> str | None:
    """The key to hand any-llm for ``target``.

    * ``env_key`` set: that variable's value; unset or empty is an error, not "no key" (given no
      key, any-llm reads its own default variable, which may hold another provider's key).
    * no ``env_key`` but an ``api_base``: :data:`NO_KEY`, so a self-hosted or local endpoint
      never receives a key the user did not configure for it.
    * neither: ``None``, and any-llm reads the provider's usual variable (``OPENAI_API_KEY``...).
    """
    if target.env_key is None:
        return NO_KEY if target.api_base else None
    value = os.environ.get(target.env_key)
    if not value:
        raise EnvVarMissingError({target.provider: target.env_key})
    return value


def _call_params(target: ResolvedCall) -> dict[str, Any]:
    params = {k: v for k, v in target.params.items() if k not in _INFORMATIONAL_PARAMS}
    if target.timeout is not None and "timeout" not in params:
        params["timeout"] = target.timeout
    return params


def _result(
    context: CallContext,
    started: float,
    *,
    success: bool,
    response: Any = None,
    error: BaseException | None = None,
    chunk_count: int | None = None,
    stream_completed: bool | None = None,
) -> CallResult:
    return CallResult(
        role=context.role,
        provider=context.provider,
        model=context.model,
        mode=context.mode,
        duration_ms=(time.perf_counter() - started) * 1000.0,
        success=success,
        error=error,
        response=response,
        attempt=context.attempt,
        is_fallback=context.is_fallback,
        stream=context.stream,
        chunk_count=chunk_count,
        stream_completed=stream_completed,
    )


def _check_env(config: RuntimeConfig) -> None:
    missing = {
        name: provider.env_key
        for name, provider in config.providers.items()
        if provider.env_key and not os.environ.get(provider.env_key)
    }
    if missing:
        raise EnvVarMissingError(missing)


def _close_quietly(iterator: object) -> None:
    close = getattr(iterator, "close", None)
    if callable(close):
        try:
            close()
        except Exception:
            logger.debug("closing a stream failed", exc_info=True)


async def _aclose_quietly(iterator: object) -> None:
    close = getattr(iterator, "aclose", None)
    if callable(close):
        try:
            await close()
        except Exception:
            logger.debug("closing a stream failed", exc_info=True)
