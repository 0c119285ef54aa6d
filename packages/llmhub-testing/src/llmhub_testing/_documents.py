"""The JSON documents of the OpenAI HTTP API that the fake server sends (no I/O here).

Token counts are word counts: deterministic, easy to predict in a test, and close enough in
shape to what a real provider reports.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import time
from collections.abc import Iterable
from typing import Any

__all__ = [
    "chat_completion",
    "count_words",
    "embeddings",
    "error_body",
    "fake_embedding",
    "prompt_tokens",
    "reply_for",
    "stream_events",
    "validate_body",
]

_WORD_CHUNKS = re.compile(r"\S+\s*|\s+")
_ERROR_TYPES: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    408: ("timeout_error", None),
    413: ("invalid_request_error", "request_too_large"),
    422: ("invalid_request_error", None),
    429: ("rate_limit_error", "rate_limit_exceeded"),
}


def fake_embedding(text: str, dim: int = 8) -> list[float]:
    """The vector the server returns for ``text``: deterministic, unit length, ``dim`` floats.

    Each value is exactly representable as a 32-bit float, so vectors sent as base64 (the
    ``openai`` SDK's default) and as JSON floats are equal.
    """
    if dim < 1:
        raise ValueError("dim must be at least 1")
    seed = text.encode("utf-8")
    raw: list[float] = []
    block = 0
    while len(raw) < dim:
        digest = hashlib.sha256(block.to_bytes(4, "big") + seed).digest()
        raw.extend(int.from_bytes(digest[i : i + 4], "big") / 2**31 - 1.0 for i in range(0, 32, 4))
        block += 1
    vector = raw[:dim]
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    packed = struct.pack(f"<{dim}f", *(x / norm for x in vector))
    return list(struct.unpack(f"<{dim}f", packed))


def error_body(status: int, message: str, *, code: str | None = None, error_type: str | None = None) -> bytes:
    """An OpenAI-style error document: ``{"error": {"message", "type", "param", "code"}}``."""
    default_type, default_code = _ERROR_TYPES.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    document = {
        "error": {
            "message": message,
            "type": error_type or default_type,
            "param": None,
            "code": code if code is not None else default_code,
        }
    }
    return json.dumps(document, separators=(",", ":")).encode()


def validate_body(path: str, body: Any) -> str | None:
    """Why this JSON body is not a valid request for ``path`` (``None`` when it is)."""
    if not isinstance(body, dict):
        return "The request body must be a JSON object."
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "you must provide a model parameter"
    if path == "/v1/chat/completions":
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return "'messages' must be a non-empty array"
        if not all(isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages):
            return "each message must be an object with a 'role'"
        return None
    raw_input = body.get("input")
    if isinstance(raw_input, str):
        return None
    if not isinstance(raw_input, list) or not raw_input:
        return "'input' must be a string or a non-empty array"
    return None


def _text_of(content: Any) -> str:
    """The text of a message's ``content`` (a string or a list of content parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def reply_for(messages: Iterable[dict[str, Any]]) -> str:
    """The default answer: ``"echo: <text of the last user message>"``."""
    last_user = ""
    for message in messages:
        if message.get("role") == "user":
            last_user = _text_of(message.get("content"))
    return f"echo: {last_user}"


def count_words(text: str) -> int:
    """The fake token count of ``text``."""
    return len(text.split())


def prompt_tokens(messages: Iterable[dict[str, Any]]) -> int:
    """The fake prompt token count of a conversation."""
    return sum(count_words(_text_of(m.get("content"))) for m in messages)


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def chat_completion(body: dict[str, Any], reply: str, completion_id: str) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` answering ``body`` with ``reply``."""
    n = body.get("n")
    choices = [
        {
            "index": i,
            "message": {"role": "assistant", "content": reply, "refusal": None},
            "finish_reason": "stop",
            "logprobs": None,
        }
        for i in range(n if isinstance(n, int) and 1 <= n <= 16 else 1)
    ]
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "choices": choices,
        "usage": _usage(prompt_tokens(body["messages"]), count_words(reply) * len(choices)),
        "system_fingerprint": "fake-openai-server",
    }


def stream_events(body: dict[str, Any], reply: str, completion_id: str) -> list[str]:
    """The ``data:`` payloads of a streamed answer, ``[DONE]`` excluded.

    A role delta first, one chunk per word of ``reply``, a chunk with ``finish_reason: "stop"``,
    then a usage chunk when the request asked for it (``stream_options.include_usage``).
    """
    options = body.get("stream_options")
    include_usage = isinstance(options, dict) and options.get("include_usage") is True
    base = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": "fake-openai-server",
    }
    extra: dict[str, Any] = {"usage": None} if include_usage else {}

    def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return {**base, "choices": [choice], **extra}

    events = [chunk({"role": "assistant", "content": ""})]
    events.extend(chunk({"content": piece}) for piece in _WORD_CHUNKS.findall(reply))
    events.append(chunk({}, "stop"))
    if include_usage:
        events.append(
            {**base, "choices": [], "usage": _usage(prompt_tokens(body["messages"]), count_words(reply))}
        )
    return [json.dumps(event, separators=(",", ":")) for event in events]


def embeddings(body: dict[str, Any], default_dim: int) -> dict[str, Any]:
    """The ``/v1/embeddings`` answer: one :func:`fake_embedding` per input, floats or base64."""
    raw_input = body["input"]
    items: list[Any] = [raw_input] if isinstance(raw_input, str) else list(raw_input)
    # Token-id inputs (lists of ints) are embedded by their JSON text.
    texts = [item if isinstance(item, str) else json.dumps(item) for item in items]
    dimensions = body.get("dimensions")
    dim = dimensions if isinstance(dimensions, int) and dimensions > 0 else default_dim
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = fake_embedding(text, dim)
        embedding: Any = (
            base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode("ascii") if as_base64 else vector
        )
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(count_words(t) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": body["model"],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
