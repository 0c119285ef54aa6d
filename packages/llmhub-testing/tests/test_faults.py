"""Each scripted fault as the official ``openai`` client sees it."""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from typing import Any

import openai
import pytest

from llmhub_testing import FakeOpenAIServer, refused_base_url


def _client(server: FakeOpenAIServer, timeout: float = 10.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="k", max_retries=0, timeout=timeout)


def _ask(text: str = "one two three") -> Any:
    return [{"role": "user", "content": text}]


def _drain(stream: Any, into: list[Any]) -> None:
    for chunk in stream:
        into.append(chunk)


def _text(chunks: list[Any]) -> str:
    return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)


def test_rate_limit_with_retry_after(server: FakeOpenAIServer) -> None:
    server.fail_rate_limited(retry_after=7)
    with pytest.raises(openai.RateLimitError) as info:
        _client(server).chat.completions.create(model="m", messages=_ask())
    assert info.value.response.headers["retry-after"] == "7"
    assert info.value.code == "rate_limit_exceeded"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors(server: FakeOpenAIServer, status: int) -> None:
    server.fail_next(status)
    with pytest.raises(openai.APIStatusError) as info:
        _client(server).chat.completions.create(model="m", messages=_ask())
    assert info.value.status_code == status


def test_context_window_answers_context_length_exceeded(server: FakeOpenAIServer) -> None:
    fake = FakeOpenAIServer(context_windows={"small": 3})
    with fake:
        client = _client(fake)
        with pytest.raises(openai.BadRequestError) as info:
            client.chat.completions.create(model="small", messages=_ask("one two three four"))
        assert info.value.code == "context_length_exceeded"
        assert "maximum context length is 3 tokens" in str(info.value)
        assert client.chat.completions.create(model="small", messages=_ask("one two")).choices
        assert client.chat.completions.create(model="large", messages=_ask("a b c d e")).choices


def test_scripted_context_length_and_content_filter(server: FakeOpenAIServer) -> None:
    server.fail_context_length()
    server.fail_content_filter()
    client = _client(server)
    with pytest.raises(openai.BadRequestError) as first:
        client.chat.completions.create(model="m", messages=_ask())
    with pytest.raises(openai.BadRequestError) as second:
        client.chat.completions.create(model="m", messages=_ask())
    assert (first.value.code, second.value.code) == ("context_length_exceeded", "content_filter")


def test_hang_next_never_answers(server: FakeOpenAIServer) -> None:
    server.hang_next()
    with pytest.raises(openai.APITimeoutError):  # the client gave up: no status line ever came
        _client(server, timeout=0.5).chat.completions.create(model="m", messages=_ask())
    assert len(server.model_requests()) == 1  # it was received and recorded
    assert _client(server).chat.completions.create(model="m", messages=_ask()).choices


def test_stall_stream_forever_after_n_chunks(server: FakeOpenAIServer) -> None:
    server.stall_stream_after(3)
    received: list[Any] = []
    client = _client(server, timeout=0.5)
    with pytest.raises(Exception) as info:  # noqa: PT011 - the SDK lets its HTTP library's timeout out
        _drain(client.chat.completions.create(model="m", messages=_ask(), stream=True), received)
    assert "timeout" in type(info.value).__name__.lower()
    assert len(received) == 3


def test_stall_stream_for_a_while_then_finishes(server: FakeOpenAIServer) -> None:
    server.stall_stream_after(2, seconds=1.5, count=2)
    # The pause is real: a client that waits at most 0.5 s for the next event gives up after two...
    received: list[Any] = []
    with pytest.raises(Exception) as info:  # noqa: PT011 - the SDK lets its HTTP library's timeout out
        _drain(
            _client(server, timeout=0.5).chat.completions.create(model="m", messages=_ask(), stream=True),
            received,
        )
    assert "timeout" in type(info.value).__name__.lower()
    assert len(received) == 2
    # ...and a patient one gets the whole stream once the pause is over.
    chunks = list(_client(server).chat.completions.create(model="m", messages=_ask("x y"), stream=True))
    assert _text(chunks) == "echo: x y"


