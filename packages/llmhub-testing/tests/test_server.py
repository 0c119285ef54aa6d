"""``llmhub_testing.FakeOpenAIServer`` on its own: raw HTTP and the raw ``openai`` client."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import math
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

import openai
import pytest

from llmhub_testing import FakeOpenAIServer, RecordedRequest, fake_embedding

KEY = "sk-fake-server-key-0123456789"


@pytest.fixture
def client(server: FakeOpenAIServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


@pytest.fixture
def keyed_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer(api_key=KEY, embedding_dim=4) as fake:
        yield fake


def _conn(server: FakeOpenAIServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)


def _post(
    conn: http.client.HTTPConnection, path: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], http.client.HTTPResponse]:
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", path, payload, {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    return response.status, json.loads(data), response


def _get_health(conn: http.client.HTTPConnection) -> bytes:
    conn.request("GET", "/health")
    return conn.getresponse().read()


def drain(stream: Any, into: list[Any]) -> None:
    """Consume ``stream`` into ``into``, so that chunks delivered before a failure are kept."""
    for chunk in stream:
        into.append(chunk)


def _user(content: Any) -> Any:
    return {"role": "user", "content": content}


def _chat(content: Any = "hello world", **extra: Any) -> dict[str, Any]:
    return {"model": "m-1", "messages": [{"role": "user", "content": content}], **extra}


# --------------------------------------------------------------------------- lifecycle


def test_base_url_port_and_lifecycle() -> None:
    fake = FakeOpenAIServer()
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.base_url
    assert fake.start() is fake
    try:
        assert fake.base_url == f"http://127.0.0.1:{fake.port}/v1"
        with pytest.raises(RuntimeError, match="already running"):
            fake.start()
        conn = _conn(fake)
        conn.request("GET", "/health")
        assert json.loads(conn.getresponse().read()) == {"status": "ok"}
    finally:
        fake.stop()
    fake.stop()  # idempotent
    with pytest.raises(RuntimeError):
        _ = fake.port
    # An idle kept-alive connection is closed by stop(): the next request on it fails.
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        _get_health(conn)


def test_context_manager_and_fixed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeOpenAIServer(port=port) as fake:
        assert fake.port == port
        with pytest.raises(OSError, match=r"(?i)address|in use"), FakeOpenAIServer(port=port):
            pass  # the port is taken


def test_invalid_arguments(server: FakeOpenAIServer) -> None:
    with pytest.raises(ValueError, match="embedding_dim"):
        FakeOpenAIServer(embedding_dim=0)
    with pytest.raises(ValueError, match="status"):
        server.fail_next(200)
    with pytest.raises(ValueError, match="count"):
        server.fail_next(500, count=0)
    with pytest.raises(ValueError, match="seconds"):
        server.delay_next(-1)
    with pytest.raises(ValueError, match="n_chunks"):
        server.fail_stream_after(-1)
    with pytest.raises(ValueError, match="status"):
        server.fail_model("m", 302)


def test_package_metadata() -> None:
    import llmhub_testing

    assert llmhub_testing.__version__ != "0.0.0"
    assert set(llmhub_testing.__all__) >= {"FakeOpenAIServer", "RecordedRequest", "fake_embedding"}
    assert all(hasattr(llmhub_testing, name) for name in llmhub_testing.__all__)


# --------------------------------------------------------------------------- endpoints


def test_chat_completion(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    response = client.chat.completions.create(
        model="gpt-x",
        messages=[
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": "first"},
            {"role": "assistant", "content": "ok"},
            {"role": "user", "content": "hello there world"},
        ],
        temperature=0.25,
    )
    assert response.model == "gpt-x"
    assert response.choices[0].message.content == "echo: hello there world"
    assert response.choices[0].finish_reason == "stop"
    assert response.usage is not None
    assert response.usage.prompt_tokens == 2 + 1 + 1 + 3
    assert response.usage.completion_tokens == 4
    assert response.usage.total_tokens == 11
    [recorded] = server.requests
    assert (recorded.method, recorded.path, recorded.model) == ("POST", "/v1/chat/completions", "gpt-x")
    assert recorded.body["temperature"] == 0.25
    assert recorded.headers["authorization"] == "Bearer unused"


def test_chat_content_parts_and_n(client: openai.OpenAI) -> None:
    response = client.chat.completions.create(
        model="m",
        messages=[
            {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}
        ],
        n=3,
    )
    assert [c.message.content for c in response.choices] == ["echo: a b"] * 3
    assert [c.index for c in response.choices] == [0, 1, 2]


def test_stream_matches_non_stream(client: openai.OpenAI) -> None:
    messages: Any = [{"role": "user", "content": "one two three four"}]
    plain = client.chat.completions.create(model="m", messages=messages).choices[0].message.content
    chunks = list(client.chat.completions.create(model="m", messages=messages, stream=True))
    assert len(chunks) >= 4
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain
    assert {c.id for c in chunks} == {chunks[0].id}
    assert all(c.usage is None for c in chunks)


def test_stream_include_usage(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "x y"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 3
    assert chunks[-2].choices[0].finish_reason == "stop"


def test_stream_wire_format(server: FakeOpenAIServer) -> None:
    conn = _conn(server)
    conn.request("POST", "/v1/chat/completions", json.dumps(_chat("a b", stream=True)))
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type", "").startswith("text/event-stream")
    assert response.getheader("Transfer-Encoding") == "chunked"
    text = response.read().decode()
    events = [line.removeprefix("data: ") for line in text.split("\n\n") if line]
    assert all(line.startswith("data: ") for line in text.split("\n\n") if line)
    assert events[-1] == "[DONE]"
    decoded = [json.loads(e) for e in events[:-1]]
    assert decoded[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert "".join(d["choices"][0]["delta"].get("content", "") for d in decoded) == "echo: a b"
    # The connection is still usable after a stream (chunked framing was correct).
    conn.request("GET", "/health")
    assert conn.getresponse().read() == b'{"status":"ok"}'


def test_embeddings_float_and_base64(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    # The openai SDK asks for base64 unless told otherwise.
    response = client.embeddings.create(model="emb", input=["alpha", "beta"])
    assert response.model == "emb"
    assert [d.index for d in response.data] == [0, 1]
    assert response.data[0].embedding == fake_embedding("alpha", 8)
    assert response.data[1].embedding == fake_embedding("beta", 8)
    assert server.requests[-1].body["encoding_format"] == "base64"

    floats = client.embeddings.create(model="emb", input="alpha", encoding_format="float")
    assert floats.data[0].embedding == fake_embedding("alpha", 8)
    assert len(floats.data) == 1


def test_embeddings_raw_and_dimensions(keyed_server: FakeOpenAIServer) -> None:
    conn = _conn(keyed_server)
    auth = {"Authorization": f"Bearer {KEY}"}
    status, body, _ = _post(conn, "/v1/embeddings", {"model": "e", "input": "text"}, auth)
    assert status == 200
    assert body["data"][0]["embedding"] == fake_embedding("text", 4)  # the server's embedding_dim
    status, body, _ = _post(
        conn,
        "/v1/embeddings",
        {"model": "e", "input": ["a"], "dimensions": 3, "encoding_format": "base64"},
        auth,
    )
    raw = base64.b64decode(body["data"][0]["embedding"])
    assert list(struct.unpack("<3f", raw)) == fake_embedding("a", 3)
    status, body, _ = _post(conn, "/v1/embeddings", {"model": "e", "input": [[1, 2, 3]]}, auth)
    assert status == 200
    assert body["data"][0]["embedding"] == fake_embedding("[1, 2, 3]", 4)


def test_fake_embedding_is_deterministic_and_unit_length() -> None:
    vector = fake_embedding("some text", 16)
    assert vector == fake_embedding("some text", 16)
    assert vector != fake_embedding("other text", 16)
    assert len(vector) == 16
    assert math.isclose(math.sqrt(sum(x * x for x in vector)), 1.0, rel_tol=1e-6)
    with pytest.raises(ValueError, match="dim"):
        fake_embedding("x", 0)


def test_models_and_health(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    assert [m.id for m in client.models.list()] == ["fake-chat", "fake-embedding"]
    with FakeOpenAIServer(models=["a", "b", "c"]) as other:
        listed = openai.OpenAI(base_url=other.base_url, api_key="k", max_retries=0).models.list()
        assert [m.id for m in listed] == ["a", "b", "c"]
    conn = _conn(server)
    conn.request("GET", "/health?verbose=1")
    response = conn.getresponse()
    assert (response.status, json.loads(response.read())) == (200, {"status": "ok"})
    assert server.requests[-1].query == "verbose=1"
    assert server.requests[-1].path == "/health"


# --------------------------------------------------------------------------- errors


def test_malformed_json_unknown_path_and_method(server: FakeOpenAIServer) -> None:
    conn = _conn(server)
    status, body, _ = _post(conn, "/v1/chat/completions", b"{not json")
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert "JSON" in body["error"]["message"]
    assert server.requests[-1].body is None

    status, body, _ = _post(conn, "/v1/chat/completions", {"model": "m"})
    assert status == 400
    assert "messages" in body["error"]["message"]
    status, body, _ = _post(conn, "/v1/embeddings", {"input": "x"})
    assert status == 400
    assert "model" in body["error"]["message"]
    status, body, _ = _post(conn, "/v1/embeddings", {"model": "e", "input": []})
    assert status == 400

    status, body, _ = _post(conn, "/v1/nope", {"model": "m"})
    assert status == 404
    assert set(body["error"]) == {"message", "type", "param", "code"}
    conn.request("GET", "/v1/chat/completions")
    response = conn.getresponse()
    assert response.status == 405
    assert "error" in json.loads(response.read())
    # Errors keep the connection alive.
    conn.request("GET", "/health")
    assert conn.getresponse().status == 200
    assert len({r.connection_id for r in server.requests}) == 1


def test_garbage_request_line_gets_400_and_close(server: FakeOpenAIServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"NONSENSE\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b"Connection: close" in data


def test_api_key_required(keyed_server: FakeOpenAIServer) -> None:
    conn = _conn(keyed_server)
    status, body, _ = _post(conn, "/v1/chat/completions", _chat())
    assert status == 401
    assert "didn't provide an API key" in body["error"]["message"]
    assert body["error"]["code"] == "invalid_api_key"

    status, body, _ = _post(conn, "/v1/chat/completions", _chat(), {"Authorization": "Bearer sk-wrong-123"})
    assert status == 401
    assert "sk-wrong-123" in body["error"]["message"]  # echoed in full, to test redaction with

    status, body, _ = _post(conn, "/v1/chat/completions", _chat(), {"Authorization": f"Bearer {KEY}"})
    assert status == 200
    conn.request("GET", "/health")  # never needs a key
    assert conn.getresponse().status == 200


def test_api_key_with_openai_client(keyed_server: FakeOpenAIServer) -> None:
    good = openai.OpenAI(base_url=keyed_server.base_url, api_key=KEY, max_retries=0)
    assert good.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}]).choices
    bad = openai.OpenAI(base_url=keyed_server.base_url, api_key="sk-nope-nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError, match="sk-nope-nope"):
        bad.models.list()


# --------------------------------------------------------------------------- scripting


def test_fail_next_counts_and_messages(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fail_next(429, count=2, message="slow down")
    for _ in range(2):
        with pytest.raises(openai.RateLimitError, match="slow down") as info:
            client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert info.value.body == {
            "message": "slow down",
            "type": "rate_limit_error",
            "param": None,
            "code": "rate_limit_exceeded",
        }
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}]).choices

    server.fail_next(503)
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model="e", input="x")
    assert client.embeddings.create(model="e", input="x").data


def test_fail_next_for_one_model_only(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fail_next(500, model="bad")
    assert client.chat.completions.create(model="good", messages=[{"role": "user", "content": "x"}]).choices
    with pytest.raises(openai.InternalServerError):
        client.chat.completions.create(model="bad", messages=[{"role": "user", "content": "x"}])
    assert client.chat.completions.create(model="bad", messages=[{"role": "user", "content": "x"}]).choices


def test_scripts_queue_in_order(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fail_next(400)
    server.fail_next(401)
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])


def test_fail_model_until_reset(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fail_model("down", 502)
    for _ in range(3):
        with pytest.raises(openai.InternalServerError, match="down"):
            client.chat.completions.create(model="down", messages=[{"role": "user", "content": "x"}])
    assert client.chat.completions.create(model="up", messages=[{"role": "user", "content": "x"}]).choices
    server.reset()
    assert server.requests == []
    assert client.chat.completions.create(model="down", messages=[{"role": "user", "content": "x"}]).choices


def test_delay_next_provokes_a_timeout(server: FakeOpenAIServer) -> None:
    impatient = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=0.3)
    server.delay_next(3, model="slow")
    with pytest.raises(openai.APITimeoutError):
        impatient.chat.completions.create(model="slow", messages=[{"role": "user", "content": "x"}])
    # Only the scripted call was delayed.
    assert impatient.chat.completions.create(
        model="slow", messages=[{"role": "user", "content": "x"}]
    ).choices


def test_delay_next_then_answers(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.delay_next(0.05)
    response = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "late"}])
    assert response.choices[0].message.content == "echo: late"


def test_fail_stream_after_cuts_the_connection(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fail_stream_after(2)
    received: list[Any] = []
    with pytest.raises(openai.APIConnectionError):
        drain(client.chat.completions.create(model="m", messages=[_user("a b c d")], stream=True), received)
    assert len(received) == 2
    # The next stream is whole again.
    chunks = list(
        client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "a b c d"}], stream=True
        )
    )
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_fail_stream_after_raw(server: FakeOpenAIServer) -> None:
    server.fail_stream_after(0)
    conn = _conn(server)
    conn.request("POST", "/v1/chat/completions", json.dumps(_chat("x", stream=True)))
    response = conn.getresponse()
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead):
        response.read()


def test_fail_stream_after_ignores_plain_calls(client: openai.OpenAI, server: FakeOpenAIServer) -> None:
    server.fail_stream_after(1)
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}]).choices
    with pytest.raises(openai.APIConnectionError):  # still armed for the next stream
        list(
            client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}], stream=True
            )
        )


def test_scripts_are_thread_safe(server: FakeOpenAIServer) -> None:
    server.fail_next(500, count=40)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = _conn(server)
        for _ in range(10):
            status, _, _ = _post(conn, "/v1/chat/completions", _chat())
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 60 + [500] * 40
    assert len(server.requests) == 100


# --------------------------------------------------------------------------- HTTP/1.1 behaviour


def test_keep_alive_and_connection_ids(server: FakeOpenAIServer) -> None:
    before = server.connections_opened
    conn = _conn(server)
    for i in range(20):
        _, body, _ = _post(conn, "/v1/chat/completions", _chat(f"n{i}"))
        assert body["choices"][0]["message"]["content"] == f"echo: n{i}"
    assert server.connections_opened == before + 1
    assert {r.connection_id for r in server.requests} == {before + 1}
    assert server.open_connections >= 1
    conn.close()


def test_connection_close_is_honoured(server: FakeOpenAIServer) -> None:
    conn = _conn(server)
    _, _, response = _post(conn, "/v1/chat/completions", _chat(), {"Connection": "close"})
    assert response.getheader("Connection") == "close"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):  # the server closes: HTTP/1.0 without keep-alive
            data += chunk
    assert data.endswith(b'{"status":"ok"}')


def test_chunked_request_body(server: FakeOpenAIServer) -> None:
    conn = _conn(server)

    def parts() -> Iterator[bytes]:
        payload = json.dumps(_chat("chunked body")).encode()
        yield payload[:10]
        yield payload[10:]

    conn.request(
        "POST", "/v1/chat/completions", parts(), {"Content-Type": "application/json"}, encode_chunked=True
    )
    body = json.loads(conn.getresponse().read())
    assert body["choices"][0]["message"]["content"] == "echo: chunked body"


def test_recorded_request_fields(server: FakeOpenAIServer) -> None:
    conn = _conn(server)
    _post(conn, "/v1/embeddings?x=1", {"model": "e", "input": "x"}, {"X-Custom": "yes"})
    [recorded] = server.requests
    assert isinstance(recorded, RecordedRequest)
    assert recorded.method == "POST"
    assert recorded.path == "/v1/embeddings"
    assert recorded.query == "x=1"
    assert recorded.headers["x-custom"] == "yes"
    assert recorded.body == {"model": "e", "input": "x"}
    assert recorded.model == "e"
    server.clear_requests()
    assert server.requests == []


def test_two_hundred_concurrent_connections(server: FakeOpenAIServer) -> None:
    async def main() -> list[str | None]:
        async with openai.AsyncOpenAI(base_url=server.base_url, api_key="k", max_retries=0) as aclient:
            responses = await asyncio.gather(
                *(
                    aclient.chat.completions.create(
                        model="m", messages=[{"role": "user", "content": f"q{i}"}]
                    )
                    for i in range(200)
                )
            )
        return [r.choices[0].message.content for r in responses]

    assert asyncio.run(main()) == [f"echo: q{i}" for i in range(200)]
    assert len(server.requests) == 200
    assert len({r.connection_id for r in server.requests}) > 1  # they really were concurrent


def test_reply_next_scripts_the_answer_text(server: FakeOpenAIServer) -> None:
    import openai

    client = openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0)
    server.reply_next('{"tools": true}', count=1, model="m1")
    other = client.chat.completions.create(model="m2", messages=[{"role": "user", "content": "hi"}])
    scripted = client.chat.completions.create(model="m1", messages=[{"role": "user", "content": "hi"}])
    after = client.chat.completions.create(model="m1", messages=[{"role": "user", "content": "hi"}])
    assert other.choices[0].message.content == "echo: hi"
    assert scripted.choices[0].message.content == '{"tools": true}'
    assert after.choices[0].message.content == "echo: hi"
    server.reply_next("streamed scripted text")
    chunks = client.chat.completions.create(
        model="m3", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "streamed scripted text"
