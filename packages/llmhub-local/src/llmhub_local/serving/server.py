"""``LocalModelServer``: one local model behind an OpenAI-compatible HTTP API (Starlette + uvicorn).

Needs the ``server`` extra (``pip install "llmhub-local[server]"``). Routes: ``GET /health``
(never needs a key), ``GET /v1/models``, ``POST /v1/chat/completions`` (JSON, or server-sent
events with ``"stream": true``), ``POST /v1/embeddings``. Any OpenAI client reaches it - the
``openai`` SDK, any-llm's ``llamacpp`` provider, LLMHub - so a local model serves a role like a
hosted one. The wire format (validation, errors, tools, embeddings) is
:mod:`llmhub_local.serving.openai_protocol`.

Reliability rules:

- **Loopback by default.** Another host is refused unless an API key is set; with a key, every
  ``/v1`` request needs ``Authorization: Bearer <key>``, checked from the head before any body is
  read. The key is never echoed or logged.
- **The HTTP stack is uvicorn's** (h11): keep-alive limits, graceful shutdown on SIGTERM/SIGINT,
  a bounded head size. On top of it: a request head must arrive within ``header_timeout`` of the
  connection (or of the previous response) and a body within ``body_timeout`` - a stalled or
  half-open client is disconnected (408 for a stalled body); at most ``max_connections`` at once
  (a request beyond that gets 503 with ``Retry-After``, in OpenAI's shape like every error).
- **Queue, don't crash.** A runner generates one request at a time; up to ``max_queue`` wait.
  Beyond that the answer is 503 with ``Retry-After``. A waiting request whose client has gone is
  dropped from the queue; a generation whose client leaves (streaming or not) stops at its next
  token (one constrained by a JSON grammar, which cannot end early, is abandoned there).
- **4xx for bad input**, all in OpenAI's error shape: 413 for a body over ``max_body_bytes``
  (from ``Content-Length`` before reading, or while reading), 400 for malformed or too deeply
  nested JSON, invalid parameters or JSON schemas, and ``context_length_exceeded``.
- **The port is race-free**: the listening socket is bound first (the port is a hint) and uvicorn
  serves that very socket.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hmac
import json
import logging
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from llmhub_local.errors import ContextLengthError, MissingDependencyError, ServerError
from llmhub_local.runners.base import BaseLLMRunner
from llmhub_local.serving.openai_protocol import (
    ApiError,
    ChatRequest,
    encode_embedding,
    error_document,
    parse_chat_request,
    parse_embedding_request,
    parse_json_body,
)
from llmhub_local.serving.ports import LOOPBACK, bind_listener, is_loopback
from llmhub_runtime.errors import LLMHubError

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import Receive

__all__ = ["DEFAULT_MAX_BODY_BYTES", "DEFAULT_MAX_QUEUE", "LocalModelServer"]

DEFAULT_MAX_QUEUE = 64
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_KEEP_ALIVE = 5.0
DEFAULT_MAX_CONNECTIONS = 256
_MAX_HEAD_BYTES = 64 * 1024

log = logging.getLogger("llmhub_local.serving.server")
T = TypeVar("T")
_END = object()


class _ClientGoneError(Exception):
    """The client disconnected before its answer was ready."""


def _import_server_libraries() -> tuple[Any, Any]:
    try:
        import starlette
        import uvicorn
    except ModuleNotFoundError as e:
        raise MissingDependencyError(
            e.name or "starlette", "server", purpose="the OpenAI-compatible server (LocalModelServer)"
        ) from e
    return starlette, uvicorn


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
        header_timeout: Seconds a connection may take to send a request head.
        body_timeout: Seconds a request may take to send its body.
        keep_alive: Seconds an idle keep-alive connection stays open.
        max_connections: Open connections (and requests) at most; more get 503.

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
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        keep_alive: float = DEFAULT_KEEP_ALIVE,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        if not is_loopback(host) and not api_key:
            raise ServerError(
                f"refusing to serve on {host!r} without an API key: only loopback is safe without one "
                "(set an API key, e.g. LLMHUB_LOCAL_API_KEY, or bind 127.0.0.1)"
            )
        if max_queue < 0 or max_body_bytes < 1 or min(header_timeout, body_timeout, keep_alive) <= 0:
            raise ValueError("max_queue must be >= 0, max_body_bytes >= 1 and the timeouts > 0")
        _import_server_libraries()
        self.runner = runner
        self.model_id = model_id or runner.model_name
        self.host = host
        self._port_hint = port
        self._sock = sock
        self._api_key = api_key
        self.max_queue = max_queue
        self.max_body_bytes = max_body_bytes
        self.header_timeout = header_timeout
        self.body_timeout = body_timeout
        self.keep_alive = keep_alive
        self.max_connections = max_connections
        self._embedder = embedding_runner or runner
        # One worker thread: a runner generates one request at a time.
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="llmhub-runner")
        self._slot: asyncio.Lock | None = None
        self._waiting = 0
        self._busy = False
        self._served = 0
        self._generated = 0
        self._port: int | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._app: Starlette | None = None

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
        return self._waiting + int(self._busy)

    @property
    def waiting(self) -> int:
        """Requests waiting for the runner right now."""
        return self._waiting

    @property
    def generated(self) -> int:
        """Requests handed to the runner so far (a request dropped from the queue never is)."""
        return self._generated

    @property
    def app(self) -> Starlette:
        """The ASGI application."""
        if self._app is None:
            self._app = self._build_app()
        return self._app

    # -- lifecycle -----------------------------------------------------------------------------

    def listen(self) -> socket.socket:
        """Create the listening socket (port hint, else a free port) unless one was given."""
        if self._sock is None:
            self._sock = bind_listener(self.host, self._port_hint)
        self._port = int(self._sock.getsockname()[1])
        return self._sock

    def _uvicorn_server(self) -> Any:
        _, uvicorn = _import_server_libraries()
        config = uvicorn.Config(
            self.app,
            http=_protocol(self.header_timeout, self.max_connections),
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_keep_alive=self.keep_alive,
            timeout_graceful_shutdown=10,
            # uvicorn's own limit answers a plain-text 503; the protocol below applies the same
            # limit with an OpenAI-shaped one.
            limit_concurrency=None,
            h11_max_incomplete_event_size=_MAX_HEAD_BYTES,
            server_header=False,
        )
        return uvicorn.Server(config)

    async def serve(
        self, stopping: asyncio.Event | None = None, ready: Callable[[int], None] | None = None
    ) -> None:
        """Serve until ``stopping`` is set, or (in the main thread) SIGTERM/SIGINT arrives."""
        self._stopping = stopping or asyncio.Event()
        self._slot = asyncio.Lock()
        sock = self.listen()
        server = self._uvicorn_server()

        async def watch() -> None:
            # uvicorn has no "started" event to wait on; it sets a flag after binding its listeners.
            while not server.started and not server.should_exit:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
            if server.started and ready is not None:
                ready(self.port)
            assert self._stopping is not None
            await self._stopping.wait()
            server.should_exit = True

        watcher = asyncio.create_task(watch())
        try:
            await server.serve(sockets=[sock])
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        if not server.started:
            raise ServerError(f"the server could not start on {self.host}:{self.port}")

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
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
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

    # -- the application -----------------------------------------------------------------------

    def _build_app(self) -> Starlette:
        from starlette.applications import Starlette
        from starlette.exceptions import HTTPException
        from starlette.responses import JSONResponse
        from starlette.routing import Route

        async def api_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, ApiError)
            headers = dict(exc.headers)
            if exc.status == 503:
                headers.setdefault("Retry-After", "1")
            return JSONResponse(exc.document(), status_code=exc.status, headers=headers)

        async def http_error(request: Request, exc: Exception) -> Response:
            assert isinstance(exc, HTTPException)
            if exc.status_code == 404:
                message = f"Invalid URL ({request.method} {request.url.path})"
            elif exc.status_code == 405:
                message = f"Method {request.method} is not allowed on {request.url.path}"
            else:
                message = str(exc.detail)
            return JSONResponse(error_document(exc.status_code, message), status_code=exc.status_code)

        async def internal_error(request: Request, exc: Exception) -> Response:
            log.error("internal error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
            document = error_document(500, f"internal server error: {type(exc).__name__}")
            return JSONResponse(document, status_code=500)

        routes = [
            Route("/health", self._health, methods=["GET"]),
            Route("/v1/models", self._models, methods=["GET"]),
            Route("/v1/chat/completions", self._chat, methods=["POST"]),
            Route("/v1/embeddings", self._embeddings, methods=["POST"]),
        ]
        return Starlette(
            routes=routes,
            exception_handlers={ApiError: api_error, HTTPException: http_error, Exception: internal_error},
        )

    async def _health(self, request: Request) -> Response:
        from starlette.responses import JSONResponse

        return JSONResponse(
            {
                "status": "ok",
                "model": self.model_id,
                "pending": self.pending,
                "waiting": self.waiting,
                "max_queue": self.max_queue,
            }
        )

    async def _models(self, request: Request) -> Response:
        from starlette.responses import JSONResponse

        self._check_auth(request)
        data = [{"id": self.model_id, "object": "model", "created": 0, "owned_by": "llmhub-local"}]
        return JSONResponse({"object": "list", "data": data})

    # -- request plumbing ----------------------------------------------------------------------

    def _check_auth(self, request: Request) -> None:
        if self._api_key is None:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self._api_key.encode()
        ):
            raise ApiError(401, "Missing or incorrect API key (send Authorization: Bearer <key>).")

    async def _json(self, request: Request) -> dict[str, Any]:
        """Auth (from the head), then the size limit, then the body within ``body_timeout``."""
        self._check_auth(request)
        declared = request.headers.get("content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                raise ApiError(400, "Invalid Content-Length header.") from None
            if length > self.max_body_bytes:
                raise ApiError(413, f"Request body too large ({length} bytes; limit {self.max_body_bytes}).")
        chunks: list[bytes] = []
        total = 0
        try:
            async with asyncio.timeout(self.body_timeout):
                async for chunk in request.stream():
                    total += len(chunk)
                    if total > self.max_body_bytes:
                        raise ApiError(413, f"Request body too large (limit {self.max_body_bytes} bytes).")
                    chunks.append(chunk)
        except TimeoutError:
            raise ApiError(408, f"The request body did not arrive within {self.body_timeout:g} s.") from None
        body = parse_json_body(b"".join(chunks))
        model = body.get("model")
        if model is not None and model not in {self.model_id, self.runner.model_name}:
            raise ApiError(
                404,
                f"The model {model!r} is not served here; this server serves {self.model_id!r}.",
                code="model_not_found",
                param="model",
            )
        return body

    async def _acquire(self, receive: Receive) -> None:
        """Wait for the runner; 503 when the queue is full, :class:`_ClientGoneError` if the client leaves."""
        assert self._slot is not None
        if self._waiting + int(self._busy) > self.max_queue:  # one generating + max_queue waiting
            raise ApiError(
                503,
                f"The server is busy ({self.pending} requests queued); retry shortly.",
                headers={"Retry-After": "1"},
            )
        self._waiting += 1
        try:
            await _unless_disconnected(self._slot.acquire(), receive)
        finally:
            self._waiting -= 1
        self._busy = True

    def _release(self) -> None:
        self._busy = False
        self._served += 1
        assert self._slot is not None
        self._slot.release()

    def _submit(self, action: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``action`` on the runner thread; the runner is released when it returns."""
        self._generated += 1
        future = asyncio.get_running_loop().run_in_executor(self._executor, action)
        future.add_done_callback(lambda _: self._release())
        return future

    async def _run(
        self, request: Request, action: Callable[[], T], cancel: threading.Event | None = None
    ) -> T:
        """Queue, then run ``action``. A client that leaves while waiting is dropped from the
        queue; one that leaves during the generation sets ``cancel`` (the runner stops at its
        next token and is released then)."""
        try:
            await self._acquire(request.receive)
        except _ClientGoneError:
            raise ApiError(499, "the client closed the connection") from None
        try:
            future = self._submit(action)
        except BaseException:
            self._release()
            raise
        try:
            return await _unless_disconnected(asyncio.shield(future), request.receive)  # type: ignore[no-any-return]
        except _ClientGoneError:
            if cancel is not None:
                cancel.set()
            raise ApiError(499, "the client closed the connection") from None
        except LLMHubError as e:
            raise _as_api_error(e) from e

    # -- endpoints -----------------------------------------------------------------------------

    async def _embeddings(self, request: Request) -> Response:
        from starlette.responses import JSONResponse

        body = await self._json(request)
        texts, encoding = parse_embedding_request(body)
        response = await self._run(request, lambda: self._embedder.create_embedding(texts))
        document = response.model_dump(mode="json", exclude_none=True)
        document["model"] = self.model_id
        for item, vector in zip(document["data"], response.data, strict=True):
            item["embedding"] = encode_embedding(vector.embedding, encoding)
        return JSONResponse(document)

    async def _chat(self, request: Request) -> Response:
        from starlette.responses import JSONResponse

        body = await self._json(request)
        chat = parse_chat_request(body)
        if chat.stream:
            return await self._stream(request, chat)
        # A client that leaves mid-generation ends it at the next token (under a grammar - JSON or
        # tools - the runner abandons it there with GenerationCancelledError; nobody is waiting).
        cancel = threading.Event()
        options = {**chat.options, "cancel": cancel}
        reply = await self._run(
            request,
            lambda: self.runner.create_chat_completion(
                chat.messages, response_format=_constraint(chat), **options
            ),
            cancel,
        )
        document = reply.model_dump(mode="json", exclude_none=True)
        document["model"] = self.model_id
        if chat.tools is not None:
            choice = document["choices"][0]
            content, calls = chat.tools.interpret(choice["message"].get("content") or "")
            choice["message"]["content"] = content
            if calls:
                choice["message"]["tool_calls"] = calls
                choice["finish_reason"] = "tool_calls"
        return JSONResponse(document)

    async def _stream(self, request: Request, chat: ChatRequest) -> Response:
        """Server-sent events. Errors before the first token are status codes; later, an error event."""
        from starlette.responses import StreamingResponse

        loop = asyncio.get_running_loop()
        items: asyncio.Queue[Any] = asyncio.Queue()
        cancelled = threading.Event()

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(items.put_nowait, item)
            except RuntimeError:  # the loop is closed: the server is stopping
                cancelled.set()

        def produce() -> None:
            # Runs on the runner's thread: it alone iterates (and closes) the generator.
            if cancelled.is_set():
                return
            chunks: Iterator[Any] = self.runner.create_chat_completion_streaming(
                chat.messages, response_format=_constraint(chat), **chat.options
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

        try:
            await self._acquire(request.receive)
        except _ClientGoneError:
            raise ApiError(499, "the client closed the connection") from None
        try:
            future = self._submit(produce)
        except BaseException:
            self._release()
            raise
        future.add_done_callback(lambda f: items.put_nowait(f.exception() or _END))
        # Hold the response until the first token (or error): a prompt over the context window
        # fails only when generation starts, and must still get its 400 rather than a 200 stream.
        held: list[Any] = []
        try:
            while not held or _only_role(held[-1]):
                held.append(await _unless_disconnected(items.get(), request.receive))
        except _ClientGoneError:
            cancelled.set()
            raise ApiError(499, "the client closed the connection") from None
        if isinstance(held[-1], BaseException):
            cancelled.set()
            if isinstance(held[-1], LLMHubError):
                raise _as_api_error(held[-1]) from held[-1]
            raise held[-1]

        async def next_item() -> Any:
            return held.pop(0) if held else await items.get()

        async def events() -> AsyncIterator[str]:
            usage: Any = None
            document: dict[str, Any] = {}
            item = await next_item()
            try:
                if chat.tools is not None:
                    async for event in self._tool_events(chat, item, next_item):
                        yield event
                    return
                while item is not _END:
                    if isinstance(item, BaseException):  # too late for a status code
                        yield _sse(_error_of(item))
                        return
                    document = item.model_dump(mode="json", exclude_none=True)
                    document["model"] = self.model_id
                    usage = document.pop("usage", None) or usage
                    yield _sse(document)
                    item = await next_item()
                if chat.include_usage and usage is not None:
                    yield _sse({**document, "choices": [], "usage": usage})
                yield "data: [DONE]\n\n"
            finally:
                cancelled.set()  # a client that left: the worker stops at its next piece

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def _tool_events(
        self, chat: ChatRequest, first: Any, next_item: Callable[[], Awaitable[Any]]
    ) -> AsyncIterator[str]:
        """A tool-constrained answer is collected, then sent as OpenAI's tool-call deltas."""
        assert first is not _END
        chunks = [first]
        while True:
            item = await next_item()
            if item is _END:
                break
            if isinstance(item, BaseException):
                yield _sse(_error_of(item))
                return
            chunks.append(item)
        head = chunks[0].model_dump(mode="json", exclude_none=True)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        usage = next((c.usage for c in reversed(chunks) if c.usage is not None), None)
        assert chat.tools is not None
        content, calls = chat.tools.interpret(text)
        base = {k: head[k] for k in ("id", "object", "created")} | {"model": self.model_id}
        delta: dict[str, Any] = {"role": "assistant", "content": content}
        if calls:
            delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(calls)]
        yield _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]})
        reason = "tool_calls" if calls else "stop"
        yield _sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reason}]})
        if chat.include_usage and usage is not None:
            yield _sse({**base, "choices": [], "usage": usage.model_dump(mode="json")})
        yield "data: [DONE]\n\n"


