"""llmhub_runtime: call LLMs by role from a generated ``llmhub.yaml``, through the any-llm SDK.

::

    from llmhub_runtime import LLMHub

    hub = LLMHub(config_path="llmhub.yaml")
    response = hub.completion(role="llm.inference", messages=[{"role": "user", "content": "Hi"}])

Importing this package is cheap: any-llm (and its provider SDKs) is imported on the first call,
ruamel.yaml on the first file load.
"""

from importlib.metadata import PackageNotFoundError, version

from llmhub_runtime.config_loader import load_runtime_config, parse_runtime_config, parse_runtime_yaml
from llmhub_runtime.errors import (
    AttemptFailure,
    ConfigError,
    ConfigProblem,
    EnvVarMissingError,
    FallbacksExhaustedError,
    LLMHubRuntimeError,
    ModeMismatchError,
    ProviderUnavailableError,
    UnknownProviderError,
    UnknownRoleError,
)
from llmhub_runtime.hub import AfterCallHook, BeforeCallHook, LLMHub
from llmhub_runtime.models import (
    CallContext,
    CallResult,
    FallbackConfig,
    LLMMode,
    ProviderConfig,
    ResolvedCall,
    RoleConfig,
    RoleDefaultsConfig,
    RuntimeConfig,
)
from llmhub_runtime.resolver import resolve_role
from llmhub_runtime.schema import runtime_json_schema

try:
    __version__ = version("llmhub-runtime")
except PackageNotFoundError:  # pragma: no cover - source tree without installation
    __version__ = "0.0.0"

__all__ = [
    "AfterCallHook",
    "AttemptFailure",
    "BeforeCallHook",
    "CallContext",
    "CallResult",
    "ConfigError",
    "ConfigProblem",
    "EnvVarMissingError",
    "FallbackConfig",
    "FallbacksExhaustedError",
    "LLMHub",
    "LLMHubRuntimeError",
    "LLMMode",
    "ModeMismatchError",
    "ProviderConfig",
    "ProviderUnavailableError",
    "ResolvedCall",
    "RoleConfig",
    "RoleDefaultsConfig",
    "RuntimeConfig",
    "UnknownProviderError",
    "UnknownRoleError",
    "__version__",
    "load_runtime_config",
    "parse_runtime_config",
    "parse_runtime_yaml",
    "resolve_role",
    "runtime_json_schema",
]
