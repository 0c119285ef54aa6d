"""Lazy imports of the heavy backend libraries, with an error naming the extra when absent."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from llmhub_local.errors import MissingDependencyError

__all__ = ["BACKEND_EXTRAS", "THREAD_ENVIRONMENT", "import_optional", "prepare_thread_environment"]

#: Defaults set (unless already set) before a backend library is first imported. llama.cpp's CPU
#: backend (and CPU torch) run their threads with OpenMP; libgomp's default wait policy lets idle
#: worker threads spin after every parallel region - every token - and on a busy machine they
#: steal the cores the working threads need: a 64-token SmolLM2 answer took 77 s instead of 4.8 s
#: at load 9 on 2 cores (bench/bench_local_server.py measures it). PASSIVE makes them sleep.
#: libgomp reads the variable once, when it is loaded: hence before the first import.
THREAD_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}
_PREPARED = False


def prepare_thread_environment() -> None:
    """Apply :data:`THREAD_ENVIRONMENT` where the user has not set the variables (once)."""
    global _PREPARED
    if not _PREPARED:
        for name, value in THREAD_ENVIRONMENT.items():
            os.environ.setdefault(name, value)
        _PREPARED = True


#: module -> (extra that provides it, what needs it); the test suite checks each extra exists.
BACKEND_EXTRAS: dict[str, tuple[str, str]] = {
    "llama_cpp": ("gguf", "the llama.cpp backend (LlamaCppRunner)"),
    "torch": ("transformers", "the transformers backend (TransformersRunner)"),
    "transformers": ("transformers", "the transformers backend (TransformersRunner)"),
    "accelerate": ("transformers", "loading GGUF files with transformers"),
    "gguf": ("transformers", "loading GGUF files with transformers"),
}


def import_optional(module: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming the extra to install.

    The first call sets the OpenMP wait policy default (:data:`THREAD_ENVIRONMENT`) first.
    """
    extra, purpose = BACKEND_EXTRAS[module]
    prepare_thread_environment()
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        # Only a missing top-level package means "install the extra"; a missing submodule
        # inside an installed library is a broken install and is re-raised as it is.
        if e.name is not None and e.name.split(".")[0] != module.split(".")[0]:
            raise
        raise MissingDependencyError(module, extra, purpose=purpose) from e
