"""Which failures make the hub move on to a role's next fallback.

Retryable: rate limits (HTTP 429), request timeouts (408), server errors (5xx), timeouts and
connection failures, and a target whose provider SDK is not installed here
(:class:`~llmhub_runtime.errors.ProviderUnavailableError`: that target cannot work, the next
may). Everything else (a bad request, an authentication failure, an unknown model, a
content-filter refusal) is the caller's or the configuration's problem and is raised at once,
because another provider would most likely fail the same way or hide a real mistake.

The hub creates its any-llm clients with ``unified_exceptions=True``, so failures arrive as
any-llm's unified exception classes whatever the provider's SDK; timeouts and connection errors
arrive as ``ProviderError`` without an HTTP status. Transport exceptions that escaped conversion
(httpx, asyncio) are recognised too. This module imports any-llm and is only loaded by the hub
on its first call.
"""

from __future__ import annotations

import re

from any_llm.exceptions import (
    AnyLLMError,
    GatewayTimeoutError,
    ProviderError,
    RateLimitError,
    UpstreamProviderError,
)

from llmhub_runtime.errors import ProviderUnavailableError

__all__ = ["is_retryable"]

_RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
_TRANSPORT_NAME_HINTS = frozenset({"timeout", "connect", "connection", "transport", "network", "protocol"})


def _words(name: str) -> set[str]:
    return set(re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower().replace("_", " ").split())


def is_retryable(exc: BaseException) -> bool:
    """Whether ``exc`` is a transient failure worth retrying on another target."""
    if isinstance(
        exc, (RateLimitError, UpstreamProviderError, GatewayTimeoutError, ProviderUnavailableError)
    ):
        return True
    if isinstance(exc, AnyLLMError):
        status = exc.status_code
        if status is not None:
            return status in _RETRYABLE_STATUS or status >= 500
        if isinstance(exc, ProviderError):
            # No HTTP status: a timeout, a dropped connection or an unparseable body.
            return True
        original = exc.original_exception
        return original is not None and original is not exc and is_retryable(original)
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return True
    # Transport errors of whichever HTTP library the SDK uses (httpx, httpx2, aiohttp), by name so
    # that none of them has to be imported here.
    if any(_TRANSPORT_NAME_HINTS.intersection(_words(cls.__name__)) for cls in type(exc).__mro__):
        return True
    status = getattr(exc, "status_code", None)
    return isinstance(status, int) and (status in _RETRYABLE_STATUS or status >= 500)
