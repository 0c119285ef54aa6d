"""Synthetic catalogs for the generator's unit tests (the bundled snapshot is used by golden tests)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

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


@pytest.fixture
def small_catalog() -> FakeCatalog:
    """Three providers, chat and embedding models, a spread of tiers and capabilities."""
    return catalog_of(
        [
            record("openai", "big", quality=5, cost=4, latency=4, price_in=5.0, price_out=15.0, rating=1400),
            record("openai", "mini", quality=3, cost=1, latency=2, price_in=0.1, price_out=0.4, rating=1250),
            record(
                "openai",
                "reasoner",
                quality=5,
                cost=5,
                latency=5,
                price_in=15.0,
                price_out=60.0,
                rating=1410,
                reasoning=True,
                temperature=False,
            ),
            record(
                "openai",
                "embed-small",
                kind="embedding",
                quality=3,
                cost=1,
                latency=1,
                price_in=0.02,
                price_out=0.0,
                tools=False,
                structured=False,
                context=8192,
            ),
            record(
                "openai", "old", quality=2, cost=2, latency=2, price_in=0.5, price_out=1.5, deprecated=True
            ),
            record(
                "anthropic",
                "opus",
                quality=5,
                cost=4,
                latency=5,
                price_in=5.0,
                price_out=25.0,
                rating=1420,
                attachments=True,
                inputs=("text", "image", "pdf"),
            ),
            record(
                "anthropic",
                "haiku",
                quality=3,
                cost=2,
                latency=1,
                price_in=1.0,
                price_out=5.0,
                rating=1260,
                inputs=("text", "image"),
            ),
            record(
                "mistral",
                "medium",
                quality=4,
                cost=2,
                latency=2,
                price_in=0.4,
                price_out=2.0,
                rating=1330,
                open_weights=True,
                context=32_000,
            ),
            record(
                "mistral",
                "embed",
                kind="embedding",
                quality=2,
                cost=1,
                latency=1,
                price_in=0.1,
                price_out=0.0,
                tools=False,
                structured=False,
                context=8192,
            ),
        ]
    )
