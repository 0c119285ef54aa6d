"""``LLMRunnerFactory``: build the right runner for a configuration.

Runner classes are looked up by backend in a table of import paths, so building a factory or
importing this module imports no backend; the backend module (and its heavy library) is imported
only when a runner of that backend is created.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, ClassVar

from llmhub_local.errors import LLMConfigError
from llmhub_local.runners.base import BaseLLMRunner
from llmhub_local.runners.config import BackendType, ModelConfig
from llmhub_local.runners.model_store import resolve_model

__all__ = ["LLMRunnerFactory"]


class LLMRunnerFactory:
    """Creates a runner from a :class:`ModelConfig` or a mapping (flat or ``{"llm": {...}}``)."""

    #: backend -> "module:Class"; a new backend is one line here plus its module.
    RUNNERS: ClassVar[dict[BackendType, str]] = {
        BackendType.LLAMA_CPP: "llmhub_local.runners.llama_cpp_runner:LlamaCppRunner",
        BackendType.TRANSFORMERS: "llmhub_local.runners.transformers_runner:TransformersRunner",
    }

    @classmethod
    def parse_config(cls, config: ModelConfig | Mapping[str, Any]) -> ModelConfig:
        """Validate ``config`` and fill in the backend when it can be inferred from the model.

        Raises:
            LLMConfigError: invalid fields, an unknown backend, or a backend that cannot be inferred.
        """
        if isinstance(config, Mapping):
            section = config.get("llm", config) if set(config) == {"llm"} else config
            backend = section.get("backend") if isinstance(section, Mapping) else None
            if backend is not None and not isinstance(backend, BackendType):
                try:
                    BackendType(backend)
                except ValueError:
                    known = ", ".join(repr(b.value) for b in BackendType)
                    raise LLMConfigError(f"unknown backend {backend!r}; choose one of {known}") from None
        parsed = ModelConfig.parse(config)
        if parsed.backend is not None:
            return parsed
        inferred = resolve_model(parsed.model, parsed.cache_dir).inferred_backend
        if inferred is None:
            raise LLMConfigError(
                f"cannot tell which backend runs {parsed.model!r}; set backend to 'llama.cpp' (GGUF files) "
                "or 'transformers' (Hugging Face folders)"
            )
        return parsed.model_copy(update={"backend": inferred})

    @classmethod
    def runner_class(cls, backend: BackendType) -> type[BaseLLMRunner]:
        """The runner class of ``backend`` (imports its module, not its heavy library)."""
        try:
            target = cls.RUNNERS[backend]
        except KeyError:
            raise LLMConfigError(f"no runner is registered for backend {backend.value!r}") from None
        module_name, _, class_name = target.partition(":")
        runner: type[BaseLLMRunner] = getattr(importlib.import_module(module_name), class_name)
        return runner

    @classmethod
    def create_runner(cls, config: ModelConfig | Mapping[str, Any], *, load: bool = True) -> BaseLLMRunner:
        """Validate ``config`` and build its runner (loading the model unless ``load=False``).

        Raises:
            LLMConfigError: the configuration is invalid or names an unknown backend.
            MissingDependencyError: the backend's extra is not installed.
            LLMInitializationError: the model cannot be loaded.
        """
        parsed = cls.parse_config(config)
        assert parsed.backend is not None  # parse_config always sets it
        return cls.runner_class(parsed.backend)(parsed, load=load)
