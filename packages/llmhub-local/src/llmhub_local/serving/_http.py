"""Minimal HTTP/1.1 over asyncio streams for the local server (standard library only).

Keep-alive, ``Content-Length`` and chunked request bodies, JSON responses with OpenAI's error
shape, and chunked server-sent events. Bodies larger than the limit are refused with 413 before
they are read; a malformed request head gets 400 and the connection is closed.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

__all__ = [
    "HttpError",
    "Request",
    "error_document",
    "read_request",
    "send_json",
    "sse_done",
    "sse_event",
    "start_sse",
]

MAX_HEAD_BYTES = 64 * 1024
_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    404: ("invalid_request_error", "not_found"),
    405: ("invalid_request_error", "method_not_allowed"),
    413: ("invalid_request_error", "request_too_large"),
    431: ("invalid_request_error", "headers_too_large"),
    503: ("server_error", "overloaded"),
}


class HttpError(Exception):
    """A request that gets an error answer (``status``, ``message``); ``close``: drop the connection."""

    def __init__(self, status: int, message: str, *, close: bool = False, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close
        self.code = code


@dataclass(frozen=True, slots=True)
class Request:
    """One parsed request."""

    method: str
    path: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def keep_alive(self) -> bool:
        """Whether the client wants the connection kept open."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def read_request(reader: asyncio.StreamReader, max_body: int) -> Request | None:
    """Read one request; ``None`` when the client closed the connection cleanly.

    Raises:
        HttpError: a malformed head (400), headers too large (431), a body over ``max_body`` (413).
    """
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as e:
        if e.partial.strip():
            raise HttpError(400, "Incomplete HTTP request head.", close=True) from None
        return None
    except asyncio.LimitOverrunError:
        raise HttpError(431, "Request header fields too large.", close=True) from None
    lines = head.lstrip(b"\r\n").decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, f"Malformed request line: {lines[0][:100]!r}", close=True)
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise HttpError(400, f"Malformed header line: {line[:100]!r}", close=True)
        key = name.lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader, max_body)
    else:
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise HttpError(400, "Invalid Content-Length header.", close=True) from None
        if length < 0:
            raise HttpError(400, "Invalid Content-Length header.", close=True)
        if length > max_body:
            # The body is not read: answer and close rather than swallow megabytes.
            raise HttpError(413, f"Request body too large ({length} bytes; limit {max_body}).", close=True)
        body = await reader.readexactly(length) if length else b""
    return Request(method, target.partition("?")[0], version, headers, body)


async def _read_chunked(reader: asyncio.StreamReader, max_body: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise HttpError(400, "Malformed chunked body.", close=True) from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers are ignored
            return b"".join(parts)
        total += size
        if total > max_body:
            raise HttpError(413, f"Request body too large (limit {max_body} bytes).", close=True)
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)


def error_document(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    """OpenAI's error shape: ``{"error": {"message", "type", "param", "code"}}``."""
    kind, default_code = _ERROR_TYPES.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {"error": {"message": message, "type": kind, "param": None, "code": code or default_code}}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


async def send_json(
    writer: asyncio.StreamWriter,
    status: int,
    document: Any,
    *,
    keep_alive: bool,
    extra_headers: dict[str, str] | None = None,
) -> None:
    """Write a JSON response."""
    payload = json.dumps(document, separators=(",", ":")).encode()
    head = f"HTTP/1.1 {status} {_reason(status)}\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(payload)}\r\n"
    for name, value in (extra_headers or {}).items():
        head += f"{name}: {value}\r\n"
    if not keep_alive:
        head += "Connection: close\r\n"
    writer.write(head.encode("latin-1") + b"\r\n" + payload)
    await writer.drain()


async def start_sse(writer: asyncio.StreamWriter, *, keep_alive: bool) -> None:
    """Write the head of a server-sent events response (chunked)."""
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n"
    )
    if not keep_alive:
        head += "Connection: close\r\n"
    writer.write(head.encode("latin-1") + b"\r\n")
    await writer.drain()


async def sse_event(writer: asyncio.StreamWriter, data: str) -> None:
    """Write one ``data:`` event as one HTTP chunk (raises ``ConnectionError`` if the client left)."""
    payload = f"data: {data}\n\n".encode()
    writer.write(b"%x\r\n%s\r\n" % (len(payload), payload))
    await writer.drain()


async def sse_done(writer: asyncio.StreamWriter) -> None:
    """Write ``data: [DONE]`` and end the chunked body."""
    await sse_event(writer, "[DONE]")
    writer.write(b"0\r\n\r\n")
    await writer.drain()
