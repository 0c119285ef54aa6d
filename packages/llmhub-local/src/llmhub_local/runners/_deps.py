"""Lazy imports of the heavy backend libraries, with an error naming the extra when absent."""

from __future__ import annotations

import importlib
from types import ModuleType

from llmhub_local.errors import MissingDependencyError

__all__ = ["BACKEND_EXTRAS", "import_optional"]

#: module -> (extra that provides it, what needs it); the test suite checks each extra exists.
BACKEND_EXTRAS: dict[str, tuple[str, str]] = {
    "llama_cpp": ("gguf", "the llama.cpp backend (LlamaCppRunner)"),
    "torch": ("transformers", "the transformers backend (TransformersRunner)"),
    "transformers": ("transformers", "the transformers backend (TransformersRunner)"),
    "accelerate": ("transformers", "loading GGUF files with transformers"),
    "gguf": ("transformers", "loading GGUF files with transformers"),
}


def import_optional(module: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra to install."""
    extra, purpose = BACKEND_EXTRAS[module]
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        # Only a missing top-level package means "install the extra"; a missing submodule
        # inside an installed library is a broken install and is re-raised as it is.
        if e.name is not None and e.name.split(".")[0] != module.split(".")[0]:
            raise
        raise MissingDependencyError(module, extra, purpose=purpose) from e
