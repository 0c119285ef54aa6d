"""Read litellm's model price and context map (``model_prices_and_context_window.json``).

The map is data published by the litellm project (MIT). The bundled snapshot reads the copy inside
the newest ``litellm`` wheel at build time (``scripts/build_snapshot.py``); the live refresh reads
the same JSON from its GitHub raw URL. litellm itself is never imported or depended on.

The map is keyed ``"<route>/<model>"`` (or a bare model id for OpenAI and Anthropic); each entry
has ``litellm_provider``, ``mode``, per-token prices (``input_cost_per_token``...), limits,
``supports_*`` flags, and often ``deprecation_date``. :func:`parse_litellm` turns it into
:class:`~llmhub_catalog.facts.Facts` per catalog provider and model id, in the catalog's units
($ per 1M tokens).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from llmhub_catalog.errors import SourceDataError
from llmhub_catalog.facts import Facts, SourceFacts, clean_price

__all__ = ["LITELLM_PROVIDERS", "parse_litellm"]

#: litellm provider -> catalog (models.dev) provider id. Providers absent here are not read.
LITELLM_PROVIDERS: Final = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "vertex_ai-language-models": "google-vertex",
    "vertex_ai-embedding-models": "google-vertex",
    "vertex_ai-anthropic_models": "google-vertex-anthropic",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "xai": "xai",
    "bedrock": "amazon-bedrock",
    "bedrock_converse": "amazon-bedrock",
    "azure": "azure",
    "groq": "groq",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "together_ai": "togetherai",
    "fireworks_ai": "fireworks-ai",
    "fireworks_ai-embedding-models": "fireworks-ai",
    "deepinfra": "deepinfra",
    "nebius": "nebius",
    "perplexity": "perplexity",
    "moonshot": "moonshotai",
    "zai": "zai",
    "minimax": "minimax",
    "databricks": "databricks",
    "watsonx": "watsonx",
    "ovhcloud": "ovhcloud",
    "gmi": "gmicloud",
    "cerebras": "cerebras",
    "dashscope": "alibaba",
    "openrouter": "openrouter",
    "meta_llama": "llama",
    "voyage": "voyage",
}

# Route prefixes of litellm keys ("gemini/gemini-2.5-pro" is model "gemini-2.5-pro").
_PREFIXES: Final = (
    "gemini/", "vertex_ai/", "mistral/", "deepseek/", "xai/", "bedrock/", "bedrock_converse/",
    "azure/", "groq/", "cohere/", "cohere_chat/", "together_ai/", "fireworks_ai/", "deepinfra/",
    "nebius/", "perplexity/", "moonshot/", "zai/", "minimax/", "databricks/", "watsonx/",
    "ovhcloud/", "gmi/", "cerebras/", "dashscope/", "openrouter/", "meta_llama/", "voyage/",
    "anthropic/", "openai/",
)  # fmt: skip
_MODES: Final = {"chat": "chat", "responses": "chat", "completion": "chat", "embedding": "embedding"}
_ABOVE: Final = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)_above_(\d+)k_tokens$"
)
_TIER_FIELD: Final = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_read_input_token_cost": "cache_read",
}
_PRICES: Final = (
    ("input_cost_per_token", "prices.input"),
    ("output_cost_per_token", "prices.output"),
    ("cache_read_input_token_cost", "prices.cache_read"),
    ("cache_creation_input_token_cost", "prices.cache_write"),
    ("output_cost_per_reasoning_token", "prices.reasoning"),
    ("input_cost_per_audio_token", "prices.input_audio"),
    ("output_cost_per_audio_token", "prices.output_audio"),
    ("output_cost_per_image_token", "prices.output_image"),
)
_EFFORT_FLAGS: Final = (
    ("supports_none_reasoning_effort", "none"),
    ("supports_minimal_reasoning_effort", "minimal"),
    ("supports_xhigh_reasoning_effort", "xhigh"),
    ("supports_max_reasoning_effort", "max"),
)
#: Effort values, lowest first (the order ``reasoning_efforts`` is stored in).
EFFORT_ORDER: Final = ("none", "minimal", "low", "medium", "high", "xhigh", "max")


def _model_id(key: str, provider: str) -> str | None:
    model = key
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            model = key[len(prefix) :]
            break
    if provider in ("amazon-bedrock",) and "/" in model:
        return None  # region- or commitment-specific rows ("bedrock/us-east-1/...")
    if provider == "azure" and "/" in model:
        return None  # regional rows ("azure/eu/gpt-4o")
    return model or None


def _per_million(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return clean_price(value * 1_000_000)


def _tiers(entry: Mapping[str, Any]) -> list[dict[str, Any]]:
    tiers: dict[int, dict[str, Any]] = {}
    for key, value in entry.items():
        match = _ABOVE.match(key)
        price = _per_million(value)
        if match and price is not None:
            above = int(match.group(2)) * 1000
            tier = tiers.setdefault(
                above, {"above_tokens": above, "input": None, "output": None, "cache_read": None}
            )
            tier[_TIER_FIELD[match.group(1)]] = price
    ranges = entry.get("tiered_pricing")
    if not tiers and isinstance(ranges, list):
        for item in ranges:
            if not isinstance(item, Mapping) or not isinstance(item.get("range"), list) or not item["range"]:
                continue
            start = item["range"][0]
            if not isinstance(start, int | float) or start <= 0:
                continue
            above = int(start)
            tiers[above] = {
                "above_tokens": above,
                "input": _per_million(item.get("input_cost_per_token")),
                "output": _per_million(item.get("output_cost_per_token")),
                "cache_read": _per_million(item.get("cache_read_input_token_cost")),
            }
    return [tiers[key] for key in sorted(tiers)]


def _efforts(entry: Mapping[str, Any]) -> tuple[str, ...] | None:
    levels = entry.get("reasoning_effort_levels")
    if isinstance(levels, list) and levels:
        return tuple(e for e in EFFORT_ORDER if e in levels)
    flags = [name for key, name in _EFFORT_FLAGS if entry.get(key) is True]
    if not flags:
        return None
    return tuple(e for e in EFFORT_ORDER if e in {"low", "medium", "high", *flags})


def _facts(entry: Mapping[str, Any]) -> Facts:
    facts: Facts = {}
    for key, path in _PRICES:
        if key in entry:
            facts[path] = _per_million(entry[key])
    tiers = _tiers(entry)
    if tiers:
        facts["prices.long_context"] = tiers
    for key, path in (("max_input_tokens", "limits.context"), ("max_output_tokens", "limits.output")):
        value = entry.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            facts[path] = int(value)
    date = entry.get("deprecation_date")
    if isinstance(date, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        facts["deprecation_date"] = date
    if entry.get("supports_reasoning") is False:
        facts["capabilities.reasoning_mode"] = "none"
    elif entry.get("thinking_always_on") is True:
        facts["capabilities.reasoning_mode"] = "always"
    elif entry.get("supports_reasoning") is True and (
        entry.get("supports_none_reasoning_effort") is True
        or "none" in (entry.get("reasoning_effort_levels") or ())
    ):
        facts["capabilities.reasoning_mode"] = "optional"
    efforts = _efforts(entry)
    if efforts is not None and entry.get("supports_reasoning") is not False:
        facts["capabilities.reasoning_efforts"] = list(efforts)
    size = entry.get("output_vector_size")
    if isinstance(size, int) and not isinstance(size, bool) and size > 0:
        facts["embedding.dimensions"] = size
    return facts


def _template(provider: str, model: str, entry: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The descriptive part of a new record (what models.dev would have given)."""
    declared_in = entry.get("supported_modalities")
    inputs = ["text"]
    for flag, modality in (
        ("supports_vision", "image"),
        ("supports_audio_input", "audio"),
        ("supports_video_input", "video"),
        ("supports_pdf_input", "pdf"),
    ):
        if entry.get(flag) is True or (isinstance(declared_in, list) and modality in declared_in):
            inputs.append(modality)
    declared_out = entry.get("supported_output_modalities")
    outputs = [m for m in ("text", "image", "audio") if isinstance(declared_out, list) and m in declared_out]
    if not outputs:
        outputs = ["text"] + (["audio"] if entry.get("supports_audio_output") is True else [])
    return {
        "provider_id": provider,
        "model": model,
        "kind": kind,
        "capabilities": {
            "tool_call": entry.get("supports_function_calling") is True,
            "structured_output": entry.get("supports_response_schema") is True,
            "reasoning": entry.get("supports_reasoning") is True,
            "attachments": "image" in inputs or "pdf" in inputs,
            "temperature": entry.get("supports_sampling_params") is not False,
        },
        "modalities": {"input": inputs, "output": outputs},
    }


