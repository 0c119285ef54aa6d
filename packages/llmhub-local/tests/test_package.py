"""Smoke test: the package imports light, exposes its public names and reports its version."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import metadata, version

import llmhub_local
from llmhub_local.runners._deps import BACKEND_EXTRAS
from llmhub_local.runners.model_store import KNOWN_MODELS

HEAVY = ("torch", "transformers", "llama_cpp", "numpy", "accelerate", "safetensors", "any_llm", "openai")


def test_version_matches_installed_metadata() -> None:
    assert llmhub_local.__version__ == version("llmhub-local")
    assert llmhub_local.__version__ != "0.0.0"


def test_all_names_exist() -> None:
    for name in llmhub_local.__all__:
        assert hasattr(llmhub_local, name), name


def test_import_stays_light() -> None:
    code = (
        "import sys, llmhub_local\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_every_extra_named_in_errors_exists() -> None:
    provided = set(metadata("llmhub-local").get_all("Provides-Extra") or [])
    named = {extra for extra, _ in BACKEND_EXTRAS.values()} | {m.extra for m in KNOWN_MODELS.values()}
    assert named <= provided, named - provided
    assert "models" in provided


def test_errors_hang_from_the_shared_root_without_crossing_packages() -> None:
    """One base per package under ``LLMHubError``; caller mistakes told apart by ``category``."""
    import llmhub_local.errors as errors
    from llmhub_runtime.errors import ErrorCategory, LLMHubError

    assert errors.LLMError.__bases__ == (LLMHubError,)
    own = [getattr(errors, n) for n in errors.__all__ if getattr(errors, n).__module__ == errors.__name__]
    for cls in own:
        assert issubclass(cls, errors.LLMError), cls
        roots = {k.__module__ for k in cls.__mro__ if issubclass(k, LLMHubError)}
        assert roots == {errors.__name__, "llmhub_runtime.errors"}, cls
    usage = {cls.__name__ for cls in own if cls.category is ErrorCategory.USAGE}
    assert usage == {
        "MissingDependencyError",
        "UnsupportedOperationError",
        "RegistryError",
        "LLMConfigError",
        "ContextLengthError",
    }
