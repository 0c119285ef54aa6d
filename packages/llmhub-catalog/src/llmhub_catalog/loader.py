"""``load_catalog()``: pick a source (bundled snapshot, user cache, live), apply user overrides
and extra sources, and return a :class:`~llmhub_catalog.catalog.Catalog`.

Sources, from the most to the least preferred in ``auto`` mode:

1. the **cache**, when it is valid and not older than the bundled snapshot (a stale cache is
   still used, with a log message, unless ``refresh_if_stale`` is set and a refresh succeeds);
2. a **live** refresh, only when ``refresh_if_stale=True`` and the cache is missing or stale;
3. the **bundled** snapshot, always the last resort.

A corrupt cache or a failed refresh is logged (logger ``llmhub_catalog``) and the next source is
used. An explicit ``source="cache"`` / ``"live"`` / ``"bundled"`` uses that source only and
raises a :class:`~llmhub_catalog.errors.CatalogError` subclass when it cannot.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from llmhub_catalog.cache import DEFAULT_TTL, cache_age, read_cache
from llmhub_catalog.catalog import Catalog
from llmhub_catalog.errors import CatalogError, SnapshotError
from llmhub_catalog.snapshot import Snapshot, bundled_snapshot_path, read_snapshot

if TYPE_CHECKING:
    from llmhub_catalog.sources import ModelSource

__all__ = ["OVERRIDES_ENV", "CatalogSource", "load_catalog", "load_snapshot"]

logger = logging.getLogger("llmhub_catalog")

#: Environment variable naming a user overrides file.
OVERRIDES_ENV = "LLMHUB_CATALOG_OVERRIDES"
#: Where a catalog's data may come from.
CatalogSource = Literal["auto", "bundled", "cache", "live"]


def _bundled() -> Snapshot:
    return read_snapshot(bundled_snapshot_path(), packaged=True)


def _bundled_version() -> str:
    try:
        with bundled_snapshot_path().open("rb") as handle:
            return str(json.loads(handle.readline()).get("version") or "")
    except (OSError, ValueError):
        return ""


def _auto(
    cache_dir: str | Path | None, ttl: float, refresh_if_stale: bool, refresh_kwargs: dict[str, Any]
) -> tuple[Snapshot | Catalog, str]:
    cached: Snapshot | None = None
    try:
        cached = read_cache(cache_dir)
    except SnapshotError as exc:
        if Path(exc.source or "").exists():
            logger.warning("ignoring the catalog cache: %s", exc)
        else:
            logger.debug("no catalog cache: %s", exc)
    if cached is not None and cached.version < _bundled_version():
        logger.info(
            "the catalog cache (%s) is older than the bundled snapshot; using the snapshot", cached.version
        )
        cached = None
    stale = cached is None or cache_age(cached) > ttl
    if stale and refresh_if_stale:
        from llmhub_catalog.refresh import refresh_catalog

        try:
            return refresh_catalog(cache_dir=cache_dir, **refresh_kwargs), "live"
        except CatalogError as exc:
            logger.warning(
                "catalog refresh failed, using the %s: %s", "cache" if cached else "bundled snapshot", exc
            )
    if cached is not None:
        if stale:
            logger.info(
                "the catalog cache is %.1f hours old (ttl %.1f h)", cache_age(cached) / 3600, ttl / 3600
            )
        return cached, "cache"
    return _bundled(), "bundled"


def load_catalog(
    source: CatalogSource = "auto",
    *,
    cache_dir: str | Path | None = None,
    ttl: float = DEFAULT_TTL,
    refresh_if_stale: bool = False,
    overrides: str | Path | Literal[False] | None = None,
    extra_sources: Iterable[ModelSource] = (),
    **refresh_kwargs: Any,
) -> Catalog:
    """Load the model catalog.

    Args:
        source: ``auto`` (cache, else bundled; see the module docstring), ``bundled``, ``cache``
            or ``live`` (refresh now).
        cache_dir: Cache directory (default: ``$LLMHUB_CATALOG_CACHE_DIR`` or the user cache dir).
        ttl: Seconds after which the cache counts as stale.
        refresh_if_stale: In ``auto`` mode, try a live refresh when the cache is missing or stale.
        overrides: A user overrides file (JSON/YAML); default ``$LLMHUB_CATALOG_OVERRIDES``;
            ``False`` to ignore the variable.
        extra_sources: Extra model sources whose records join the catalog (e.g. llmhub-local's
            models); default: none.
        refresh_kwargs: Passed to :func:`~llmhub_catalog.refresh_catalog` (``models_dev_url``,
            ``arena_url``, ``timeout``...).

    Raises:
        SnapshotError: ``bundled``: the packaged snapshot is unreadable (a broken installation).
        CacheError: ``cache``: there is no valid cache.
        RefreshError: ``live``: the refresh failed.
        OverridesError: The overrides file is invalid.
        TypeError: An item of ``extra_sources`` is not a :class:`~llmhub_catalog.ModelSource`.
        SourceError: An extra source failed.
    """
    loaded: Snapshot | Catalog
    if source == "auto":
        loaded, origin = _auto(cache_dir, ttl, refresh_if_stale, refresh_kwargs)
    elif source == "bundled":
        loaded, origin = _bundled(), "bundled"
    elif source == "cache":
        loaded, origin = read_cache(cache_dir), "cache"
    elif source == "live":
        from llmhub_catalog.refresh import refresh_catalog

        loaded, origin = refresh_catalog(cache_dir=cache_dir, **refresh_kwargs), "live"
    else:
        raise ValueError(f"unknown catalog source {source!r}; use auto, bundled, cache or live")

    if isinstance(loaded, Catalog):
        rows, arena, version, sha, sources, path = (
            [dict(row) for row in loaded._rows],
            dict(loaded._arena),
            loaded.version,
            loaded.sha256,
            dict(loaded.sources),
            loaded.origin,
        )
        table: Sequence[Mapping[str, str]] = list(loaded._provenance_table)
    else:
        rows, arena, version, sha, sources, path = (
            loaded.rows,
            dict(loaded.payload["arena"]),
            loaded.version,
            loaded.sha256,
            dict(loaded.payload["sources"]),
            loaded.path,
        )
        table = loaded.provenance_table

    fingerprint_extra = ""
    overrides_path = overrides if overrides is not None else os.environ.get(OVERRIDES_ENV) or None
    if overrides_path:
        rows, fingerprint_extra = _apply_user_overrides(rows, arena, Path(overrides_path))

    extra = list(extra_sources)
    extra_records = []
    if extra:
        from llmhub_catalog.sources import collect_records

        extra_records = collect_records(extra)

    if not rows and not extra_records:
        raise CatalogError(
            f"the catalog from {path} is empty after overrides: refusing to use an empty catalog"
        )
    return Catalog(
        rows,
        arena=arena,
        version=version,
        sha256=sha,
        source=origin,
        sources=sources,
        origin=path,
        extra_records=extra_records,
        fingerprint_extra=fingerprint_extra,
        provenance_table=table,
    )


def load_snapshot(path: str | Path) -> Catalog:
    """A catalog from one snapshot file (a bundled snapshot, a cache file, an older copy), as is.

    No overrides and no extra sources are applied: this is for comparing and inspecting files.

    Raises:
        SnapshotError: The file is missing, not a snapshot, corrupted, or malformed (the message
            names the file and the field).
    """
    snapshot = read_snapshot(path)
    return Catalog(
        snapshot.rows,
        arena=dict(snapshot.payload["arena"]),
        version=snapshot.version,
        sha256=snapshot.sha256,
        source="file",
        sources=dict(snapshot.payload["sources"]),
        origin=snapshot.path,
        provenance_table=snapshot.provenance_table,
    )


def _apply_user_overrides(
    rows: list[dict[str, Any]], arena: dict[str, Any], path: Path
) -> tuple[list[dict[str, Any]], str]:
    from llmhub_catalog.arena import parse_arena_table
    from llmhub_catalog.overrides import apply_overrides, load_overrides
    from llmhub_catalog.providers import catalog_provider_ids
    from llmhub_catalog.tiers import apply_tiers

    known = catalog_provider_ids() | {row["catalog_provider"] for row in rows}
    parsed = load_overrides(path, known_providers=known)
    table = parse_arena_table(arena) if arena.get("models") else None
    rows = apply_overrides([json.loads(json.dumps(row)) for row in rows], parsed, table)
    apply_tiers(rows, table)
    digest = hashlib.sha256(
        json.dumps([dict(parsed.arena), dict(parsed.models), list(parsed.exclude)], sort_keys=True).encode()
    ).hexdigest()
    return rows, digest
