"""The provider ids any-llm accepts, known without importing any-llm.

Importing any-llm brings the openai and anthropic SDKs' type trees (seconds on a cold start), and
checking the ids of an ``llmhub.yaml`` is the only reason loading one would need it. This list is
``AnyLLM.get_supported_providers()`` of the any-llm version in the lock file; a test keeps it equal
to the installed any-llm's. An id missing here is looked up in any-llm itself before it is
rejected, so a newer any-llm with a new provider still works (at the old cost, for that file only).
"""

from __future__ import annotations

__all__ = ["KNOWN_PROVIDER_IDS", "is_known_provider"]

KNOWN_PROVIDER_IDS: frozenset[str] = frozenset(
    {
        "anthropic",
        "atlascloud",
        "azure",
        "azureanthropic",
        "azureopenai",
        "bedrock",
        "cascadia",
        "cerebras",
        "cohere",
        "dashscope",
        "databricks",
        "deepinfra",
        "deepseek",
        "edenai",
        "fireworks",
        "gemini",
        "github",
        "gmi",
        "groq",
        "huggingface",
        "inception",
        "kenari",
        "liner",
        "llama",
        "llamacpp",
        "llamafile",
        "lmstudio",
        "meta",
        "minimax",
        "mistral",
        "moonshot",
        "mzai",
        "nebius",
        "neosantara",
        "ollama",
        "openai",
        "openrouter",
        "otari",
        "ovhcloud",
        "perplexity",
        "portkey",
        "qiniu",
        "requesty",
        "sagemaker",
        "sambanova",
        "telnyx",
        "together",
        "typesafe",
        "vertexai",
        "vertexaianthropic",
        "vllm",
        "voyage",
        "watsonx",
        "xai",
        "zai",
    }
)


def installed_provider_ids() -> frozenset[str]:
    """The ids the installed any-llm accepts (imports any-llm)."""
    from any_llm import AnyLLM

    return frozenset(AnyLLM.get_supported_providers())


def is_known_provider(provider_id: str) -> bool:
    """Whether any-llm accepts ``provider_id``; imports any-llm only for an id not in the list."""
    return provider_id in KNOWN_PROVIDER_IDS or provider_id in installed_provider_ids()
