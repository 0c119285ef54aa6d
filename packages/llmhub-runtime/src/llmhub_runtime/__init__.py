"""llmhub_runtime: call LLMs by role from a generated ``llmhub.yaml``, through the any-llm SDK.

::

    from llmhub_runtime import LLMHub

    hub = LLMHub(config_path="llmhub.yaml")
    response = hub.completion(role="llm.inference", messages=[{"role": "user", "content": "Hi"}])

Importing this package is cheap: only the error classes are imported with it (the other packages
derive their errors from :class:`LLMHubError`); the models (pydantic), the hub and the loader are
imported on first access, any-llm (and its provider SDKs) on the first call, ruamel.yaml on the
first file load.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from llmhub_runtime.errors import (
    AttemptFailure,
    CircuitOpenError,
    ConfigError,
    ConfigProblem,
    EnvVarMissingError,
    ErrorCategory,
    FallbacksExhaustedError,
    LLMHubError,
    LLMHubRuntimeError,
    ModeMismatchError,
    NotWritableError,
    ProviderUnavailableError,
    StreamInterruptedError,
    StreamTimeoutError,
    UnknownModelError,
    UnknownProviderError,
    UnknownRoleError,
)

if TYPE_CHECKING:
    __version__: str
    from llmhub_runtime.config_loader import load_runtime_config, parse_runtime_config, parse_runtime_yaml
    from llmhub_runtime.hub import AfterCallHook, BeforeCallHook, LLMHub, TargetHealth
    from llmhub_runtime.models import (
        CallContext,
        CallResult,
        CircuitBreakerConfig,
        FallbackConfig,
        LLMMode,
        Prices,
        ProviderConfig,
        ResilienceConfig,
        ResolvedCall,
        RoleConfig,
        RoleDefaultsConfig,
        RuntimeConfig,
        StreamPolicy,
        Usage,
    )
    from llmhub_runtime.resolver import resolve_role
    from llmhub_runtime.schema import runtime_json_schema
    from llmhub_runtime.streams import StreamReset

# Names served on first access, so that `import llmhub_runtime` (and the error classes every
# sibling package imports) does not import pydantic.
_LAZY = {
    **dict.fromkeys(("load_runtime_config", "parse_runtime_config", "parse_runtime_yaml"), "config_loader"),
    **dict.fromkeys(("AfterCallHook", "BeforeCallHook", "LLMHub", "TargetHealth"), "hub"),
    **dict.fromkeys(
        (
            "CallContext",
            "CallResult",
            "CircuitBreakerConfig",
            "FallbackConfig",
            "LLMMode",
            "Prices",
            "ProviderConfig",
            "ResilienceConfig",
            "ResolvedCall",
            "RoleConfig",
            "RoleDefaultsConfig",
            "RuntimeConfig",
            "StreamPolicy",
            "Usage",
        ),
        "models",
    ),
    "StreamReset": "streams",
    "resolve_role": "resolver",
    "runtime_json_schema": "schema",
}


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value: Any = version("llmhub-runtime")
        except PackageNotFoundError:  # pragma: no cover - source tree without installation
            value = "0.0.0"
    elif name in _LAZY:
        value = getattr(import_module(f"llmhub_runtime.{_LAZY[name]}"), name)
    else:
        raise AttributeError(f"module 'llmhub_runtime' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AfterCallHook",
    "AttemptFailure",
    "BeforeCallHook",
    "CallContext",
    "CallResult",
    "CircuitBreakerConfig",
    "CircuitOpenError",
    "ConfigError",
    "ConfigProblem",
    "EnvVarMissingError",
    "ErrorCategory",
    "FallbackConfig",
    "FallbacksExhaustedError",
    "LLMHub",
    "LLMHubError",
    "LLMHubRuntimeError",
    "LLMMode",
    "ModeMismatchError",
    "NotWritableError",
    "Prices",
    "ProviderConfig",
    "ProviderUnavailableError",
    "ResilienceConfig",
    "ResolvedCall",
    "RoleConfig",
    "RoleDefaultsConfig",
    "RuntimeConfig",
    "StreamInterruptedError",
    "StreamPolicy",
    "StreamReset",
    "StreamTimeoutError",
    "TargetHealth",
    "UnknownModelError",
    "UnknownProviderError",
    "UnknownRoleError",
    "Usage",
    "__version__",
    "load_runtime_config",
    "parse_runtime_config",
    "parse_runtime_yaml",
    "resolve_role",
    "runtime_json_schema",
]
