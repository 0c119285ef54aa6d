"""Keys of the earlier llmhub spec format (the llmhub-runtime 1.x era), found in a spec's data.

The earlier format pinned a model with ``force_provider`` / ``force_model``, put ``reasoning``,
``provider_blocklist`` and ``model_denylist`` under ``preferences``, and preference levels directly
under ``defaults``. It also read ``cost: low`` as "keep costs low", the opposite of this format
(where a level says how much cost matters). ``llmhub spec migrate`` rewrites such a spec; the
spec loader names that command when it meets one of these keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MIGRATED_MARKER", "MIGRATE_COMMAND", "EarlierKey", "earlier_format_keys", "uses_current_format"]

MIGRATE_COMMAND = "llmhub spec migrate"
#: Top-level ``x-`` key that ``llmhub spec migrate`` writes (x- keys are ignored by the loader).
MIGRATED_MARKER = "x-migrated"

_ROLE_KEYS = {
    "force_provider": "force: {provider: ..., model: ...}",
    "force_model": "force: {provider: ..., model: ...}",
}
_PREFERENCE_KEYS = {
    "reasoning": "requires: {reasoning: true}",
    "provider_blocklist": "deny: [provider, ...]",
    "model_denylist": "deny: ['*/model', ...]",
}
_DEFAULT_LEVELS = ("quality", "cost", "latency")
#: Keys only this format has: a spec using them is not in the earlier format.
_CURRENT_ROLE_KEYS = ("force", "requires", "allow", "deny", "block", "fallbacks")


@dataclass(frozen=True)
class EarlierKey:
    """A key of the earlier format at ``path``, and what this format says instead."""

    path: tuple[str | int, ...]
    replacement: str


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def earlier_format_keys(data: Mapping[str, Any]) -> list[EarlierKey]:
    """Every key of the earlier format in ``data`` (a spec as loaded from YAML), in file order."""
    found: list[EarlierKey] = []
    for role_name, role in _mapping(data.get("roles")).items():
        role_map = _mapping(role)
        for key in role_map:
            if key in _ROLE_KEYS:
                found.append(EarlierKey(("roles", role_name, key), _ROLE_KEYS[key]))
        for key in _mapping(role_map.get("preferences")):
            if key in _PREFERENCE_KEYS:
                found.append(EarlierKey(("roles", role_name, "preferences", key), _PREFERENCE_KEYS[key]))
    for key in _mapping(data.get("defaults")):
        if key in _DEFAULT_LEVELS:
            found.append(EarlierKey(("defaults", key), f"defaults: {{preferences: {{{key}: ...}}}}"))
    return found


def uses_current_format(data: Mapping[str, Any]) -> bool:
    """Whether ``data`` uses a key only this format has (or was migrated already)."""
    if MIGRATED_MARKER in data or "preferences" in _mapping(data.get("defaults")):
        return True
    return any(
        key in _mapping(role) for role in _mapping(data.get("roles")).values() for key in _CURRENT_ROLE_KEYS
    )
