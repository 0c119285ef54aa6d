"""Keep API keys out of exceptions.

Provider SDKs sometimes echo (part of) the key they were given in an error message. Before the hub
raises or hands an exception to a hook, every secret it knows is replaced in the exception's
message, args and decoded error body (the ``openai`` SDK's ``exc.body``), and in the chain of
exceptions it wraps.

SDK exceptions also keep the HTTP request they failed on (``exc.request``, ``exc.response``),
whose headers carry the key (``Authorization: Bearer ...``), and through the response the live
connection pool's request objects. Those are replaced by detached copies holding the method, URL,
status, headers (authentication headers and known secrets masked) and body only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

REDACTED = "***"

# Short values are not scrubbed: replacing "a" everywhere would garble messages and such a value
# is no secret worth the name anyway.
_MIN_SECRET_LENGTH = 6


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret occurring in ``text`` by ``***``."""
    for secret in secrets:
        if len(secret) >= _MIN_SECRET_LENGTH and secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_exception(exc: BaseException, secrets: Iterable[str]) -> BaseException:
    """Scrub ``secrets`` from ``exc`` and the exceptions it wraps, in place; returns ``exc``."""
    values = tuple(s for s in secrets if len(s) >= _MIN_SECRET_LENGTH)
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen or len(seen) > 20:
            continue
        seen.add(id(current))
        _detach_http(current, values)
        current.args = tuple(redact_text(a, values) if isinstance(a, str) else a for a in current.args)
        for attribute in ("message", "body_text", "body"):
            value = getattr(current, attribute, None)
            if isinstance(value, (str, dict, list)):
                # A read-only attribute is left alone: args are already clean.
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(current, attribute, _redact_value(value, values))
        original = getattr(current, "original_exception", None)
        pending.extend([current.__cause__, current.__context__])
        if isinstance(original, BaseException):
            pending.append(original)
    return exc


def _redact_value(value: object, secrets: tuple[str, ...]) -> object:
    """A copy of a decoded error body (``openai``'s ``exc.body``) with the secrets scrubbed."""
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: _redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_value(v, secrets) for v in value]
    return value


#: Headers that carry credentials, masked whatever their value.
_AUTH_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key"})


def _detach_http(exc: BaseException, secrets: tuple[str, ...]) -> None:
    """Replace the HTTP request/response an SDK exception keeps by clean, detached copies."""
    for attribute, copy in (("request", _request_copy), ("response", _response_copy)):
        try:
            value = getattr(exc, attribute, None)
        except Exception:  # noqa: BLE001 - httpx raises RuntimeError for "not set"
            value = None
        if value is None or getattr(value, "_llmhub_detached", False):
            continue
        clean = copy(value, secrets)
        # A read-only attribute stays as it is (nothing else can be done without breaking it).
        with contextlib.suppress(Exception):
            setattr(exc, attribute, clean)


def _headers(headers: object, secrets: tuple[str, ...]) -> list[tuple[str, str]]:
    items = getattr(headers, "multi_items", None) or getattr(headers, "items", None)
    pairs = items() if callable(items) else []
    return [
        (name, REDACTED if name.lower() in _AUTH_HEADERS else redact_text(value, secrets))
        for name, value in pairs
        if isinstance(name, str) and isinstance(value, str)
    ]


def _request_copy(request: object, secrets: tuple[str, ...]) -> object:
    try:
        method, url = getattr(request, "method"), getattr(request, "url")  # noqa: B009
        factory: Any = type(request)
        copy = factory(method, url, headers=_headers(getattr(request, "headers", None), secrets))
    except Exception:  # noqa: BLE001 - not an httpx-like request: drop it rather than keep a key
        return None
    with contextlib.suppress(Exception):
        copy._llmhub_detached = True
    return copy


def _response_copy(response: object, secrets: tuple[str, ...]) -> object:
    try:
        request = getattr(response, "request", None)
    except Exception:  # noqa: BLE001 - httpx raises RuntimeError when the response has none
        request = None
    try:
        content = getattr(response, "content", b"")
    except Exception:  # noqa: BLE001 - a streamed body that was never read
        content = b""
    if isinstance(content, bytes) and any(s.encode("utf-8") in content for s in secrets):
        # The raw body can echo the key (a 401 "Incorrect API key provided: sk-..."), like exc.body.
        content = redact_text(content.decode("utf-8", "replace"), secrets).encode("utf-8")
    try:
        factory: Any = type(response)
        copy = factory(
            getattr(response, "status_code"),  # noqa: B009
            headers=_headers(getattr(response, "headers", None), secrets),
            content=content if isinstance(content, bytes) else b"",
            request=_request_copy(request, secrets) if request is not None else None,
        )
    except Exception:  # noqa: BLE001 - not an httpx-like response: drop it rather than keep a key
        return None
    with contextlib.suppress(Exception):
        copy._llmhub_detached = True
    return copy
