"""The any-llm provider table covers exactly the providers any-llm supports."""

from __future__ import annotations

import pytest

from llmhub_catalog import ANYLLM_PROVIDERS, load_catalog, route_for
from llmhub_catalog.providers import catalog_provider_ids


def test_table_matches_any_llm() -> None:
    any_llm = pytest.importorskip("any_llm")
    supported = {str(getattr(p, "value", p)) for p in any_llm.AnyLLM.get_supported_providers()}
    assert set(ANYLLM_PROVIDERS) == supported


@pytest.mark.parametrize(
    ("models_dev", "model", "any_llm"),
    [
        ("google", "gemini-2.5-flash", "gemini"),
        ("amazon-bedrock", "anthropic.claude-opus-4-5-20251101-v1:0", "bedrock"),
        ("togetherai", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "together"),
        ("fireworks-ai", "accounts/fireworks/models/glm-5", "fireworks"),
        ("moonshotai", "kimi-k2.6", "moonshot"),
        ("google-vertex", "gemini-2.5-pro", "vertexai"),
        ("google-vertex-anthropic", "claude-opus-4-5", "vertexaianthropic"),
        ("azure", "gpt-4.1", "azureopenai"),
        ("azure", "claude-opus-4-5", "azureanthropic"),
        ("alibaba", "qwen-max", "dashscope"),
        ("qiniu-ai", "x", "qiniu"),
        ("gmicloud", "x", "gmi"),
    ],
)
def test_routes(models_dev: str, model: str, any_llm: str) -> None:
    route = route_for(models_dev, model)
    assert route is not None
    assert route.provider == any_llm


def test_unrouted_providers() -> None:
    assert route_for("openrouter-clone-that-does-not-exist", "x") is None
    assert route_for("poe", "gpt-4.1") is None  # models.dev lists it; any-llm cannot reach it
    assert route_for("alibaba-cn", "qwen-max").api_base == "https://dashscope.aliyuncs.com/compatible-mode/v1"  # type: ignore[union-attr]


def test_every_mapped_models_dev_provider_has_models_in_the_snapshot() -> None:
    present = set(load_catalog("bundled").catalog_providers())
    assert catalog_provider_ids() <= present
    local = {p.id for p in ANYLLM_PROVIDERS.values() if p.local}
    assert {"llamacpp", "ollama", "vllm"} <= local
