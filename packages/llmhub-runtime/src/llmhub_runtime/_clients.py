"""A pool of any-llm provider clients, reused across calls.

any-llm's module-level ``completion()`` builds a provider client (and a new HTTP connection) on
every call; an ``AnyLLM`` instance keeps its HTTP client, so reusing one saves a connection setup
per call. An instance is bound to the event loop its HTTP client first ran on, so the pool keeps
one set of instances per event loop (the hub's sync calls run on any-llm's own background loop,
which is one of them). The per-loop sets are held weakly, and the sets of loops that have been
closed are dropped when a new loop makes its first call.

Clients are created with the SDK's own retries off (``max_retries=0``): the hub retries itself,
so that it can honour ``Retry-After``, never retry a timeout on the same target, and count every
attempt in the target's circuit breaker.

This module imports any-llm; the hub loads it on its first call only.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import inspect
import threading
import weakref
from typing import NamedTuple

from any_llm import AnyLLM
from any_llm.exceptions import MissingApiKeyError

from llmhub_runtime.errors import EnvVarMissingError, ProviderUnavailableError

__all__ = ["ClientKey", "ClientPool"]


class ClientKey(NamedTuple):
    """Identity of a client: the key itself is never stored, only a digest of it."""

    provider: str
    api_base: str | None
    key_digest: str | None


def client_key(provider: str, api_base: str | None, api_key: str | None) -> ClientKey:
    return ClientKey(provider, api_base, _digest(api_key) if api_key else None)


@functools.lru_cache(maxsize=256)
def _digest(api_key: str) -> str:
    # Hashing costs ~10 us; a process uses a handful of keys, so remember them.
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


class ClientPool:
    """Thread-safe cache of ``AnyLLM`` instances."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: tuple[weakref.ref[asyncio.AbstractEventLoop], dict[ClientKey, AnyLLM]] | None = None
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ClientKey, AnyLLM]] = (
            weakref.WeakKeyDictionary()
        )
        # When the pool (its hub) is garbage-collected, close what it holds first, so that the
        # SDK clients' own finalisers find nothing to do (see _close_all). Not at interpreter exit:
        # there is nothing left to print to, and no loop to close on.
        finalizer = weakref.finalize(self, _close_all, self._per_loop)
        finalizer.atexit = False

    def async_client(
        self, provider: str, api_base: str | None, api_key: str | None, env_key: str | None
    ) -> AnyLLM:
        """The client for calls on the running event loop, created on first use."""
        loop = asyncio.get_running_loop()
        key = client_key(provider, api_base, api_key)
        last = self._last
        clients = last[1] if last is not None and last[0]() is loop else self._per_loop.get(loop)
        if clients is not None:
            client = clients.get(key)
            if client is not None:
                return client
        with self._lock:
            clients = self._per_loop.get(loop)
            if clients is None:
                self._forget_closed_loops()
                clients = self._per_loop[loop] = {}
            # Most processes run one loop: remember it so the next lookup skips the weak mapping.
            self._last = (weakref.ref(loop), clients)
            client = clients.get(key)
            if client is None:
                client = _create(provider, api_base, api_key, env_key)
                clients[key] = client
            return client

    def size(self) -> int:
        """The number of clients held for live event loops."""
        with self._lock:
            return sum(len(c) for loop, c in self._per_loop.items() if not loop.is_closed())

    def _forget_closed_loops(self) -> None:
        """Drop the clients of event loops that have been closed (the caller holds the lock).

        The weak keys alone do not free them: a client's kept-alive connections refer to their
        loop, so a closed loop stays reachable through its own clients, and every
        ``asyncio.run(hub.acompletion(...))`` would leave a client (and a loop) behind.
        """
        stale = [
            client
            for loop in list(self._per_loop)
            if loop.is_closed()
            for client in self._per_loop.pop(loop).values()
        ]
        for client in stale:
            _close_without_loop(client)


def _close_all(
    per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ClientKey, AnyLLM]],
) -> None:
    """Close every client of a pool that is being garbage-collected, each on its own loop.

    Left to themselves, the ``openai`` SDK's clients schedule ``aclose()`` from their finaliser on
    *whichever* loop is running at that moment; for a client of a loop that has since closed (a
    hub used inside one ``asyncio.run`` and collected during another), asyncio then prints "Task
    exception was never retrieved ... Event loop is closed". So: a closed loop's clients are
    marked closed without a loop (:func:`_close_without_loop`); a live loop's clients are closed
    by a task on that loop, which keeps them alive until they are closed.
    """
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    for loop, clients in list(per_loop.items()):
        if loop.is_closed():
            for client in clients.values():
                _close_without_loop(client)
        elif loop is running:
            loop.create_task(_close_clients(list(clients.values())))
        else:
            with contextlib.suppress(RuntimeError):  # closed meanwhile: its clients stay as they are
                loop.call_soon_threadsafe(_spawn_close, loop, list(clients.values()))


def _spawn_close(loop: asyncio.AbstractEventLoop, clients: list[AnyLLM]) -> None:
    loop.create_task(_close_clients(clients))


async def _close_clients(clients: list[AnyLLM]) -> None:
    for client in clients:
        close = getattr(getattr(client, "client", None), "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                result = close()
                if inspect.isawaitable(result):
                    await result


def _close_without_loop(client: AnyLLM) -> None:
    """Mark the SDK client of a closed event loop closed, without running any loop.

    Its connections belong to the dead loop and cannot be shut down. The SDK's ``close()``
    coroutine first marks its HTTP client closed, then fails on the dead loop; it is driven one
    step by hand and that failure ignored. The SDK's finaliser then finds the client closed and
    schedules nothing.
    """
    close = getattr(getattr(client, "client", None), "close", None)
    if not callable(close):
        return
    with contextlib.suppress(Exception):
        result = close()
        if inspect.iscoroutine(result):
            try:
                result.send(None)
            except BaseException:  # noqa: BLE001, S110 - StopIteration or the dead loop's error
                pass
            else:
                result.close()  # it waits for something that will never come: abandon it


def _create(provider: str, api_base: str | None, api_key: str | None, env_key: str | None) -> AnyLLM:
    try:
        return AnyLLM.create(
            provider,
            api_key=api_key,
            api_base=api_base,
            unified_exceptions=True,
            max_retries=0,
        )
    except MissingApiKeyError as e:
        raise EnvVarMissingError({provider: env_key or e.env_var_name}) from None
    except ImportError as e:
        raise ProviderUnavailableError(
            f"provider {provider!r} needs an optional SDK: pip install 'any-llm-sdk[{provider}]' ({e.msg})"
        ) from None
