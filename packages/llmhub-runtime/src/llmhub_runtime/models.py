"""Typed representations of ``llmhub.yaml`` and of a call being made.

The configuration models are pydantic v2 models: strict about what they accept (unknown keys are
an error, so a typo such as ``parms:`` never goes unnoticed; keys starting with ``x-`` are the
escape hatch and are ignored), tolerant of what older generators wrote (``fallbacks``,
``api_base`` and ``meta`` are optional).

``CallContext`` and ``CallResult`` are what the hub hands to hooks; they are plain frozen
dataclasses so that building one per call costs next to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

__all__ = [
    "DEFER_REFERENCE_CHECK",
    "CallContext",
    "CallResult",
    "CircuitBreakerConfig",
    "ConfigModel",
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
]

#: What a stream does when it fails after chunks reached the caller: ``raise`` a
#: ``StreamInterruptedError``, or ``restart`` the request on the next target (the stream then
#: carries a ``StreamReset`` chunk telling the caller to discard what it received).
StreamPolicy = Literal["raise", "restart"]

#: Validation-context flag: skip the cross-reference check inside ``RuntimeConfig`` because the
#: caller (the file loader) runs it itself to attach line numbers to each problem.
DEFER_REFERENCE_CHECK = "llmhub_defer_reference_check"

_ENV_VAR_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

#: Parameters that the hub sets itself or that must never live in a config file.
RESERVED_PARAMS: Mapping[str, str] = {
    "api_key": "API keys do not belong in llmhub.yaml; set providers.<id>.env_key to the name of "
    "the environment variable that holds the key",
    "api_base": "set the endpoint as providers.<id>.api_base",
    "model": "the model is the role's own 'model' field",
    "messages": "messages are passed per call",
    "input": "inputs are passed per call",
    "inputs": "inputs are passed per call",
    "stream": "streaming is chosen per call with stream_completion()",
}


class LLMMode(StrEnum):
    """What kind of call a role serves.

    The lowercase names (``LLMMode.chat``, ``LLMMode.embedding``...) are aliases of the same
    members, kept for code written for the earlier llmhub-runtime (1.x), whose members had them.
    """

    CHAT = "chat"
    EMBEDDING = "embedding"
    IMAGE = "image"
    AUDIO = "audio"
    TOOL = "tool"
    OTHER = "other"


# The earlier runtime's member names, as plain class attributes naming the same members: not
# members themselves, so iteration, ``__members__``, the JSON Schema and error messages list each
# mode once.
for _mode in LLMMode:
    setattr(LLMMode, _mode.value, _mode)
del _mode


class ConfigModel(BaseModel):
    """Base for sections of LLMHub's YAML files: unknown keys are errors, ``x-`` keys are ignored.

    Shared with llmhub-generator's spec models, so both files follow the same rules.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    @model_validator(mode="before")
    @classmethod
    def _drop_extension_keys(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("x-"))}
        return data


class ProviderConfig(ConfigModel):
    """How to reach one provider.

    Attributes:
        env_key: Name of the environment variable holding the provider's API key. Its value is
            passed to any-llm as ``api_key``; the value itself never appears in the file.
        api_base: Base URL of an OpenAI-compatible or self-hosted endpoint (e.g. a local
            llama.cpp server at ``http://127.0.0.1:8080/v1``).
        timeout: Per-request timeout in seconds, unless a call's params set their own.
        max_retries: How often the hub retries a request to this provider's targets after a rate
            limit (429), a server error (5xx) or a connection error, before it moves on to the
            role's next fallback (``None``: ``resilience.max_retries``). Timeouts are never
            retried on the same target. The provider SDK's own retries are switched off.
    """

    env_key: str | None = None
    api_base: str | None = None
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0)

    @field_validator("env_key")
    @classmethod
    def _valid_env_key(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_VAR_NAME.fullmatch(value):
            # The value is not echoed: a key pasted here by mistake must not reach logs.
            raise ValueError(
                "must be the name of an environment variable (letters, digits and _, not starting "
                "with a digit), never the API key itself"
            )
        return value

    @field_validator("api_base")
    @classmethod
    def _valid_api_base(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"{value!r} is not an http(s) URL")
        return value


class Prices(ConfigModel):
    """List prices of a target in US dollars per 1M tokens (written by ``llmhub generate``).

    Used to report the cost of each call (``CallResult.cost``); ``None`` means unknown.
    """

    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)


