"""``LocalModelServer``: an OpenAI-compatible HTTP server for one local model (stdlib asyncio).

Routes: ``GET /health`` (never needs a key), ``GET /v1/models``, ``POST /v1/chat/completions``
(JSON, or server-sent events with ``"stream": true``), ``POST /v1/embeddings``. Any
OpenAI-compatible client reaches it - any-llm's ``llamacpp`` provider, or ``openai`` with
``api_base`` - so the runtime calls a local model like a hosted one.

Reliability rules:

- **Loopback by default.** Another host is refused unless an API key is set; with a key, every
  ``/v1`` request needs ``Authorization: Bearer <key>``, and the key is never echoed or logged.
- **Queue, don't crash.** A runner generates one request at a time; the others wait in a queue
  of ``max_queue``. Beyond that the answer is 503 with ``Retry-After`` (an OpenAI-shaped error
  clients retry), never a dropped connection or a crash.
- **4xx for bad input.** A body over ``max_body_bytes`` gets 413 before it is read; malformed
  JSON, missing fields and out-of-range parameters get 400 with OpenAI's error shape.
- **A client that leaves mid-stream** is noticed at the next chunk: the generation stops there,
  the runner is released, and the next request is served.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

from llmhub_local.errors import ServerError
from llmhub_local.runners.base import BaseLLMRunner
from llmhub_local.serving import _http
from llmhub_local.serving.ports import LOOPBACK, bind_listener, is_loopback
from llmhub_runtime.errors import LLMHubError

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_QUEUE", "LocalModelServer"]

DEFAULT_MAX_QUEUE = 64
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024

log = logging.getLogger("llmhub_local.serving.server")
T = TypeVar("T")

_SAMPLING = {"temperature", "top_p", "top_k", "repeat_penalty", "seed"}
_END = object()


class LocalModelServer:
    """Serves one runner over HTTP.

    Args:
        runner: The model (already built; loaded on first use if it is not).
        model_id: The id clients send as ``model`` (the runner's own name is accepted too).
        host: Address to bind; loopback by default. Any other host needs ``api_key``.
        port: Preferred port (a hint: a free port is used when it is taken); 0 or None: any.
        sock: An already-listening socket to serve on (``host``/``port`` are then ignored).
        api_key: Required ``Bearer`` token for ``/v1`` routes.
        max_queue: Requests that may wait while one is generating; more get 503.
        max_body_bytes: Largest accepted request body.
        embedding_runner: A runner for ``/v1/embeddings`` when ``runner`` cannot embed.

    Raises:
        ServerError: a non-loopback host without an API key.
    """

    def __init__(
        self,
        runner: BaseLLMRunner,
        *,
        model_id: str | None = None,
        host: str = LOOPBACK,
        port: int | None = None,
        sock: socket.socket | None = None,
        api_key: str | None = None,
        max_queue: int = DEFAULT_MAX_QUEUE,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        embedding_runner: BaseLLMRunner | None = None,
    ) -> None:
        if not is_loopback(host) and not api_key:
            raise ServerError(
                f"refusing to serve on {host!r} without an API key: only loopback is safe without one "
                "(set an API key, e.g. LLMHUB_LOCAL_API_KEY, or bind 127.0.0.1)"
            )
        if max_queue < 0 or max_body_bytes < 1:
            raise ValueError("max_queue must be >= 0 and max_body_bytes >= 1")
        self.runner = runner
        self.model_id = model_id or runner.model_name
        self.host = host
        self._port_hint = port
        self._sock = sock
        self._api_key = api_key
        self.max_queue = max_queue
        self.max_body_bytes = max_body_bytes
        self._embedder = embedding_runner or runner
        # One worker: a runner generates one request at a time, the rest wait their turn.
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="llmhub-runner")
        self._pending = 0
        self._served = 0
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    # -- properties ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port being served."""
        if self._port is None:
            raise ServerError("the server is not running")
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port/v1``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    @property
    def pending(self) -> int:
        """Requests generating or waiting for the runner right now."""
        return self._pending

    # -- lifecycle -----------------------------------------------------------------------------

    def listen(self) -> socket.socket:
        """Create the listening socket (port hint, else a free port) unless one was given."""
        if self._sock is None:
            self._sock = bind_listener(self.host, self._port_hint)
        self._port = int(self._sock.getsockname()[1])
        return self._sock

    async def serve(
        self, stopping: asyncio.Event | None = None, ready: Callable[[int], None] | None = None
    ) -> None:
        """Serve until ``stopping`` is set (forever when it is ``None``)."""
        self._stopping = stopping or asyncio.Event()
        sock = self.listen()
        server = await asyncio.start_server(self._handle, sock=sock, limit=_http.MAX_HEAD_BYTES)
        if ready is not None:
            ready(self.port)
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

    def start(self) -> LocalModelServer:
        """Serve from a background thread (tests, benchmarks, in-process use); returns ``self``."""
        if self._thread is not None:
            raise ServerError("the server is already running")
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.serve(ready=ready.set_result))
            except BaseException as e:  # noqa: BLE001 - handed to start(), which re-raises it
                if not ready.done():
                    ready.set_exception(e)
            finally:
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="llmhub-local-server", daemon=True)
        self._thread.start()
        ready.result(timeout=30)
        return self

    def stop(self) -> None:
        """Stop a server started with :meth:`start` (a no-op otherwise)."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if self._stopping is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._stopping.set)
        thread.join(timeout=30)
        self._thread = self._loop = None
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> LocalModelServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- connections ---------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            while True:
                try:
                    request = await _http.read_request(reader, self.max_body_bytes)
                except _http.HttpError as e:
                    await _http.send_json(
                        writer, e.status, _http.error_document(e.status, e.message), keep_alive=False
                    )
                    return
                if request is None:
                    return
                started = time.perf_counter()
                status = await self._dispatch(request, writer)
                log.info(
                    "%s %s %s %.1f ms",
                    request.method,
                    request.path,
                    status,
                    (time.perf_counter() - started) * 1e3,
                )
                if status < 0 or not request.keep_alive:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away
        except asyncio.CancelledError:
            pass  # stop() cancels every connection
        finally:
            self._writers.discard(writer)
            writer.close()
            if task is not None:
                self._tasks.discard(task)

    async def _dispatch(self, request: _http.Request, writer: asyncio.StreamWriter) -> int:
        """Answer one request; returns the status sent (negative: the connection must close)."""
        keep = request.keep_alive
        routes = {
            "/health": "GET",
            "/v1/models": "GET",
            "/v1/chat/completions": "POST",
            "/v1/embeddings": "POST",
        }
        try:
            expected = routes.get(request.path)
            if expected is None:
                raise _http.HttpError(404, f"Invalid URL ({request.method} {request.path})")
            if request.method != expected:
                raise _http.HttpError(405, f"Method {request.method} is not allowed on {request.path}")
            if request.path == "/health":
                body = {
                    "status": "ok",
                    "model": self.model_id,
                    "pending": self._pending,
                    "max_queue": self.max_queue,
                }
                await _http.send_json(writer, 200, body, keep_alive=keep)
                return 200
            self._check_auth(request.headers.get("authorization"))
            if request.path == "/v1/models":
                data = [{"id": self.model_id, "object": "model", "created": 0, "owned_by": "llmhub-local"}]
                await _http.send_json(writer, 200, {"object": "list", "data": data}, keep_alive=keep)
                return 200
            body = self._json_body(request)
            if request.path == "/v1/embeddings":
                return await self._embeddings(body, writer, keep)
            return await self._chat(body, writer, keep)
        except _http.HttpError as e:
            headers = {"Retry-After": "1"} if e.status == 503 else None
            document = _http.error_document(e.status, e.message, e.code)
            await _http.send_json(writer, e.status, document, keep_alive=keep, extra_headers=headers)
            return e.status
        except (ConnectionError, asyncio.CancelledError):
            raise
        except Exception as e:
            log.exception("internal error on %s %s", request.method, request.path)
            document = _http.error_document(500, f"internal server error: {type(e).__name__}")
            await _http.send_json(writer, 500, document, keep_alive=False)
            return -1

    def _check_auth(self, authorization: str | None) -> None:
        if self._api_key is None:
            return
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self._api_key.encode()
        ):
            raise _http.HttpError(401, "Missing or incorrect API key (send Authorization: Bearer <key>).")

    def _json_body(self, request: _http.Request) -> dict[str, Any]:
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError) as e:
            raise _http.HttpError(400, f"The request body is not valid JSON ({e}).") from None
        if not isinstance(body, dict):
            raise _http.HttpError(400, "The request body must be a JSON object.")
        model = body.get("model")
        if model is not None and model not in {self.model_id, self.runner.model_name}:
            raise _http.HttpError(
                404,
                f"The model {model!r} is not served here; this server serves {self.model_id!r}.",
                code="model_not_found",
            )
        return body

    # -- the runner queue ----------------------------------------------------------------------

    def _admit(self) -> None:
        if self._pending > self.max_queue:  # one generating + max_queue waiting
            raise _http.HttpError(
                503,
                f"The server is busy ({self._pending} requests queued); retry shortly.",
                code="overloaded",
            )
        self._pending += 1

    async def _run(self, action: Callable[[], T]) -> T:
        self._admit()
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, action)
        except LLMHubError as e:
            raise _as_http(e) from e
        finally:
            self._pending -= 1
            self._served += 1

    # -- endpoints -----------------------------------------------------------------------------

    async def _embeddings(self, body: Mapping[str, Any], writer: asyncio.StreamWriter, keep: bool) -> int:
        raw = body.get("input")
        if isinstance(raw, str):
            texts = [raw]
        elif isinstance(raw, list) and raw and all(isinstance(t, str) for t in raw):
            texts = list(raw)
        else:
            raise _http.HttpError(400, "'input' must be a string or a non-empty array of strings.")
        if body.get("encoding_format") not in (None, "float"):
            raise _http.HttpError(400, "only encoding_format 'float' is supported")
        response = await self._run(lambda: self._embedder.create_embedding(texts))
        document = response.model_dump(mode="json", exclude_none=True)
        document["model"] = self.model_id
        await _http.send_json(writer, 200, document, keep_alive=keep)
        return 200

    async def _chat(self, body: Mapping[str, Any], writer: asyncio.StreamWriter, keep: bool) -> int:
        messages, options, response_format = _chat_arguments(body)
        stream = body.get("stream") is True
        if not stream:
            reply = await self._run(
                lambda: self.runner.create_chat_completion(
                    messages, response_format=response_format, **options
                )
            )
            document = reply.model_dump(mode="json", exclude_none=True)
            document["model"] = self.model_id
            await _http.send_json(writer, 200, document, keep_alive=keep)
            return 200
        stream_options = body.get("stream_options")
        include_usage = isinstance(stream_options, dict) and stream_options.get("include_usage") is True
        return await self._stream(messages, options, response_format, include_usage, writer, keep)

    async def _stream(
        self,
        messages: list[dict[str, Any]],
        options: dict[str, Any],
        response_format: dict[str, Any] | None,
        include_usage: bool,
        writer: asyncio.StreamWriter,
        keep: bool,
    ) -> int:
        loop = asyncio.get_running_loop()
        items: asyncio.Queue[Any] = asyncio.Queue()
        cancelled = threading.Event()

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(items.put_nowait, item)
            except RuntimeError:  # the loop is closed: the server is stopping
                cancelled.set()

        def produce() -> None:
            # Runs on the runner's worker thread: it alone iterates (and closes) the generator.
            if cancelled.is_set():
                return
            chunks = self.runner.create_chat_completion_streaming(
                messages, response_format=response_format, **options
            )
            try:
                for chunk in chunks:
                    if cancelled.is_set():
                        break
                    put(chunk)
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()  # releases the runner's lock at once

        self._admit()
        try:
            future = loop.run_in_executor(self._executor, produce)
            future.add_done_callback(lambda f: items.put_nowait(f.exception() or _END))
            started = False
            usage: Any = None
            document: dict[str, Any] = {}
            try:
                while True:
                    item = await items.get()
                    if item is _END:
                        break
                    if isinstance(item, BaseException):
                        if started:  # too late for a status code: end the stream with an error event
                            await _http.sse_event(writer, json.dumps(_http.error_document(500, str(item))))
                            break
                        if isinstance(item, LLMHubError):
                            raise _as_http(item) from item
                        raise item
                    if not started:
                        await _http.start_sse(writer, keep_alive=keep)
                        started = True
                    document = item.model_dump(mode="json", exclude_none=True)
                    document["model"] = self.model_id
                    usage = document.pop("usage", None) or usage
                    await _http.sse_event(writer, json.dumps(document, separators=(",", ":")))
                if not started:
                    await _http.start_sse(writer, keep_alive=keep)
                if include_usage and usage is not None:
                    final = {**document, "choices": [], "usage": usage}
                    await _http.sse_event(writer, json.dumps(final, separators=(",", ":")))
                await _http.sse_done(writer)
            except (ConnectionError, asyncio.CancelledError):
                cancelled.set()  # the client left: the worker stops at its next piece
                writer.transport.abort()
                return -1
            finally:
                cancelled.set()
        finally:
            self._pending -= 1
            self._served += 1
        return 200


def _as_http(error: LLMHubError) -> _http.HttpError:
    if error.is_usage_error:  # a bad request (unknown parameter, unsupported operation...)
        return _http.HttpError(400, str(error))
    return _http.HttpError(500, f"{type(error).__name__}: {error}")


def _chat_arguments(
    body: Mapping[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any] | None]:
    """Messages, sampling overrides and response_format of a chat request (400 when invalid)."""
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _http.HttpError(400, "'messages' must be a non-empty array")
    if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
        raise _http.HttpError(400, "each message must be an object with a 'role'")
    if body.get("tools"):
        raise _http.HttpError(
            400,
            "'tools' is not supported by this server; constrain the output with response_format "
            "json_schema instead (llmhub_local.serving.tools shows the strict JSON tool-call format)",
        )
    n = body.get("n")
    if n not in (None, 1):
        raise _http.HttpError(400, "only n=1 is supported")
    options: dict[str, Any] = {k: body[k] for k in _SAMPLING if body.get(k) is not None}
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        options["max_tokens"] = max_tokens
    stop = body.get("stop")
    if stop is not None:
        options["stop"] = [stop] if isinstance(stop, str) else stop
    response_format = body.get("response_format")
    if response_format is not None and not isinstance(response_format, dict):
        raise _http.HttpError(400, "'response_format' must be an object")
    if isinstance(response_format, dict) and response_format.get("type") == "text":
        response_format = None
    return messages, options, response_format
