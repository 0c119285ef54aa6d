"""Exceptions raised by llmhub_catalog.

Everything the catalog raises on purpose derives from :class:`CatalogError`, which derives from
the shared root :class:`llmhub_runtime.LLMHubError`. Errors about a file (the bundled snapshot,
the cache, an overrides file) say which file, and where it can be located, which line and which
field; they hold one :class:`~llmhub_runtime.ConfigProblem` in ``problems`` and the file in
``source``. An id that is not in the catalog is the shared
:class:`llmhub_runtime.UnknownModelError` (re-exported here).

A bad overrides file is the caller's to fix (``category`` ``ErrorCategory.USAGE``); everything
else (a corrupt snapshot or cache, a failed refresh or source) is a failure of the run.
"""

from __future__ import annotations

from llmhub_runtime.errors import ConfigProblem, ErrorCategory, LLMHubError, UnknownModelError

__all__ = [
    "CacheError",
    "CatalogError",
    "OverridesError",
    "RefreshError",
    "SnapshotError",
    "SourceDataError",
    "SourceError",
    "UnknownModelError",
]


class CatalogError(LLMHubError):
    """Base class for every error raised by llmhub_catalog."""


class _LocatedError(CatalogError):
    """An error about a file, with the file, line and field when they are known."""

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None
    ) -> None:
        super().__init__(self._locate([ConfigProblem(field or "", message, line)], path))


class SnapshotError(_LocatedError):
    """A catalog snapshot (bundled or cached) is unreadable, fails its sha256 check, or lacks a field."""


class CacheError(SnapshotError):
    """The user's catalog cache is missing, corrupt or unusable."""


class OverridesError(_LocatedError):
    """An overrides file is unreadable or names something that does not exist (e.g. a provider)."""

    category = ErrorCategory.USAGE


class SourceDataError(CatalogError):
    """Source data (models.dev JSON or an Arena table) does not have the expected shape."""


class RefreshError(CatalogError):
    """A live refresh failed (network, HTTP status, truncated or implausibly small data).

    A failed refresh never replaces a good cache.
    """


class SourceError(CatalogError):
    """An extra model source (passed as ``load_catalog(extra_sources=...)``) failed."""
