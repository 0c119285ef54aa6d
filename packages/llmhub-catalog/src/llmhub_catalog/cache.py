"""The user's catalog cache: one snapshot file in the user cache directory.

The directory is ``platformdirs.user_cache_dir("llmhub")/catalog`` (e.g.
``~/.cache/llmhub/catalog`` on Linux) unless ``LLMHUB_CATALOG_CACHE_DIR`` or an explicit
``cache_dir`` says otherwise. The file uses the snapshot format (:mod:`llmhub_catalog.snapshot`)
and its header records when it was fetched (``fetched_at``, Unix time), from which its age and
freshness (TTL) follow. It is only ever written by a refresh that passed every check, and
atomically, so a failed refresh never damages a good cache.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from llmhub_catalog.errors import CacheError
from llmhub_catalog.snapshot import Snapshot, read_snapshot, write_snapshot

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_FILE",
    "DEFAULT_TTL",
    "cache_age",
    "cache_path",
    "default_cache_dir",
    "read_cache",
    "write_cache",
]

#: Environment variable that moves the cache directory.
CACHE_DIR_ENV = "LLMHUB_CATALOG_CACHE_DIR"
#: File name of the cache inside the cache directory.
CACHE_FILE = "catalog.json"
#: Default time-to-live of a cached catalog: one day.
DEFAULT_TTL = 24 * 3600.0


def default_cache_dir() -> Path:
    """``$LLMHUB_CATALOG_CACHE_DIR``, else ``platformdirs.user_cache_dir("llmhub")/catalog``."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured)
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmhub", appauthor=False)) / "catalog"


def cache_path(cache_dir: str | Path | None = None) -> Path:
    """Path of the cache file in ``cache_dir`` (default: :func:`default_cache_dir`)."""
    return Path(cache_dir) / CACHE_FILE if cache_dir is not None else default_cache_dir() / CACHE_FILE


def read_cache(cache_dir: str | Path | None = None) -> Snapshot:
    """Read and verify the cached catalog.

    Every record is validated against the record schema (see :mod:`llmhub_catalog.validation`).

    Raises:
        CacheError: There is no cache, or it is corrupt or malformed (the message names the file).
    """
    path = cache_path(cache_dir)
    if not path.exists():
        raise CacheError("no cached catalog (run refresh_catalog() first)", path=str(path))
    snapshot = read_snapshot(path, error=CacheError)
    if not isinstance(snapshot.header.get("fetched_at"), int | float):
        raise CacheError("the header has no fetched_at time", path=str(path), line=1, field="fetched_at")
    # A matching sha256 proves the file is whole, not that its rows have the record schema.
    from llmhub_catalog.validation import check_snapshot_records

    check_snapshot_records(snapshot, error=CacheError)
    return snapshot


def cache_age(snapshot: Snapshot, now: float | None = None) -> float:
    """Seconds since the cached catalog was fetched."""
    fetched = float(snapshot.header.get("fetched_at", 0.0))
    return max(0.0, (time.time() if now is None else now) - fetched)


def write_cache(
    payload: Mapping[str, Any], cache_dir: str | Path | None = None, *, fetched_at: float | None = None
) -> Path:
    """Write ``payload`` as the cached catalog, atomically; return the file's path."""
    path = cache_path(cache_dir)
    write_snapshot(path, payload, fetched_at=time.time() if fetched_at is None else fetched_at, origin="live")
    return path
