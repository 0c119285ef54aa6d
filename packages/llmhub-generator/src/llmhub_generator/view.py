"""SP4: the catalog view the selection works on.

A view is the catalog's records (including local models that llmhub-local registered as an extra
source) in a deterministic order, de-duplicated by what the runtime would call (any-llm provider,
model id, endpoint), with the catalog-wide figures the scores are relative to: the top Arena
rating per category.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from llmhub_catalog.models import ModelRecord

__all__ = ["CatalogLike", "CatalogView", "build_view"]


class CatalogLike(Protocol):
    """What the generator needs from a catalog (``llmhub_catalog.Catalog`` is one)."""

    version: str

    @property
    def fingerprint(self) -> str:
        """Hash of the exact content (snapshot + overrides + extra sources)."""
        ...

    @property
    def records(self) -> tuple[ModelRecord, ...]:
        """Every record, sorted by id."""
        ...


@dataclass(frozen=True)
class CatalogView:
    """Records the selection may use, plus the catalog-wide reference points.

    Attributes:
        records: De-duplicated records, sorted by catalog id.
        version: Catalog data version.
        sha256: Fingerprint of the catalog content (recorded in llmhub.yaml's meta).
        top_rating: Best Arena rating per category over the whole catalog.
        parts: What ``sha256`` is made of (``Catalog.fingerprint_parts``: snapshot, overrides,
            extra sources' records), recorded so that a later change can be named.
    """

    records: tuple[ModelRecord, ...]
    version: str
    sha256: str
    top_rating: dict[str, float] = field(default_factory=dict)
    parts: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def by_kind(self) -> dict[str, dict[str, list[ModelRecord]]]:
        """Records grouped by kind, then by any-llm provider (each group sorted by id)."""
        index: dict[str, dict[str, list[ModelRecord]]] = {}
        for record in self.records:
            index.setdefault(str(record.kind), {}).setdefault(record.provider, []).append(record)
        return index

    def find(self, provider: str, model: str) -> ModelRecord | None:
        """The record for ``provider``/``model``, if the catalog has it."""
        for record in self.records:
            if record.provider == provider and record.model == model:
                return record
        return None


def build_view(catalog: CatalogLike) -> CatalogView:
    """Build the view of ``catalog`` (deterministic for the same content)."""
    seen: set[tuple[str, str, str | None]] = set()
    records: list[ModelRecord] = []
    for record in sorted(catalog.records, key=lambda r: r.id):
        key = (record.provider, record.model, record.api_base)
        if key in seen:
            continue
        seen.add(key)
        records.append(record)
    return CatalogView(
        records=tuple(records),
        version=catalog.version,
        sha256=catalog.fingerprint,
        top_rating=_top_ratings(records),
        parts=dict(getattr(catalog, "fingerprint_parts", None) or {}),
    )


def _top_ratings(records: Iterable[ModelRecord]) -> dict[str, float]:
    top: dict[str, float] = {}
    for record in records:
        if record.arena is None:
            continue
        for category, score in record.arena.ratings.items():
            if score.rating > top.get(category, float("-inf")):
                top[category] = score.rating
    return top
