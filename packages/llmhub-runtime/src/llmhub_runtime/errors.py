"""Exceptions raised by llmhub_runtime.

Every error the runtime raises on purpose derives from :class:`LLMHubRuntimeError`, so an
application can catch one class. Errors from a provider call that are not about llmhub itself
(an authentication failure, a bad request) are any-llm's unified exceptions and are raised as
they are, after any API key has been scrubbed from their text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AttemptFailure",
    "ConfigError",
    "ConfigProblem",
    "EnvVarMissingError",
    "FallbacksExhaustedError",
    "LLMHubRuntimeError",
    "ModeMismatchError",
    "ProviderUnavailableError",
    "UnknownProviderError",
    "UnknownRoleError",
]


class LLMHubRuntimeError(Exception):
    """Base class for every error raised by llmhub_runtime."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem found in a configuration file.

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


class ConfigError(LLMHubRuntimeError):
    """The configuration is unreadable or invalid.

    The message names the file, the line and the field of every problem found. The structured
    form is available as :attr:`problems`.
    """

    def __init__(self, problems: Sequence[ConfigProblem], source: str | None = None) -> None:
        if not problems:
            raise ValueError("ConfigError needs at least one problem")
        self.problems: tuple[ConfigProblem, ...] = tuple(problems)
        self.source = source
        lines = [problem.render(source) for problem in self.problems]
        super().__init__("\n".join(lines))

    @property
    def line(self) -> int | None:
        """Line of the first problem (1-based), if known."""
        return self.problems[0].line

    @property
    def field(self) -> str:
        """Field path of the first problem."""
        return self.problems[0].field


class UnknownRoleError(LLMHubRuntimeError):
    """A role was requested that the configuration does not define (and there are no defaults)."""

    def __init__(self, role: str, known_roles: Sequence[str]) -> None:
        self.role = role
        self.known_roles = tuple(sorted(known_roles))
        known = ", ".join(self.known_roles) or "none"
        super().__init__(f"unknown role {role!r}; the configuration defines: {known}")


class UnknownProviderError(LLMHubRuntimeError):
    """A role refers to a provider that the configuration's ``providers`` section lacks."""

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

    def __init__(self, missing: dict[str, str]) -> None:
        #: provider id -> name of the unset variable
        self.missing = dict(sorted(missing.items()))
        listing = ", ".join(f"{var} (provider {provider})" for provider, var in self.missing.items())
        super().__init__(f"environment variable(s) not set: {listing}")


class ModeMismatchError(LLMHubRuntimeError):
    """A role was called through a method that does not match its mode.

    For example ``completion`` on a role whose mode is ``embedding``.
    """

    def __init__(self, role: str, mode: str, method: str, allowed: Sequence[str]) -> None:
        self.role = role
        self.mode = mode
        self.method = method
        allowed_text = " or ".join(allowed)
        super().__init__(f"role {role!r} has mode {mode!r}; {method}() serves roles of mode {allowed_text}")


class ProviderUnavailableError(LLMHubRuntimeError):
    """A provider's client could not be created (for example its SDK extra is not installed)."""


@dataclass(frozen=True)
class AttemptFailure:
    """One failed attempt of a call: which target was tried and what went wrong."""

    provider: str
    model: str
    error_type: str
    message: str

    def __str__(self) -> str:
        return f"{self.provider}/{self.model}: {self.error_type}: {self.message}"


class FallbacksExhaustedError(LLMHubRuntimeError):
    """Every target of a role (the primary and each fallback) failed with a retryable error."""

    def __init__(self, role: str, attempts: Sequence[AttemptFailure]) -> None:
        self.role = role
        self.attempts = tuple(attempts)
        listing = "; ".join(f"{i}) {attempt}" for i, attempt in enumerate(self.attempts, start=1))
        super().__init__(f"all {len(self.attempts)} attempts for role {role!r} failed: {listing}")
