"""Exceptions raised by llmhub_catalog.

Everything the catalog raises on purpose derives from :class:`CatalogError`. Errors about a file
(the bundled snapshot, the cache, an overrides file) say which file, and where it can be located,
which line and which field.
"""

from __future__ import annotations

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


class CatalogError(Exception):
    """Base class for every error raised by llmhub_catalog."""


class _LocatedError(CatalogError):
    """An error about a file, with the file, line and field when they are known."""

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = message
        where = path or ""
        if path and line is not None:
            where = f"{path}:{line}"
        prefix = " ".join(part for part in (where, field) if part)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class SnapshotError(_LocatedError):
    """A catalog snapshot (bundled or cached) is unreadable, fails its sha256 check, or lacks a field."""


class CacheError(SnapshotError):
    """The user's catalog cache is missing, corrupt or unusable."""


class OverridesError(_LocatedError):
    """An overrides file is unreadable or names something that does not exist (e.g. a provider)."""


class SourceDataError(CatalogError):
    """Source data (models.dev JSON or an Arena table) does not have the expected shape."""


class RefreshError(CatalogError):
    """A live refresh failed (network, HTTP status, truncated or implausibly small data).

    A failed refresh never replaces a good cache.
    """


class SourceError(CatalogError):
    """An extra model source (registered with :func:`~llmhub_catalog.register_source`) failed."""


class UnknownModelError(CatalogError, KeyError):
    """A catalog id that is not in the catalog."""

    def __init__(self, model_id: str, suggestions: tuple[str, ...] = ()) -> None:
        self.model_id = model_id
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"no model {model_id!r} in the catalog{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])
