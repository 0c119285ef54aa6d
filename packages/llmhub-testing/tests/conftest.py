"""One fake server per session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llmhub_testing import FakeOpenAIServer


@pytest.fixture(scope="session")
def session_server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture
def server(session_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The session server with no scripts and no recorded requests."""
    session_server.reset()
    yield session_server
    session_server.reset()
