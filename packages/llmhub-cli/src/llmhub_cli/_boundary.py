"""The one exception boundary: known errors become one readable message and an exit code.

Exit codes: 0 ok, 1 domain error (a bad spec, a stale llmhub.yaml, a failed call), 2 usage error
(click reports those itself), 130 interrupted. ``LLMHUB_DEBUG=1`` prints the traceback as well.

Every error the LLMHub packages raise on purpose derives from ``llmhub_runtime.LLMHubError``; it
is imported only when an exception reaches the boundary, so ``llmhub --help`` stays fast.
Provider errors that the runtime passes through as they are (any-llm's, e.g. an authentication
failure) are turned into a :class:`CliError` by the command that made the call.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import NoReturn

__all__ = ["EXIT_DOMAIN", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "CliError", "debug_enabled", "report"]

EXIT_OK = 0
EXIT_DOMAIN = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """A domain error raised by a command: printed as ``error: <message>`` plus an optional hint."""

    def __init__(self, message: str, *, hint: str = "", exit_code: int = EXIT_DOMAIN) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


def debug_enabled() -> bool:
    """True when ``LLMHUB_DEBUG`` is set to something other than ``0``/``false``/empty."""
    return os.environ.get("LLMHUB_DEBUG", "").strip().lower() not in {"", "0", "false", "no"}


def _unprefixed(message: str) -> str:
    # A message that already starts with "error:" (e.g. from a library) is not prefixed twice.
    text = message
    while text[:6].lower() == "error:":
        text = text[6:].lstrip()
    return text


def _write(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def report(exc: BaseException) -> int:
    """Print ``exc`` for a person (stderr) and return the exit code it maps to."""
    if debug_enabled():
        traceback.print_exception(exc, file=sys.stderr)
    if isinstance(exc, KeyboardInterrupt):
        _write("interrupted")
        return EXIT_INTERRUPTED
    if isinstance(exc, CliError):
        for line in _unprefixed(exc.message).splitlines() or [""]:
            _write(f"error: {line}")
        if exc.hint:
            _write(f"hint: {exc.hint}")
        return exc.exit_code
    from llmhub_runtime.errors import LLMHubError

    if isinstance(exc, LLMHubError):
        text = _unprefixed(str(exc)) or type(exc).__name__
        for line in text.splitlines():
            _write(f"error: {line}")
        return EXIT_DOMAIN
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        _write(f"error:{where}: {exc.strerror or exc}")
        return EXIT_DOMAIN
    _write(f"error: internal error: {type(exc).__name__}: {exc}")
    if not debug_enabled():
        _write("hint: rerun with LLMHUB_DEBUG=1 to see the traceback, and please report it")
    return EXIT_DOMAIN


def fail(message: str, *, hint: str = "") -> NoReturn:
    """Raise a :class:`CliError` (exit 1)."""
    raise CliError(message, hint=hint)
