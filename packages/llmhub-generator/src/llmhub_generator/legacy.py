"""Keys of the earlier llmhub spec format (the llmhub-runtime 1.x era), found in a spec's data.

The earlier format pinned a model with ``force_provider`` / ``force_model``, put ``reasoning``,
``provider_blocklist`` and ``model_denylist`` under ``preferences``, and preference levels directly
under ``defaults``. It also read ``cost: low`` as "keep costs low", the opposite of this format
(where a level says how much cost matters). ``llmhub spec migrate`` rewrites such a spec; the
spec loader names that command when it meets one of these keys.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
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


#: Words in a comment next to ``cost: low`` that show the earlier meaning ("keep costs low").
_CHEAP_WORDS = re.compile(
    r"cheap|budget|inexpensive|low[- ]cost|sav(e|ing)|minimi[sz]e|frugal", re.IGNORECASE
)


def _eol_comment(mapping: Any, key: str) -> str:
    items = getattr(getattr(mapping, "ca", None), "items", {}).get(key)
    token = items[2] if items and len(items) > 2 else None
    return str(token.value).split("\n", 1)[0].strip() if token is not None else ""


def _cost_entries(data: Any) -> Iterator[tuple[tuple[str, ...], Any, Any, str]]:
    """(path, preferences mapping, its parent, its key in the parent) for every ``cost`` level."""
    roles = data.get("roles") if isinstance(data, Mapping) else None
    for name, role in (roles or {}).items() if isinstance(roles, Mapping) else ():
        prefs = role.get("preferences") if isinstance(role, Mapping) else None
        if isinstance(prefs, Mapping) and "cost" in prefs:
            yield ("roles", str(name), "preferences", "cost"), prefs, role, "preferences"
    defaults = data.get("defaults") if isinstance(data, Mapping) else None
    if isinstance(defaults, Mapping):
        prefs = defaults.get("preferences")
        if isinstance(prefs, Mapping) and "cost" in prefs:
            yield ("defaults", "preferences", "cost"), prefs, defaults, "preferences"


def cost_comment_warnings(text: str, *, source: str) -> list[str]:
    """Warnings for ``cost: low`` whose comment reads like the earlier meaning ("prefer cheaper").

    Here ``cost: low`` means cost hardly matters; a spec carried over from the earlier format
    with such a comment would silently choose the opposite of what its author wanted.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="rt").load(text)
    except YAMLError:
        return []  # the loader reports invalid YAML
    warnings = []
    for path, prefs, parent, key in _cost_entries(data):
        if str(prefs.get("cost", "")).strip().lower() != "low":
            continue
        comment = _eol_comment(prefs, "cost") or _eol_comment(parent, key)
        if not _CHEAP_WORDS.search(comment):
            continue
        try:
            line = f":{prefs.lc.key('cost')[0] + 1}"
        except (AttributeError, KeyError, TypeError):
            line = ""
        warnings.append(
            f"{source}{line} {'.'.join(path)}: 'low' means cost hardly matters here, but its comment"
            f" ({comment}) reads like the earlier format's 'keep costs low'; write 'cost: high' to"
            f" prefer cheap models (`{MIGRATE_COMMAND}` rewrites specs of the earlier format)"
        )
    return warnings
