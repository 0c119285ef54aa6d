"""Shared fixtures: a small models.dev document, an Arena table, and a local HTTP server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from catalog_server import LocalServer


def _model(model_id: str, name: str, family: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": model_id,
        "name": name,
        "family": family,
        "attachment": True,
        "reasoning": False,
        "tool_call": True,
        "structured_output": True,
        "temperature": True,
        "knowledge": "2024-06",
        "release_date": "2025-04-14",
        "last_updated": "2025-04-14",
        "modalities": {"input": ["text", "image"], "output": ["text"]},
        "open_weights": False,
        "cost": {"input": 2.0, "output": 8.0, "cache_read": 0.5},
        "limit": {"context": 1_047_576, "output": 32_768},
    }
    data.update(extra)
    return data


def _provider(provider_id: str, models: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": provider_id,
        "name": provider_id.title(),
        "env": [f"{provider_id.upper()}_API_KEY"],
        "npm": "@ai-sdk/openai",
        "doc": "https://example.invalid",
        "models": {m["id"]: m for m in models},
    }


@pytest.fixture
def models_dev_doc() -> dict[str, Any]:
    """A models.dev api.json with a few models of the core providers (and one unroutable provider)."""
    return {
        "openai": _provider(
            "openai",
            [
                _model("gpt-4.1", "GPT-4.1", "gpt"),
                _model("gpt-4.1-mini", "GPT-4.1 mini", "gpt-mini", cost={"input": 0.4, "output": 1.6}),
                _model(
                    "text-embedding-3-small",
                    "text-embedding-3-small",
                    "text-embedding",
                    tool_call=False,
                    cost={"input": 0.02, "output": 0},
                    modalities={"input": ["text"], "output": ["text"]},
                ),
                _model("gpt-4", "GPT-4", "gpt", status="deprecated", cost={"input": 30, "output": 60}),
            ],
        ),
        "anthropic": _provider(
            "anthropic", [_model("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "claude-sonnet")]
        ),
        "google": _provider("google", [_model("gemini-2.5-flash", "Gemini 2.5 Flash", "gemini-flash")]),
        "some-gateway": _provider("some-gateway", [_model("gpt-4.1", "GPT-4.1", "gpt")]),
    }


@pytest.fixture
def arena_doc() -> dict[str, Any]:
    """An Arena table in the 'tasks' shape (as published by llmledger)."""
    return {
        "ratings": {
            "date": "2026-10-20",
            "source": "https://huggingface.co/datasets/lmarena-ai/leaderboard-dataset",
            "tasks": {
                "overall": [
                    ["anthropic / claude-sonnet-4.5", "Claude Sonnet 4.5", 1450.0, 1445.0, 1455.0, 50000, 1],
                    ["openai / gpt-4.1", "GPT-4.1 (2025-04-14)", 1414.5, 1410.8, 1418.3, 50293, 2],
                    ["google / gemini-2.5-flash", "Gemini 2.5 Flash", 1400.0, 1395.0, 1405.0, 40000, 3],
                    ["openai / gpt-4", "GPT-4 (0314)", 1288.0, 1283.2, 1292.7, 54173, 4],
                ],
                "coding": [["openai / gpt-4.1", "GPT-4.1 (2025-04-14)", 1420.0, 1410.0, 1430.0, 9000, 2]],
            },
        }
    }


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    srv.thread.start()
    try:
        yield srv
    finally:
        srv.httpd.shutdown()
        srv.httpd.server_close()


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own cache dir; no test reads the user's real cache or env overrides."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("LLMHUB_CATALOG_CACHE_DIR", str(cache))
    monkeypatch.delenv("LLMHUB_CATALOG_OVERRIDES", raising=False)
    monkeypatch.delenv("LLMHUB_CATALOG_ARENA_URL", raising=False)
    monkeypatch.delenv("LLMHUB_CATALOG_MODELS_DEV_URL", raising=False)
    return cache


@pytest.fixture(autouse=True)
def _no_default_source_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A refresh in a test never reaches the internet: sources not given explicitly are left out."""
    monkeypatch.setenv("LLMHUB_CATALOG_LITELLM_URL", "off")
    monkeypatch.setenv("LLMHUB_CATALOG_GENAI_PRICES_URL", "off")
