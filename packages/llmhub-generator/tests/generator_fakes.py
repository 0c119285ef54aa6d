"""Synthetic catalog records and a fake catalog for the generator's unit tests."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from llmhub_catalog.models import (
    ArenaRatings,
    ArenaScore,
    Capabilities,
    EmbeddingInfo,
    Limits,
    Modalities,
    ModelKind,
    ModelRecord,
    ModelStatus,
    MtebScore,
    Prices,
    Provenance,
    Tiers,
)


def record(
    provider: str,
    model: str,
    *,
    kind: str = "chat",
    quality: int = 3,
    cost: int = 3,
    latency: int = 3,
    price_in: float | None = 1.0,
    price_out: float | None = 4.0,
    rating: float | None = None,
    categories: dict[str, float] | None = None,
    tools: bool = True,
    structured: bool = True,
    reasoning: bool = False,
    attachments: bool = False,
    temperature: bool = True,
    context: int | None = 128_000,
    output: int | None = 16_000,
    inputs: tuple[str, ...] = ("text",),
    outputs: tuple[str, ...] = ("text",),
    open_weights: bool = False,
    deprecated: bool = False,
    api_base: str | None = None,
    ci: float = 5.0,
    votes: int = 1000,
    reasoning_mode: str | None = None,
    efforts: tuple[str, ...] = (),
    canonical: str | None = None,
    alias_of: str | None = None,
    preview: bool = False,
    dimensions: int | None = None,
    mteb: dict[str, float] | None = None,
    provenance: dict[str, tuple[str, str]] | None = None,
) -> ModelRecord:
    """A ModelRecord with sensible defaults; every field the generator reads can be set.

    ``rating`` gets a 95% interval of ``rating +- ci``; ``mteb`` maps ``en``/``multilingual`` to
    an MTEB average.
    """
    arena = None
    if rating is not None or categories:
        base = rating or 1300.0
        ratings = {"overall": ArenaScore(rating=base, ci_lower=base - ci, ci_upper=base + ci, votes=votes)}
        for name, value in (categories or {}).items():
            ratings[name] = ArenaScore(
                rating=value, ci_lower=value - ci, ci_upper=value + ci, votes=votes // 2
            )
        arena = ArenaRatings(
            arena_id=f"{provider} / {canonical or model}", display_name=model, match="exact", ratings=ratings
        )
    embedding = None
    if dimensions is not None or mteb:
        embedding = EmbeddingInfo(
            dimensions=dimensions,
            mteb={
                k: MtebScore(
                    score=v, benchmark=f"MTEB({k})", date="2026-01-01", citation="https://example.org"
                )
                for k, v in (mteb or {}).items()
            },
        )
    return ModelRecord(
        id=f"{provider}/{model}",
        catalog_provider=provider,
        provider=provider,
        model=model,
        api_base=api_base,
        name=model,
        kind=ModelKind(kind),
        capabilities=Capabilities(
            tool_call=tools,
            structured_output=structured,
            reasoning=reasoning,
            attachments=attachments,
            temperature=temperature,
            reasoning_mode=reasoning_mode,  # type: ignore[arg-type]
            reasoning_efforts=efforts,
        ),
        modalities=Modalities(input=inputs, output=outputs),  # type: ignore[arg-type]
        limits=Limits(context=context, output=output),
        prices=Prices(input=price_in, output=price_out),
        open_weights=open_weights,
        status=ModelStatus.DEPRECATED if deprecated else ModelStatus.ACTIVE,
        canonical=canonical,
        alias_of=alias_of,
        preview=preview,
        arena=arena,
        embedding=embedding,
        provenance={k: Provenance(source=src, date=d) for k, (src, d) in (provenance or {}).items()},
        tiers=Tiers(
            quality=quality,
            cost=cost,
            latency=latency,
            quality_basis="arena" if arena is not None else "default",
            cost_basis="price" if price_in is not None else "unknown",
        ),
    )


@dataclass
class FakeCatalog:
    """The parts of ``llmhub_catalog.Catalog`` the generator uses."""

    records: tuple[ModelRecord, ...]
    version: str = "2026-01-01"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        payload = json.dumps([r.model_dump(mode="json") for r in self.records], sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()


def catalog_of(records: Iterable[ModelRecord]) -> FakeCatalog:
    """A fake catalog holding ``records``."""
    return FakeCatalog(records=tuple(sorted(records, key=lambda r: r.id)))
