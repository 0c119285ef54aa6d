"""Small pieces of one call: the key to send, the request arguments, the hook payloads."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from llmhub_runtime.errors import EnvVarMissingError
from llmhub_runtime.models import CallContext, CallResult, ResolvedCall, RuntimeConfig, Usage

__all__ = ["NO_KEY", "aclose_quietly", "api_key_for", "call_params", "check_env", "make_result"]

logger = logging.getLogger("llmhub_runtime")

#: Sent as the key to a custom endpoint that has no ``env_key``: any-llm would otherwise read its
#: default variable (``OPENAI_API_KEY``...) and send a hosted provider's key to that endpoint.
NO_KEY = "llmhub-no-key"

# Descriptive params written by generators that are not request arguments.
_INFORMATIONAL_PARAMS = frozenset({"embedding_dim"})


def api_key_for(target: ResolvedCall) -> str | None:
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


def call_params(target: ResolvedCall) -> dict[str, Any]:
    """The request arguments of ``target``: its params, plus the provider's timeout."""
    params = {k: v for k, v in target.params.items() if k not in _INFORMATIONAL_PARAMS}
    if target.timeout is not None and "timeout" not in params:
        params["timeout"] = target.timeout
    return params


def check_env(config: RuntimeConfig) -> None:
    """Raise :class:`EnvVarMissingError` naming every ``env_key`` variable that is unset."""
    missing = {
        name: provider.env_key
        for name, provider in config.providers.items()
        if provider.env_key and not os.environ.get(provider.env_key)
    }
    if missing:
        raise EnvVarMissingError(missing)


def make_result(
    context: CallContext,
    started: float,
    *,
    success: bool,
    response: Any = None,
    error: BaseException | None = None,
    chunk_count: int | None = None,
    stream_completed: bool | None = None,
    answered_model: str | None = None,
    usage: Usage | None = None,
    cost: float | None = None,
    circuit: str = "closed",
    retry_in: float | None = None,
) -> CallResult:
    """The ``CallResult`` of an attempt that started at ``started`` (``time.perf_counter()``)."""
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
        answered_model=answered_model,
        usage=usage,
        cost=cost,
        circuit=circuit,
        retry_in=retry_in,
    )


async def aclose_quietly(iterator: object) -> None:
    """Close a provider stream; a failing close must not replace the stream's own outcome."""
    close = getattr(iterator, "aclose", None) or getattr(iterator, "close", None)
    if callable(close):
        try:
            result = close()
            if hasattr(result, "__await__"):
                await result
        except Exception:
            logger.debug("closing a stream failed", exc_info=True)
