"""Exceptions raised by llmhub_generator.

:class:`GeneratorError` derives from the shared root :class:`llmhub_runtime.LLMHubError`; a bad
spec or a role no model can fill is the caller's to fix (``category`` ``ErrorCategory.USAGE``), a
failed LLM-assisted interpretation is a failure of the run.
"""

from __future__ import annotations

from collections.abc import Sequence

from llmhub_runtime.errors import ConfigProblem, ErrorCategory, LLMHubError

__all__ = [
    "GeneratorError",
    "NeedsInterpretationError",
    "SpecError",
    "UnfillableRoleError",
]


class GeneratorError(LLMHubError):
    """Base class for every error raised by llmhub_generator."""


class SpecError(GeneratorError):
    """``llmhub.spec.yaml`` is unreadable or invalid.

    Like the runtime's :class:`~llmhub_runtime.ConfigError`, the message names the file, line and
    field path of every problem; :attr:`problems` holds them structured.
    """

    category = ErrorCategory.USAGE

    def __init__(self, problems: Sequence[ConfigProblem], source: str | None = None) -> None:
        super().__init__(self._locate(problems, source))


class UnfillableRoleError(GeneratorError):
    """No catalog model satisfies a role, even after every relaxation step.

    Attributes:
        role: The role that cannot be filled.
        constraint: The filter that emptied the candidate list (e.g. ``"context_min >= 2000000"``).
        detail: How many candidates each filter removed, for the message.
    """

    category = ErrorCategory.USAGE

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
