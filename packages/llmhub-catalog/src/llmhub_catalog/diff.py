"""What changed between two catalogs: models added, removed, newly deprecated, repriced.

Used by ``llmhub catalog diff`` and by the weekly snapshot workflow, whose pull request body is
:meth:`CatalogDiff.to_text`. A price counts as changed when it moves by more than 1%.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmhub_catalog.merge import within

if TYPE_CHECKING:
    from llmhub_catalog.catalog import Catalog

__all__ = ["CatalogDiff", "PriceChange", "diff_catalogs"]

_PRICES = ("input", "output", "cache_read", "output_image")


@dataclass(frozen=True)
class PriceChange:
    """One price of one model that moved by more than 1% ($ per 1M tokens; ``None``: unknown)."""

    id: str
    field: str
    old: float | None
    new: float | None


@dataclass
class CatalogDiff:
    """The differences between an ``old`` and a ``new`` catalog (ids sorted)."""

    old_version: str
    new_version: str
    old_models: int
    new_models: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)
    repriced: list[PriceChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing changed."""
        return not (self.added or self.removed or self.deprecated or self.repriced)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "old": {"version": self.old_version, "models": self.old_models},
            "new": {"version": self.new_version, "models": self.new_models},
            "added": self.added,
            "removed": self.removed,
            "deprecated": self.deprecated,
            "repriced": [vars(change) for change in self.repriced],
        }

    def to_text(self, limit: int = 150) -> str:
        """A human-readable (Markdown) summary, at most ``limit`` lines per section."""

        def price(value: float | None) -> str:
            return "unknown" if value is None else f"${value:g}"

        lines = [
            f"Catalog {self.old_version} ({self.old_models} models) -> "
            f"{self.new_version} ({self.new_models} models)",
            "",
        ]
        sections: list[tuple[str, list[str]]] = [
            ("Added", [f"- {model_id}" for model_id in self.added]),
            ("Removed", [f"- {model_id}" for model_id in self.removed]),
            ("Newly deprecated", [f"- {model_id}" for model_id in self.deprecated]),
            (
                "Repriced ($ per 1M tokens)",
                [f"- {c.id} {c.field}: {price(c.old)} -> {price(c.new)}" for c in self.repriced],
            ),
        ]
        for title, items in sections:
            lines.append(f"## {title}: {len(items)}")
            lines.extend(items[:limit])
            if len(items) > limit:
                lines.append(f"- ... and {len(items) - limit} more")
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def diff_catalogs(old: Catalog, new: Catalog) -> CatalogDiff:
    """Compare two catalogs record by record (deprecated records included)."""
    before = {record.id: record for record in old.records}
    after = {record.id: record for record in new.records}
    diff = CatalogDiff(
        old_version=old.version, new_version=new.version, old_models=len(before), new_models=len(after)
    )
    diff.added = sorted(after.keys() - before.keys())
    diff.removed = sorted(before.keys() - after.keys())
    for model_id in sorted(before.keys() & after.keys()):
        a, b = before[model_id], after[model_id]
        if b.deprecated and not a.deprecated:
            diff.deprecated.append(model_id)
        for name in _PRICES:
            old_price, new_price = getattr(a.prices, name), getattr(b.prices, name)
            if old_price == new_price:
                continue
            if old_price is None or new_price is None or not within(old_price, new_price):
                diff.repriced.append(PriceChange(model_id, name, old_price, new_price))
    return diff
