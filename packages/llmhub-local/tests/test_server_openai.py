"""OpenAI conformance of LocalModelServer, driven by the official ``openai`` client (fake runners).

The same checks run against the real SmolLM2 model in ``test_backend_gguf_openai.py``; here the
runners are deterministic so the protocol itself (tools, base64 embeddings, error shapes, the
queue, timeouts) is pinned down exactly.
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from openai import OpenAI

from fake_runner import EmbeddingRunner, FakeRunner, SchemaRunner
from llmhub_local import GenerationParams, StreamPiece
from llmhub_local.serving.server import LocalModelServer

MESSAGES: list[Any] = [{"role": "user", "content": "What is 42*17?"}]
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather of a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
CALC = {
    "type": "function",
    "function": {
        "name": "calculator",
        "description": "Evaluates arithmetic",
        "parameters": {
            "type": "object",
            "properties": {"expression": {"type": "string"}},
            "required": ["expression"],
        },
    },
}


@pytest.fixture
def server() -> Iterator[LocalModelServer]:
    runner = SchemaRunner({"model": "fake.gguf", "max_tokens": 64, "context_length": 32})
    embedder = EmbeddingRunner({"model": "embed.gguf"})
    with LocalModelServer(runner, model_id="fake", embedding_runner=embedder) as srv:
        yield srv


@pytest.fixture
def client(server: LocalModelServer) -> OpenAI:
    return OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


def _error(exc: openai.APIStatusError) -> dict[str, Any]:
    body = exc.response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}  # OpenAI's error shape
    return dict(body["error"])


# -- embeddings ---------------------------------------------------------------------------------


def test_embeddings_float_and_base64(client: OpenAI) -> None:
    texts = ["hello", "local models"]
    floats = client.embeddings.create(model="fake", input=texts, encoding_format="float")
    assert [d.embedding for d in floats.data] == [[5.0, 2.0, 0.25], [12.0, 4.0, 0.25]]
    # The SDK's default asks for base64 and decodes it: the same vectors come back.
    default = client.embeddings.create(model="fake", input=texts)
    assert [d.embedding for d in default.data] == [d.embedding for d in floats.data]
    raw = httpx.post(
        f"{client.base_url}embeddings", json={"input": "hello", "encoding_format": "base64"}, timeout=10
    ).json()
    packed = base64.b64decode(raw["data"][0]["embedding"])
    assert struct.unpack("<3f", packed) == (5.0, 2.0, 0.25)  # little-endian float32, as OpenAI sends


def test_embedding_errors(client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.embeddings.create(model="fake", input="x", encoding_format="int8")  # type: ignore[arg-type]
    assert _error(info.value)["param"] == "encoding_format"
    with pytest.raises(openai.BadRequestError):
        client.embeddings.create(model="fake", input=[])


# -- chat errors --------------------------------------------------------------------------------


def test_prompt_over_the_context_is_context_length_exceeded(client: OpenAI) -> None:
    long = [{"role": "user", "content": "word " * 200}]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="fake", messages=long)  # type: ignore[arg-type]
    error = _error(info.value)
    assert error["code"] == "context_length_exceeded"
    assert error["type"] == "invalid_request_error"
    with pytest.raises(openai.BadRequestError) as streamed:  # also before the first streamed event
        client.chat.completions.create(model="fake", messages=long, stream=True)  # type: ignore[arg-type]
    assert _error(streamed.value)["code"] == "context_length_exceeded"


def test_logprobs_are_refused_when_the_backend_has_none(client: OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="fake", messages=MESSAGES, logprobs=True, top_logprobs=2)
    assert "log-probabilities" in _error(info.value)["message"]
    with pytest.raises(openai.BadRequestError) as bad:
        client.chat.completions.create(model="fake", messages=MESSAGES, top_logprobs=2)
    assert _error(bad.value)["param"] == "top_logprobs"


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ({"type": "objekt"}, "response_format.json_schema.schema.type"),
        (
            {"type": "object", "properties": {"a": {"type": 5}}},
            "response_format.json_schema.schema.properties.a.type",
        ),
        ({"type": "object", "required": "a"}, "response_format.json_schema.schema.required"),
        ({"anyOf": []}, "response_format.json_schema.schema.anyOf"),
        ("not a schema", "response_format.json_schema.schema"),
    ],
)
def test_invalid_response_format_schema_is_a_400(client: OpenAI, schema: Any, path: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model="fake",
            messages=MESSAGES,
            response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
        )
    error = _error(info.value)
    assert error["param"] == path
    assert error["code"] == "invalid_json_schema"


def test_json_schema_output(client: OpenAI) -> None:
    schema = {"type": "object", "properties": {"answer": {"type": "integer"}}, "required": ["answer"]}
    reply = client.chat.completions.create(
        model="fake",
        messages=MESSAGES,
        response_format={"type": "json_schema", "json_schema": {"name": "a", "schema": schema}},
    )
    assert json.loads(reply.choices[0].message.content or "") == {"answer": 7}
    assert SchemaRunner.last_schema == schema


def test_deep_json_and_junk_bodies_are_clean_400s(server: LocalModelServer) -> None:
    url = f"{server.base_url}/chat/completions"
    deep = b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    for body in (deep, b"[" * 100_000, b"\xff\xfe{", b'{"messages": [{"role": "user", "content": "x"}]'):
        response = httpx.post(url, content=body, headers={"Content-Type": "application/json"}, timeout=30)
        assert response.status_code == 400, body[:20]
        assert response.json()["error"]["type"] == "invalid_request_error"
    assert httpx.get(f"{server.base_url.removesuffix('/v1')}/health", timeout=5).json()["status"] == "ok"


def test_every_error_has_openai_shape(server: LocalModelServer) -> None:
    base = server.base_url.removesuffix("/v1")
    answers = [
        httpx.get(f"{base}/nowhere", timeout=5),
        httpx.delete(f"{base}/v1/chat/completions", timeout=5),
        httpx.post(f"{base}/v1/chat/completions", json={"model": "other", "messages": MESSAGES}, timeout=5),
        httpx.post(f"{base}/v1/chat/completions", json={"messages": MESSAGES, "n": 2}, timeout=5),
        httpx.post(
            f"{base}/v1/chat/completions", json={"messages": MESSAGES, "tool_choice": "required"}, timeout=5
        ),
    ]
    assert [a.status_code for a in answers] == [404, 405, 404, 400, 400]
    for answer in answers:
        assert set(answer.json()["error"]) == {"message", "type", "param", "code"}


# -- tools --------------------------------------------------------------------------------------


def test_tools_named_function(client: OpenAI) -> None:
    reply = client.chat.completions.create(
        model="fake",
        messages=MESSAGES,
        tools=[WEATHER, CALC],  # type: ignore[list-item]
        tool_choice={"type": "function", "function": {"name": "calculator"}},
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    [call] = choice.message.tool_calls or []
    assert call.type == "function"
    assert call.function.name == "calculator"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == {"expression": "42*17"}  # type: ignore[union-attr]
    # Only the named tool was allowed by the grammar.
    assert SchemaRunner.last_schema is not None
    assert SchemaRunner.last_schema["properties"]["tool"]["enum"] == ["calculator"]


def test_tools_auto_may_call_or_answer(client: OpenAI) -> None:
    called = client.chat.completions.create(model="fake", messages=MESSAGES, tools=[CALC])  # type: ignore[list-item]
    assert called.choices[0].finish_reason == "tool_calls"
    assert SchemaRunner.last_schema is not None
    assert len(SchemaRunner.last_schema["anyOf"]) == 2  # the tool, or a plain answer
    answered = client.chat.completions.create(
        model="fake",
        messages=[{"role": "user", "content": "hello, no tool"}],
        tools=[CALC],  # type: ignore[list-item]
        tool_choice="auto",
    )
    assert answered.choices[0].finish_reason == "stop"
    assert answered.choices[0].message.content == "42*17"
    assert not answered.choices[0].message.tool_calls


def test_tools_none_is_plain_chat(client: OpenAI) -> None:
    reply = client.chat.completions.create(
        model="fake",
        messages=MESSAGES,
        tools=[CALC],
        tool_choice="none",
        max_tokens=3,  # type: ignore[list-item]
    )
    assert reply.choices[0].message.content == "Paris is the"
    assert SchemaRunner.last_schema is None


def test_tool_results_go_back_to_the_model(client: OpenAI) -> None:
    first = client.chat.completions.create(
        model="fake", messages=MESSAGES, tools=[CALC], tool_choice="required"
    )  # type: ignore[list-item]
    call = (first.choices[0].message.tool_calls or [])[0]
    history: list[Any] = [
        *MESSAGES,
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "714"},
    ]
    client.chat.completions.create(model="fake", messages=history, tools=[CALC], tool_choice="none")
    seen = SchemaRunner.last_messages or []
    assert json.loads(seen[-2]["content"])["tool"] == "calculator"  # the call, in the strict format
    assert seen[-1]["role"] == "tool"
    assert "714" in seen[-1]["content"]


def test_tools_stream_as_tool_call_deltas(client: OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="fake",
            messages=MESSAGES,
            tools=[CALC],  # type: ignore[list-item]
            tool_choice="required",
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    calls = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    assert [tc.function.name for tc in calls] == ["calculator"]  # type: ignore[union-attr]
    assert json.loads(calls[0].function.arguments or "") == {"expression": "42*17"}  # type: ignore[union-attr]
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].usage is not None


@pytest.mark.parametrize(
    ("tools", "choice", "param"),
    [
        ([{"type": "function", "function": {"name": "bad name!"}}], None, "tools[0].function.name"),
        ([{"type": "retrieval"}], None, "tools[0]"),
        ([CALC], {"type": "function", "function": {"name": "missing"}}, "tool_choice"),
        ([CALC], "sometimes", "tool_choice"),
        (
            [{"type": "function", "function": {"name": "f", "parameters": {"type": "objekt"}}}],
            None,
            "tools[0].function.parameters.type",
        ),
    ],
)
def test_bad_tools_are_400(server: LocalModelServer, tools: Any, choice: Any, param: str) -> None:
    body: dict[str, Any] = {"messages": MESSAGES, "tools": tools}
    if choice is not None:
        body["tool_choice"] = choice
    answer = httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["param"] == param


# -- streaming ----------------------------------------------------------------------------------


def test_stream_include_usage(client: OpenAI) -> None:
    plain = list(client.chat.completions.create(model="fake", messages=MESSAGES, max_tokens=3, stream=True))
    assert all(c.usage is None for c in plain)
    with_usage = list(
        client.chat.completions.create(
            model="fake", messages=MESSAGES, max_tokens=3, stream=True, stream_options={"include_usage": True}
        )
    )
    assert with_usage[-1].choices == []
    assert with_usage[-1].usage is not None
    assert with_usage[-1].usage.completion_tokens == 3
    text = "".join(c.choices[0].delta.content or "" for c in with_usage if c.choices)
    assert text == "Paris is the"


# -- connections and the queue ------------------------------------------------------------------


def test_stalled_and_half_open_connections_are_closed() -> None:
    runner = FakeRunner({"model": "fake.gguf"})
    with LocalModelServer(runner, model_id="fake", header_timeout=0.5, body_timeout=0.5) as srv:
        idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(20)]
        half = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(20)]
        for sock in half:
            sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Le")
        stalled_body = socket.create_connection(("127.0.0.1", srv.port))
        stalled_body.sendall(
            b'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"messa'
        )
        for sock in [*idle, *half, stalled_body]:
            sock.settimeout(20)
        # The server closes each: recv returns b"" (EOF) instead of blocking until our timeout.
        for sock in [*idle, *half]:
            assert sock.recv(1024) == b""
            sock.close()
        answer = stalled_body.recv(65536)
        assert answer.split()[1] == b"408"
        stalled_body.close()
        assert httpx.get(f"http://127.0.0.1:{srv.port}/health", timeout=5).status_code == 200


def test_api_key_is_checked_before_the_body_is_read() -> None:
    runner = FakeRunner({"model": "fake.gguf"})
    with (
        LocalModelServer(runner, model_id="fake", api_key="sk-local-secret") as srv,
        socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock,
    ):
        # A head that promises a body that never comes: the key is refused at once.
        sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
        assert sock.recv(65536).split()[1] == b"401"


def _post_and_keep_open(port: int, document: dict[str, Any]) -> socket.socket:
    """Send a whole chat request on a raw socket and return it unread (close it to leave)."""
    body = json.dumps(document).encode()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    return sock


class _SlowRunner(FakeRunner):
    delay = 0.05
    calls = 0

    def _pieces(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        type(self).calls += 1
        for piece in super()._pieces(prompt, params):
            time.sleep(self.delay)
            yield piece


def test_disconnected_non_streaming_clients_are_dropped_from_the_queue() -> None:
    _SlowRunner.calls = 0
    _SlowRunner.delay = 0.15
    runner = _SlowRunner({"model": "fake.gguf", "max_tokens": 10})
    with LocalModelServer(runner, model_id="fake") as srv:
        health = f"http://127.0.0.1:{srv.port}/health"
        first = threading.Thread(
            target=lambda: httpx.post(
                f"{srv.base_url}/chat/completions", json={"messages": MESSAGES}, timeout=30
            )
        )
        first.start()
        while httpx.get(health, timeout=5).json()["pending"] < 1:
            time.sleep(0.01)
        # six non-streaming clients queue behind it, then give up
        leavers = [_post_and_keep_open(srv.port, {"messages": MESSAGES}) for _ in range(6)]
        while httpx.get(health, timeout=5).json()["waiting"] < 6:
            time.sleep(0.01)
        for sock in leavers:
            sock.close()
        while httpx.get(health, timeout=5).json()["waiting"] > 0:
            time.sleep(0.01)
        # The next request is right behind the running one, not behind six abandoned ones.
        assert httpx.get(health, timeout=5).json() | {"model": None} == {
            "status": "ok",
            "model": None,
            "pending": 1,
            "waiting": 0,
            "max_queue": srv.max_queue,
        }
        _SlowRunner.delay = 0.0
        answer = httpx.post(f"{srv.base_url}/chat/completions", json={"messages": MESSAGES}, timeout=30)
        assert answer.status_code == 200
        first.join()
        assert srv.generated == 2  # the first request and this one: the six were never generated
        assert _SlowRunner.calls == 2


def test_a_non_streaming_client_that_leaves_mid_generation_stops_it() -> None:
    _SlowRunner.calls = 0
    _SlowRunner.delay = 0.2
    produced: list[int] = []

    class Counting(_SlowRunner):
        def _pieces(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
            for piece in super()._pieces(prompt, params):
                if piece.finish_reason is not None:
                    produced.append(piece.completion_tokens)
                yield piece

    runner = Counting({"model": "fake.gguf", "max_tokens": 10})  # 10 words x 0.2 s
    with LocalModelServer(runner, model_id="fake") as srv:
        health = f"http://127.0.0.1:{srv.port}/health"
        sock = _post_and_keep_open(srv.port, {"messages": MESSAGES})
        while httpx.get(health, timeout=5).json()["pending"] < 1:
            time.sleep(0.01)
        sock.close()  # gone while the runner generates
        while not produced:
            time.sleep(0.02)
        assert produced[0] < 10  # stopped early, not generated to the end for nobody
        while httpx.get(health, timeout=5).json()["pending"] > 0:
            time.sleep(0.01)
        _SlowRunner.delay = 0.0
        answer = httpx.post(f"{srv.base_url}/chat/completions", json={"messages": MESSAGES}, timeout=30)
        assert answer.json()["usage"]["completion_tokens"] == 10  # the next one is whole: no stale cancel


def test_a_constrained_non_streaming_client_that_leaves_mid_generation_stops_it() -> None:
    """Under a JSON grammar too, the runner gets the ``cancel`` event when the client leaves."""
    seen: list[tuple[bool, int]] = []  # (cancel given, steps taken)

    class SlowSchema(SchemaRunner):
        def _chat(
            self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
        ) -> Any:
            steps = 0
            while steps < 50 and not (params.cancel is not None and params.cancel.is_set()):
                time.sleep(0.1)  # 50 x 0.1 s unless cancelled
                steps += 1
            seen.append((params.cancel is not None, steps))
            return super()._chat(messages, params, schema)

    runner = SlowSchema({"model": "fake.gguf", "max_tokens": 10})
    with LocalModelServer(runner, model_id="fake") as srv:
        health = f"http://127.0.0.1:{srv.port}/health"
        sock = _post_and_keep_open(
            srv.port, {"messages": MESSAGES, "response_format": {"type": "json_object"}}
        )
        while httpx.get(health, timeout=5).json()["pending"] < 1:
            time.sleep(0.01)
        sock.close()  # gone while the runner generates
        while not seen:
            time.sleep(0.02)
        assert seen[0][0] is True  # the constrained generation was given a cancel event
        assert seen[0][1] < 50  # and stopped early
        while httpx.get(health, timeout=5).json()["pending"] > 0:
            time.sleep(0.01)


def test_too_many_connections_get_an_openai_shaped_503() -> None:
    """Past ``max_connections`` open connections a request gets 503 + Retry-After in OpenAI's shape
    (uvicorn's own limit would answer plain text), and is served again once connections close."""
    runner = FakeRunner({"model": "fake.gguf", "max_tokens": 3})
    with LocalModelServer(runner, model_id="fake", max_connections=4) as srv:
        idle = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(4)]
        try:
            health = httpx.get(f"http://127.0.0.1:{srv.port}/health", timeout=5)
            assert health.status_code == 503
            client = OpenAI(base_url=srv.base_url, api_key="unused", max_retries=0)
            with pytest.raises(openai.APIStatusError) as caught:
                client.chat.completions.create(model="fake", messages=MESSAGES)
            assert caught.value.status_code == 503
            assert caught.value.response.headers["retry-after"] == "1"
            error = _error(caught.value)
            assert error["type"] == "server_error"
            assert "connections" in error["message"]
        finally:
            for sock in idle:
                sock.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the server notices the closed sockets
            if httpx.get(f"http://127.0.0.1:{srv.port}/health", timeout=5).status_code == 200:
                break
            time.sleep(0.05)
        client = OpenAI(base_url=srv.base_url, api_key="unused", max_retries=0)
        reply = client.chat.completions.create(model="fake", messages=MESSAGES)
        assert reply.choices[0].message.content == "Paris is the"