class _Target(ConfigModel):
    """A provider + model + params triple (shared by roles, defaults and fallbacks).

    ``context_window`` (tokens) and ``prices`` are facts about the model that ``llmhub generate``
    copies from its catalog, so the runtime needs no catalog: the context window picks the
    fallback for a prompt that is too long, the prices give each call's cost.
    """

    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    context_window: int | None = Field(default=None, gt=0)
    prices: Prices | None = None

    @field_validator("params")
    @classmethod
    def _no_reserved_params(cls, params: dict[str, Any]) -> dict[str, Any]:
        for key in params:
            if key in RESERVED_PARAMS:
                raise ValueError(f"{key!r} is not allowed in params: {RESERVED_PARAMS[key]}")
        return params


class FallbackConfig(_Target):
    """A backup target for a role, tried when the previous one fails with a retryable error.

    A fallback has the role's mode; its ``params`` replace the role's params entirely, because
    parameters are often model-specific.
    """


class RoleConfig(_Target):
    """The concrete binding of a role: provider, model, mode, default params and fallbacks.

    ``stream_policy``, ``first_token_timeout`` and ``stream_idle_timeout`` override the
    ``resilience`` defaults for this role (see :class:`ResilienceConfig`).
    """

    mode: LLMMode
    fallbacks: list[FallbackConfig] = Field(default_factory=list)
    stream_policy: StreamPolicy | None = None
    first_token_timeout: float | None = Field(default=None, gt=0)
    stream_idle_timeout: float | None = Field(default=None, gt=0)


class RoleDefaultsConfig(RoleConfig):
    """The binding used for a role that the configuration does not list (``defaults``)."""


class CircuitBreakerConfig(ConfigModel):
    """The circuit breaker each target has, shared by all calls of one hub.

    After ``failure_threshold`` consecutive retryable failures (timeouts, connection errors, 429,
    5xx) a target is *open*: calls skip it for ``cooldown`` seconds. Then it is *half-open*: one
    call probes it; success closes it, failure opens it for another cooldown.
    """

    failure_threshold: int = Field(default=3, ge=1)
    cooldown: float = Field(default=30.0, gt=0)


