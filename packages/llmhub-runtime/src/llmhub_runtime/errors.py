"""Exceptions raised by llmhub_runtime, and the error root shared by every LLMHub package.

The error tree
--------------
:class:`LLMHubError` is the root of every error any LLMHub package (runtime, catalog, generator,
local) raises on purpose, so ``except LLMHubError`` catches them all. Each package has one base
class deriving from it directly (:class:`LLMHubRuntimeError`, ``CatalogError``,
``GeneratorError``, ``LLMError``) and specific subclasses below that; no class inherits from two
packages.

Whether an error is the caller's to fix or a failure of the run is not told by the class tree but
by the :attr:`LLMHubError.category` class attribute (an :class:`ErrorCategory`):

- ``ErrorCategory.USAGE``: a caller mistake (an invalid ``llmhub.yaml``, spec or registry, an
  unknown role, model or provider, an unset key, a call in the wrong mode, a missing extra).
  Trying again the same way fails the same way.
- ``ErrorCategory.FAILURE``: the run failed (every provider timed out, a model did not load, a
  server did not start, a corrupt cache). The same call may succeed later.

Errors about a file carry their located problems in :attr:`LLMHubError.problems`
(:class:`ConfigProblem`: field, line, column, message) and the file in :attr:`LLMHubError.source`.

Errors from a provider call that are not about llmhub itself (an authentication failure, a bad
request) are any-llm's unified exceptions and are raised as they are, after any API key has been
scrubbed from their text.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeAlias

__all__ = [
    "AttemptFailure",
    "CircuitOpenError",
    "ConfigError",
    "ConfigProblem",
    "EnvVarMissingError",
    "ErrorCategory",
    "FallbacksExhaustedError",
    "LLMHubError",
    "LLMHubRuntimeError",
    "LocatedErrorFactory",
    "ModeMismatchError",
    "NotWritableError",
    "ProviderUnavailableError",
    "StreamInterruptedError",
    "StreamTimeoutError",
    "UnknownModelError",
    "UnknownProviderError",
    "UnknownRoleError",
    "render_problems",
]


class ErrorCategory(enum.Enum):
    """Whose move it is after an :class:`LLMHubError`."""

    #: The caller's to fix: a file, argument, name or setting is wrong (or an extra is missing).
    USAGE = "usage"
    #: The run failed: a provider, model, network, process or disk did not do its part.
    FAILURE = "failure"


@dataclass(frozen=True)
class ConfigProblem:
    """One located problem in a file (the one type every LLMHub package uses for this).

    Attributes:
        field: Dotted path of the offending field, e.g. ``roles.llm.inference.mode``
            (empty for a problem with the document as a whole).
        message: What is wrong, in words a person can act on.
        line: 1-based line number in the file, when the problem can be located.
        column: 1-based column number, when known.
    """

    field: str
    message: str
    line: int | None = None
    column: int | None = None

    def render(self, source: str | None) -> str:
        """Format as ``file:line field: message`` (parts that are unknown are left out)."""
        where = source or "<config>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.field:
            return f"{where} {self.field}: {self.message}"
        return f"{where}: {self.message}"


def render_problems(problems: Sequence[ConfigProblem], source: str | None) -> str:
    """One line per problem, each rendered by :meth:`ConfigProblem.render`."""
    return "\n".join(problem.render(source) for problem in problems)


class LLMHubError(Exception):
    """Root of every error the LLMHub packages raise on purpose.

    Attributes:
        category: :attr:`ErrorCategory.USAGE` for a caller mistake, :attr:`ErrorCategory.FAILURE`
            for a failed run (a class attribute; see the module documentation).
        problems: The located problems when the error is about a file; empty otherwise.
        source: The file the problems are in, when known.
    """

    category: ClassVar[ErrorCategory] = ErrorCategory.FAILURE
    problems: tuple[ConfigProblem, ...] = ()
    source: str | None = None

    @property
    def is_usage_error(self) -> bool:
        """True when the error is the caller's to fix (``category is ErrorCategory.USAGE``)."""
        return self.category is ErrorCategory.USAGE

    @property
    def line(self) -> int | None:
        """Line (1-based) of the first located problem, if any."""
        return self.problems[0].line if self.problems else None

    @property
    def field(self) -> str:
        """Field path of the first located problem ("" when there is none)."""
        return self.problems[0].field if self.problems else ""

    def _locate(self, problems: Sequence[ConfigProblem], source: str | None) -> str:
        """Store ``problems`` and ``source``; return the message listing them (for ``__init__``)."""
        if not problems:
            raise ValueError(f"{type(self).__name__} needs at least one problem")
        self.problems = tuple(problems)
        self.source = source
        return render_problems(self.problems, source)


