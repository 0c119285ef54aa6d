"""Contract tests for the one private any-llm API the runtime uses: ``AnyLLM._embedding``.

any-llm's clients have no public synchronous embedding method (only ``aembedding``), and the
public function ``any_llm.embedding()`` builds a new client on every call. ``LLMHub.embedding``
reuses one client per target, so it calls ``AnyLLM._embedding``: the method ``any_llm.embedding()``
itself is built on. If an any-llm release renames it, changes its signature, or stops routing the
public function through it, these tests fail before any user sees it.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import any_llm
import pytest
from any_llm import AnyLLM

from llmhub_testing import FakeOpenAIServer, fake_embedding

RUNTIME_PROVIDERS = ("openai", "llamacpp")  # the providers the runtime's tests route embeddings through


def test_the_private_sync_embedding_keeps_its_signature() -> None:
    parameters = list(inspect.signature(AnyLLM._embedding).parameters.values())
    assert [p.name for p in parameters[:3]] == ["self", "model", "inputs"]
    assert parameters[-1].kind is inspect.Parameter.VAR_KEYWORD  # params such as dimensions, timeout


@pytest.mark.parametrize("provider", RUNTIME_PROVIDERS)
def test_the_public_embedding_function_goes_through_it(
    server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    client_class = type(AnyLLM.create(provider, api_key="k", api_base=server.base_url))
    real = client_class._embedding
    calls: list[tuple[str, Any]] = []

    def spy(self: AnyLLM, model: str, inputs: str | list[str], **kwargs: Any) -> Any:
        calls.append((model, inputs))
        return real(self, model, inputs, **kwargs)

    monkeypatch.setattr(client_class, "_embedding", spy)  # raises if the attribute is gone
    response = any_llm.embedding(
        "embed-model", "hello", provider=provider, api_key="k", api_base=server.base_url
    )
    assert calls == [("embed-model", "hello")]
    assert [d.embedding for d in response.data] == [fake_embedding("hello")]


@pytest.mark.parametrize("provider", RUNTIME_PROVIDERS)
def test_it_answers_what_the_public_async_method_answers(server: FakeOpenAIServer, provider: str) -> None:
    client = AnyLLM.create(provider, api_key="k", api_base=server.base_url)
    texts = ["one", "two", "three"]
    private = client._embedding("embed-model", texts)
    public = asyncio.run(
        AnyLLM.create(provider, api_key="k", api_base=server.base_url).aembedding("embed-model", texts)
    )
    assert [d.embedding for d in private.data] == [d.embedding for d in public.data]
    assert [d.embedding for d in private.data] == [fake_embedding(t) for t in texts]
