"""A fake OpenAI-compatible server for offline tests and benchmarks (standard library only).

::

    from llmhub_runtime.testing import FakeOpenAIServer

    with FakeOpenAIServer(api_key="sk-test") as server:
        # point a provider's api_base at server.base_url, then call it as usual
        server.fail_next(429)                     # the next model call gets HTTP 429
        ...
        assert server.requests[-1].body["model"] == "gpt-test"

It speaks enough of the OpenAI HTTP API for any OpenAI-compatible client (the ``openai`` SDK,
any-llm's ``openai``, ``llamacpp`` and similar providers) to work against it:

* ``GET /v1/models`` lists a few model ids.
* ``POST /v1/chat/completions`` answers ``"echo: <content of the last user message>"`` with usage
  counts (words, not tokens) and the request's ``model`` echoed back. With ``"stream": true`` it
  sends server-sent events: a role delta first, the reply split into one chunk per word, a chunk
  with ``finish_reason: "stop"``, an optional usage chunk (``stream_options.include_usage``),
  then ``data: [DONE]``.
* ``POST /v1/embeddings`` returns, for each input, a unit vector derived from a hash of the text
  (see :func:`fake_embedding`), as floats or base64 as the client asks (``encoding_format``).
* ``GET /health`` answers ``{"status": "ok"}`` and never needs a key.

With ``api_key`` set, every ``/v1`` request must carry ``Authorization: Bearer <api_key>``;
otherwise the answer is a 401 whose message **echoes the key that was sent, in full**. Real
providers echo part of it; echoing all of it lets a test prove that a client scrubs keys from
its errors.

Errors have OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``: malformed JSON
or missing fields give 400, an unknown path 404, a wrong method 405.

Failures are scripted per test, from any thread: :meth:`FakeOpenAIServer.fail_next`,
:meth:`~FakeOpenAIServer.fail_model`, :meth:`~FakeOpenAIServer.delay_next`,
:meth:`~FakeOpenAIServer.fail_stream_after`, and :meth:`~FakeOpenAIServer.reset`. Every request
is recorded (:attr:`FakeOpenAIServer.requests`) with the connection it arrived on, so tests can
check what a client sent and whether it reused connections.

The server runs an asyncio event loop in a daemon thread and implements HTTP/1.1 itself
(keep-alive, chunked bodies), so hundreds of concurrent connections cost no thread each and a
request costs a few tens of microseconds. It binds to loopback by default. It is not a
production server: it trusts its clients and is meant for tests.

This module is not imported by ``llmhub_runtime`` itself.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import hashlib
import itertools
import json
import math
import re
import struct
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from typing import Any

__all__ = ["FakeOpenAIServer", "RecordedRequest", "fake_embedding"]

_DEFAULT_MODELS = ("fake-chat", "fake-embedding")
_MAX_HEAD_BYTES = 64 * 1024
_MAX_BODY_BYTES = 32 * 1024 * 1024
_CLOSE_HEADER = "Connection: close\r\n"
_WORD_CHUNKS = re.compile(r"\S+\s*|\s+")
_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    408: ("timeout_error", None),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}
_ROUTES: dict[str, str] = {
    "/health": "GET",
    "/v1/models": "GET",
    "/v1/chat/completions": "POST",
    "/v1/embeddings": "POST",
}


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as the server received it.

    Attributes:
        method: ``GET``, ``POST``, ...
        path: The request path without its query string, e.g. ``/v1/chat/completions``.
        query: The raw query string (``""`` when there is none).
        headers: Header names in lower case (``headers["authorization"]``); repeated headers are
            joined with ``", "``.
        body: The parsed JSON body, or ``None`` when there was no body or it was not valid JSON.
        connection_id: Which connection the request arrived on (1 for the server's first
            connection, and so on). Requests sharing an id were sent over one kept-alive
            connection.
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: Any
    connection_id: int

    @property
    def model(self) -> str | None:
        """The ``model`` named in the JSON body, if any."""
        if isinstance(self.body, dict):
            model = self.body.get("model")
            if isinstance(model, str):
                return model
        return None


def fake_embedding(text: str, dim: int = 8) -> list[float]:
    """The vector the server returns for ``text``: deterministic, unit length, ``dim`` floats.

    Each value is exactly representable as a 32-bit float, so vectors sent as base64 (the
    ``openai`` SDK's default) and as JSON floats are equal.
    """
    if dim < 1:
        raise ValueError("dim must be at least 1")
    seed = text.encode("utf-8")
    raw: list[float] = []
    block = 0
    while len(raw) < dim:
        digest = hashlib.sha256(block.to_bytes(4, "big") + seed).digest()
        raw.extend(int.from_bytes(digest[i : i + 4], "big") / 2**31 - 1.0 for i in range(0, 32, 4))
        block += 1
    vector = raw[:dim]
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    packed = struct.pack(f"<{dim}f", *(x / norm for x in vector))
    return list(struct.unpack(f"<{dim}f", packed))


@dataclass(slots=True)
class _Rule:
    """A scripted behaviour for the next ``remaining`` matching requests (``-1``: forever)."""

    model: str | None
    remaining: int
    status: int = 0
    message: str = ""
    seconds: float = 0.0
    n_chunks: int = 0
    text: str = ""


@dataclass(slots=True)
class _Request:
    method: str
    path: str
    query: str
    version: str
    headers: dict[str, str]
    body: bytes
    connection_id: int


class _BadRequestError(Exception):
    """The bytes on the wire are not an HTTP request we can answer; reply 400 and close."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class FakeOpenAIServer:
    """A fake OpenAI-compatible HTTP server running in a background thread.

    Args:
        host: Address to bind (loopback by default). Use an IP address.
        port: Port to bind; 0 (the default) picks a free one, see :attr:`port`.
        api_key: When set, ``/v1`` requests must send ``Authorization: Bearer <api_key>``.
        embedding_dim: Length of the vectors ``/v1/embeddings`` returns (a request's own
            ``dimensions`` wins).
        models: Model ids listed by ``GET /v1/models`` (any model id is accepted for calls).

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. All methods are
    thread-safe.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        embedding_dim: int = 8,
        models: Sequence[str] = _DEFAULT_MODELS,
    ) -> None:
        if embedding_dim < 1:
            raise ValueError("embedding_dim must be at least 1")
        self._host = host
        self._requested_port = port
        self._api_key = api_key
        self._embedding_dim = embedding_dim
        self._models = tuple(models)
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._fail_rules: list[_Rule] = []
        self._model_failures: dict[str, int] = {}
        self._delay_rules: list[_Rule] = []
        self._stream_rules: list[_Rule] = []
        self._reply_rules: list[_Rule] = []
        self._connections_opened = 0
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._port: int | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeOpenAIServer:
        """Bind and start serving; returns ``self``. Raises ``OSError`` if the port is taken."""
        if self._thread is not None:
            raise RuntimeError("FakeOpenAIServer is already running")
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=self._run, args=(loop, ready), name="fake-openai-server", daemon=True
        )
        self._loop = loop
        self._thread = thread
        thread.start()
        try:
            self._port = ready.result(timeout=30)
        except BaseException:
            thread.join(timeout=30)
            self._loop = None
            self._thread = None
            raise
        return self

    def stop(self) -> None:
        """Close every connection and stop the server (a no-op when it is not running)."""
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None or loop is None:
            return
        if stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout=30)
        self._thread = None
        self._loop = None
        self._stopping = None
        self._port = None

    def __enter__(self) -> FakeOpenAIServer:
        if self._thread is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("FakeOpenAIServer is not running; call start() first")
        return self._port

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, e.g. ``http://127.0.0.1:53211/v1``."""
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self.port}/v1"

    @property
    def api_key(self) -> str | None:
        """The key the server requires, if any."""
        return self._api_key

    # ------------------------------------------------------------------ scripting

    def fail_next(
        self,
        status: int,
        count: int = 1,
        model: str | None = None,
        message: str = "scripted failure",
    ) -> None:
        """Answer the next ``count`` model calls (chat completions, embeddings) with HTTP ``status``.

        With ``model`` set, only calls naming that model are affected (and counted). The body
        is an OpenAI-style error carrying ``message``. Scripts queue up in call order.
        """
        _check_status(status)
        _check_count(count)
        with self._lock:
            self._fail_rules.append(_Rule(model, count, status=status, message=message))

    def fail_model(self, model: str, status: int) -> None:
        """Answer every call naming ``model`` with HTTP ``status`` until :meth:`reset`."""
        _check_status(status)
        with self._lock:
            self._model_failures[model] = status

    def delay_next(self, seconds: float, count: int = 1, model: str | None = None) -> None:
        """Wait ``seconds`` before answering the next ``count`` model calls (to provoke timeouts).

        A client that gave up meanwhile gets nothing; the delayed answer is dropped.
        """
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        _check_count(count)
        with self._lock:
            self._delay_rules.append(_Rule(model, count, seconds=seconds))

    def fail_stream_after(self, n_chunks: int, count: int = 1, model: str | None = None) -> None:
        """Drop the connection of the next ``count`` streamed completions after ``n_chunks`` events.

        The response starts normally (HTTP 200); after ``n_chunks`` ``data:`` events (the role
        delta counts as the first) the connection is cut without ending the chunked body, so
        the client sees a broken stream. ``0`` cuts right after the headers.
        """
        if n_chunks < 0:
            raise ValueError("n_chunks must be >= 0")
        _check_count(count)
        with self._lock:
            self._stream_rules.append(_Rule(model, count, n_chunks=n_chunks))

    def reply_next(self, text: str, count: int = 1, model: str | None = None) -> None:
        """Answer the next ``count`` chat completions with ``text`` instead of the echo reply.

        For testing code that parses a model's answer (JSON, tool calls...). Streams deliver the
        same text in chunks. With ``model`` set, only calls naming that model are affected.
        """
        _check_count(count)
        with self._lock:
            self._reply_rules.append(_Rule(model, count, text=text))

    def reset(self) -> None:
        """Forget every script and every recorded request (open connections stay open)."""
        with self._lock:
            self._reply_rules.clear()
            self._fail_rules.clear()
            self._model_failures.clear()
            self._delay_rules.clear()
            self._stream_rules.clear()
            self._requests.clear()

    # ------------------------------------------------------------------ observation

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received since the last :meth:`reset`, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests but keep the scripts."""
        with self._lock:
            self._requests.clear()

    @property
    def connections_opened(self) -> int:
        """How many TCP connections the server has accepted since it started."""
        with self._lock:
            return self._connections_opened

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        with self._lock:
            return len(self._writers)

    # ------------------------------------------------------------------ event loop thread

    def _run(self, loop: asyncio.AbstractEventLoop, ready: concurrent.futures.Future[int]) -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve(ready))
        except BaseException as e:  # noqa: BLE001 - reported to start(), which re-raises it
            if not ready.done():
                ready.set_exception(e)
        finally:
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()

    async def _serve(self, ready: concurrent.futures.Future[int]) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(
            self._handle_connection,
            self._host,
            self._requested_port,
            backlog=2048,
            limit=_MAX_HEAD_BYTES,
            reuse_address=True,
        )
        ready.set_result(server.sockets[0].getsockname()[1])
        try:
            await self._stopping.wait()
        finally:
            server.close()
            for writer in list(self._writers):
                writer.transport.abort()
            tasks = list(self._tasks)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await server.wait_closed()

    async def _handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        with self._lock:
            self._connections_opened += 1
            connection_id = self._connections_opened
            self._writers.add(writer)
        try:
            while True:
                try:
                    request = await _read_request(reader, writer, connection_id)
                except _BadRequestError as e:
                    writer.write(_response(e.status, _error_body(e.status, e.message), keep_alive=False))
                    await writer.drain()
                    return
                if request is None:
                    return
                if not await self._dispatch(request, reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away; nothing to answer
        except asyncio.CancelledError:
            # stop() cancels every connection. Ending quietly matters on Python 3.11, whose
            # start_server callback logs a traceback for a connection task that ends cancelled.
            pass
        finally:
            with self._lock:
                self._writers.discard(writer)
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    # ------------------------------------------------------------------ request handling

    async def _dispatch(
        self, request: _Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Answer one request; return whether the connection stays open."""
        keep_alive = _wants_keep_alive(request)
        body: Any = None
        body_error: str | None = None
        if request.body:
            try:
                body = json.loads(request.body)
            except (ValueError, UnicodeDecodeError) as e:
                body_error = f"We could not parse the JSON body of your request ({e})."
        recorded = RecordedRequest(
            request.method, request.path, request.query, request.headers, body, request.connection_id
        )
        with self._lock:
            self._requests.append(recorded)

        expected_method = _ROUTES.get(request.path)
        if expected_method is None:
            return await _send_error(
                writer, 404, f"Invalid URL ({request.method} {request.path})", keep_alive
            )
        if request.method != expected_method:
            return await _send_error(
                writer, 405, f"Method {request.method} is not allowed on {request.path}", keep_alive
            )
        if request.path == "/health":
            return await _send(writer, 200, {"status": "ok"}, keep_alive)
        auth_error = self._auth_error(request.headers.get("authorization"))
        if auth_error is not None:
            return await _send_error(writer, 401, auth_error, keep_alive)
        if request.path == "/v1/models":
            models = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self._models]
            return await _send(writer, 200, {"object": "list", "data": models}, keep_alive)

        if body_error is not None:
            return await _send_error(writer, 400, body_error, keep_alive)
        problem = _validate(request.path, body)
        if problem is not None:
            return await _send_error(writer, 400, problem, keep_alive)
        model: str = body["model"]
        stream = request.path == "/v1/chat/completions" and body.get("stream") is True

        delay, failure, cut = self._scripts_for(model, stream)
        if delay:
            await asyncio.sleep(delay)
            if reader.at_eof() or writer.is_closing():
                return False  # the client gave up waiting
        if failure is not None:
            status, message = failure
            return await _send_error(writer, status, message, keep_alive)
        if request.path == "/v1/embeddings":
            return await _send(writer, 200, self._embeddings(body), keep_alive)
        if stream:
            return await self._stream(writer, body, cut, keep_alive)
        return await _send(writer, 200, self._completion(body), keep_alive)

    def _auth_error(self, authorization: str | None) -> str | None:
        if self._api_key is None:
            return None
        if not authorization:
            return (
                "You didn't provide an API key. You need to provide your API key in an Authorization "
                "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or token.strip() != self._api_key:
            return f"Incorrect API key provided: {token.strip() or authorization}."
        return None

    def _scripts_for(self, model: str, stream: bool) -> tuple[float, tuple[int, str] | None, int | None]:
        """Consume the scripts that apply to this call: (delay, (status, message) | None, cut_after)."""
        with self._lock:
            delay_rule = _take(self._delay_rules, model)
            fail_rule = _take(self._fail_rules, model)
            failure: tuple[int, str] | None = None
            if fail_rule is not None:
                failure = (fail_rule.status, fail_rule.message)
            elif model in self._model_failures:
                status = self._model_failures[model]
                failure = (status, f"The model {model!r} is failing (scripted, HTTP {status}).")
            cut_rule = _take(self._stream_rules, model) if stream and failure is None else None
        return (
            delay_rule.seconds if delay_rule else 0.0,
            failure,
            cut_rule.n_chunks if cut_rule else None,
        )

    def _reply_for(self, body: dict[str, Any]) -> str:
        """The scripted reply for this call, if one is queued, else the echo reply."""
        with self._lock:
            rule = _take(self._reply_rules, str(body.get("model")))
        return rule.text if rule is not None else _reply(body["messages"])

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = self._reply_for(body)
        n = body.get("n")
        choices = [
            {
                "index": i,
                "message": {"role": "assistant", "content": reply, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
            for i in range(n if isinstance(n, int) and 1 <= n <= 16 else 1)
        ]
        prompt_tokens = _prompt_tokens(body["messages"])
        completion_tokens = _count_words(reply) * len(choices)
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body["model"],
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
            "system_fingerprint": "fake-openai-server",
        }

    async def _stream(
        self, writer: asyncio.StreamWriter, body: dict[str, Any], cut_after: int | None, keep_alive: bool
    ) -> bool:
        reply = self._reply_for(body)
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        base = {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": body["model"],
            "system_fingerprint": "fake-openai-server",
        }
        extra = {"usage": None} if include_usage else {}

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
            choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
            return {**base, "choices": [choice], **extra}

        events = [chunk({"role": "assistant", "content": ""})]
        events.extend(chunk({"content": piece}) for piece in _WORD_CHUNKS.findall(reply))
        events.append(chunk({}, "stop"))
        if include_usage:
            prompt_tokens = _prompt_tokens(body["messages"])
            completion_tokens = _count_words(reply)
            usage = {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            }
            events.append({**base, "choices": [], "usage": usage})

        head = (
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: text/event-stream; charset=utf-8\r\n"
            "Cache-Control: no-cache\r\n"
            "Transfer-Encoding: chunked\r\n"
            f"{'' if keep_alive else _CLOSE_HEADER}\r\n"
        )
        writer.write(head.encode("latin-1"))
        for index, event in enumerate(events):
            if cut_after is not None and index >= cut_after:
                await writer.drain()
                writer.transport.abort()
                return False
            writer.write(_sse_chunk(json.dumps(event, separators=(",", ":"))))
            await writer.drain()
        if cut_after is not None:
            writer.transport.abort()  # never send [DONE]: the stream must look broken
            return False
        writer.write(_sse_chunk("[DONE]") + b"0\r\n\r\n")
        await writer.drain()
        return keep_alive

    def _embeddings(self, body: dict[str, Any]) -> dict[str, Any]:
        raw_input = body["input"]
        items: list[Any] = [raw_input] if isinstance(raw_input, str) else list(raw_input)
        # Token-id inputs (lists of ints) are embedded by their JSON text.
        texts = [item if isinstance(item, str) else json.dumps(item) for item in items]
        dimensions = body.get("dimensions")
        dim = dimensions if isinstance(dimensions, int) and dimensions > 0 else self._embedding_dim
        as_base64 = body.get("encoding_format") == "base64"
        data = []
        for index, text in enumerate(texts):
            vector = fake_embedding(text, dim)
            embedding: Any = (
                base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode("ascii") if as_base64 else vector
            )
            data.append({"object": "embedding", "index": index, "embedding": embedding})
        tokens = sum(_count_words(t) for t in texts)
        return {
            "object": "list",
            "data": data,
            "model": body["model"],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }


# --------------------------------------------------------------------------- HTTP plumbing


async def _read_request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection_id: int
) -> _Request | None:
    """Read one request from the connection; ``None`` when the client closed it cleanly."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial.strip():
            raise _BadRequestError(400, "Incomplete HTTP request head.") from None
        return None
    except asyncio.LimitOverrunError:
        raise _BadRequestError(431, "Request header fields too large.") from None
    head = head.lstrip(b"\r\n")
    if not head:
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise _BadRequestError(400, f"Malformed request line: {lines[0][:100]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise _BadRequestError(400, f"Malformed header line: {line[:100]!r}")
        key = name.lower()
        value = value.strip()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    else:
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise _BadRequestError(400, "Invalid Content-Length header.") from None
        if length < 0:
            raise _BadRequestError(400, "Invalid Content-Length header.")
        if length > _MAX_BODY_BYTES:
            raise _BadRequestError(413, "Request body too large.")
        body = await reader.readexactly(length) if length else b""
    path, _, query = target.partition("?")
    return _Request(method, path, query, version, headers, body, connection_id)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _BadRequestError(400, "Malformed chunked body.") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers are ignored
            return b"".join(parts)
        total += size
        if total > _MAX_BODY_BYTES:
            raise _BadRequestError(413, "Request body too large.")
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def _wants_keep_alive(request: _Request) -> bool:
    connection = request.headers.get("connection", "").lower()
    if request.version == "HTTP/1.0":
        return "keep-alive" in connection
    return "close" not in connection


def _response(status: int, payload: bytes, *, keep_alive: bool) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_reason(status)}\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n"
        f"{'' if keep_alive else _CLOSE_HEADER}\r\n"
    )
    return head.encode("latin-1") + payload


async def _send(writer: asyncio.StreamWriter, status: int, document: Any, keep_alive: bool) -> bool:
    writer.write(
        _response(status, json.dumps(document, separators=(",", ":")).encode(), keep_alive=keep_alive)
    )
    await writer.drain()
    return keep_alive


async def _send_error(writer: asyncio.StreamWriter, status: int, message: str, keep_alive: bool) -> bool:
    writer.write(_response(status, _error_body(status, message), keep_alive=keep_alive))
    await writer.drain()
    return keep_alive


def _error_body(status: int, message: str) -> bytes:
    error_type, code = _ERROR_TYPES.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    document = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    return json.dumps(document, separators=(",", ":")).encode()


def _sse_chunk(data: str) -> bytes:
    payload = f"data: {data}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(payload), payload)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# --------------------------------------------------------------------------- API semantics


def _validate(path: str, body: Any) -> str | None:
    """Why this JSON body is not a valid request for ``path`` (``None`` when it is)."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    if path == "/v1/chat/completions":
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "'messages' must be a non-empty array"
        if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
            return "each message must be an object with a 'role'"
        return None
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        return None
    if not isinstance(raw_input, list) or not raw_input:
        return "'input' must be a string or a non-empty array"
    return None


def _text_of(content: Any) -> str:
    """The text of a message's ``content`` (a string or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def _reply(messages: Iterable[dict[str, Any]]) -> str:
    last_user = ""
    for message in messages:
        if message.get("role") == "user":
            last_user = _text_of(message.get("content"))
    return f"echo: {last_user}"


def _count_words(text: str) -> int:
    return len(text.split())


def _prompt_tokens(messages: Iterable[dict[str, Any]]) -> int:
    return sum(_count_words(_text_of(m.get("content"))) for m in messages)


def _take(rules: list[_Rule], model: str) -> _Rule | None:
    """Consume one use of the first rule matching ``model`` (the caller holds the lock)."""
    for index, rule in enumerate(rules):
        if rule.model is None or rule.model == model:
            rule.remaining -= 1
            if rule.remaining == 0:
                del rules[index]
            return rule
    return None


def _check_status(status: int) -> None:
    if not 400 <= status <= 599:
        raise ValueError(f"status must be an HTTP error status (400-599), not {status}")


def _check_count(count: int) -> None:
    if count < 1:
        raise ValueError("count must be at least 1")
