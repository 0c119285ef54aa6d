"""The Starlette application behind :class:`~llmhub_testing.FakeOpenAIServer`.

Routes: ``GET /health``, ``GET /v1/models``, ``POST /v1/chat/completions``, ``POST /v1/embeddings``.
Scripted faults are applied here; the HTTP protocol itself is uvicorn's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import math
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from llmhub_testing import _documents as docs
from llmhub_testing._scripts import Failure, Plan, Scripts, StreamFault

__all__ = ["AppState", "RecordedRequest", "ScriptedCut", "build_app", "quiet_scripted_cuts"]

_POLL_SECONDS = 0.02
_MALFORMED_EVENT = '{"id": "chatcmpl-broken", "choices": [{"delta": {"content": "unterminated'


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
        received_at: ``time.monotonic()`` when the request arrived (for gaps between attempts).
    """

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: Any
    connection_id: int
    received_at: float = 0.0

    @property
    def model(self) -> str | None:
        """The ``model`` named in the JSON body, if any."""
        if isinstance(self.body, dict):
            model = self.body.get("model")
            if isinstance(model, str):
                return model
        return None


class ScriptedCut(Exception):  # noqa: N818 - a signal to the server, not an error of the caller
    """Raised inside a streamed response to make uvicorn drop the connection mid-body."""


class _QuietScriptedCuts(logging.Filter):
    """Drops uvicorn's "Exception in ASGI application" record for a scripted cut (not a bug)."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, ScriptedCut):
                return False
            group = getattr(exc, "exceptions", None)
            exc = group[0] if group else exc.__cause__ or exc.__context__
        return True


_filter_lock = threading.Lock()
_filter_installed = False


def quiet_scripted_cuts() -> None:
    """Install (once per process) the log filter that hides scripted cuts from uvicorn's logger."""
    global _filter_installed
    with _filter_lock:
        if not _filter_installed:
            logging.getLogger("uvicorn.error").addFilter(_QuietScriptedCuts())
            _filter_installed = True


@dataclass
class AppState:
    """What the application shares with the server object (guarded by ``lock``)."""

    api_key: str | None
    models: tuple[str, ...]
    embedding_dim: int
    context_windows: Mapping[str, int]
    scripts: Scripts = field(default_factory=Scripts)
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RecordedRequest] = field(default_factory=list)
    connection_ids: dict[tuple[str, int], int] = field(default_factory=dict)
    connections_opened: int = 0
    stopping: asyncio.Event | None = None
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def connection_opened(self, peer: tuple[str, int]) -> None:
        with self.lock:
            self.connections_opened += 1
            self.connection_ids[peer] = self.connections_opened

    def connection_closed(self, peer: tuple[str, int]) -> None:
        with self.lock:
            self.connection_ids.pop(peer, None)


def build_app(state: AppState) -> Starlette:
    """The ASGI application serving ``state``."""

    async def health(request: Request) -> Response:
        await _record(state, request)
        return JSONResponse({"status": "ok"})

    async def models(request: Request) -> Response:
        await _record(state, request)
        denied = _auth_error(state, request)
        if denied is not None:
            return denied
        listing = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in state.models]
        return JSONResponse({"object": "list", "data": listing})

    async def model_call(request: Request) -> Response:
        body, body_error = await _record(state, request)
        denied = _auth_error(state, request)
        if denied is not None:
            return denied
        if body_error is not None:
            return _error(400, body_error)
        problem = docs.validate_body(request.url.path, body)
        if problem is not None:
            return _error(400, problem)
        chat = request.url.path == "/v1/chat/completions"
        stream = chat and body.get("stream") is True
        plan = state.scripts.plan(body["model"], stream=stream, chat=chat)
        if plan.delay and not await _wait(state, request, plan.delay):
            return Response(status_code=499)  # the client left (or the server stops): nobody reads this
        if plan.failure is not None:
            return _failure(plan.failure)
        if not chat:
            return JSONResponse(docs.embeddings(body, state.embedding_dim))
        window = state.context_windows.get(body["model"])
        if window is not None and docs.prompt_tokens(body["messages"]) > window:
            return _failure(context_length_failure(window, docs.prompt_tokens(body["messages"])))
        reply = plan.reply if plan.reply is not None else docs.reply_for(body["messages"])
        completion_id = f"chatcmpl-fake-{next(state.ids)}"
        if stream:
            events = docs.stream_events(body, reply, completion_id)
            return StreamingResponse(
                _sse(state, request, events, plan),
                media_type="text/event-stream; charset=utf-8",
                headers={"Cache-Control": "no-cache"},
            )
        return JSONResponse(docs.chat_completion(body, reply, completion_id))

    async def not_found(request: Request, exc: Exception) -> Response:
        await _record(state, request)
        assert isinstance(exc, HTTPException)
        if exc.status_code == 405:
            return _error(405, f"Method {request.method} is not allowed on {request.url.path}")
        return _error(exc.status_code, f"Invalid URL ({request.method} {request.url.path})")

    handlers: Mapping[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        404: not_found,
        405: not_found,
    }
    return Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Route("/v1/models", models, methods=["GET"]),
            Route("/v1/chat/completions", model_call, methods=["POST"]),
            Route("/v1/embeddings", model_call, methods=["POST"]),
        ],
        exception_handlers=dict(handlers),
    )


