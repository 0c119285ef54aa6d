"""Hook payloads never reference an object that holds an API key (issue 16).

A walk over everything reachable from each ``CallContext`` and ``CallResult`` (attributes,
slots, mappings, sequences, exception causes and wrapped SDK exceptions, HTTP requests and
responses) looking for a distinctive fake key, in text and in bytes. Tracebacks and frames are not
walked: an exception's traceback reaches the caller's locals, which are the caller's own.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import Iterator
from typing import Any

import pytest

from hub_helpers import ENV_KEY, MakeHub, fallback, role, user
from llmhub_runtime import CallContext, CallResult, LLMHub, StreamInterruptedError
from llmhub_testing import FakeOpenAIServer

KEY = "sk-graphwalk-DISTINCTIVE-5550123"
_SKIP = (
    types.ModuleType,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    type,
    types.TracebackType,
    types.FrameType,
    types.CodeType,
)


def _children(obj: Any) -> Iterator[Any]:
    if isinstance(obj, dict):
        yield from obj.keys()
        yield from obj.values()
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        yield from obj
        return
    if isinstance(obj, BaseException):
        yield from obj.args
        yield obj.__cause__
        yield obj.__context__
    for name in getattr(type(obj), "__slots__", ()):
        yield getattr(obj, name, None)
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        yield from attributes.values()
    extra = getattr(obj, "__pydantic_extra__", None)
    if isinstance(extra, dict):
        yield from extra.values()


def holders_of(root: Any, key: str) -> list[str]:
    """Paths (type names) from ``root`` to every string or bytes holding ``key``."""
    needle = key.encode()
    found: list[str] = []
    seen: set[int] = set()
    pending: list[tuple[Any, str]] = [(root, type(root).__name__)]
    while pending and len(seen) < 200_000:
        obj, path = pending.pop()
        if obj is None or id(obj) in seen or isinstance(obj, _SKIP):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if key in obj:
                found.append(path)
            continue
        if isinstance(obj, (bytes, bytearray, memoryview)):
            if needle in bytes(obj):
                found.append(path)
            continue
        if isinstance(obj, (int, float, bool)):
            continue
        for child in _children(obj):
            pending.append((child, f"{path}>{type(child).__name__}"))
    return found


def test_the_walker_finds_a_key_in_request_headers() -> None:
    import httpx2  # what the openai SDK sends with

    request = httpx2.Request("POST", "http://127.0.0.1/v1", headers={"Authorization": f"Bearer {KEY}"})
    error = RuntimeError("x")
    error.request = request  # type: ignore[attr-defined]
    assert holders_of(CallResult("r", "p", "m", "chat", 1.0, False, error=error), KEY)  # type: ignore[arg-type]


@pytest.fixture
def payloads(make_hub: MakeHub, server: FakeOpenAIServer) -> tuple[LLMHub, list[Any]]:
    seen: list[Any] = []
    roles = {
        "chat": role("openai", "primary", fallbacks=[fallback("openai", "backup")]),
        "embed": role("openai", "embed", "embedding"),
    }
    hub = make_hub(roles, key=KEY, on_before_call=seen.append, on_after_call=seen.append)
    return hub, seen


def test_no_payload_reaches_a_key(payloads: tuple[LLMHub, list[Any]], server: FakeOpenAIServer) -> None:
    hub, seen = payloads
    hub.completion("chat", user("hi"))  # success
    server.fail_next(500, model="primary", message="upstream")  # a failed attempt carrying its request
    hub.completion("chat", user("hi"))
    server.fail_next(429, model="primary", message="slow down")
    hub.completion("chat", user("hi"))
    server.fail_stream_after(3, model="primary")
    with pytest.raises(StreamInterruptedError):
        list(hub.stream_completion("chat", user("a b c d")))
    server.fail_next(503, model="embed")
    with pytest.raises(Exception, match="503"):
        asyncio.run(hub.aembedding("embed", ["a"]))
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # the key was really sent
    assert any(isinstance(p, CallResult) and p.error is not None for p in seen)
    assert any(isinstance(p, CallContext) for p in seen)
    leaks = [path for payload in seen for path in holders_of(payload, KEY)]
    assert leaks == []


def test_env_key_is_the_variable_the_hub_read(clean_env: pytest.MonkeyPatch) -> None:
    assert ENV_KEY  # the test hub reads its key from this variable (see conftest.make_hub)
