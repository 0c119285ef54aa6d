"""Keep API keys out of exception text.

Provider SDKs sometimes echo (part of) the key they were given in an error message. Before the hub
raises or hands an exception to a hook, every secret it knows is replaced in the exception's
message, args and decoded error body (the ``openai`` SDK's ``exc.body``), and in the chain of
exceptions it wraps.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

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
    if not values:
        return exc
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen or len(seen) > 20:
            continue
        seen.add(id(current))
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