def context_length_failure(window: int, tokens: int) -> Failure:
    """OpenAI's answer to a prompt longer than the model's context window."""
    return Failure(
        400,
        f"This model's maximum context length is {window} tokens. However, your messages resulted in "
        f"{tokens} tokens. Please reduce the length of the messages.",
        code="context_length_exceeded",
    )


async def _record(state: AppState, request: Request) -> tuple[Any, str | None]:
    """Record the request; return its JSON body (or ``None``) and why it could not be parsed."""
    received_at = time.monotonic()
    raw = await request.body()
    body: Any = None
    body_error: str | None = None
    if raw:
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            body_error = f"We could not parse the JSON body of your request ({e})."
    headers: dict[str, str] = {}
    for key, value in request.headers.items():
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    client = request.client
    peer = (client.host, client.port) if client is not None else ("", 0)
    with state.lock:
        connection_id = state.connection_ids.get(peer, 0)
        state.requests.append(
            RecordedRequest(
                request.method,
                request.url.path,
                request.url.query,
                headers,
                body,
                connection_id,
                received_at,
            )
        )
    return body, body_error


def _auth_error(state: AppState, request: Request) -> Response | None:
    if state.api_key is None:
        return None
    authorization = request.headers.get("authorization")
    if not authorization:
        return _error(
            401,
            "You didn't provide an API key. You need to provide your API key in an Authorization "
            "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or token.strip() != state.api_key:
        # Echoed in full on purpose: tests prove that clients scrub keys from their errors.
        return _error(401, f"Incorrect API key provided: {token.strip() or authorization}.")
    return None


def _error(status: int, message: str) -> Response:
    return Response(docs.error_body(status, message), status_code=status, media_type="application/json")


def _failure(failure: Failure) -> Response:
    headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else None
    return Response(
        docs.error_body(failure.status, failure.message, code=failure.code, error_type=failure.error_type),
        status_code=failure.status,
        media_type="application/json",
        headers=headers,
    )


async def _wait(state: AppState, request: Request, seconds: float) -> bool:
    """Sleep ``seconds`` (``inf``: forever); ``False`` when the client left or the server stops."""
    deadline = time.monotonic() + seconds if math.isfinite(seconds) else math.inf
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return True
        stopping = state.stopping
        if stopping is not None and stopping.is_set():
            return False
        await asyncio.sleep(min(left, _POLL_SECONDS))
        if await request.is_disconnected():
            return False


async def _sse(state: AppState, request: Request, events: list[str], plan: Plan) -> AsyncIterator[bytes]:
    """The event stream of one answer, with its scripted fault applied."""
    rule = plan.stream_fault
    fault = rule.fault if rule is not None else None
    at = rule.at if rule is not None else -1
    seconds = rule.seconds if rule is not None else 0.0
    if fault is StreamFault.FIRST_CHUNK_DELAY:
        yield b": waiting\n\n"  # a comment line: makes the server send the headers now
        if not await _wait(state, request, seconds):
            raise ScriptedCut
    for index, event in enumerate(events):
        if index == at:
            if fault is StreamFault.CUT:
                raise ScriptedCut
            if fault is StreamFault.MALFORMED:
                yield f"data: {_MALFORMED_EVENT}\n\n".encode()
            if fault is StreamFault.STALL and not await _wait(state, request, seconds):
                raise ScriptedCut
        yield f"data: {event}\n\n".encode()
    if fault is StreamFault.CUT and at >= len(events):
        raise ScriptedCut  # never send [DONE]: the stream must look broken
    yield b"data: [DONE]\n\n"
