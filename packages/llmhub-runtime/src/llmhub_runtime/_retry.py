"""What the hub does after a failed attempt: retry the target, move on, or raise.

The hub creates its any-llm clients with ``unified_exceptions=True``, so failures arrive as
any-llm's unified exception classes whatever the provider's SDK; timeouts and connection errors
arrive as ``ProviderError`` without an HTTP status, with the SDK's exception as
``original_exception``. Transport exceptions that escaped conversion (httpx, asyncio) are
recognised too. This module imports any-llm and is only loaded by the hub on its first call.

=====================================================  ======================================
failure                                                verdict
=====================================================  ======================================
HTTP 408, 409, 425, 429, 5xx; connection errors        ``RETRY``: the same target again (with
                                                       backoff or ``Retry-After``), then the
                                                       next one
timeouts (the SDK's, first-token and idle stalls),     ``MOVE_ON``: the next target at once
a malformed stream
context length exceeded                                ``BIGGER_CONTEXT``: the next target
                                                       with a larger context window, or raise
the provider's SDK is not installed here               ``MOVE_ON`` (that target cannot work)
content filter, bad request, authentication, unknown   ``RAISE``: at once (another provider
model, anything else                                   would fail the same way or hide a bug)
=====================================================  ======================================
"""

from __future__ import annotations

import email.utils
import enum
import json
import re
import time

from any_llm.exceptions import (
    AnyLLMError,
    ContentFilterError,
    ContextLengthExceededError,
    GatewayTimeoutError,
    ProviderError,
    RateLimitError,
    UpstreamProviderError,
)

from llmhub_runtime.errors import ProviderUnavailableError

__all__ = ["Verdict", "classify", "retry_after_seconds"]

_RETRYABLE_STATUS = frozenset({408, 409, 425, 429})
_TRANSPORT_NAME_HINTS = frozenset({"connect", "connection", "transport", "network", "protocol"})


class Verdict(enum.Enum):
    """The hub's next move after a failed attempt."""

    RETRY = "retry"
    MOVE_ON = "move_on"
    BIGGER_CONTEXT = "bigger_context"
    RAISE = "raise"

    @property
    def counts_against_target(self) -> bool:
        """Whether this failure says the target is unhealthy (its circuit breaker counts it)."""
        return self in (Verdict.RETRY, Verdict.MOVE_ON)


def _words(name: str) -> set[str]:
    return set(re.sub(r"([a-z])([A-Z])", r"\1 \2", name).lower().replace("_", " ").split())


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc``, the SDK exception any-llm wrapped, and their causes (a short, cycle-free walk)."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [exc]
    while pending and len(seen) < 8:
        current = pending.pop(0)
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        original = getattr(current, "original_exception", None)
        pending.extend([original if isinstance(original, BaseException) else None, current.__cause__])
    return seen


def _is_timeout(exc: BaseException) -> bool:
    return any(
        isinstance(e, TimeoutError) or any("timeout" in _words(c.__name__) for c in type(e).__mro__)
        for e in _chain(exc)
    )


def _status(exc: BaseException) -> int | None:
    for e in _chain(exc):
        status = getattr(e, "status_code", None)
        if isinstance(status, int) and not isinstance(status, bool):
            return status
    return None


def classify(exc: BaseException) -> Verdict:
    """The verdict for ``exc`` (see the module documentation)."""
    if isinstance(exc, ProviderUnavailableError):
        return Verdict.MOVE_ON
    if isinstance(exc, ContentFilterError):
        return Verdict.RAISE
    if isinstance(exc, ContextLengthExceededError):
        return Verdict.BIGGER_CONTEXT
    if isinstance(exc, (RateLimitError, UpstreamProviderError, GatewayTimeoutError)):
        return Verdict.RETRY
    status = _status(exc)
    if status is not None and not (200 <= status < 300):
        return Verdict.RETRY if status in _RETRYABLE_STATUS or status >= 500 else Verdict.RAISE
    if _is_timeout(exc):
        return Verdict.MOVE_ON
    if any(isinstance(e, json.JSONDecodeError) for e in _chain(exc)):
        return Verdict.MOVE_ON  # a malformed event: the provider's fault, likely to repeat there
    if isinstance(exc, (ProviderError, ConnectionError)):
        return Verdict.RETRY  # no HTTP status: a dropped connection or an unparseable body
    if isinstance(exc, AnyLLMError):
        return Verdict.RAISE
    # Transport errors of whichever HTTP library the SDK uses, by name so none is imported here.
    if any(
        _TRANSPORT_NAME_HINTS.intersection(_words(c.__name__)) for e in _chain(exc) for c in type(e).__mro__
    ):
        return Verdict.RETRY
    return Verdict.RAISE


def retry_after_seconds(exc: BaseException, now: float | None = None) -> float | None:
    """The server's ``Retry-After`` for this failure, in seconds (``None`` when it sent none)."""
    for e in _chain(exc):
        value = getattr(e, "retry_after", None)
        if value is None:
            response = getattr(e, "response", None)
            headers = getattr(response, "headers", None)
            value = headers.get("retry-after") if headers is not None else None
        if value is None:
            continue
        seconds = _parse_retry_after(str(value), now)
        if seconds is not None:
            return seconds
    return None


def _parse_retry_after(value: str, now: float | None) -> float | None:
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