#: What a reader takes to report problems: a class such as ``ConfigError``, or any callable with
#: the same signature returning an :class:`LLMHubError` (the generator's ``SpecError``...).
LocatedErrorFactory: TypeAlias = Callable[[Sequence[ConfigProblem], "str | None"], LLMHubError]


class UnknownModelError(LLMHubError, KeyError):
    """A model id that is not where it was looked up (the catalog, a registry, the known models).

    Attributes:
        model: The id that was asked for.
        suggestions: Close ids, best first (may be empty).
        known: Every id that would have been accepted, when the list is short enough to show.
    """

    category = ErrorCategory.USAGE

    def __init__(
        self,
        model: str,
        *,
        where: str = "in the catalog",
        suggestions: Sequence[str] = (),
        known: Sequence[str] = (),
    ) -> None:
        self.model = model
        self.suggestions = tuple(suggestions)
        self.known = tuple(known)
        if self.suggestions:
            hint = f"; did you mean {', '.join(self.suggestions)}?"
        elif self.known:
            hint = f" (known ids: {', '.join(self.known)})"
        else:
            hint = ""
        super().__init__(f"no model {model!r} {where}{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class NotWritableError(LLMHubError, PermissionError):
    """A file LLMHub was asked to replace is read-only, or its folder cannot be written.

    Raised by :mod:`llmhub_runtime.atomic` before anything is written; also a ``PermissionError``.

    Attributes:
        path: The file, as given.
        reason: Why it cannot be written.
    """

    category = ErrorCategory.USAGE

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot write {path}: {reason}")


class LLMHubRuntimeError(LLMHubError):
    """Base class for every error raised by llmhub_runtime."""


class ConfigError(LLMHubRuntimeError):
    """The configuration (``llmhub.yaml``) is unreadable or invalid.

    The message names the file, the line and the field of every problem found. The structured
    form is available as :attr:`problems`.
    """

    category = ErrorCategory.USAGE

    def __init__(self, problems: Sequence[ConfigProblem], source: str | None = None) -> None:
        super().__init__(self._locate(problems, source))


class UnknownRoleError(LLMHubRuntimeError):
    """A role was requested that the configuration does not define (and there are no defaults)."""

    category = ErrorCategory.USAGE

    def __init__(self, role: str, known_roles: Sequence[str]) -> None:
        self.role = role
        self.known_roles = tuple(sorted(known_roles))
        known = ", ".join(self.known_roles) or "none"
        super().__init__(f"unknown role {role!r}; the configuration defines: {known}")


class UnknownProviderError(LLMHubRuntimeError):
    """A role refers to a provider that the configuration's ``providers`` section lacks."""

    category = ErrorCategory.USAGE

    def __init__(self, role: str, provider: str, known_providers: Sequence[str]) -> None:
        self.role = role
        self.provider = provider
        self.known_providers = tuple(sorted(known_providers))
        known = ", ".join(self.known_providers) or "none"
        super().__init__(
            f"role {role!r} uses provider {provider!r}, which is not listed under providers (listed: {known})"
        )


class EnvVarMissingError(LLMHubRuntimeError):
    """Environment variables named by ``env_key`` are not set.

    Only variable *names* are ever part of the message; their values never are.
    """

    category = ErrorCategory.USAGE

    def __init__(self, missing: dict[str, str]) -> None:
        #: provider id -> name of the unset variable
        self.missing = dict(sorted(missing.items()))
        listing = ", ".join(f"{var} (provider {provider})" for provider, var in self.missing.items())
        super().__init__(f"environment variable(s) not set: {listing}")


class ModeMismatchError(LLMHubRuntimeError):
    """A role was called through a method that does not match its mode.

    For example ``completion`` on a role whose mode is ``embedding``.
    """

    category = ErrorCategory.USAGE

    def __init__(self, role: str, mode: str, method: str, allowed: Sequence[str]) -> None:
        self.role = role
        self.mode = mode
        self.method = method
        allowed_text = " or ".join(allowed)
        super().__init__(f"role {role!r} has mode {mode!r}; {method}() serves roles of mode {allowed_text}")


class ProviderUnavailableError(LLMHubRuntimeError):
    """A provider's client could not be created (for example its SDK extra is not installed)."""

    category = ErrorCategory.USAGE


@dataclass(frozen=True)
class AttemptFailure:
    """One failed attempt of a call: which target was tried and the exception it raised.

    ``error`` is the exception itself (any-llm's, or the provider SDK's), with every API key the
    hub knows already scrubbed from its text.
    """

    provider: str
    model: str
    error: BaseException

    @property
    def error_type(self) -> str:
        """The exception's class name, e.g. ``RateLimitError``."""
        return type(self.error).__name__

    @property
    def message(self) -> str:
        """The exception's text."""
        return str(self.error)

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}: {self.error_type}: {self.message}"


