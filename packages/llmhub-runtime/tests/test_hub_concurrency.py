"""Client reuse, and one hub shared by many asyncio tasks, threads and event loops."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from hub_helpers import ENV_KEY, SECRET_KEY, MakeHub, joined, role, user
from llmhub_runtime import LLMHub
from llmhub_testing import FakeOpenAIServer, fake_embedding

ROLES: dict[str, dict[str, Any]] = {
    "chat": role("openai", "chat-model", params={"temperature": 0.2}),
    "chat.other": role("openai", "other-model"),
    "embed": role("openai", "embed-model", "embedding"),
    "local": role("llamacpp", "local-model"),
}


@pytest.fixture
def hub(make_hub: MakeHub) -> LLMHub:
    return make_hub(ROLES)


def _connections(server: FakeOpenAIServer) -> set[int]:
    return {r.connection_id for r in server.requests}


def test_sequential_calls_reuse_one_client_and_connection(hub: LLMHub, server: FakeOpenAIServer) -> None:
    opened_before = server.connections_opened
    for i in range(50):
        assert hub.completion("chat", user(f"n{i}")).choices[0].message.content == f"echo: n{i}"
    assert hub._pool().size() == 1  # sync calls run on any-llm's background loop
    assert len(server.requests) == 50
    # One kept-alive connection carried the calls (a second one at most, should the client's pool
    # have expired the first under heavy machine load).
    assert len(_connections(server)) <= 2
    assert server.connections_opened - opened_before <= 2


def test_one_client_per_provider_endpoint_and_key(hub: LLMHub, server: FakeOpenAIServer) -> None:
    for _ in range(5):
        hub.completion("chat", user("x"))
        hub.completion("chat.other", user("x"))  # same provider, base and key: same client
        hub.embedding("embed", "x")
        list(hub.stream_completion("chat", user("x")))
    assert hub._pool().size() == 1
    hub.completion("local", user("x"))
    assert hub._pool().size() == 2
    assert len(_connections(server)) <= 3


def test_async_calls_reuse_one_client_per_loop(hub: LLMHub, server: FakeOpenAIServer) -> None:
    async def main() -> int:
        for i in range(30):
            response = await hub.acompletion("chat", user(f"a{i}"))
            assert response.choices[0].message.content == f"echo: a{i}"
        await hub.aembedding("embed", "x")
        return hub._pool().size()

    assert asyncio.run(main()) == 1
    assert len(_connections(server)) <= 2


def test_two_hundred_concurrent_acompletions(hub: LLMHub, server: FakeOpenAIServer) -> None:
    async def main() -> list[str | None]:
        responses = await asyncio.gather(*(hub.acompletion("chat", user(f"q{i}")) for i in range(200)))
        assert hub._pool().size() == 1
        return [r.choices[0].message.content for r in responses]

    assert asyncio.run(main()) == [f"echo: q{i}" for i in range(200)]
    assert len(server.requests) == 200
    assert {r.model for r in server.requests} == {"chat-model"}
    assert all(r.body["temperature"] == 0.2 for r in server.requests)


def test_concurrent_async_streams_and_embeddings(hub: LLMHub) -> None:
    async def stream(i: int) -> str:
        return joined([c async for c in hub.astream_completion("chat", user(f"s{i} x"))])

    async def main() -> tuple[list[str], list[list[float]]]:
        texts = await asyncio.gather(*(stream(i) for i in range(50)))
        embeddings = await asyncio.gather(*(hub.aembedding("embed", f"e{i}") for i in range(50)))
        return list(texts), [e.data[0].embedding for e in embeddings]

    texts, vectors = asyncio.run(main())
    assert texts == [f"echo: s{i} x" for i in range(50)]
    assert vectors == [fake_embedding(f"e{i}") for i in range(50)]


def test_threads_share_one_hub(hub: LLMHub, server: FakeOpenAIServer) -> None:
    errors: list[BaseException] = []
    wrong: list[str] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        try:
            barrier.wait()
            for i in range(6):
                text = f"t{n}-{i}"
                if hub.completion("chat", user(text)).choices[0].message.content != f"echo: {text}":
                    wrong.append(text)
                if hub.embedding("embed", text).data[0].embedding != fake_embedding(text):
                    wrong.append(f"embedding {text}")
                if joined(list(hub.stream_completion("chat", user(text)))) != f"echo: {text}":
                    wrong.append(f"stream {text}")
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert wrong == []
    assert len(server.requests) == 8 * 6 * 3
    assert hub._pool().size() == 1  # every thread's sync calls share any-llm's background loop


def test_threads_running_their_own_event_loops(hub: LLMHub) -> None:
    errors: list[BaseException] = []

    def worker(n: int) -> None:
        async def main() -> None:
            for i in range(5):
                response = await hub.acompletion("chat", user(f"{n}.{i}"))
                assert response.choices[0].message.content == f"echo: {n}.{i}"

        try:
            asyncio.run(main())
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []


def test_hub_used_from_two_event_loops(hub: LLMHub) -> None:
    clients: list[object] = []

    async def main(text: str) -> str | None:
        response = await hub.acompletion("chat", user(text))
        clients.append(hub._pool().async_client("openai", hub.resolve("chat").api_base, SECRET_KEY, ENV_KEY))
        assert hub._pool().size() == 1  # only the running loop's clients count
        return response.choices[0].message.content

    assert asyncio.run(main("first loop")) == "echo: first loop"
    # With a client bound to the first (now closed) loop, this would fail with "Event loop is closed".
    assert asyncio.run(main("second loop")) == "echo: second loop"
    assert clients[0] is not clients[1]


def test_closed_loops_do_not_keep_their_clients(hub: LLMHub) -> None:
    for i in range(5):
        asyncio.run(hub.acompletion("chat", user(f"run {i}")))
    pool = hub._pool()
    assert pool.size() == 0
    # The clients of every closed loop but the last one have been dropped.
    assert len(pool._per_loop) <= 1
