"""Shared fixtures: one fake OpenAI server per session (reset before each test) and hub builders.

The hub tests use real components only: ``LLMHub`` -> the any-llm SDK -> the ``openai`` SDK ->
HTTP on 127.0.0.1 -> :class:`~llmhub_testing.FakeOpenAIServer`.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from hub_helpers import ENV_KEY, SECRET_KEY, MakeHub, config_data, providers_for
from llmhub_runtime import LLMHub, parse_runtime_config
from llmhub_testing import FakeOpenAIServer

# Variables that would let any-llm find a key or an endpoint on its own and so mask what the
# configuration says.
_AMBIENT_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_BASE",
    "LLAMACPP_API_KEY",
    "LLAMACPP_API_BASE",
    ENV_KEY,
)


@pytest.fixture(scope="session")
def session_server() -> Iterator[FakeOpenAIServer]:
    """One open server for the whole session (no API key required)."""
    with FakeOpenAIServer() as server:
        yield server


@pytest.fixture(scope="session")
def session_auth_server() -> Iterator[FakeOpenAIServer]:
    """One server for the session that requires ``Authorization: Bearer <SECRET_KEY>``."""
    with FakeOpenAIServer(api_key=SECRET_KEY) as server:
        yield server


@pytest.fixture
def server(session_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The session server with no scripts and no recorded requests."""
    session_server.reset()
    yield session_server
    session_server.reset()


@pytest.fixture
def auth_server(session_auth_server: FakeOpenAIServer) -> Iterator[FakeOpenAIServer]:
    """The key-checking session server, reset."""
    session_auth_server.reset()
    yield session_auth_server
    session_auth_server.reset()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No ambient provider variables; ``ENV_KEY`` unset (tests set it when they need it)."""
    for name in _AMBIENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (connections to it are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def make_hub(server: FakeOpenAIServer, clean_env: pytest.MonkeyPatch) -> MakeHub:
    """Build an ``LLMHub`` from roles (and optionally providers/defaults) against ``server``.

    ``ENV_KEY`` is set to ``SECRET_KEY`` unless ``key=None`` (unset) or another value is given.
    Extra keyword arguments go to ``LLMHub`` (hooks, ``strict_env``).
    """

    def make(
        roles: dict[str, dict[str, Any]],
        *,
        providers: dict[str, dict[str, Any]] | None = None,
        defaults: dict[str, Any] | None = None,
        key: str | None = SECRET_KEY,
        **hub_kwargs: Any,
    ) -> LLMHub:
        if key is not None:
            clean_env.setenv(ENV_KEY, key)
        data = config_data(providers or providers_for(server.base_url), roles, defaults)
        return LLMHub(config_obj=parse_runtime_config(data), **hub_kwargs)

    return make