def parse_litellm(data: Any, *, date: str, info: Mapping[str, Any] | None = None) -> SourceFacts:
    """Facts per ``(catalog provider, model id)`` from litellm's map.

    Entries of providers outside :data:`LITELLM_PROVIDERS`, of other modes (image generation,
    speech...), or with a per-region key are skipped. Where two keys name the same model (a
    prefixed and a bare key), the first in key order wins.

    Raises:
        SourceDataError: The document is not a JSON object of entries.
    """
    if not isinstance(data, Mapping) or not data:
        raise SourceDataError("litellm data must be a non-empty JSON object of model entries")
    facts: dict[tuple[str, str], Facts] = {}
    templates: dict[tuple[str, str], dict[str, Any]] = {}
    for key in sorted(data):
        entry = data[key]
        if key == "sample_spec" or not isinstance(entry, Mapping):
            continue
        provider = LITELLM_PROVIDERS.get(str(entry.get("litellm_provider")))
        kind = _MODES.get(str(entry.get("mode")))
        if provider is None or kind is None:
            continue
        model = _model_id(str(key), provider)
        if model is None or (provider, model) in facts:
            continue
        facts[(provider, model)] = _facts(entry)
        templates[(provider, model)] = _template(provider, model, entry, kind)
        alias = entry.get("alias_of")
        if isinstance(alias, str):
            target = _model_id(alias, provider)
            if target:
                facts[(provider, model)]["alias_of"] = target
    return SourceFacts(name="litellm", date=date, facts=facts, templates=templates, info=dict(info or {}))