class ResilienceConfig(ConfigModel):
    """How calls react to failures (the ``resilience`` section; every field has a default).

    Attributes:
        stream_policy: ``raise`` (default) or ``restart``, for a stream that fails after chunks
            reached the caller. A role's own ``stream_policy`` wins; so does a call's.
        first_token_timeout: Seconds from sending a streamed request to its first chunk; longer
            is a failure that moves to the next target.
        stream_idle_timeout: Seconds allowed between two chunks of a stream.
        max_retries: Retries of the same target after a 429, a 5xx or a connection error
            (``providers.<id>.max_retries`` wins). Timeouts are never retried on the same target.
        backoff_base: First wait between retries of one target, in seconds; it doubles with each
            retry up to ``backoff_max``, with jitter (a random half of it is taken off).
        backoff_max: Longest wait between retries of one target.
        max_retry_after: A ``Retry-After`` up to this many seconds is honoured (waited for); a
            longer one moves to the next target instead.
        max_attempts: Upper bound on the attempts of one call, over all targets.
        stream_usage: Ask OpenAI-compatible providers for token usage at the end of a stream
            (``stream_options.include_usage``), unless the call sets ``stream_options`` itself.
            The stream then ends with a chunk that has usage and no choices.
        circuit_breaker: See :class:`CircuitBreakerConfig`.
    """

    stream_policy: StreamPolicy = "raise"
    first_token_timeout: float = Field(default=15.0, gt=0)
    stream_idle_timeout: float = Field(default=20.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    backoff_base: float = Field(default=0.5, ge=0)
    backoff_max: float = Field(default=8.0, ge=0)
    max_retry_after: float = Field(default=20.0, ge=0)
    max_attempts: int = Field(default=8, ge=1)
    stream_usage: bool = True
    circuit_breaker: CircuitBreakerConfig = Field(default_factory=CircuitBreakerConfig)


class RuntimeConfig(ConfigModel):
    """A whole ``llmhub.yaml``.

    ``meta`` is written by the generator (spec hash, catalog version, rationale) and ignored here.
    """

    project: str
    env: str
    providers: dict[str, ProviderConfig]
    roles: dict[str, RoleConfig]
    defaults: RoleDefaultsConfig | None = None
    resilience: ResilienceConfig = Field(default_factory=ResilienceConfig)
    meta: dict[str, Any] | None = None

    @field_validator("providers", mode="before")
    @classmethod
    def _empty_provider_entries(cls, value: Any) -> Any:
        # ``openai:`` with nothing under it means "no settings", not "invalid".
        if isinstance(value, Mapping):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> RuntimeConfig:
        if info.context and info.context.get(DEFER_REFERENCE_CHECK):
            return self
        problems = self.reference_problems()
        if problems:
            raise ValueError("; ".join(f"{'.'.join(map(str, path))}: {msg}" for path, msg in problems))
        return self

    def reference_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Every provider reference (role, fallback, defaults) that ``providers`` does not define.

        Returns ``(field path, message)`` pairs; an empty list means the references are sound.
        """
        known = ", ".join(sorted(self.providers)) or "none"
        problems: list[tuple[tuple[str | int, ...], str]] = []

        def check(path: tuple[str | int, ...], owner: str, provider: str) -> None:
            if provider not in self.providers:
                problems.append(
                    (
                        path,
                        f"{owner} uses provider {provider!r}, which is not listed under providers "
                        f"(listed: {known})",
                    )
                )

        bindings: list[tuple[tuple[str | int, ...], str, RoleConfig]] = [
            (("roles", name), f"role {name!r}", role) for name, role in self.roles.items()
        ]
        if self.defaults is not None:
            bindings.append((("defaults",), "defaults", self.defaults))
        for base, owner, binding in bindings:
            check((*base, "provider"), owner, binding.provider)
            for i, fallback in enumerate(binding.fallbacks):
                check((*base, "fallbacks", i, "provider"), f"{owner} (fallback {i + 1})", fallback.provider)
        return problems


class ResolvedCall(BaseModel):
    """A role resolved to one concrete target, with params merged and fallbacks resolved alike."""

    model_config = ConfigDict(frozen=True)

    role: str
    provider: str
    model: str
    mode: LLMMode
    params: dict[str, Any] = Field(default_factory=dict)
    api_base: str | None = None
    env_key: str | None = None
    timeout: float | None = None
    max_retries: int = 0
    context_window: int | None = None
    prices: Prices | None = None
    stream_policy: StreamPolicy = "raise"
    first_token_timeout: float | None = None
    stream_idle_timeout: float | None = None
    fallbacks: tuple[ResolvedCall, ...] = ()
    from_defaults: bool = False

    def targets(self) -> tuple[ResolvedCall, ...]:
        """The primary target followed by its fallbacks, in the order they are tried."""
        return (self, *self.fallbacks)


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts of one answer, as the provider reported them.

    ``cached_tokens`` is the part of ``prompt_tokens`` served from the provider's prompt cache.
    """

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a hook sees before each attempt of a call. Never contains an API key.

    ``circuit`` is the state of the target's circuit breaker: ``closed``, or ``half_open`` when
    this attempt is the probe after a cooldown.
    """

    role: str
    provider: str
    model: str
    mode: LLMMode
    params: dict[str, Any]
    messages: list[dict[str, Any]] | None = None
    input: str | list[str] | None = None
    attempt: int = 1
    is_fallback: bool = False
    stream: bool = False
    circuit: str = "closed"


@dataclass(frozen=True, slots=True)
class CallResult:
    """What a hook sees after each attempt (for a stream: after the stream ended).

    Attributes:
        duration_ms: Wall time of the attempt, for a stream until its last chunk.
        success: Whether the attempt returned (or streamed to the end) without error.
        error: The exception, with any API key scrubbed from its text, when it failed.
        response: The any-llm response object (``None`` for streams and failures).
        chunk_count: Number of chunks delivered, for streams.
        stream_completed: For streams, ``False`` when the consumer stopped early or the stream
            broke.
        answered_model: The model the provider says answered (its response's ``model``), which
            can differ from the configured ``model`` (an alias resolved to a dated id).
        usage: Token counts of a successful attempt, when the provider reported them.
        cost: US dollars for a successful attempt, from the target's ``prices`` and ``usage``;
            ``None`` when either is unknown and always for failed attempts (never billed here).
        circuit: The target's circuit breaker after this attempt: ``closed``, ``open`` or
            ``half_open``.
        retry_in: For a failed attempt, the seconds the hub waits before its next attempt on the
            same target (``None`` when it moves on or gives up).
    """

    role: str
    provider: str
    model: str
    mode: LLMMode
    duration_ms: float
    success: bool
    error: BaseException | None = None
    response: Any = None
    attempt: int = 1
    is_fallback: bool = False
    stream: bool = False
    chunk_count: int | None = None
    stream_completed: bool | None = None
    answered_model: str | None = None
    usage: Usage | None = None
    cost: float | None = None
    circuit: str = "closed"
    retry_in: float | None = None
