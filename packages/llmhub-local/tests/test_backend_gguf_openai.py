"""End to end: the real SmolLM2-135M GGUF behind LocalModelServer, driven by clients we did not write.

The official ``openai`` client goes through chat, streaming (with usage), ``json_schema``, tools
(auto, none, a named function), logprobs, embeddings in both encodings and every error the
server promises; any-llm's ``llamacpp`` provider and LLMHub reach the same server for completion
and embedding. Runs in ``nox -s local_gguf`` (marker ``backend_gguf``).
"""

from __future__ import annotations

import base64
import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from llmhub_local import LLMRunnerFactory
from llmhub_local.serving.server import LocalModelServer

pytestmark = pytest.mark.backend_gguf

MODEL = "smollm2-135m-instruct"
QUESTION: list[Any] = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
CALC = {
    "type": "function",
    "function": {
        "name": "calculator",
        "description": "Evaluates an arithmetic expression such as 42*17",
        "parameters": {
            "type": "object",
            "properties": {"expression": {"type": "string"}},
            "required": ["expression"],
            "additionalProperties": False,
        },
    },
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather of a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def _serve(config: dict[str, Any], **options: Any) -> Iterator[LocalModelServer]:
    runner = LLMRunnerFactory.create_runner({"model": MODEL, "temperature": 0, "seed": 1, **config})
    with LocalModelServer(runner, model_id=MODEL, **options) as server:
        yield server
    runner.unload()


@pytest.fixture(scope="module")
def server() -> Iterator[LocalModelServer]:
    """Loaded as users load it (no logits kept), with a small context so "too long" is cheap."""
    embedder = LLMRunnerFactory.create_runner({"model": MODEL, "embedding": True})
    runner = LLMRunnerFactory.create_runner(
        {"model": MODEL, "temperature": 0, "seed": 1, "context_length": 512}
    )
    with LocalModelServer(runner, model_id=MODEL, embedding_runner=embedder) as srv:
        yield srv
    runner.unload()
    embedder.unload()


@pytest.fixture(scope="module")
def logprobs_server() -> Iterator[LocalModelServer]:
    """Logits kept for every position (``logits_all``), which log-probabilities need."""
    yield from _serve({"context_length": 256, "backend_options": {"logits_all": True}})


@pytest.fixture
def client(server: LocalModelServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=300)


def _error(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    return dict(body["error"])


def test_chat_and_stream_with_usage(client: OpenAI) -> None:
    reply = client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=16)
    content = reply.choices[0].message.content or ""
    assert "paris" in content.lower()
    assert reply.usage is not None
    assert reply.usage.prompt_tokens > 5
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=QUESTION, max_tokens=16, stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == content
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == reply.usage.completion_tokens


def test_json_schema_is_followed(client: OpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city", "country"],
        "additionalProperties": False,
    }
    reply = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "Name the capital of France and its country as JSON."}],
        response_format={"type": "json_schema", "json_schema": {"name": "place", "schema": schema}},
        max_tokens=48,
    )
    value = json.loads(reply.choices[0].message.content or "")
    assert set(value) == {"city", "country"}
    assert all(isinstance(v, str) for v in value.values())


def test_tools_named_auto_and_none(client: OpenAI) -> None:
    ask = [{"role": "user", "content": "Use the calculator: what is 42*17?"}]
    named = client.chat.completions.create(
        model=MODEL,
        messages=ask,  # type: ignore[arg-type]
        tools=[WEATHER, CALC],  # type: ignore[list-item]
        tool_choice={"type": "function", "function": {"name": "calculator"}},
        max_tokens=64,
    )
    choice = named.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls or []
    assert call.function.name == "calculator"  # type: ignore[union-attr]
    args = json.loads(call.function.arguments)  # type: ignore[union-attr]
    assert set(args) == {"expression"}
    assert isinstance(args["expression"], str)
    auto = client.chat.completions.create(
        model=MODEL,
        messages=ask,
        tools=[WEATHER, CALC],
        tool_choice="auto",
        max_tokens=64,  # type: ignore[arg-type, list-item]
    ).choices[0]
    if auto.message.tool_calls:  # the model chose a tool: a well-formed call to a known one
        assert auto.finish_reason == "tool_calls"
        assert auto.message.tool_calls[0].function.name in {"calculator", "get_weather"}  # type: ignore[union-attr]
        json.loads(auto.message.tool_calls[0].function.arguments)  # type: ignore[union-attr]
    else:
        assert auto.finish_reason == "stop"
        assert isinstance(auto.message.content, str)
    none = client.chat.completions.create(
        model=MODEL,
        messages=QUESTION,
        tools=[CALC],
        tool_choice="none",
        max_tokens=16,  # type: ignore[list-item]
    ).choices[0]
    assert not none.message.tool_calls
    assert "paris" in (none.message.content or "").lower()


