"""How old a catalog's data is, and when to say so.

A catalog's version is the date of its newest source. Model lists and prices move every week, so
``llmhub generate`` and ``llmhub doctor`` warn when the data is older than
:data:`STALE_AFTER_DAYS` days. The age is the only place the clock is read; it never changes
what ``generate`` writes.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["STALE_AFTER_DAYS", "catalog_age_days", "staleness_warning"]

#: Data older than this many days earns a warning.
STALE_AFTER_DAYS = 60


def catalog_age_days(version: str, today: dt.date | None = None) -> int | None:
    """Days between a catalog version (an ISO date) and ``today`` (``None``: not a date)."""
    try:
        day = dt.date.fromisoformat(version[:10])
    except (TypeError, ValueError):
        return None
    return ((today or dt.datetime.now(dt.UTC).date()) - day).days


def staleness_warning(version: str, today: dt.date | None = None) -> str | None:
    """A warning when the catalog data is older than :data:`STALE_AFTER_DAYS` days, else ``None``."""
    age = catalog_age_days(version, today)
    if age is None or age <= STALE_AFTER_DAYS:
        return None
    return (
        f"the model catalog is {age} days old (data of {version[:10]}); new models and price changes "
        "since then are missing: run `llmhub catalog refresh`, then `llmhub generate`"
    )
