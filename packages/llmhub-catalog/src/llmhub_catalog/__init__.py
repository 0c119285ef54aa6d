"""llmhub_catalog: an offline-first catalog of LLMs for choosing models by role.

Merged from models.dev, litellm's price map, genai-prices and LMArena ratings, with the source of
every field.

::

    from llmhub_catalog import load_catalog

    catalog = load_catalog()                      # cache if valid, else the bundled snapshot
    for record in catalog.filter(kind="chat", capabilities=["tool_call"], min_context=128_000):
        print(record.provider, record.model, record.tiers.quality)

Importing the package is cheap and has no side effects; ``load_catalog()`` reads and verifies
a JSON snapshot without importing pydantic, and the record models (pydantic) are built on first
use. The record classes below are imported lazily too.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from llmhub_catalog.cache import DEFAULT_TTL, default_cache_dir
from llmhub_catalog.catalog import CAPABILITIES, Catalog
from llmhub_catalog.errors import (
    CacheError,
    CatalogError,
    OverridesError,
    RefreshError,
    SnapshotError,
    SourceDataError,
    SourceError,
    UnknownModelError,
)
from llmhub_catalog.loader import CatalogSource, load_catalog, load_snapshot
from llmhub_catalog.snapshot import bundled_snapshot_path

if TYPE_CHECKING:
    __version__: str
    from llmhub_catalog.diff import CatalogDiff, PriceChange, diff_catalogs
    from llmhub_catalog.models import (
        ArenaRatings,
        ArenaScore,
        Capabilities,
        EmbeddingInfo,
        FieldConflict,
        Limits,
        Modalities,
        ModelKind,
        ModelRecord,
        ModelStatus,
        MtebScore,
        Prices,
        PriceTier,
        Provenance,
        ReasoningMode,
        Tiers,
    )
    from llmhub_catalog.providers import ANYLLM_PROVIDERS, AnyLLMProvider, route_for
    from llmhub_catalog.refresh import refresh_catalog
    from llmhub_catalog.sources import ModelSource, StaticSource

# Names served on first access, so that `import llmhub_catalog` does not import pydantic, the
# network code or the provider table (none of which loading a catalog needs).
_LAZY = {
    **dict.fromkeys(
        (
            "ArenaRatings",
            "ArenaScore",
            "Capabilities",
            "EmbeddingInfo",
            "FieldConflict",
            "Limits",
            "Modalities",
            "ModelKind",
            "ModelRecord",
            "ModelStatus",
            "MtebScore",
            "PriceTier",
            "Prices",
            "Provenance",
            "ReasoningMode",
            "Tiers",
        ),
        "llmhub_catalog.models",
    ),
    "refresh_catalog": "llmhub_catalog.refresh",
    **dict.fromkeys(("ANYLLM_PROVIDERS", "AnyLLMProvider", "route_for"), "llmhub_catalog.providers"),
    **dict.fromkeys(("CatalogDiff", "PriceChange", "diff_catalogs"), "llmhub_catalog.diff"),
    **dict.fromkeys(("ModelSource", "StaticSource"), "llmhub_catalog.sources"),
}


def _version() -> str:
    # importlib.metadata costs ~30 ms to import: read the version on first access only.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("llmhub-catalog")
    except PackageNotFoundError:  # pragma: no cover - only when run from a source tree without install
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
        globals()[name] = value
        return value
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'llmhub_catalog' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "ANYLLM_PROVIDERS",
    "CAPABILITIES",
    "DEFAULT_TTL",
    "AnyLLMProvider",
    "ArenaRatings",
    "ArenaScore",
    "CacheError",
    "Capabilities",
    "Catalog",
    "CatalogDiff",
    "CatalogError",
    "CatalogSource",
    "EmbeddingInfo",
    "FieldConflict",
    "Limits",
    "Modalities",
    "ModelKind",
    "ModelRecord",
    "ModelSource",
    "ModelStatus",
    "MtebScore",
    "OverridesError",
    "PriceChange",
    "PriceTier",
    "Prices",
    "Provenance",
    "ReasoningMode",
    "RefreshError",
    "SnapshotError",
    "SourceDataError",
    "SourceError",
    "StaticSource",
    "Tiers",
    "UnknownModelError",
    "__version__",
    "bundled_snapshot_path",
    "default_cache_dir",
    "diff_catalogs",
    "load_catalog",
    "load_snapshot",
    "refresh_catalog",
    "route_for",
]
