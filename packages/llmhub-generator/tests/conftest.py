"""Synthetic catalogs for the generator's unit tests (the bundled snapshot is used by golden tests)."""

from __future__ import annotations

import pytest

from generator_fakes import FakeCatalog, catalog_of, record


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
