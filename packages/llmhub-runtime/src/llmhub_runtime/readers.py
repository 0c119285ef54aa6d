"""Reading the text and JSON files LLMHub consumes, with limits and clear errors.

Every YAML and JSON file an LLMHub package reads (``llmhub.yaml``, ``llmhub.spec.yaml``, the local
models registry, catalog snapshots and caches, small JSON state files) goes through these
functions, so each one gets the same treatment:

* a size limit, checked before the file is read whole (a 30 MB file is refused at once, not
  parsed for minutes);
* encoding detection: UTF-8 with or without a byte order mark, UTF-16 and UTF-32 with one;
  anything else that is not UTF-8 is refused with the line and byte offset of the first bad byte
  (a ``UnicodeDecodeError`` never escapes);
* for JSON, a nesting-depth limit (deep nesting is refused, never a ``RecursionError``).

Failures are reported through the ``error`` factory the caller passes (by default
:class:`~llmhub_runtime.errors.ConfigError`): it receives the located problems and the file name.
YAML parsing itself, with its own limits, is :mod:`llmhub_runtime.yamldoc`.
"""

from __future__ import annotations

import codecs
import json
import os
from dataclasses import dataclass
from typing import Any

from llmhub_runtime.errors import ConfigError, ConfigProblem, LLMHubError, LocatedErrorFactory

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_TEXT_BYTES",
    "DecodedText",
    "check_depth",
    "decode_text",
    "load_json_text",
    "read_file_bytes",
    "read_json_file",
    "read_text_file",
    "too_large_message",
]

#: Largest configuration file (YAML) read, in bytes. Real files are a few kilobytes; a pure-Python
#: YAML parser needs about two seconds per megabyte, so anything much larger is refused.
MAX_TEXT_BYTES = 1024 * 1024
#: Largest JSON file read, in bytes (catalog snapshots are a few megabytes).
MAX_JSON_BYTES = 64 * 1024 * 1024
#: Deepest nesting accepted in a JSON document.
MAX_JSON_DEPTH = 64

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 first: its little-endian mark starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)


@dataclass(frozen=True)
class DecodedText:
    """Text read from a file, and how it was encoded.

    Attributes:
        text: The decoded text, without any byte order mark.
        encoding: ``"utf-8"`` for plain UTF-8; otherwise a description such as ``"UTF-16"`` or
            ``"UTF-8 with a byte order mark"`` (a writer that keeps the encoding can use :attr:`bom`).
        bom: The byte order mark the file started with (empty for plain UTF-8).
        codec: The Python codec that decodes the bytes after the mark.
    """

    text: str
    encoding: str = "utf-8"
    bom: bytes = b""
    codec: str = "utf-8"


def _fail(error: LocatedErrorFactory, source: str, message: str, line: int | None = None) -> LLMHubError:
    return error([ConfigProblem("", message, line)], source)


def read_file_bytes(
    path: str | os.PathLike[str], *, max_bytes: int, error: LocatedErrorFactory = ConfigError
) -> bytes:
    """The bytes of ``path``, refusing a missing, unreadable, special or too large file.

    Raises:
        The ``error`` factory's exception (``ConfigError`` by default), naming the file.
    """
    source = os.fspath(path)
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer (it is refused below).
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not _is_regular(info.st_mode):
                raise _fail(error, source, "is not a regular file")
            if info.st_size > max_bytes:
                raise _fail(error, source, too_large_message(info.st_size, max_bytes))
            # Read one byte past the limit: a file that grows while being read is caught too.
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise _fail(error, source, "file not found") from None
    except IsADirectoryError:
        raise _fail(error, source, "is a directory, not a file") from None
    except PermissionError:
        raise _fail(error, source, "permission denied") from None
    except OSError as e:
        raise _fail(error, source, f"cannot be read: {e.strerror or e}") from None
    if len(raw) > max_bytes:
        raise _fail(error, source, too_large_message(len(raw), max_bytes))
    return raw


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def too_large_message(size: int, limit: int) -> str:
    """ "the file is too large (9.4 MiB; the limit is 1.0 MiB)"."""
    return f"the file is too large ({_size(size)}; the limit is {_size(limit)})"


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"