class FallbacksExhaustedError(LLMHubRuntimeError):
    """Every target of a role (the primary and each fallback) failed with a retryable error.

    :attr:`attempts` holds each attempt in order, with the exception it raised.
    """

    def __init__(self, role: str, attempts: Sequence[AttemptFailure]) -> None:
        self.role = role
        self.attempts = tuple(attempts)
        listing = "; ".join(f"{i}) {attempt}" for i, attempt in enumerate(self.attempts, start=1))
        super().__init__(f"all {len(self.attempts)} attempts for role {role!r} failed: {listing}")


class StreamInterruptedError(LLMHubRuntimeError):
    """A stream failed after some of its chunks had reached the caller.

    The chunks already received are a truncated answer: discard them (or keep them knowing they
    are incomplete). Raised under the ``raise`` stream policy (the default), and under
    ``restart`` when the failure is one that must not be retried (a content filter). The
    failure itself is :attr:`cause` (also ``__cause__``), with API keys scrubbed from its text.

    Attributes:
        role: The role called.
        provider: Provider of the target whose stream broke.
        model: Model of that target.
        chunks_delivered: How many chunks of that target's stream the caller had received.
        cause: What broke the stream (a timeout, a dropped connection, a malformed event...).
    """

    def __init__(
        self, role: str, provider: str, model: str, chunks_delivered: int, cause: BaseException
    ) -> None:
        self.role = role
        self.provider = provider
        self.model = model
        self.chunks_delivered = chunks_delivered
        self.cause = cause
        reason = str(cause) or type(cause).__name__
        super().__init__(
            f"role {role!r}: the stream from {provider}/{model} broke after {chunks_delivered} chunk(s) "
            f"had been delivered ({type(cause).__name__}: {reason}); the answer received is incomplete"
        )


class CircuitOpenError(LLMHubRuntimeError):
    """A target was skipped because its circuit breaker is open (it failed repeatedly just now).

    No request was sent. :attr:`retry_in` says how many seconds remain until the breaker lets
    one probe call through.
    """

    def __init__(self, provider: str, model: str, retry_in: float) -> None:
        self.provider = provider
        self.model = model
        self.retry_in = retry_in
        super().__init__(
            f"{provider}/{model} is skipped: its circuit breaker is open after repeated failures "
            f"(next probe in {retry_in:.1f} s)"
        )


class StreamTimeoutError(LLMHubRuntimeError, TimeoutError):
    """A stream stalled: no first chunk within ``first_token_timeout``, or no next chunk within
    ``stream_idle_timeout``. Like any timeout, it moves the call to the next target.

    Attributes:
        phase: ``first_token`` or ``idle``.
        seconds: The limit that was exceeded.
    """

    def __init__(self, phase: str, seconds: float, provider: str, model: str) -> None:
        self.phase = phase
        self.seconds = seconds
        what = "no first chunk" if phase == "first_token" else "no next chunk"
        setting = "first_token_timeout" if phase == "first_token" else "stream_idle_timeout"
        super().__init__(f"{provider}/{model}: {what} within {seconds:g} s ({setting})")
