"""``FakeOpenAIServer``: uvicorn serving the fake OpenAI API on loopback, in a background thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import math
import socket
import threading
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from llmhub_testing._app import (
    AppState,
    RecordedRequest,
    build_app,
    context_length_failure,
    quiet_scripted_cuts,
)
from llmhub_testing._scripts import Failure, Rule, StreamFault

__all__ = ["FakeOpenAIServer", "refused_base_url"]

_DEFAULT_MODELS = ("fake-chat", "fake-embedding")


def refused_base_url(host: str = "127.0.0.1") -> str:
    """An OpenAI-style base URL on a loopback port that nothing listens on (connection refused).

    The port is taken from the OS and released at once, so another process could in principle
    bind it later; for a test's lifetime it is as good as closed.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
    return f"http://{host}:{port}/v1"


class FakeOpenAIServer:
    """A fake, fault-injecting OpenAI-compatible HTTP server running in a background thread.

    Args:
        host: Address to bind (loopback by default). Use an IP address.
        port: Port to bind; 0 (the default) picks a free one, see :attr:`port`.
        api_key: When set, ``/v1`` requests must send ``Authorization: Bearer <api_key>``;
            otherwise the answer is a 401 that echoes the key that was sent, in full.
        embedding_dim: Length of the vectors ``/v1/embeddings`` returns (a request's own
            ``dimensions`` wins).
        models: Model ids listed by ``GET /v1/models`` (any model id is accepted for calls).
        context_windows: Model id -> context size in (fake) tokens, i.e. words. A chat request
            whose prompt is longer gets OpenAI's 400 ``context_length_exceeded`` answer.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`. All methods are
    thread-safe; scripts queue up in call order and each applies to the next matching calls.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        embedding_dim: int = 8,
        models: Sequence[str] = _DEFAULT_MODELS,
        context_windows: Mapping[str, int] | None = None,
    ) -> None:
        if embedding_dim < 1:
            raise ValueError("embedding_dim must be at least 1")
        self._host = host
        self._requested_port = port
        self._state = AppState(
            api_key=api_key,
            models=tuple(models),
            embedding_dim=embedding_dim,
            context_windows=dict(context_windows or {}),
        )
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> FakeOpenAIServer:
        """Bind and start serving; returns ``self``. Raises ``OSError`` if the port is taken."""
        if self._thread is not None:
            raise RuntimeError("FakeOpenAIServer is already running")
        quiet_scripted_cuts()
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # proto=IPPROTO_TCP: asyncio switches Nagle off (TCP_NODELAY) only on sockets that say they
        # are TCP; with Nagle on, a response sent in two writes waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self._host, self._requested_port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        state = self._state
        config = uvicorn.Config(
            build_app(state),
            http=_protocol_for(state),
            lifespan="off",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=5,
            backlog=2048,
        )
        server = uvicorn.Server(config)
        ready: concurrent.futures.Future[asyncio.AbstractEventLoop] = concurrent.futures.Future()
        thread = threading.Thread(
            target=self._run, args=(server, sock, ready), name="fake-openai-server", daemon=True
        )
        thread.start()
        try:
            self._loop = ready.result(timeout=30)
        except BaseException:
            server.should_exit = True
            thread.join(timeout=30)
            sock.close()
            raise
        self._thread, self._server = thread, server
        self._port = sock.getsockname()[1]
        return self

    def _run(
        self,
        server: uvicorn.Server,
        sock: socket.socket,
        ready: concurrent.futures.Future[asyncio.AbstractEventLoop],
    ) -> None:
        async def serve() -> None:
            self._state.stopping = asyncio.Event()
            task = asyncio.create_task(server.serve(sockets=[sock]))
            while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn has no event
                await asyncio.sleep(0.005)
            if task.done():
                task.result()  # raises what stopped the server from starting
            ready.set_result(asyncio.get_running_loop())
            await task

        try:
            asyncio.run(serve())
        except BaseException as e:  # noqa: BLE001 - reported to start(), which re-raises it
            if not ready.done():
                ready.set_exception(e)
        finally:
            sock.close()

    def stop(self) -> None:
        """Close every connection and stop the server (a no-op when it is not running)."""
        thread, server, loop = self._thread, self._server, self._loop
        if thread is None or server is None:
            return
        stopping = self._state.stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(stopping.set)  # wakes stalled and hanging answers
        server.should_exit = True
        thread.join(timeout=30)
        self._thread = self._server = self._loop = None
        self._port = None
        self._state.stopping = None

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
        return self._state.api_key

    # ------------------------------------------------------------------ scripted errors

    def fail_next(
        self,
        status: int,
        count: int = 1,
        model: str | None = None,
        message: str = "scripted failure",
        *,
        code: str | None = None,
        error_type: str | None = None,
        retry_after: float | str | None = None,
    ) -> None:
        """Answer the next ``count`` model calls (chat completions, embeddings) with HTTP ``status``.

        With ``model`` set, only calls naming that model are affected (and counted). The body is
        an OpenAI-style error carrying ``message`` (and ``code``/``error_type`` when given, else
        OpenAI's usual ones for the status); ``retry_after`` adds a ``Retry-After`` header
        (seconds, or an HTTP date as a string).
        """
        _check_status(status)
        _check_count(count)
        after = None if retry_after is None else _retry_after_text(retry_after)
        failure = Failure(status, message, code=code, error_type=error_type, retry_after=after)
        self._state.scripts.add(self._state.scripts.failures, Rule(model, count, failure=failure))

    def fail_rate_limited(
        self, retry_after: float | None = None, count: int = 1, model: str | None = None
    ) -> None:
        """HTTP 429 ``rate_limit_exceeded`` for the next ``count`` calls, with ``Retry-After``."""
        self.fail_next(
            429,
            count,
            model,
            "Rate limit reached for requests. Please try again later.",
            retry_after=retry_after,
        )

    def fail_context_length(self, count: int = 1, model: str | None = None, window: int = 8192) -> None:
        """HTTP 400 ``context_length_exceeded`` (OpenAI's wording) for the next ``count`` calls.

        See also the ``context_windows`` argument, which answers so whenever a prompt is too long.
        """
        failure = context_length_failure(window, window + 1)
        self.fail_next(400, count, model, failure.message, code=failure.code)

    def fail_content_filter(self, count: int = 1, model: str | None = None) -> None:
        """HTTP 400 ``content_filter`` (Azure OpenAI's wording) for the next ``count`` calls."""
        self.fail_next(
            400,
            count,
            model,
            "The response was filtered due to the prompt triggering the content management policy.",
            code="content_filter",
        )

    def fail_model(self, model: str, status: int) -> None:
        """Answer every call naming ``model`` with HTTP ``status`` until :meth:`reset`."""
        _check_status(status)
        with self._state.scripts.lock:
            self._state.scripts.model_failures[model] = status

    # ------------------------------------------------------------------ scripted slowness

    def delay_next(self, seconds: float, count: int = 1, model: str | None = None) -> None:
        """Wait ``seconds`` before answering the next ``count`` model calls (nothing is sent meanwhile).

        ``math.inf`` never answers (see :meth:`hang_next`). A client that gave up meanwhile gets
        nothing; the delayed answer is dropped.
        """
        if not seconds >= 0:
            raise ValueError("seconds must be >= 0")
        _check_count(count)
        self._state.scripts.add(self._state.scripts.delays, Rule(model, count, seconds=seconds))

    def hang_next(self, count: int = 1, model: str | None = None) -> None:
        """A silent provider: accept the next ``count`` calls and never answer them.

        The request is read and recorded; no status line is ever sent. The handler ends when the
        client disconnects or the server stops.
        """
        self.delay_next(math.inf, count, model)

    # ------------------------------------------------------------------ scripted stream faults

    def fail_stream_after(self, n_chunks: int, count: int = 1, model: str | None = None) -> None:
        """Drop the connection of the next ``count`` streamed completions after ``n_chunks`` events.

        The response starts normally (HTTP 200); after ``n_chunks`` ``data:`` events (the role
        delta counts as the first) the connection is cut without ending the chunked body, so the
        client sees a broken stream. ``0`` cuts right after the headers.
        """
        self._stream_fault(StreamFault.CUT, n_chunks, 0.0, count, model)

    def stall_stream_after(
        self, n_chunks: int, seconds: float = math.inf, count: int = 1, model: str | None = None
    ) -> None:
        """Go quiet after ``n_chunks`` events of the next ``count`` streams, for ``seconds``.

        After the pause the stream carries on to its normal end; with ``math.inf`` (the default)
        it never does, and the connection stays open until the client leaves.
        """
        self._stream_fault(StreamFault.STALL, n_chunks, seconds, count, model)

    def malform_stream_at(self, index: int, count: int = 1, model: str | None = None) -> None:
        """Send one event whose data is not valid JSON before event ``index`` of the next streams.

        The answer's own events all follow, so a client that skips the bad event still gets the
        whole answer.
        """
        self._stream_fault(StreamFault.MALFORMED, index, 0.0, count, model)

    def delay_first_chunk(self, seconds: float, count: int = 1, model: str | None = None) -> None:
        """Send the headers of the next ``count`` streams at once but their first event after ``seconds``.

        A slow first token (or, with ``math.inf``, a stream that never starts). An SSE comment
        line goes out with the headers, which clients ignore.
        """
        self._stream_fault(StreamFault.FIRST_CHUNK_DELAY, 0, seconds, count, model)

    def _stream_fault(
        self, fault: StreamFault, at: int, seconds: float, count: int, model: str | None
    ) -> None:
        if at < 0:
            raise ValueError("n_chunks must be >= 0")
        if not seconds >= 0:
            raise ValueError("seconds must be >= 0")
        _check_count(count)
        rule = Rule(model, count, fault=fault, at=at, seconds=seconds)
        self._state.scripts.add(self._state.scripts.stream_faults, rule)

    # ------------------------------------------------------------------ scripted answers

    def reply_next(self, text: str, count: int = 1, model: str | None = None) -> None:
        """Answer the next ``count`` chat completions with ``text`` instead of the echo reply.

        For testing code that parses a model's answer (JSON, tool calls...). Streams deliver the
        same text, one chunk per word. With ``model`` set, only calls naming that model are
        affected.
        """
        _check_count(count)
        self._state.scripts.add(self._state.scripts.replies, Rule(model, count, text=text))

    def reset(self) -> None:
        """Forget every script and every recorded request (open connections stay open)."""
        self._state.scripts.clear()
        self.clear_requests()

    # ------------------------------------------------------------------ observation

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received since the last :meth:`reset`, oldest first (a copy)."""
        with self._state.lock:
            return list(self._state.requests)

    def model_requests(self, model: str | None = None) -> list[RecordedRequest]:
        """The recorded chat and embedding calls (of ``model`` when given), oldest first."""
        return [
            r
            for r in self.requests
            if r.path in ("/v1/chat/completions", "/v1/embeddings") and (model is None or r.model == model)
        ]

    def clear_requests(self) -> None:
        """Forget the recorded requests but keep the scripts."""
        with self._state.lock:
            self._state.requests.clear()

    @property
    def connections_opened(self) -> int:
        """How many TCP connections the server has accepted since it started."""
        with self._state.lock:
            return self._state.connections_opened

    @property
    def open_connections(self) -> int:
        """How many client connections are open right now."""
        with self._state.lock:
            return len(self._state.connection_ids)


def _protocol_for(state: AppState) -> type[H11Protocol]:
    """uvicorn's h11 protocol, counting connections so requests can be tied to the one they came on."""

    class CountingH11Protocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            raw = transport.get_extra_info("socket")
            if raw is not None:
                with contextlib.suppress(OSError):
                    raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)
            peer = transport.get_extra_info("peername")
            self._llmhub_peer = (str(peer[0]), int(peer[1])) if peer else ("", 0)
            state.connection_opened(self._llmhub_peer)

        def connection_lost(self, exc: Exception | None) -> None:
            state.connection_closed(getattr(self, "_llmhub_peer", ("", 0)))
            super().connection_lost(exc)

    return CountingH11Protocol


def _retry_after_text(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _check_status(status: int) -> None:
    if not 400 <= status <= 599:
        raise ValueError(f"status must be an HTTP error status (400-599), not {status}")


def _check_count(count: int) -> None:
    if count < 1:
        raise ValueError("count must be at least 1")