def decode_text(raw: bytes, *, source: str, error: LocatedErrorFactory = ConfigError) -> DecodedText:
    """Decode a text file: UTF-8 (with or without a byte order mark), UTF-16 or UTF-32 with one.

    Raises:
        The ``error`` factory's exception: the bytes are not text in one of those encodings (the
        message gives the line and byte offset of the first bad byte).
    """
    start = 0
    if raw.startswith(codecs.BOM_UTF8):
        start = len(codecs.BOM_UTF8)
    for bom, codec, name in _BOMS if not start else ():
        if raw.startswith(bom):
            try:
                return DecodedText(raw[len(bom) :].decode(codec), name, bom, codec)
            except UnicodeDecodeError as e:
                offset = e.start + len(bom)
                message = f"not valid {name} text although it starts with a {name} byte order mark"
                raise _fail(error, source, f"{message} (bad bytes at offset {offset})") from None
    try:
        text = raw[start:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = e.start + start
        line = raw.count(b"\n", 0, offset) + 1
        bad = f"bad byte 0x{raw[offset]:02x} at offset {offset}"
        message = f"not valid UTF-8 text ({bad}); save the file as UTF-8"
        raise _fail(error, source, message, line) from None
    if "\x00" in text:
        at = text.index("\x00")
        line = text.count("\n", 0, at) + 1
        message = (
            "contains NUL characters: a binary file, or UTF-16/UTF-32 without a byte order mark; "
            "save the file as UTF-8"
        )
        raise _fail(error, source, message, line)
    if start:
        return DecodedText(text, "UTF-8 with a byte order mark", codecs.BOM_UTF8, "utf-8")
    return DecodedText(text)


def read_text_file(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_TEXT_BYTES, error: LocatedErrorFactory = ConfigError
) -> DecodedText:
    """Read and decode a text file (see :func:`read_file_bytes` and :func:`decode_text`)."""
    raw = read_file_bytes(path, max_bytes=max_bytes, error=error)
    return decode_text(raw, source=os.fspath(path), error=error)


def check_depth(value: Any, *, max_depth: int) -> bool:
    """True when ``value`` (plain dicts and lists) nests no deeper than ``max_depth`` containers."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > max_depth:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def load_json_text(
    text: str | bytes,
    *,
    source: str,
    line_offset: int = 0,
    max_depth: int = MAX_JSON_DEPTH,
    error: LocatedErrorFactory = ConfigError,
) -> Any:
    """Parse JSON, refusing invalid syntax and nesting deeper than ``max_depth``.

    ``line_offset`` is added to reported line numbers (for JSON that starts further down a file).

    Raises:
        The ``error`` factory's exception, with the line of a syntax error.
    """
    if isinstance(text, bytes):
        text = decode_text(text, source=source, error=error).text
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        message = f"invalid JSON: {e.msg} (column {e.colno})"
        raise _fail(error, source, message, e.lineno + line_offset) from None
    except RecursionError:
        raise _fail(error, source, f"JSON nesting is too deep (more than {max_depth} levels)") from None
    if not check_depth(value, max_depth=max_depth):
        raise _fail(error, source, f"JSON nesting is too deep (more than {max_depth} levels)")
    return value


def read_json_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_JSON_BYTES,
    max_depth: int = MAX_JSON_DEPTH,
    error: LocatedErrorFactory = ConfigError,
) -> Any:
    """Read, decode and parse a JSON file with the size, encoding and depth checks above."""
    source = os.fspath(path)
    raw = read_file_bytes(path, max_bytes=max_bytes, error=error)
    text = decode_text(raw, source=source, error=error).text
    return load_json_text(text, source=source, max_depth=max_depth, error=error)