def test_tool_call_streams_as_deltas(client: OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": "Weather in Paris?"}],
            tools=[WEATHER],  # type: ignore[list-item]
            tool_choice="required",
            stream=True,
            max_tokens=48,
        )
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert [tc.function.name for tc in calls] == ["get_weather"]  # type: ignore[union-attr]
    assert set(json.loads(calls[0].function.arguments or "")) == {"city"}  # type: ignore[union-attr]


def test_logprobs(client: OpenAI, logprobs_server: LocalModelServer) -> None:
    with_logits = OpenAI(base_url=logprobs_server.base_url, api_key="unused", max_retries=0, timeout=300)
    reply = with_logits.chat.completions.create(
        model=MODEL, messages=QUESTION, max_tokens=4, logprobs=True, top_logprobs=3
    )
    content = reply.choices[0].logprobs.content if reply.choices[0].logprobs else None
    assert content
    assert all(item.logprob <= 0 for item in content)
    assert all(len(item.top_logprobs) == 3 for item in content)
    assert "".join(item.token for item in content) == reply.choices[0].message.content
    with pytest.raises(openai.BadRequestError) as info:  # the default server keeps no logits
        client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=4, logprobs=True)
    assert "logits_all" in _error(info.value)["message"]


def test_errors(client: OpenAI, server: LocalModelServer) -> None:
    too_long = [{"role": "user", "content": "Paris is lovely. " * 400}]
    for stream in (False, True):
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model=MODEL, messages=too_long, stream=stream)  # type: ignore[call-overload]
        assert _error(info.value)["code"] == "context_length_exceeded"
    with pytest.raises(openai.BadRequestError) as schema:
        client.chat.completions.create(
            model=MODEL,
            messages=QUESTION,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "objekt"}},
            },
        )
    assert _error(schema.value)["code"] == "invalid_json_schema"
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(model="gpt-4o", messages=QUESTION)
    assert _error(unknown.value)["code"] == "model_not_found"
    deep = b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = httpx.post(f"{server.base_url}/chat/completions", content=deep, timeout=60)
    assert answer.status_code == 400
    # and the model still answers afterwards
    assert (
        "paris"
        in (
            client.chat.completions.create(model=MODEL, messages=QUESTION, max_tokens=8)
            .choices[0]
            .message.content
            or ""
        ).lower()
    )


def test_embeddings_float_and_base64(client: OpenAI, server: LocalModelServer) -> None:
    texts = ["The cat sat on the mat.", "Paris is the capital of France."]
    floats = client.embeddings.create(model=MODEL, input=texts, encoding_format="float")
    default = client.embeddings.create(model=MODEL, input=texts)  # the SDK asks for base64
    assert len(floats.data) == 2
    assert len(floats.data[0].embedding) == 576  # SmolLM2-135M's hidden size
    for a, b in zip(floats.data, default.data, strict=True):
        assert b.embedding == pytest.approx(a.embedding, rel=1e-6)  # float32 round trip
    raw = httpx.post(
        f"{server.base_url}/embeddings", json={"input": texts[0], "encoding_format": "base64"}, timeout=60
    ).json()["data"][0]["embedding"]
    assert len(base64.b64decode(raw)) == 576 * 4
    assert struct.unpack("<576f", base64.b64decode(raw)) == pytest.approx(floats.data[0].embedding, rel=1e-6)


def test_any_llm_and_llmhub_reach_it(server: LocalModelServer, tmp_path: Path) -> None:
    import any_llm

    from llmhub_runtime import LLMHub

    reply = any_llm.completion(
        model=MODEL, provider="llamacpp", api_base=server.base_url, messages=QUESTION, max_tokens=16
    )
    assert "paris" in (reply.choices[0].message.content or "").lower()  # type: ignore[union-attr]
    vectors = any_llm.embedding(model=MODEL, inputs=["hello"], provider="llamacpp", api_base=server.base_url)
    assert len(vectors.data[0].embedding) == 576
    config = tmp_path / "llmhub.yaml"
    config.write_text(
        "project: local\nenv: dev\n"
        f'providers:\n  llamacpp: {{api_base: "{server.base_url}"}}\n'
        "roles:\n"
        f"  llm.inference:\n    provider: llamacpp\n    model: {MODEL}\n    mode: chat\n"
        "    params: {temperature: 0, max_tokens: 16}\n"
        f"  llm.embedding:\n    provider: llamacpp\n    model: {MODEL}\n    mode: embedding\n",
        encoding="utf-8",
    )
    hub = LLMHub(config_path=config)
    answer = hub.completion("llm.inference", messages=QUESTION)
    assert "paris" in (answer.choices[0].message.content or "").lower()
    embedded = hub.embedding("llm.embedding", input=["hello", "world"])
    assert [len(d.embedding) for d in embedded.data] == [576, 576]
