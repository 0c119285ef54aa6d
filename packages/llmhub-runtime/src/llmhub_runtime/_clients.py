"""A pool of any-llm provider clients, reused across calls.

any-llm's module-level ``completion()`` builds a provider client (and a new HTTP connection) on
every call; an ``AnyLLM`` instance keeps its HTTP client, so reusing one saves a connection setup
per call. An instance is bound to the event loop its HTTP client first ran on, and its sync API
runs on any-llm's own background loop, so the pool keeps one set of instances for sync calls and
one per running event loop for async calls. The per-loop sets are held weakly, and the sets of
loops that have been closed are dropped when a new loop makes its first call.

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
    max_retries: int | None


def client_key(
    provider: str, api_base: str | None, api_key: str | None, max_retries: int | None
) -> ClientKey:
    return ClientKey(provider, api_base, _digest(api_key) if api_key else None, max_retries)


@functools.lru_cache(maxsize=256)
def _digest(api_key: str) -> str:
    # Hashing costs ~10 us; a process uses a handful of keys, so remember them.
    return hashlib.sha256(api_key.encode()).hexdigest()[:16]


class ClientPool:
    """Thread-safe cache of ``AnyLLM`` instances."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sync: dict[ClientKey, AnyLLM] = {}
        self._closing: set[asyncio.Task[None]] = set()
        self._last: tuple[weakref.ref[asyncio.AbstractEventLoop], dict[ClientKey, AnyLLM]] | None = None
        self._per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[ClientKey, AnyLLM]] = (
            weakref.WeakKeyDictionary()
        )

    def sync_client(
        self,
        provider: str,
        api_base: str | None,
        api_key: str | None,
        max_retries: int | None,
        env_key: str | None,
    ) -> AnyLLM:
        """The client for sync calls to this target, created on first use."""
        key = client_key(provider, api_base, api_key, max_retries)
        client = self._sync.get(key)
        if client is not None:
            return client
        with self._lock:
            client = self._sync.get(key)
            if client is None:
                client = _create(provider, api_base, api_key, max_retries, env_key)
                self._sync[key] = client
            return client

    def async_client(
        self,
        provider: str,
        api_base: str | None,
        api_key: str | None,
        max_retries: int | None,
        env_key: str | None,
    ) -> AnyLLM:
        """The client for async calls on the running event loop, created on first use."""
        loop = asyncio.get_running_loop()
        key = client_key(provider, api_base, api_key, max_retries)
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
                client = _create(provider, api_base, api_key, max_retries, env_key)
                clients[key] = client
            return client

    def size(self) -> tuple[int, int]:
        """(number of sync clients, number of async clients over all live loops)."""
        with self._lock:
            live = sum(len(c) for loop, c in self._per_loop.items() if not loop.is_closed())
            return len(self._sync), live

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
        if stale:
            task = asyncio.get_running_loop().create_task(_mark_closed(stale))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)


async def _mark_closed(clients: list[AnyLLM]) -> None:
    """Close the SDK clients of a closed event loop, ignoring the errors that this brings.

    Their connections belong to the dead loop and cannot be shut down cleanly. The point is that
    the SDK's finaliser then finds them closed: the ``openai`` SDK otherwise schedules ``aclose()``
    on whichever loop is running when a client is garbage-collected, and asyncio logs that task's
    "Event loop is closed" failure as an error.
    """
    for client in clients:
        close = getattr(getattr(client, "client", None), "close", None)
        if callable(close):
            with contextlib.suppress(Exception):
                result = close()
                if inspect.isawaitable(result):
                    await result


def _create(
    provider: str, api_base: str | None, api_key: str | None, max_retries: int | None, env_key: str | None
) -> AnyLLM:
    try:
        return AnyLLM.create(
            provider,
            api_key=api_key,
            api_base=api_base,
            unified_exceptions=True,
            max_retries=max_retries,
        )
    except MissingApiKeyError as e:
        raise EnvVarMissingError({provider: env_key or e.env_var_name}) from None
    except ImportError as e:
        raise ProviderUnavailableError(
            f"provider {provider!r} needs an optional SDK: pip install 'any-llm-sdk[{provider}]' ({e.msg})"
        ) from None
