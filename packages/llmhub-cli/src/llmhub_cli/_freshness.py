"""The one freshness rule: is llmhub.yaml current with the spec and the catalog, and if not, why.

``generate --check``, ``runtime diff`` and ``doctor`` all call :func:`freshness` with the catalog
:func:`project_catalog` gives (the one ``generate`` chooses from), so they never disagree. Every
reason names what changed: the spec (and which roles), the catalog data (its version), the user
overrides, or the models an extra source contributed (the local models registered with
llmhub-local, passed to ``load_catalog(extra_sources=...)`` by :func:`catalog_sources`: which were
added, removed or changed). ``meta.catalog.parts`` in llmhub.yaml
(written by the generator when the catalog is more than the snapshot) is what makes that possible.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmhub_catalog import Catalog, ModelSource
    from llmhub_cli._state import RuntimeFile
    from llmhub_generator.spec import LoadedSpec, Spec

__all__ = ["Reason", "catalog_changes", "catalog_sources", "freshness", "local_sources", "project_catalog"]

_LOCAL_SOURCE = "llmhub-local"
_REGENERATE = "run `llmhub generate`"
_FORCE = (
    "move the edit into llmhub.spec.yaml, then run `llmhub generate --force` (it replaces the edited file)"
)


@dataclass(frozen=True)
class Reason:
    """Why llmhub.yaml is not current. ``kind``: missing, unreadable, spec, catalog or hand_edited."""

    kind: str
    message: str
    fix: str


def local_sources() -> list[ModelSource]:
    """llmhub-local's registered models as a catalog source (none when it is not installed)."""
    try:
        from llmhub_local.serving.catalog_source import LocalModelsSource
    except ImportError:
        return []
    return [LocalModelsSource()]


def catalog_sources(spec: Spec) -> list[ModelSource]:
    """The extra catalog sources for ``spec``: :func:`local_sources` when it enables ``llamacpp``."""
    return local_sources() if "llamacpp" in spec.enabled_providers() else []


def project_catalog(spec: Spec) -> Catalog:
    """The catalog ``generate`` chooses from for ``spec``: the snapshot (or cache), plus the
    records of :func:`catalog_sources` (llmhub-local's registered models when the spec enables
    ``llamacpp`` and llmhub-local is installed).
    """
    from llmhub_catalog import load_catalog

    return load_catalog(extra_sources=catalog_sources(spec))


def _short(digest: object) -> str:
    return str(digest)[:12] if digest is not None else "none"


def _source_label(name: str) -> str:
    if name == _LOCAL_SOURCE:
        return "the local models registered with llmhub-local"
    return f"the models from the catalog source {name!r}"


def _list(ids: list[str]) -> str:
    shown = ", ".join(ids[:5])
    return shown + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")


def catalog_changes(recorded: Mapping[str, Any], catalog: Any) -> list[str]:
    """What differs between ``meta.catalog`` of a generated file and ``catalog`` (empty: same).

    ``catalog`` needs ``version``, ``fingerprint`` and (optionally) ``fingerprint_parts``.
    """
    old_sha = recorded.get("sha256")
    if old_sha is not None and str(old_sha) == catalog.fingerprint:
        return []
    old_version = str(recorded.get("version") or "unknown")
    new_version = str(catalog.version)
    new_parts: Mapping[str, Any] = getattr(catalog, "fingerprint_parts", None) or {
        "snapshot": catalog.fingerprint
    }
    raw = recorded.get("parts")
    legacy = not isinstance(raw, Mapping)
    # A file written before parts were recorded had only the snapshot unless proven otherwise.
    old_parts: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {"snapshot": old_sha}
    changes: list[str] = []
    if old_parts.get("snapshot") != new_parts.get("snapshot"):
        if old_version != new_version:
            changes.append(f"the catalog data changed (version {old_version} -> {new_version})")
        elif legacy:
            changes.append(
                f"the catalog's content changed while its version stayed {new_version} "
                f"(fingerprint {_short(old_sha)} -> {_short(catalog.fingerprint)}; overrides, "
                "models from extra sources such as llmhub-local, or the data itself)"
            )
        else:
            changes.append(
                f"the catalog data changed while its version stayed {new_version} "
                f"(content {_short(old_parts.get('snapshot'))} -> {_short(new_parts.get('snapshot'))})"
            )
    old_over, new_over = old_parts.get("overrides"), new_parts.get("overrides")
    if old_over != new_over:
        if not old_over:
            changes.append("catalog overrides are applied now (LLMHUB_CATALOG_OVERRIDES) and were not then")
        elif not new_over:
            changes.append("the catalog overrides applied at generation no longer apply")
        else:
            changes.append("the catalog overrides changed")
    old_sources = old_parts.get("sources") or {}
    new_sources = new_parts.get("sources") or {}
    for name in sorted(set(old_sources) | set(new_sources)):
        before: Mapping[str, Any] = old_sources.get(name) or {}
        after: Mapping[str, Any] = new_sources.get(name) or {}
        if before == after:
            continue
        added = sorted(set(after) - set(before))
        removed = sorted(set(before) - set(after))
        changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
        details = []
        if added:
            details.append(f"added {_list(added)}")
        if removed:
            details.append(f"removed {_list(removed)}")
        if changed:
            details.append(f"changed {_list(changed)} (settings or server address)")
        changes.append(f"{_source_label(name)} changed: {'; '.join(details)}")
    if not changes:  # parts equal but fingerprints differ: say so rather than print "A -> A"
        changes.append(
            f"the catalog's fingerprint changed ({_short(old_sha)} -> {_short(catalog.fingerprint)})"
        )
    return changes


def freshness(existing: RuntimeFile | None, loaded: LoadedSpec, catalog: Any) -> list[Reason]:
    """Why ``existing`` (llmhub.yaml as read, or None when missing) is not current; empty if it is."""
    if existing is None:
        return [Reason("missing", "llmhub.yaml does not exist", _REGENERATE)]
    reasons: list[Reason] = []
    if existing.spec_sha256 != loaded.sha256:
        spec_roles = list(loaded.spec.roles)
        missing = [r for r in spec_roles if r not in existing.config.roles]
        extra = [r for r in existing.config.roles if r not in spec_roles]
        message = f"{loaded.source} changed since llmhub.yaml was generated"
        if missing:
            message += f" (not generated yet: {', '.join(missing)})"
        if extra:
            message += f" (no longer in the spec: {', '.join(extra)})"
        reasons.append(Reason("spec", message, _REGENERATE))
    for change in catalog_changes(existing.meta.get("catalog") or {}, catalog):
        reasons.append(Reason("catalog", change, _REGENERATE))
    if existing.hand_edited:
        reasons.append(
            Reason(
                "hand_edited", "llmhub.yaml was edited by hand (or not written by llmhub generate)", _FORCE
            )
        )
    return reasons
