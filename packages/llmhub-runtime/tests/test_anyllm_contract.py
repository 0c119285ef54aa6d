"""Contract tests for the any-llm internals the runtime relies on.

The runtime uses any-llm's public client API (``AnyLLM.create``, ``acompletion``, ``aembedding``)
plus a few things any-llm does not document as public:

* ``any_llm.utils.aio.run_async_in_sync``: the hub's sync methods run its one async
  implementation through it, on the long-lived background loop any-llm's own sync API uses;
* ``any_llm.utils.aio._async_source_to_sync_iter(..., on_demand=True)`` (private): the hub's
  sync streams, read one chunk per ``next()`` on that loop (any-llm's file downloads use it);
* ``any_llm.constants.INSIDE_NOTEBOOK``: the same "may a sync call block a running loop" default
  any-llm's sync methods apply;
* ``any_llm.providers.openai.base.BaseOpenAIProvider``: which clients take
  ``stream_options={"include_usage": True}``;
* an ``AnyLLM`` instance's ``client`` attribute and its ``close()``: how the hub closes the SDK
  clients of an event loop that has gone.

If an any-llm release changes one of them, these tests fail before a user sees it.
"""

from __future__ import annotations

import asyncio
import inspect
import threading

import pytest
from any_llm import AnyLLM

from llmhub_testing import FakeOpenAIServer


def test_run_async_in_sync_keeps_its_signature_and_its_one_loop() -> None:
    from any_llm.utils.aio import run_async_in_sync

    assert list(inspect.signature(run_async_in_sync).parameters) == ["coro", "allow_running_loop"]

    async def where() -> tuple[int, asyncio.AbstractEventLoop]:
        return threading.get_ident(), asyncio.get_running_loop()

    first, second = run_async_in_sync(where()), run_async_in_sync(where())
    assert first == second  # one long-lived loop, in one thread, for every sync call
    assert first[0] != threading.get_ident()


def test_run_async_in_sync_refuses_a_running_loop_unless_allowed() -> None:
    from any_llm.constants import INSIDE_NOTEBOOK
    from any_llm.utils.aio import run_async_in_sync

    assert INSIDE_NOTEBOOK is False  # not under IPython here

    async def nothing() -> int:
        return 1

    async def main() -> None:
        with pytest.raises(RuntimeError, match="async"):
            run_async_in_sync(nothing(), allow_running_loop=False)

    asyncio.run(main())


@pytest.mark.parametrize(("provider", "openai_compatible"), [("openai", True), ("llamacpp", True)])
def test_openai_compatible_clients_share_the_base_class(
    server: FakeOpenAIServer, provider: str, openai_compatible: bool
) -> None:
    from any_llm.providers.openai.base import BaseOpenAIProvider

    client = AnyLLM.create(provider, api_key="k", api_base=server.base_url)
    assert isinstance(client, BaseOpenAIProvider) is openai_compatible


def test_a_client_exposes_its_sdk_client_with_an_async_close(server: FakeOpenAIServer) -> None:
    client = AnyLLM.create("openai", api_key="k", api_base=server.base_url)
    close = client.client.close  # type: ignore[attr-defined]
    assert inspect.iscoroutinefunction(close)
    asyncio.run(close())
    assert client.client.is_closed()  # type: ignore[attr-defined]


def test_the_on_demand_bridge_reads_only_what_is_asked_and_closes_the_source() -> None:
    from any_llm.utils.aio import _async_source_to_sync_iter

    produced: list[int] = []
    closed: list[bool] = []

    async def numbers() -> object:
        try:
            for i in range(10):
                produced.append(i)
                yield i
        finally:
            closed.append(True)

    async def source() -> object:
        return numbers()

    parameters = inspect.signature(_async_source_to_sync_iter).parameters
    assert {"get_async_iter", "allow_running_loop", "on_demand"} <= set(parameters)
    stream = _async_source_to_sync_iter(source, allow_running_loop=False, on_demand=True)  # type: ignore[arg-type]
    assert [next(stream), next(stream)] == [0, 1]
    assert produced == [0, 1]  # nothing read ahead of the caller
    stream.close()
    assert closed == [True]  # closing the sync side closed the async source
