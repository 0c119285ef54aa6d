"""Exceptions raised by llmhub_local.

Every error raised on purpose derives from :class:`LLMError`, which derives from the shared root
:class:`llmhub_runtime.LLMHubError`, so an application can catch one class. Caller misuse (an
invalid configuration, an unknown model id, an operation the backend cannot do, a missing extra)
is kept apart from runtime failure (a model that fails to load, a generation that fails) by each
class's ``category`` (``ErrorCategory.USAGE`` or ``ErrorCategory.FAILURE``), as in seed 003:

- :class:`LLMConfigError` - the configuration is invalid (also a ``ValueError``).
- :class:`UnknownModelError` - a model id that is neither a file nor a known or registered model
  (the shared :class:`llmhub_runtime.UnknownModelError`, re-exported here).
- :class:`UnsupportedOperationError` - e.g. embeddings from a backend/model that has none.
- :class:`LLMInitializationError` - the model could not be loaded.
- :class:`MissingDependencyError` - the backend's extra is not installed (also an ``ImportError``);
  the message names the exact ``pip install "llmhub-local[extra]"``.
- :class:`LLMInferenceError` - a generation or embedding call failed.
- :class:`GenerationCancelledError` - a JSON-constrained generation was cancelled (an
  :class:`LLMInferenceError`: a partial constrained answer is never returned).
- :class:`ContextLengthError` - the prompt does not fit the model's context window (a
  :class:`LLMConfigError`: the caller must shorten it; servers answer 400 ``context_length_exceeded``).

The serving and reliability layer (seed 002) adds:

- :class:`RegistryError` - the models registry file is unreadable or invalid (every problem names
  file, line and field, as the runtime's ``ConfigError`` does).
- :class:`StateStoreError` - the SQLite state store cannot be opened, migrated or written.
- :class:`ServerError` - a local server cannot be started, reached or stopped.
- :class:`ProvisionError` - an environment could not be provisioned (nothing half-built is kept).
- :class:`ToolCallError` - a model's tool call is malformed (the message says why).
"""

from __future__ import annotations

from collections.abc import Sequence

from llmhub_runtime.errors import ConfigProblem, ErrorCategory, LLMHubError, UnknownModelError

__all__ = [
    "ContextLengthError",
    "GenerationCancelledError",
    "LLMConfigError",
    "LLMError",
    "LLMInferenceError",
    "LLMInitializationError",
    "MissingDependencyError",
    "ModelFileError",
    "ProvisionError",
    "RegistryError",
    "ServerError",
    "StateStoreError",
    "ToolCallError",
    "UnknownModelError",
    "UnsupportedOperationError",
]


class LLMError(LLMHubError):
    """Base class for every error raised by llmhub_local."""


class LLMConfigError(LLMError, ValueError):
    """A runner configuration is invalid; the message names each offending field."""

    category = ErrorCategory.USAGE


class ContextLengthError(LLMConfigError):
    """The prompt (plus what must be generated) does not fit the model's context window.

    Attributes:
        prompt_tokens: Tokens in the prompt, when the backend said.
        context_length: The context window, when the backend said.
    """

    def __init__(
        self, message: str, *, prompt_tokens: int | None = None, context_length: int | None = None
    ) -> None:
        super().__init__(message)
        self.prompt_tokens = prompt_tokens
        self.context_length = context_length


class UnsupportedOperationError(LLMError):
    """The runner's backend or model cannot do what was asked (e.g. embeddings from a chat GGUF)."""

    category = ErrorCategory.USAGE


class LLMInitializationError(LLMError):
    """The model could not be initialized (bad file, unsupported architecture, out of memory...)."""


class ModelFileError(LLMInitializationError):
    """A model file is missing, unreadable, or does not match its expected checksum."""


class MissingDependencyError(LLMInitializationError, ImportError):
    """A backend library is not installed; the message says which extra provides it."""

    category = ErrorCategory.USAGE

    def __init__(self, module: str, extra: str, *, purpose: str) -> None:
        self.module = module
        self.extra = extra
        self.install_command = f'pip install "llmhub-local[{extra}]"'
        super().__init__(
            f"{purpose} needs the Python package {module!r}, which is not installed; "
            f"install it with: {self.install_command}",
            name=module,
        )


class LLMInferenceError(LLMError):
    """A generation, chat completion or embedding call failed inside the backend."""


class GenerationCancelledError(LLMInferenceError):
    """A generation under a JSON grammar was cancelled (its ``cancel`` event was set).

    An unconstrained generation that is cancelled ends at its next token and returns what it has;
    a constrained one cannot end before its JSON is complete, so it is abandoned and this is
    raised instead of returning invalid JSON.
    """


class RegistryError(LLMError):
    """The models registry file is unreadable or invalid.

    Like the runtime's :class:`~llmhub_runtime.ConfigError`, the message names the file, line and
    field path of every problem; :attr:`problems` holds them structured.
    """

    category = ErrorCategory.USAGE

    def __init__(self, problems: Sequence[ConfigProblem], source: str | None = None) -> None:
        super().__init__(self._locate(problems, source))


class StateStoreError(LLMError):
    """The state store cannot be opened, migrated or written (never a bare sqlite3 error)."""


class ServerError(LLMError):
    """A local model server could not be started, reached or stopped."""


class ProvisionError(LLMError):
    """Provisioning an environment failed; the half-built environment was removed."""


class ToolCallError(LLMError):
    """A tool call is malformed or cannot be executed.

    Attributes:
        reasons: Every problem found, in words (``"tool: must match ^[A-Za-z][A-Za-z0-9_]*$"``...).
    """

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__("invalid tool call: " + "; ".join(self.reasons))
