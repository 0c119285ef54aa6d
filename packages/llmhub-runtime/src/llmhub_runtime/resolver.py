"""Map a role name to a concrete provider, model, mode and params.

Pure and stateless: no I/O, no logging, no environment access.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmhub_runtime.errors import UnknownProviderError, UnknownRoleError
from llmhub_runtime.models import ResolvedCall, RoleConfig, RuntimeConfig, _Target

__all__ = ["resolve_role"]


def resolve_role(
    config: RuntimeConfig,
    role: str,
    params_override: Mapping[str, Any] | None = None,
) -> ResolvedCall:
    """Resolve ``role`` against ``config``.

    The role's own binding is used when the configuration lists it; otherwise ``defaults``
    (when present). Params are merged as ``{**binding.params, **params_override}``; each
    fallback is resolved the same way from its own params, with the same override on top.

    Raises:
        UnknownRoleError: The role is not listed and there are no defaults.
        UnknownProviderError: The binding (or one of its fallbacks) names a provider missing from
            ``providers``. A configuration loaded from a file never gets here: the loader
            rejects such references with their line number.
    """
    binding: RoleConfig | None = config.roles.get(role)
    from_defaults = False
    if binding is None:
        if config.defaults is None:
            raise UnknownRoleError(role, list(config.roles))
        binding = config.defaults
        from_defaults = True

    override = dict(params_override or {})
    fallbacks = tuple(
        _target(config, role, fb, binding, {**fb.params, **override}, from_defaults)
        for fb in binding.fallbacks
    )
    primary = _target(config, role, binding, binding, {**binding.params, **override}, from_defaults)
    return primary.model_copy(update={"fallbacks": fallbacks})


def _target(
    config: RuntimeConfig,
    role: str,
    target: _Target,
    binding: RoleConfig,
    params: dict[str, Any],
    from_defaults: bool,
) -> ResolvedCall:
    provider_config = config.providers.get(target.provider)
    if provider_config is None:
        raise UnknownProviderError(role, target.provider, list(config.providers))
    resilience = config.resilience
    return ResolvedCall(
        role=role,
        provider=target.provider,
        model=target.model,
        mode=binding.mode,
        params=params,
        api_base=provider_config.api_base,
        env_key=provider_config.env_key,
        timeout=provider_config.timeout,
        max_retries=(
            provider_config.max_retries if provider_config.max_retries is not None else resilience.max_retries
        ),
        context_window=target.context_window,
        prices=target.prices,
        stream_policy=binding.stream_policy or resilience.stream_policy,
        first_token_timeout=binding.first_token_timeout or resilience.first_token_timeout,
        stream_idle_timeout=binding.stream_idle_timeout or resilience.stream_idle_timeout,
        from_defaults=from_defaults,
    )
