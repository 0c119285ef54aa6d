"""``llmhub spec migrate``: rewrite a spec of the earlier llmhub format into this one, in place.

Works on the ruamel.yaml round-trip document (:class:`~llmhub_cli._specedit.SpecDocument`), so
comments, key order and quoting survive; each change is recorded as a sentence for the report:

- ``force_provider`` + ``force_model`` -> ``force: {provider, model}`` (at the same place); a
  provider alone becomes ``allow: [provider]``; a model alone cannot be pinned without its provider
  and is kept as ``x-force_model`` (ignored) with a note.
- ``preferences.reasoning: high`` (or ``true``) -> ``requires: {reasoning: true}``; lower levels
  are dropped (this format has no "some reasoning" preference).
- ``preferences.provider_blocklist`` / ``model_denylist`` -> ``deny`` (models as ``*/model``).
- ``defaults.quality|cost|latency`` -> ``defaults.preferences``.
- ``cost: low`` <-> ``cost: high`` everywhere, with a comment saying why: the earlier format read
  ``cost: low`` as "keep costs low"; here a level says how much cost matters.

A top-level ``x-migrated`` key records that the file was migrated, so running the command twice
never flips the levels back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

__all__ = ["Migration", "migrate_document"]

_FLIP = {"low": "high", "high": "low"}
_MARKER_TEXT = "llmhub spec migrate: rewritten from the earlier llmhub spec format"
_COST_NOTE = (
    "llmhub spec migrate: cost {old} -> {new}: the earlier format read 'cost: low' as"
    " 'keep costs low'; here a level says how much cost matters (high = cheapness matters a lot)"
)


@dataclass
class Migration:
    """What :func:`migrate_document` changed (``changes``) and what needs a person (``notes``)."""

    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _column(mapping: CommentedMap, key: str, default: int) -> int:
    try:
        return int(mapping.lc.key(key)[1])
    except (KeyError, TypeError, AttributeError):
        return default


def _comment_before(mapping: CommentedMap, key: str, text: str, default_column: int) -> None:
    mapping.yaml_set_comment_before_after_key(key, before=text, indent=_column(mapping, key, default_column))


def _flow_map(items: dict[str, Any]) -> CommentedMap:
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap(items)
    node.fa.set_flow_style()
    return node


def _flow_list(items: list[Any]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def _move_comment(mapping: CommentedMap, old: str, new: str) -> None:
    """Keep the end-of-line comment of ``old`` on ``new`` (its replacement)."""
    items = mapping.ca.items
    if old in items and new not in items:
        items[new] = items.pop(old)


def _extend(role: CommentedMap, key: str, values: list[str], position: int) -> None:
    existing = role.get(key)
    if isinstance(existing, list):
        existing.extend(v for v in values if v not in existing)
    else:
        role.insert(min(position, len(role)), key, _flow_list(list(values)))


def _flip_cost(owner: CommentedMap, prefs: CommentedMap, where: str, column: int, result: Migration) -> None:
    old = str(prefs.get("cost", "")).strip().lower()
    if old not in _FLIP:
        return
    new = _FLIP[old]
    prefs["cost"] = new
    _comment_before(owner, "preferences", _COST_NOTE.format(old=old, new=new), column)
    result.changes.append(f"{where}.preferences.cost: {old} -> {new} (the meaning of the levels changed)")


def _migrate_role(name: str, role: CommentedMap, result: Migration) -> None:
    from ruamel.yaml.comments import CommentedMap

    where = f"roles.{name}"
    keys = list(role)
    # Pins.
    if "force_provider" in role or "force_model" in role:
        position = min(keys.index(k) for k in ("force_provider", "force_model") if k in role)
        provider = role.get("force_provider")
        model = role.get("force_model")
        if isinstance(model, str) and "/" in model and not provider:
            provider, model = model.split("/", 1)
        first = "force_provider" if "force_provider" in role else "force_model"
        if provider and model:
            role.insert(position, "force", _flow_map({"provider": str(provider), "model": str(model)}))
            _move_comment(role, first, "force")
            result.changes.append(f"{where}: force_provider/force_model -> force: {{{provider}/{model}}}")
        elif provider:
            _extend(role, "allow", [str(provider)], position)
            _move_comment(role, first, "allow")
            result.changes.append(f"{where}: force_provider {provider} (no model) -> allow: [{provider}]")
        else:
            role.insert(position, "x-force_model", str(model))
            result.notes.append(
                f"{where}: force_model {model!r} names no provider; kept as x-force_model (ignored):"
                " set force: {provider: ..., model: ...} to pin it"
            )
        for key in ("force_provider", "force_model"):
            if key in role:
                del role[key]
    prefs = role.get("preferences")
    if not isinstance(prefs, CommentedMap):
        return
    position = list(role).index("preferences") + 1
    if "reasoning" in prefs:
        level = prefs["reasoning"]
        del prefs["reasoning"]
        if level is True or str(level).strip().lower() in {"high", "true", "yes"}:
            requires = role.get("requires")
            if not isinstance(requires, CommentedMap):
                requires = _flow_map({})
                role.insert(position, "requires", requires)
            requires["reasoning"] = True
            result.changes.append(f"{where}: preferences.reasoning {level} -> requires: {{reasoning: true}}")
        else:
            result.changes.append(
                f"{where}: preferences.reasoning {level} dropped (only requires: {{reasoning: true}} exists)"
            )
    deny: list[str] = []
    if "provider_blocklist" in prefs:
        deny += [str(p) for p in prefs["provider_blocklist"] or []]
        del prefs["provider_blocklist"]
    if "model_denylist" in prefs:
        deny += [str(m) if "/" in str(m) else f"*/{m}" for m in prefs["model_denylist"] or []]
        del prefs["model_denylist"]
    if deny:
        _extend(role, "deny", deny, list(role).index("preferences") + 1)
        result.changes.append(f"{where}: provider_blocklist/model_denylist -> deny: [{', '.join(deny)}]")
    _flip_cost(role, prefs, where, 4, result)
    if not prefs:
        del role["preferences"]


def _migrate_defaults(data: CommentedMap, result: Migration) -> None:
    from ruamel.yaml.comments import CommentedMap

    defaults = data.get("defaults")
    if not isinstance(defaults, CommentedMap):
        return
    levels = [k for k in ("quality", "cost", "latency") if k in defaults]
    if not levels:
        return
    position = min(list(defaults).index(k) for k in levels)
    prefs = CommentedMap()
    for key in levels:
        prefs[key] = defaults[key]
        del defaults[key]
    defaults.insert(position, "preferences", prefs)
    result.changes.append(f"defaults: {', '.join(levels)} -> defaults.preferences")
    _flip_cost(defaults, prefs, "defaults", 2, result)


def migrate_document(data: CommentedMap) -> Migration:
    """Rewrite ``data`` (a spec loaded round-trip) from the earlier format, in place."""
    from ruamel.yaml.comments import CommentedMap

    result = Migration()
    roles = data.get("roles")
    if isinstance(roles, CommentedMap):
        for name, role in roles.items():
            if isinstance(role, CommentedMap):
                _migrate_role(str(name), role, result)
    _migrate_defaults(data, result)
    data["x-migrated"] = _MARKER_TEXT
    return result