def _only_role(item: Any) -> bool:
    """A chunk that carries only the assistant role (no text, no finish): not yet a token."""
    if item is _END or isinstance(item, BaseException):
        return False
    choices = getattr(item, "choices", None) or []
    return bool(choices) and not choices[0].delta.content and choices[0].finish_reason is None


def _constraint(chat: ChatRequest) -> dict[str, Any] | None:
    """The ``response_format`` handed to the runner (a tool plan becomes its JSON schema)."""
    if chat.tools is not None:
        return {"type": "json_schema", "json_schema": {"name": "tool_call", "schema": chat.tools.schema}}
    return chat.response_format


async def _disconnected(receive: Receive) -> None:
    """Return once the client has disconnected (the request body must already be read)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _unless_disconnected(awaitable: Any, receive: Receive) -> Any:
    """Await ``awaitable``; raise :class:`_ClientGoneError` (cancelling it) if the client leaves first."""
    work = asyncio.ensure_future(awaitable)
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await asyncio.wait({work, gone}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        work.cancel()
        raise
    finally:
        if not gone.done():
            gone.cancel()
    if work.done():
        return work.result()
    work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    raise _ClientGoneError


def _as_api_error(error: LLMHubError) -> ApiError:
    if isinstance(error, ContextLengthError):
        return ApiError(400, str(error), code="context_length_exceeded", param="messages")
    if error.is_usage_error:  # a bad request (unknown parameter, unsupported operation...)
        return ApiError(400, str(error))
    return ApiError(500, f"{type(error).__name__}: {error}")


def _error_of(item: BaseException) -> dict[str, Any]:
    if isinstance(item, LLMHubError):
        error = _as_api_error(item)
        return error.document()
    return error_document(500, f"internal server error: {type(item).__name__}")


def _sse(document: Any) -> str:
    return f"data: {json.dumps(document, separators=(',', ':'))}\n\n"


def _protocol(header_timeout: float, max_connections: int) -> type[Any]:
    """uvicorn's h11 protocol, plus:

    - a request head must arrive within ``header_timeout`` seconds of the connection or of the
      previous response, else the connection is closed;
    - at ``max_connections`` open connections (or requests in flight), a request gets 503 with
      ``Retry-After`` in OpenAI's error shape (the check uvicorn's ``limit_concurrency`` makes,
      whose answer is plain text).
    """
    from starlette.responses import JSONResponse
    from uvicorn.protocols.http.h11_impl import H11Protocol

    overloaded = JSONResponse(  # a Response may be sent any number of times
        error_document(503, "the server has too many open connections; retry later"),
        status_code=503,
        headers={"Retry-After": "1", "Connection": "close"},
    )

    class LlmhubH11Protocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            app = self.app

            async def limited(scope: Any, receive: Any, send: Any) -> None:
                # This request's task and connection are already counted (uvicorn checks before
                # creating the task, hence its ">=" on tasks where this has ">").
                if scope["type"] == "http" and (
                    len(self.connections) >= max_connections or len(self.tasks) > max_connections
                ):
                    log.warning("503: %d connections open (limit %d)", len(self.connections), max_connections)
                    await overloaded(scope, receive, send)
                    return
                await app(scope, receive, send)

            self.app = limited

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm_head_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm_head_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            super().connection_lost(exc)

        def _arm_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
            self._head_timer = self.loop.call_later(header_timeout, self._head_timed_out)

        def _head_timed_out(self) -> None:
            cycle = self.cycle
            if cycle is not None and not cycle.response_complete:
                return  # a request is being served: its head arrived in time
            if not self.transport.is_closing():
                self.transport.close()

    return LlmhubH11Protocol
