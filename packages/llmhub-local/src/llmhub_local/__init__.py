"""llmhub_local: run local models (GGUF via llama.cpp, Hugging Face via transformers) - seed 003.

::

    from llmhub_local import LLMRunnerFactory

    runner = LLMRunnerFactory.create_runner({"llm": {"model": "smollm2-135m-instruct", "temperature": 0}})
    reply = runner.create_chat_completion([{"role": "user", "content": "What is the capital of France?"}])
    print(reply.choices[0].message.content)

Importing this package is cheap: it imports neither llama_cpp, torch, transformers nor numpy.
A runner imports its backend library when it is created, and a missing one raises
:class:`MissingDependencyError` naming the extra (``pip install "llmhub-local[gguf]"`` or
``"llmhub-local[transformers]"``).
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmhub_local.errors import (
        GenerationCancelledError,
        LLMConfigError,
        LLMError,
        LLMInferenceError,
        LLMInitializationError,
        MissingDependencyError,
        ModelFileError,
        UnknownModelError,
        UnsupportedOperationError,
    )
    from llmhub_local.runners.base import (
        BaseLLMRunner,
        Generation,
        GenerationParams,
        MemoryUsage,
        StreamPiece,
    )
    from llmhub_local.runners.config import BackendType, DeviceType, DType, ModelConfig, QuantizationType
    from llmhub_local.runners.devices import choose_device
    from llmhub_local.runners.factory import LLMRunnerFactory
    from llmhub_local.runners.llama_cpp_runner import LlamaCppRunner
    from llmhub_local.runners.model_store import (
        KNOWN_MODELS,
        KnownModel,
        ResolvedModel,
        default_cache_dir,
        resolve_model,
    )
    from llmhub_local.runners.transformers_runner import TransformersRunner

try:
    __version__ = version("llmhub-local")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree without install
    __version__ = "0.0.0"

# Public names are imported on first access (PEP 562), so importing a submodule such as
# ``llmhub_local.errors`` (which the CLI's error boundary does) does not pay for pydantic and the runners.
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        ["BaseLLMRunner", "Generation", "GenerationParams", "MemoryUsage", "StreamPiece"], "runners.base"
    ),
    **dict.fromkeys(
        ["BackendType", "DeviceType", "DType", "ModelConfig", "QuantizationType"], "runners.config"
    ),
    "choose_device": "runners.devices",
    **dict.fromkeys(
        [
            "GenerationCancelledError",
            "LLMConfigError",
            "LLMError",
            "LLMInferenceError",
            "LLMInitializationError",
            "MissingDependencyError",
            "ModelFileError",
            "UnknownModelError",
            "UnsupportedOperationError",
        ],
        "errors",
    ),
    "LLMRunnerFactory": "runners.factory",
    "LlamaCppRunner": "runners.llama_cpp_runner",
    **dict.fromkeys(
        ["KNOWN_MODELS", "KnownModel", "ResolvedModel", "default_cache_dir", "resolve_model"],
        "runners.model_store",
    ),
    "TransformersRunner": "runners.transformers_runner",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'llmhub_local' has no attribute {name!r}")
    value = getattr(import_module(f"llmhub_local.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "KNOWN_MODELS",
    "BackendType",
    "BaseLLMRunner",
    "DType",
    "DeviceType",
    "Generation",
    "GenerationCancelledError",
    "GenerationParams",
    "KnownModel",
    "LLMConfigError",
    "LLMError",
    "LLMInferenceError",
    "LLMInitializationError",
    "LLMRunnerFactory",
    "LlamaCppRunner",
    "MemoryUsage",
    "MissingDependencyError",
    "ModelConfig",
    "ModelFileError",
    "QuantizationType",
    "ResolvedModel",
    "StreamPiece",
    "TransformersRunner",
    "UnknownModelError",
    "UnsupportedOperationError",
    "__version__",
    "choose_device",
    "default_cache_dir",
    "resolve_model",
]
