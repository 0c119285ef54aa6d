"""LocalModelServer over real HTTP on 127.0.0.1, with the fake in-process runner.

Clients are the real ones: the ``openai`` SDK (what any-llm uses) and raw sockets for what an SDK
never sends (malformed bodies, a client that disconnects mid-stream).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from openai import OpenAI

from fake_runner import FakeRunner
from llmhub_local import GenerationParams, StreamPiece
from llmhub_local.errors import ServerError
from llmhub_local.serving.server import LocalModelServer


class SlowRunner(FakeRunner):
    """Each word takes ``delay`` seconds (long enough to disconnect mid-stream or queue up)."""

    delay = 0.05
    active = 0
    peak = 0
    #: For each generation, in the order they ended: did it run to its end (False: stopped early)?
    finished: ClassVar[list[bool]] = []

    def _pieces(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        cls = type(self)
        cls.active += 1
        cls.peak = max(cls.peak, cls.active)
        completed = False
        try:
            for piece in super()._pieces(prompt, params):
                time.sleep(self.delay)
                yield piece
            completed = True
        finally:
            cls.active -= 1
            cls.finished.append(completed)


@pytest.fixture
def server() -> Iterator[LocalModelServer]:
    runner = FakeRunner({"model": "fake.gguf", "max_tokens": 64})
    with LocalModelServer(runner, model_id="fake", max_body_bytes=10_000) as srv:
        yield srv


def raw(port: int, payload: bytes) -> tuple[int, dict[str, Any]]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data:
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        h.split(b":")[1]
                        for h in head.split(b"\r\n")
                        if h.lower().startswith(b"content-length")
                    )
                )
                if len(body) >= length:
                    return int(head.split()[1]), json.loads(body[:length])
    raise AssertionError(f"no complete answer: {data!r}")


def post(
    port: int, path: str, body: bytes | dict[str, Any], headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    conn.request("POST", path, payload, {"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    status, data = response.status, response.read()
    conn.close()
    return status, json.loads(data)


def test_openai_sdk_chat_stream_models_health(server: LocalModelServer) -> None:
    client = OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    assert [m.id for m in client.models.list().data] == ["fake"]
    reply = client.chat.completions.create(
        model="fake", messages=[{"role": "user", "content": "hi"}], max_tokens=6, temperature=0
    )
    assert reply.choices[0].message.content == "Paris is the capital of France"
    assert reply.model == "fake"
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 6
    chunks = list(
        client.chat.completions.create(
            model="fake",
            messages=[{"role": "user", "content": "hi"}],
            max_tokens=4,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Paris is the capital"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 4
    conn = http.client.HTTPConnection("127.0.0.1", server.port)
    conn.request("GET", "/health")
    assert json.loads(conn.getresponse().read())["status"] == "ok"


def test_embeddings_unsupported_is_a_400(server: LocalModelServer) -> None:
    status, body = post(server.port, "/v1/embeddings", {"model": "fake", "input": "x"})
    assert status == 400
    assert "embeddings" in body["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 400, "JSON object"),
        (json.dumps({"model": "fake"}).encode(), 400, "messages"),
        (json.dumps({"model": "fake", "messages": ["x"]}).encode(), 400, "role"),
        (
            json.dumps({"model": "other", "messages": [{"role": "user", "content": "x"}]}).encode(),
            404,
            "not served",
        ),
        (
            json.dumps(
                {"model": "fake", "messages": [{"role": "user", "content": "x"}], "temperature": 9}
            ).encode(),
            400,
            "temperature",
        ),
        (
            json.dumps({"model": "fake", "messages": [{"role": "user", "content": "x"}], "n": 3}).encode(),
            400,
            "n=1",
        ),
    ],
)
def test_bad_requests_get_4xx_json(server: LocalModelServer, body: bytes, status: int, words: str) -> None:
    got, document = post(server.port, "/v1/chat/completions", body)
    assert got == status
    assert words in document["error"]["message"]


def test_oversized_and_malformed_http(server: LocalModelServer) -> None:
    big = b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"
    status, body = raw(server.port, big)
    assert status == 413
    assert body["error"]["code"] == "request_too_large"
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GARBAGE\r\n\r\n")  # uvicorn's own parser answers, then closes
        assert sock.recv(65536).split()[1] == b"400"
    status, body = raw(server.port, b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 404
    assert body["error"]["type"] == "invalid_request_error"
    status, body = raw(
        server.port, b"GET /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert status == 405
    assert body["error"]["code"] == "method_not_allowed"
    # and the server still answers
    assert (
        post(server.port, "/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]})[0] == 200
    )


def test_client_disconnect_mid_stream_does_not_wedge() -> None:
    SlowRunner.delay = 0.2
    SlowRunner.finished.clear()
    runner = SlowRunner({"model": "fake.gguf", "max_tokens": 64})
    with LocalModelServer(runner, model_id="fake") as srv:
        body = json.dumps({"messages": [{"role": "user", "content": "x"}], "stream": True}).encode()
        sock = socket.create_connection(("127.0.0.1", srv.port))
        sock.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        seen = b""
        while b"data:" not in seen:
            seen += sock.recv(4096)
        sock.close()  # gone after the first event; 9 words (~2 s) were still to come
        SlowRunner.delay = 0.0
        status, reply = post(
            srv.port,
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}], "max_tokens": 2},
        )
        assert status == 200
        assert reply["choices"][0]["message"]["content"] == "Paris is"
        assert sorted(SlowRunner.finished) == [False, True]  # the abandoned stream was stopped, not finished
        assert srv.pending == 0


def test_excess_requests_queue_and_overflow_gets_503() -> None:
    SlowRunner.delay = 0.02
    SlowRunner.peak = 0
    runner = SlowRunner({"model": "fake.gguf", "max_tokens": 5})
    with LocalModelServer(runner, model_id="fake", max_queue=3) as srv:
        results: list[int] = []

        def call() -> None:
            results.append(
                post(srv.port, "/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]})[0]
            )

        threads = [threading.Thread(target=call) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert SlowRunner.peak == 1  # one generation at a time
        assert results.count(200) >= 4  # one running + three queued at least
        assert set(results) <= {200, 503}
        assert 503 in results
        status, _ = post(srv.port, "/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]})
        assert status == 200


def test_api_key_and_non_loopback() -> None:
    runner = FakeRunner({"model": "fake.gguf"})
    with pytest.raises(ServerError, match="without an API key"):
        LocalModelServer(runner, host="0.0.0.0")
    with LocalModelServer(runner, model_id="fake", api_key="sk-local-secret") as srv:
        status, body = post(
            srv.port,
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}]},
            {"Authorization": "Bearer sk-wrong-guess"},
        )
        assert status == 401
        assert "sk-wrong-guess" not in json.dumps(body)
        assert "sk-local-secret" not in json.dumps(body)
        ok, _ = post(
            srv.port,
            "/v1/chat/completions",
            {"messages": [{"role": "user", "content": "x"}]},
            {"Authorization": "Bearer sk-local-secret"},
        )
        assert ok == 200
