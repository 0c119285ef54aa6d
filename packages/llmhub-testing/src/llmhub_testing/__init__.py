"""llmhub_testing: a fault-injecting fake OpenAI-compatible server for offline tests.

::

    from llmhub_testing import FakeOpenAIServer

    with FakeOpenAIServer(api_key="sk-test") as server:
        # point a provider's api_base at server.base_url, then call it as usual
        server.fail_next(429, retry_after=1)      # the next model call gets HTTP 429
        server.fail_stream_after(5)               # the next stream is cut after 5 events
        ...
        assert server.requests[-1].body["model"] == "gpt-test"

The server is uvicorn serving a small Starlette application on 127.0.0.1 in a background
thread. It speaks enough of the OpenAI HTTP API for any OpenAI-compatible client (the ``openai``
SDK, any-llm's ``openai``, ``llamacpp`` and similar providers):

* ``GET /v1/models`` lists a few model ids; ``GET /health`` answers ``{"status": "ok"}``.
* ``POST /v1/chat/completions`` answers ``"echo: <last user message>"`` with usage counts
  (words, not tokens) and the request's ``model``; streamed as server-sent events (a role delta,
  one chunk per word, a ``finish_reason: "stop"`` chunk, a usage chunk when
  ``stream_options.include_usage`` asks for it, then ``data: [DONE]``).
* ``POST /v1/embeddings`` returns :func:`fake_embedding` vectors, as floats or base64.

Faults are scripted per test from any thread: HTTP errors (:meth:`~FakeOpenAIServer.fail_next`,
429 with ``Retry-After``, 5xx, 400 ``context_length_exceeded``, content filter), slowness (a
delayed or never-sent answer, a slow first token), broken streams (cut, stalled, a malformed
event) and, with :func:`refused_base_url`, an endpoint that refuses connections. Every request
is recorded with the connection it came on and the time it arrived.

It is not a production server: it trusts its clients and is meant for tests.
"""

from importlib.metadata import PackageNotFoundError, version

from llmhub_testing._app import RecordedRequest
from llmhub_testing._documents import fake_embedding
from llmhub_testing.server import FakeOpenAIServer, refused_base_url

try:
    __version__ = version("llmhub-testing")
except PackageNotFoundError:  # pragma: no cover - source tree without installation
    __version__ = "0.0.0"

__all__ = ["FakeOpenAIServer", "RecordedRequest", "__version__", "fake_embedding", "refused_base_url"]
