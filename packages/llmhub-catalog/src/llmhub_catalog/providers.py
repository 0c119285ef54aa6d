"""Which any-llm provider reaches the models of each models.dev provider.

models.dev and any-llm name providers differently (models.dev ``google`` is any-llm ``gemini``,
``amazon-bedrock`` is ``bedrock``, ``togetherai`` is ``together``...). :data:`ANYLLM_PROVIDERS`
has one entry for **every** provider any-llm supports (a test compares it with
``AnyLLM.get_supported_providers()``), saying which models.dev providers, if any, it serves.
Only models whose models.dev provider appears here become catalog records: a model nobody can
call through any-llm is no candidate.

Some any-llm providers have no models.dev counterpart: local servers (``llamacpp``, ``ollama``,
``vllm``, ``lmstudio`` is the exception), gateways that route anything (``portkey``) and
providers models.dev does not list. Their models reach the catalog through extra sources
(:mod:`llmhub_catalog.sources`), e.g. llmhub-local.

This module is pure data: importing it imports nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

__all__ = [
    "ANYLLM_PROVIDERS",
    "AnyLLMProvider",
    "Route",
    "catalog_provider_ids",
    "route_for",
]


@dataclass(frozen=True, slots=True)
class AnyLLMProvider:
    """One any-llm provider and the models.dev providers it serves.

    Attributes:
        id: any-llm provider id (``AnyLLM.create(id, ...)``).
        models_dev: models.dev provider ids whose models are reached through it (may be empty).
        local: True for servers that run on the user's machine (llama.cpp, Ollama, vLLM...).
        note: Why the mapping is what it is, when that is not obvious.
    """

    id: str
    models_dev: tuple[str, ...] = ()
    local: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class Route:
    """How one catalog record is reached: the any-llm provider, and an ``api_base`` when needed."""

    provider: str
    api_base: str | None = None


def _p(id_: str, *models_dev: str, local: bool = False, note: str = "") -> tuple[str, AnyLLMProvider]:
    return id_, AnyLLMProvider(id=id_, models_dev=models_dev, local=local, note=note)


#: Every provider any-llm supports, keyed by its any-llm id.
ANYLLM_PROVIDERS: Final = MappingProxyType(
    dict(
        [
            _p("anthropic", "anthropic"),
            _p("atlascloud", note="not listed on models.dev"),
            _p("azure", note="Azure AI Inference; models.dev lists Azure OpenAI deployments (azureopenai)"),
            _p(
                "azureanthropic",
                note="Claude models of models.dev 'azure' / 'azure-cognitive-services' (see route_for)",
            ),
            _p("azureopenai", "azure", "azure-cognitive-services"),
            _p("bedrock", "amazon-bedrock"),
            _p("cascadia", note="not listed on models.dev"),
            _p("cerebras", "cerebras"),
            _p("cohere", "cohere"),
            _p("dashscope", "alibaba", "alibaba-cn", note="Alibaba Model Studio (Qwen); -cn via api_base"),
            _p("databricks", "databricks"),
            _p("deepinfra", "deepinfra"),
            _p("deepseek", "deepseek"),
            _p("edenai", "edenai"),
            _p("fireworks", "fireworks-ai"),
            _p("gemini", "google", note="models.dev 'google' is the Gemini API"),
            _p("github", note="GitHub Models; models.dev only lists GitHub Copilot, a different API"),
            _p("gmi", "gmicloud"),
            _p("groq", "groq"),
            _p("huggingface", "huggingface"),
            _p("inception", "inception"),
            _p("kenari", "kenari"),
            _p("liner", note="not listed on models.dev"),
            _p("llama", "llama", note="Meta's Llama API"),
            _p("llamacpp", local=True, note="local server; models come from llmhub-local or the user"),
            _p("llamafile", local=True, note="local server"),
            _p("lmstudio", "lmstudio", local=True, note="local server; models.dev lists its defaults"),
            _p("meta", "meta"),
            _p("minimax", "minimax"),
            _p("mistral", "mistral"),
            _p("moonshot", "moonshotai"),
            _p("mzai", note="not listed on models.dev"),
            _p("nebius", "nebius"),
            _p("neosantara", note="not listed on models.dev"),
            _p("ollama", local=True, note="local server; models come from the user's Ollama"),
            _p("openai", "openai"),
            _p("openrouter", "openrouter"),
            _p("otari", note="not listed on models.dev"),
            _p("ovhcloud", "ovhcloud"),
            _p("perplexity", "perplexity"),
            _p("portkey", note="gateway in front of other providers; no model list of its own"),
            _p("qiniu", "qiniu-ai"),
            _p("requesty", "requesty"),
            _p("sagemaker", note="user-deployed endpoints; no public model list"),
            _p("sambanova", note="not listed on models.dev"),
            _p("telnyx", note="not listed on models.dev"),
            _p("together", "togetherai"),
            _p("typesafe", note="not listed on models.dev"),
            _p("vertexai", "google-vertex"),
            _p("vertexaianthropic", "google-vertex-anthropic"),
            _p("vllm", local=True, note="self-hosted server; models come from the user"),
            _p("voyage", "voyage", note="not on models.dev: its models come from litellm's price map"),
            _p("watsonx", "watsonx"),
            _p("xai", "xai"),
            _p("zai", "zai"),
        ]
    )
)

# api_base for catalog providers whose any-llm provider defaults to another region/endpoint.
_API_BASES: Final = MappingProxyType(
    {"alibaba-cn": "https://dashscope.aliyuncs.com/compatible-mode/v1"},
)

# Azure deployments of Claude are called through any-llm's azureanthropic provider.
_AZURE_CLAUDE: Final = frozenset({"azure", "azure-cognitive-services"})

_BY_CATALOG: Final = MappingProxyType(
    {md: info.id for info in ANYLLM_PROVIDERS.values() for md in info.models_dev},
)


def catalog_provider_ids() -> frozenset[str]:
    """The models.dev provider ids that have an any-llm route (the catalog's providers)."""
    return frozenset(_BY_CATALOG)


def route_for(catalog_provider: str, model_id: str) -> Route | None:
    """The any-llm route for a model of a models.dev provider, or None when there is none.

    >>> route_for("google", "gemini-2.5-flash")
    Route(provider='gemini', api_base=None)
    >>> route_for("azure", "claude-opus-4-5").provider
    'azureanthropic'
    """
    provider = _BY_CATALOG.get(catalog_provider)
    if provider is None:
        return None
    if catalog_provider in _AZURE_CLAUDE and model_id.startswith("claude"):
        provider = "azureanthropic"
    return Route(provider=provider, api_base=_API_BASES.get(catalog_provider))
