"""Exceptions raised by llmhub_generator."""

from __future__ import annotations

from collections.abc import Sequence

from llmhub_runtime.errors import ConfigError, ConfigProblem

__all__ = [
    "GeneratorError",
    "NeedsInterpretationError",
    "SpecError",
    "UnfillableRoleError",
]


class GeneratorError(Exception):
    """Base class for every error raised by llmhub_generator."""


class SpecError(GeneratorError, ConfigError):
    """``llmhub.spec.yaml`` is unreadable or invalid.

    Like the runtime's :class:`~llmhub_runtime.ConfigError` (which it also is), the message names
    the file, line and field path of every problem; :attr:`problems` holds them structured.
    """

    def __init__(self, problems: Sequence[ConfigProblem], source: str | None = None) -> None:
        ConfigError.__init__(self, problems, source)


class UnfillableRoleError(GeneratorError):
    """No catalog model satisfies a role, even after every relaxation step.

    Attributes:
        role: The role that cannot be filled.
        constraint: The filter that emptied the candidate list (e.g. ``"context_min >= 2000000"``).
        detail: How many candidates each filter removed, for the message.
    """

    def __init__(self, role: str, constraint: str, detail: str = "") -> None:
        self.role = role
        self.constraint = constraint
        self.detail = detail
        message = f"role {role!r} cannot be filled: no candidate is left after {constraint}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)


class NeedsInterpretationError(GeneratorError):
    """The LLM-assisted interpreter could not produce valid role needs."""
