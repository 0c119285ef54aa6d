"""Pure-text helpers shared by the runners: stop-sequence scanning and request validation.

Kept free of any backend import so that they are unit-tested in the fast suite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmhub_local.errors import LLMConfigError

__all__ = ["StopScanner", "json_schema_of", "normalize_messages"]

_ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})


@dataclass
class StopScanner:
    """Finds stop sequences in streamed text without emitting any part of one.

    Text that could still be the beginning of a stop sequence is held back until the next piece
    tells whether it is; :meth:`feed` returns what is safe to emit and whether a stop was hit.
    """

    stops: Sequence[str]
    _pending: str = ""
    stopped: bool = False

    def feed(self, piece: str) -> str:
        """Add generated text; return the part that can be emitted now."""
        if self.stopped:
            return ""
        text = self._pending + piece
        # The stop that *completes* first wins (as it would while generating token by token),
        # so 'EDD' with stops ['D', 'EDD'] stops after 'E' whether it arrives whole or in pieces.
        found = [(i + len(s), i) for s in self.stops if s and (i := text.find(s)) >= 0]
        cut = min(found)[1] if found else -1
        if cut >= 0:
            self.stopped = True
            self._pending = ""
            return text[:cut]
        hold = 0
        for stop in self.stops:
            for k in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:k]):
                    hold = max(hold, k)
                    break
        self._pending = text[len(text) - hold :] if hold else ""
        return text[: len(text) - hold]

    def flush(self) -> str:
        """At the end of generation: whatever was held back was not a stop after all."""
        rest, self._pending = self._pending, ""
        return "" if self.stopped else rest


def normalize_messages(messages: Any, system_prompt: str | None) -> list[dict[str, Any]]:
    """Validate OpenAI-style chat messages; prepend ``system_prompt`` when there is no system message.

    Raises:
        LLMConfigError: the messages are not a non-empty list of ``{"role", "content"}`` mappings.
    """
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Sequence) or not messages:
        raise LLMConfigError("messages must be a non-empty list of {'role': ..., 'content': ...} mappings")
    out: list[dict[str, Any]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise LLMConfigError(f"messages[{i}] must be a mapping, not {type(message).__name__}")
        role = message.get("role")
        if role not in _ROLES:
            raise LLMConfigError(f"messages[{i}].role must be one of {sorted(_ROLES)}, not {role!r}")
        content = message.get("content")
        if isinstance(content, list):  # OpenAI content parts: only text is supported locally
            texts = []
            for j, part in enumerate(content):
                if not (isinstance(part, Mapping) and part.get("type") == "text"):
                    kind = part.get("type") if isinstance(part, Mapping) else type(part).__name__
                    raise LLMConfigError(
                        f"messages[{i}].content[{j}]: local runners take text parts only, not {kind!r}"
                    )
                texts.append(str(part.get("text", "")))
            content = "".join(texts)
        if content is None:
            content = ""
        if not isinstance(content, str):
            raise LLMConfigError(f"messages[{i}].content must be a string or a list of text parts")
        out.append({"role": "system" if role == "developer" else role, "content": content})
    if system_prompt and out[0]["role"] != "system":
        out.insert(0, {"role": "system", "content": system_prompt})
    return out


def json_schema_of(response_format: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The JSON schema a ``response_format`` asks for: ``{}`` for any JSON object, None for text.

    Accepts the OpenAI forms ``{"type": "text"}``, ``{"type": "json_object"}`` and
    ``{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}}}``, plus the llama.cpp
    form ``{"type": "json_object", "schema": {...}}``.

    Raises:
        LLMConfigError: an unknown type or a schema that is not a mapping.
    """
    if response_format is None:
        return None
    if not isinstance(response_format, Mapping):
        raise LLMConfigError("response_format must be a mapping such as {'type': 'json_object'}")
    kind = response_format.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        schema = response_format.get("schema", {})
    elif kind == "json_schema":
        spec = response_format.get("json_schema")
        schema = spec.get("schema") if isinstance(spec, Mapping) else None
        if schema is None:
            raise LLMConfigError("response_format.json_schema.schema is required for type 'json_schema'")
    else:
        raise LLMConfigError(
            f"response_format.type must be 'text', 'json_object' or 'json_schema', not {kind!r}"
        )
    if not isinstance(schema, Mapping):
        raise LLMConfigError("response_format schema must be a mapping (a JSON schema)")
    return dict(schema)
