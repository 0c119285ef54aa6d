"""Exceptions raised by llmhub_local.

Every error raised on purpose derives from :class:`LLMError`, so an application can catch one
class. Caller misuse (an invalid configuration, an unknown model id, an operation the backend
cannot do) is kept apart from runtime failure (a model that fails to load, a generation that
fails), as in seed 003:

- :class:`LLMConfigError` - the configuration is invalid (also a ``ValueError``).
- :class:`UnknownModelError` - a short model id that is not in the registry of default models.
- :class:`UnsupportedOperationError` - e.g. embeddings from a backend/model that has none.
- :class:`LLMInitializationError` - the model could not be loaded.
- :class:`MissingDependencyError` - the backend's extra is not installed (also an ``ImportError``);
  the message names the exact ``pip install "llmhub-local[extra]"``.
- :class:`LLMInferenceError` - a generation or embedding call failed.
"""

from __future__ import annotations

__all__ = [
    "LLMConfigError",
    "LLMError",
    "LLMInferenceError",
    "LLMInitializationError",
    "MissingDependencyError",
    "ModelFileError",
    "UnknownModelError",
    "UnsupportedOperationError",
]


class LLMError(Exception):
    """Base class for every error raised by llmhub_local."""


class LLMConfigError(LLMError, ValueError):
    """A runner configuration is invalid; the message names each offending field."""


class UnknownModelError(LLMConfigError):
    """A model id is neither a path that exists nor one of the known default models."""

    def __init__(self, model: str, known: list[str]) -> None:
        self.model = model
        self.known = tuple(known)
        super().__init__(
            f"unknown model {model!r}: it is not an existing file or folder, nor a known model id "
            f"(known ids: {', '.join(known)})"
        )


class UnsupportedOperationError(LLMError):
    """The runner's backend or model cannot do what was asked (e.g. embeddings from a chat GGUF)."""


class LLMInitializationError(LLMError):
    """The model could not be initialized (bad file, unsupported architecture, out of memory...)."""


class ModelFileError(LLMInitializationError):
    """A model file is missing, unreadable, or does not match its expected checksum."""


class MissingDependencyError(LLMInitializationError, ImportError):
    """A backend library is not installed; the message says which extra provides it."""

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