def test_malformed_event_breaks_the_official_client(server: FakeOpenAIServer) -> None:
    server.malform_stream_at(2)
    received: list[Any] = []
    with pytest.raises(json.JSONDecodeError):
        _drain(_client(server).chat.completions.create(model="m", messages=_ask(), stream=True), received)
    assert len(received) == 2


def test_malformed_event_raw_wire(server: FakeOpenAIServer) -> None:
    server.malform_stream_at(1)
    body = {"model": "m", "messages": _ask("a b"), "stream": True}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("POST", "/v1/chat/completions", json.dumps(body))
    text = conn.getresponse().read().decode()
    events = [e.removeprefix("data: ") for e in text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    bad = [e for e in events[:-1] if not _is_json(e)]
    assert len(bad) == 1
    assert events.index(bad[0]) == 1
    good = [json.loads(e) for e in events[:-1] if _is_json(e)]
    assert "".join(g["choices"][0]["delta"].get("content", "") for g in good) == "echo: a b"


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def test_slow_first_chunk(server: FakeOpenAIServer) -> None:
    server.delay_first_chunk(1.5, count=2)
    # The headers come at once (the call returns a stream within a 0.5 s timeout), the first event
    # does not (reading it times out)...
    impatient = _client(server, timeout=0.5).chat.completions.create(
        model="m", messages=_ask("a"), stream=True
    )
    received: list[Any] = []
    with pytest.raises(Exception) as info:  # noqa: PT011 - the SDK lets its HTTP library's timeout out
        _drain(impatient, received)
    assert "timeout" in type(info.value).__name__.lower()
    assert received == []
    # ...and it does come after the delay.
    chunks = list(_client(server).chat.completions.create(model="m", messages=_ask("a"), stream=True))
    assert _text(chunks) == "echo: a"


def test_first_chunk_never_comes(server: FakeOpenAIServer) -> None:
    server.delay_first_chunk(math.inf)
    stream = _client(server, timeout=0.4).chat.completions.create(model="m", messages=_ask(), stream=True)
    with pytest.raises(Exception) as info:  # noqa: PT011 - see above
        list(stream)
    assert "timeout" in type(info.value).__name__.lower()


def test_cut_after_every_event_count(server: FakeOpenAIServer) -> None:
    for n in range(6):
        server.fail_stream_after(n)
        received: list[Any] = []
        stream = _client(server).chat.completions.create(model="m", messages=_ask("a b"), stream=True)
        with pytest.raises(Exception) as info:  # noqa: PT011 - the HTTP library's protocol error
            _drain(stream, received)
        assert (
            isinstance(info.value, openai.APIConnectionError)
            or "protocol" in type(info.value).__name__.lower()
        )
        assert len(received) == n


def test_refused_base_url() -> None:
    client = openai.OpenAI(base_url=refused_base_url(), api_key="k", max_retries=0, timeout=5)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="m", messages=_ask())


def test_stop_ends_hanging_requests_promptly() -> None:
    fake = FakeOpenAIServer().start()
    fake.hang_next(model="plain")
    fake.stall_stream_after(1, model="streamed")

    errors: list[BaseException] = []

    def call(stream: bool) -> None:
        try:
            model = "streamed" if stream else "plain"
            result = _client(fake, timeout=30).chat.completions.create(
                model=model, messages=_ask(), stream=stream
            )
            if stream:
                list(result)  # type: ignore[arg-type]
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=call, args=(s,)) for s in (False, True)]
    for t in threads:
        t.start()
    while len(fake.model_requests()) < 2:
        time.sleep(0.01)
    fake.stop()
    for t in threads:
        t.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    assert len(errors) == 2  # both calls failed instead of hanging
