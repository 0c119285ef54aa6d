"""Embedding facts: output dimensions, shortening, and published MTEB averages.

The table ``llmhub_catalog/data/embeddings.json`` is keyed by canonical model key
(:func:`~llmhub_catalog.lifecycle.canonical_key`) and ships in the wheel; every MTEB score carries
the benchmark it averages, its publication date and a citation (see the package README and
``data/NOTICE.md``). Dimensions from a source (litellm's ``output_vector_size``) win over the
table's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, MutableMapping
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["EMBEDDINGS_SOURCE", "apply_embeddings", "embeddings_table", "embeddings_table_date"]

#: Source name of the table in provenance and in a snapshot's ``sources``.
EMBEDDINGS_SOURCE = "embeddings"


@cache
def embeddings_table() -> Mapping[str, Mapping[str, Any]]:
    """Canonical key -> ``{"dimensions", "shortenable", "mteb": {"en"|"multilingual": score}}``."""
    raw = resources.files("llmhub_catalog").joinpath("data/embeddings.json").read_text(encoding="utf-8")
    models: Mapping[str, Mapping[str, Any]] = json.loads(raw)["models"]
    return models


def embeddings_table_date() -> str:
    """The newest publication date of a score in the table (the table's data date)."""
    dates = [s["date"] for entry in embeddings_table().values() for s in entry.get("mteb", {}).values()]
    return max(dates, default="")


def apply_embeddings(rows: Iterable[MutableMapping[str, Any]]) -> int:
    """Give every embedding row its ``embedding`` section (others get ``None``); return MTEB matches."""
    table = embeddings_table()
    matched = 0
    for row in rows:
        if row["kind"] != "embedding":
            row["embedding"] = None
            continue
        merged = row.get("embedding") or {}
        entry = table.get(row.get("canonical") or "", {})
        provenance = row.setdefault("provenance", {})
        dimensions = merged.get("dimensions")
        if dimensions is None and entry.get("dimensions") is not None:
            dimensions = entry["dimensions"]
            provenance["embedding.dimensions"] = EMBEDDINGS_SOURCE
        mteb = {key: dict(score) for key, score in (entry.get("mteb") or {}).items()}
        if mteb:
            provenance["embedding.mteb"] = EMBEDDINGS_SOURCE
            matched += 1
        if entry:
            provenance["embedding.shortenable"] = EMBEDDINGS_SOURCE
        row["embedding"] = {
            "dimensions": dimensions,
            "shortenable": bool(entry.get("shortenable", False)),
            "mteb": mteb,
        }
    return matched
