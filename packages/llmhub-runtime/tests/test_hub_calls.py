"""``LLMHub`` calls end to end: completion, embedding, streams, params, modes, roles."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from any_llm import AuthenticationError

from hub_helpers import ENV_KEY, SECRET_KEY, MakeHub, fallback, joined, providers_for, role, user
from llmhub_runtime import LLMHub, ModeMismatchError, UnknownRoleError
from llmhub_testing import FakeOpenAIServer, fake_embedding

ROLES: dict[str, dict[str, Any]] = {
    "llm.inference": role("openai", "gpt-test", params={"temperature": 0.7, "max_tokens": 64}),
    "llm.embedding": role("openai", "embed-test", "embedding", params={"embedding_dim": 8}),
    "llm.local": role("llamacpp", "local-gguf", params={"top_p": 0.5}),
}


@pytest.fixture
def hub(make_hub: MakeHub) -> LLMHub:
    return make_hub(ROLES)


def test_completion(hub: LLMHub, server: FakeOpenAIServer) -> None:
    response = hub.completion("llm.inference", user("what is up"))
    assert response.choices[0].message.content == "echo: what is up"
    assert response.model == "gpt-test"
    assert response.usage is not None
    assert response.usage.completion_tokens == 4
    [sent] = server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.body["model"] == "gpt-test"
    assert sent.body["messages"] == user("what is up")
    assert sent.headers["authorization"] == f"Bearer {SECRET_KEY}"


def test_acompletion(hub: LLMHub, server: FakeOpenAIServer) -> None:
    response = asyncio.run(hub.acompletion("llm.inference", user("async hello")))
    assert response.choices[0].message.content == "echo: async hello"
    assert server.requests[-1].body["temperature"] == 0.7


def test_role_params_reach_the_server(hub: LLMHub, server: FakeOpenAIServer) -> None:
    hub.completion("llm.inference", user("x"))
    body = server.requests[-1].body
    assert body["temperature"] == 0.7
    # any-llm's openai provider sends max_tokens under its current name.
    assert body["max_completion_tokens"] == 64
    assert "max_tokens" not in body
    assert "stream" not in body


def test_params_override_reaches_the_server(hub: LLMHub, server: FakeOpenAIServer) -> None:
    hub.completion("llm.inference", user("x"), params_override={"temperature": 0.1, "seed": 42})
    body = server.requests[-1].body
    assert (body["temperature"], body["seed"], body["max_completion_tokens"]) == (0.1, 42, 64)
    asyncio.run(hub.acompletion("llm.inference", user("x"), params_override={"max_tokens": 5}))
    assert server.requests[-1].body["max_completion_tokens"] == 5
    # The override is per call: the next call is back to the role's params.
    hub.completion("llm.inference", user("x"))
    assert server.requests[-1].body["temperature"] == 0.7
    assert "seed" not in server.requests[-1].body


def test_keyless_llamacpp_provider(hub: LLMHub, server: FakeOpenAIServer) -> None:
    response = hub.completion("llm.local", user("local"))
    assert response.choices[0].message.content == "echo: local"
    sent = server.requests[-1]
    assert sent.model == "local-gguf"
    assert sent.body["top_p"] == 0.5


def test_embedding_sync_and_async(hub: LLMHub, server: FakeOpenAIServer) -> None:
    single = hub.embedding("llm.embedding", "memory one")
    assert [d.embedding for d in single.data] == [fake_embedding("memory one", 8)]
    batch = asyncio.run(hub.aembedding("llm.embedding", ["a", "b", "c"]))
    assert [d.embedding for d in batch.data] == [fake_embedding(t, 8) for t in "abc"]
    assert batch.model == "embed-test"
    first, second = server.requests
    assert first.path == second.path == "/v1/embeddings"
    assert first.body["input"] == "memory one"
    assert second.body["input"] == ["a", "b", "c"]


def test_embedding_dim_is_not_sent(hub: LLMHub, server: FakeOpenAIServer) -> None:
    hub.embedding("llm.embedding", "x")
    asyncio.run(hub.aembedding("llm.embedding", "x"))
    for sent in server.requests:
        assert "embedding_dim" not in sent.body
        assert "dimensions" not in sent.body


def test_stream_completion_matches_completion(hub: LLMHub, server: FakeOpenAIServer) -> None:
    plain = hub.completion("llm.inference", user("one two three"))
    chunks = list(hub.stream_completion("llm.inference", user("one two three")))
    assert len(chunks) >= 4
    assert joined(chunks) == plain.choices[0].message.content
    assert chunks[0].choices[0].delta.role == "assistant"
    # Usage is asked for by default: the last chunk carries it and no choices.
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == plain.usage.completion_tokens
    sent = server.requests[-1].body
    assert sent["stream"] is True
    assert sent["temperature"] == 0.7
    assert sent["stream_options"] == {"include_usage": True}


def test_astream_completion_matches_completion(hub: LLMHub) -> None:
    async def collect() -> list[Any]:
        return [chunk async for chunk in hub.astream_completion("llm.inference", user("four five six"))]

    chunks = asyncio.run(collect())
    assert joined(chunks) == "echo: four five six"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None


def test_stream_params_override(hub: LLMHub, server: FakeOpenAIServer) -> None:
    list(hub.stream_completion("llm.inference", user("x"), params_override={"temperature": 0.0}))
    assert server.requests[-1].body["temperature"] == 0.0


def test_mode_mismatch(hub: LLMHub, server: FakeOpenAIServer) -> None:
    with pytest.raises(ModeMismatchError, match=r"'llm.embedding'.*'embedding'.*completion") as info:
        hub.completion("llm.embedding", user("x"))
    assert (info.value.role, info.value.mode, info.value.method) == (
        "llm.embedding",
        "embedding",
        "completion",
    )
    with pytest.raises(ModeMismatchError, match="embedding"):
        hub.embedding("llm.inference", "x")
    with pytest.raises(ModeMismatchError):
        hub.stream_completion("llm.embedding", user("x"))  # raised at the call, not on iteration
    with pytest.raises(ModeMismatchError):
        hub.astream_completion("llm.embedding", user("x"))
    with pytest.raises(ModeMismatchError):
        asyncio.run(hub.acompletion("llm.embedding", user("x")))
    with pytest.raises(ModeMismatchError):
        asyncio.run(hub.aembedding("llm.local", "x"))
    assert server.requests == []


def test_unknown_role(hub: LLMHub, server: FakeOpenAIServer) -> None:
    with pytest.raises(UnknownRoleError, match=r"llm\.nope") as info:
        hub.completion("llm.nope", user("x"))
    assert "llm.inference" in info.value.known_roles
    with pytest.raises(UnknownRoleError):
        asyncio.run(hub.aembedding("llm.nope", "x"))
    with pytest.raises(UnknownRoleError):
        hub.stream_completion("llm.nope", user("x"))
    assert server.requests == []


def test_defaults_serve_unknown_roles(make_hub: MakeHub, server: FakeOpenAIServer) -> None:
    hub = make_hub(
        {"known": role("openai", "known-model")},
        defaults={"provider": "llamacpp", "model": "default-model", "mode": "chat", "params": {"seed": 3}},
    )
    response = hub.completion("anything.else", user("hi"))
    assert response.model == "default-model"
    assert server.requests[-1].body["seed"] == 3
    assert hub.resolve("anything.else").from_defaults
    assert hub.completion("known", user("hi")).model == "known-model"


def test_defaults_mode_is_enforced(make_hub: MakeHub) -> None:
    hub = make_hub(
        {"known": role("openai", "known-model")},
        defaults={"provider": "openai", "model": "embedder", "mode": "embedding"},
    )
    assert hub.embedding("whatever", "x").model == "embedder"
    with pytest.raises(ModeMismatchError):
        hub.completion("whatever", user("x"))


def test_fallback_params_replace_role_params(make_hub: MakeHub, server: FakeOpenAIServer) -> None:
    hub = make_hub(
        {
            "chat": role(
                "openai",
                "primary",
                params={"temperature": 0.7, "seed": 1},
                fallbacks=[fallback("llamacpp", "backup", {"top_p": 0.9})],
            )
        }
    )
    server.fail_next(503, model="primary")
    hub.completion("chat", user("x"), params_override={"max_tokens": 9})
    primary, backup = server.requests
    assert (primary.model, backup.model) == ("primary", "backup")
    assert "temperature" not in backup.body
    assert "seed" not in backup.body
    assert backup.body["top_p"] == 0.9
    assert primary.body["max_completion_tokens"] == 9  # the override applies to every target
    assert 9 in (backup.body.get("max_tokens"), backup.body.get("max_completion_tokens"))


def test_env_key_is_read_at_call_time(
    make_hub: MakeHub, auth_server: FakeOpenAIServer, clean_env: pytest.MonkeyPatch
) -> None:
    """The variable's value at the time of the call is the one sent (keys can be rotated)."""
    hub = make_hub(
        {"chat": role("openai", "m")}, providers=providers_for(auth_server.base_url), key="sk-old-key-0000"
    )
    with pytest.raises(AuthenticationError):
        hub.completion("chat", user("x"))
    clean_env.setenv(ENV_KEY, SECRET_KEY)
    assert hub.completion("chat", user("x")).choices
    assert auth_server.requests[-1].headers["authorization"] == f"Bearer {SECRET_KEY}"
