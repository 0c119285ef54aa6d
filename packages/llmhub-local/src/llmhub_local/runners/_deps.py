"""Lazy imports of the heavy backend libraries, with an error naming the extra when absent."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

from llmhub_local.errors import MissingDependencyError

__all__ = ["BACKEND_EXTRAS", "THREAD_ENVIRONMENT", "import_optional", "prepare_thread_environment"]

#: The OpenMP settings a backend gets unless the user chose their own. llama.cpp's CPU backend
#: (and CPU torch) run their threads with libgomp, and ggml puts an OpenMP barrier between the
#: operations of every token, so how a waiting thread waits decides the speed:
#:
#: - libgomp's default spins ~300,000 times before sleeping: fastest on an idle machine, but on a
#:   busy one the spinning threads take the cores the working threads need (a 64-token SmolLM2
#:   answer took 77 s instead of 4.8 s at load 9 on 2 cores);
#: - ``OMP_WAIT_POLICY=PASSIVE`` sleeps at once: no collapse under load, but every barrier then
#:   pays a futex wake-up, which on an idle (virtual) CPU is slow: 0.21-0.28x the default's speed;
#: - a bounded spin, ``GOMP_SPINCOUNT=1000``, covers the short waits between operations and sleeps
#:   through the long ones: 1.03-1.04x the default idle and 2.1x it under a CPU burner.
#:
#: ``bench/bench_local_server.py`` measures the three. libgomp reads the variables once, when it
#: is loaded: hence before the first import. See :func:`prepare_thread_environment`.
THREAD_ENVIRONMENT = {"GOMP_SPINCOUNT": "1000"}
#: Variables whose presence means the user chose a wait behaviour: then nothing is set.
_USER_THREAD_SETTINGS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
_PREPARED = False


def prepare_thread_environment() -> None:
    """Apply :data:`THREAD_ENVIRONMENT` unless the user set a wait policy or spin count (once).

    ``GOMP_SPINCOUNT`` would override a user's ``OMP_WAIT_POLICY``, so either variable being set
    (even to an empty value, which libgomp reads as "its default") leaves the environment as it is.
    """
    global _PREPARED
    if not _PREPARED:
        if not any(name in os.environ for name in _USER_THREAD_SETTINGS):
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
