"""The OpenAI wire format of the local server: request validation, errors, tools, embeddings.

Pure functions over parsed JSON (no HTTP, no runner), so every rule is unit-tested:

- :class:`ApiError` and :func:`error_document`: OpenAI's error shape
  ``{"error": {"message", "type", "param", "code"}}`` for every failure;
- :func:`parse_json_body`: 400 for malformed, non-object or too deeply nested JSON;
- :func:`parse_chat_request`: messages, sampling, ``response_format`` (the JSON schema is checked:
  an invalid one is a 400, not a 200 that ignores it), ``logprobs``/``top_logprobs``, ``tools``
  and ``tool_choice``, ``stream`` and ``stream_options``;
- :class:`ToolPlan`: how OpenAI ``tools`` become one grammar-constrained JSON answer in the
  strict tool-call format of :mod:`llmhub_local.serving.tools` and back into ``tool_calls``;
- :func:`encode_embedding`: ``float`` lists or ``base64`` (little-endian float32, what the
  ``openai`` SDK asks for by default).
"""

from __future__ import annotations

import base64
import json
import re
import struct
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmhub_local.serving.tools import TOOL_NAME_PATTERN

__all__ = [
    "MAX_JSON_DEPTH",
    "ApiError",
    "ChatRequest",
    "ToolPlan",
    "check_json_schema",
    "encode_embedding",
    "error_document",
    "parse_chat_request",
    "parse_embedding_request",
    "parse_json_body",
]

#: Deepest nesting accepted in a request body (a chat request needs a handful of levels).
MAX_JSON_DEPTH = 64

_SAMPLING = ("temperature", "top_p", "top_k", "repeat_penalty", "seed")
_JSON_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})
_SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
_SCHEMA_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "contains", "propertyNames")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    404: "invalid_request_error",
    405: "invalid_request_error",
    408: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    503: "server_error",
}
_DEFAULT_CODES = {
    401: "invalid_api_key",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "request_too_large",
    503: "overloaded",
}


class ApiError(Exception):
    """A request answered with an error: HTTP ``status`` and OpenAI's error fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or _DEFAULT_CODES.get(status)
        self.param = param
        self.headers = dict(headers or {})

    def document(self) -> dict[str, Any]:
        """The JSON body."""
        return error_document(self.status, self.message, code=self.code, param=self.param)


def error_document(
    status: int, message: str, *, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """OpenAI's error shape: ``{"error": {"message", "type", "param", "code"}}``."""
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    return {
        "error": {
            "message": message,
            "type": kind,
            "param": param,
            "code": code or _DEFAULT_CODES.get(status),
        }
    }


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of parsed JSON, iteratively (no recursion), stopping past ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def parse_json_body(raw: bytes) -> dict[str, Any]:
    """The request body as a JSON object.

    Raises:
        ApiError: 400 for invalid JSON or UTF-8, a non-object, or nesting deeper than
            :data:`MAX_JSON_DEPTH` (a 100 000-deep body is a clean 400, not a RecursionError).
    """
    try:
        body = json.loads(raw)
    except RecursionError:
        raise ApiError(400, f"The request body is nested too deeply (limit {MAX_JSON_DEPTH}).") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ApiError(400, f"The request body is not valid JSON ({e}).") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    if _depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ApiError(400, f"The request body is nested too deeply (limit {MAX_JSON_DEPTH}).")
    return body


# -- JSON schemas -----------------------------------------------------------------------------


def check_json_schema(schema: Any, where: str) -> None:
    """Check that ``schema`` is a structurally valid JSON Schema (what a grammar can follow).

    Checks types, ``type`` names, ``required``/``enum`` lists and every subschema; unknown
    keywords are allowed (JSON Schema ignores them).

    Raises:
        ApiError: 400 naming the first problem and its path.
    """
    stack: list[tuple[Any, str]] = [(schema, where)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, bool):
            continue
        if not isinstance(node, dict):
            raise _schema_error(path, f"a schema must be an object or a boolean, not {_kind(node)}")
        kind = node.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
        if not isinstance(kind, str | list | type(None)) or not all(
            isinstance(k, str) and k in _JSON_TYPES for k in kinds
        ):
            raise _schema_error(
                f"{path}.type", f"{kind!r} is not a JSON type ({', '.join(sorted(_JSON_TYPES))})"
            )
        required = node.get("required")
        if required is not None and (
            not isinstance(required, list) or not all(isinstance(r, str) for r in required)
        ):
            raise _schema_error(f"{path}.required", "must be an array of property names")
        enum = node.get("enum")
        if enum is not None and (not isinstance(enum, list) or not enum):
            raise _schema_error(f"{path}.enum", "must be a non-empty array")
        for key in _SCHEMA_MAPS:
            if key in node:
                value = node[key]
                if not isinstance(value, dict):
                    raise _schema_error(f"{path}.{key}", f"must be an object of schemas, not {_kind(value)}")
                stack.extend((sub, f"{path}.{key}.{name}") for name, sub in value.items())
        for key in _SCHEMA_LISTS:
            if key in node:
                value = node[key]
                if not isinstance(value, list) or not value:
                    raise _schema_error(f"{path}.{key}", "must be a non-empty array of schemas")
                stack.extend((sub, f"{path}.{key}[{i}]") for i, sub in enumerate(value))
        for key in _SCHEMA_ONE:
            if key in node:
                stack.append((node[key], f"{path}.{key}"))


def _schema_error(path: str, problem: str) -> ApiError:
    return ApiError(400, f"Invalid JSON schema at {path}: {problem}.", code="invalid_json_schema", param=path)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "null" if value is None else "a number"
    )


# -- tools ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ToolPlan:
    """OpenAI tools turned into one JSON answer that a grammar constrains.

    The model answers ``{"tool": name, "args": {...}}`` (the strict format; the call id is the
    server's to give, so the model spends no tokens on it) or, when ``tool_choice`` is ``auto``,
    may answer ``{"answer": "..."}`` with text instead.
    """

    tools: tuple[dict[str, Any], ...]  # {"name", "description", "parameters"}
    allow_answer: bool

    @property
    def schema(self) -> dict[str, Any]:
        """The JSON schema the answer must follow."""
        variants: list[dict[str, Any]] = [
            {
                "type": "object",
                "properties": {
                    "tool": {"type": "string", "enum": [tool["name"]]},
                    "args": tool["parameters"],
                },
                "required": ["tool", "args"],
                "additionalProperties": False,
            }
            for tool in self.tools
        ]
        if self.allow_answer:
            variants.append(
                {
                    "type": "object",
                    "properties": {"answer": {"type": "string"}},
                    "required": ["answer"],
                    "additionalProperties": False,
                }
            )
        return variants[0] if len(variants) == 1 else {"anyOf": variants}

    def system_prompt(self) -> str:
        """The instructions prepended to the conversation."""
        lines = ["You can call these tools (arguments are JSON objects following each schema):"]
        for tool in self.tools:
            params = json.dumps(tool["parameters"], separators=(",", ":"))
            lines.append(f"- {tool['name']}: {tool['description'] or '(no description)'} Arguments: {params}")
        if self.allow_answer:
            lines.append(
                'Answer with ONE JSON object: {"tool": <name>, "args": {...}} to call a tool, or '
                '{"answer": <text>} when no tool is needed.'
            )
        else:
            lines.append('Answer with ONE JSON object: {"tool": <name>, "args": {...}}.')
        return "\n".join(lines)

    def interpret(self, text: str) -> tuple[str | None, list[dict[str, Any]]]:
        """``(content, tool_calls)`` from the model's JSON answer (text as it is if it is not JSON)."""
        try:
            value = json.loads(text)
        except ValueError:
            return text, []
        if (
            isinstance(value, dict)
            and isinstance(value.get("tool"), str)
            and isinstance(value.get("args"), dict)
        ):
            return None, [
                {
                    "id": f"call_{uuid.uuid4().hex[:24]}",
                    "type": "function",
                    "function": {"name": value["tool"], "arguments": json.dumps(value["args"])},
                }
            ]
        if isinstance(value, dict) and isinstance(value.get("answer"), str):
            return value["answer"], []
        return text, []


def _parse_tools(body: Mapping[str, Any]) -> ToolPlan | None:
    tools = body.get("tools")
    choice = body.get("tool_choice")
    if tools is None or tools == []:
        if choice not in (None, "none", "auto"):
            raise ApiError(400, "'tool_choice' needs 'tools'.", param="tool_choice")
        return None
    if not isinstance(tools, list):
        raise ApiError(
            400, "'tools' must be an array of {'type': 'function', 'function': {...}}.", param="tools"
        )
    parsed: list[dict[str, Any]] = []
    for i, tool in enumerate(tools):
        function = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
            raise ApiError(
                400, f"tools[{i}] must be {{'type': 'function', 'function': {{...}}}}.", param=f"tools[{i}]"
            )
        name = function.get("name")
        if not isinstance(name, str) or not re.fullmatch(TOOL_NAME_PATTERN, name) or len(name) > 64:
            raise ApiError(
                400,
                f"tools[{i}].function.name must match {TOOL_NAME_PATTERN} (at most 64 characters).",
                param=f"tools[{i}].function.name",
            )
        parameters = function.get("parameters", {"type": "object", "properties": {}})
        check_json_schema(parameters, f"tools[{i}].function.parameters")
        description = function.get("description") or ""
        if not isinstance(description, str):
            raise ApiError(400, f"tools[{i}].function.description must be a string.", param=f"tools[{i}]")
        parsed.append({"name": name, "description": description, "parameters": parameters})
    names = [t["name"] for t in parsed]
    if len(set(names)) != len(names):
        raise ApiError(400, "tool names must be unique.", param="tools")
    if choice in (None, "auto"):
        return ToolPlan(tuple(parsed), allow_answer=True)
    if choice == "none":
        return None
    if choice == "required":
        return ToolPlan(tuple(parsed), allow_answer=False)
    if (
        isinstance(choice, dict)
        and choice.get("type") == "function"
        and isinstance(choice.get("function"), dict)
    ):
        wanted = choice["function"].get("name")
        chosen = [t for t in parsed if t["name"] == wanted]
        if not chosen:
            raise ApiError(
                400,
                f"tool_choice names {wanted!r}, which is not among the tools ({', '.join(names)}).",
                param="tool_choice",
            )
        return ToolPlan(tuple(chosen), allow_answer=False)
    raise ApiError(
        400,
        "'tool_choice' must be 'none', 'auto', 'required' or "
        "{'type': 'function', 'function': {'name': ...}}.",
        param="tool_choice",
    )


def _history(messages: Sequence[Any]) -> list[dict[str, Any]]:
    """Messages for the runner: assistant tool calls become their JSON, tool results plain text."""
    out: list[dict[str, Any]] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise ApiError(400, f"messages[{i}] must be an object with a 'role'.", param=f"messages[{i}]")
        role = message["role"]
        content = message.get("content")
        calls = message.get("tool_calls")
        if role == "assistant" and isinstance(calls, list) and calls:
            parts = []
            for call in calls:
                function = call.get("function", {}) if isinstance(call, dict) else {}
                try:
                    args = json.loads(function.get("arguments") or "{}")
                except (ValueError, TypeError):
                    args = function.get("arguments")
                parts.append(json.dumps({"tool": function.get("name"), "args": args, "id": call.get("id")}))
            out.append({"role": "assistant", "content": "\n".join(parts)})
        elif role == "tool":
            text = content if isinstance(content, str) else json.dumps(content)
            out.append(
                {"role": "tool", "content": f"Result of {message.get('tool_call_id', 'the call')}: {text}"}
            )
        else:
            out.append({k: v for k, v in message.items() if k in ("role", "content")})
    return out


# -- requests ---------------------------------------------------------------------------------


@dataclass
class ChatRequest:
    """A validated ``/v1/chat/completions`` request."""

    messages: list[dict[str, Any]]
    options: dict[str, Any] = field(default_factory=dict)
    response_format: dict[str, Any] | None = None
    stream: bool = False
    include_usage: bool = False
    tools: ToolPlan | None = None


def parse_chat_request(body: Mapping[str, Any]) -> ChatRequest:
    """Validate a chat request.

    Raises:
        ApiError: 400 with the offending ``param`` for anything the server cannot honour.
    """
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ApiError(400, "'messages' must be a non-empty array.", param="messages")
    if body.get("n") not in (None, 1):
        raise ApiError(400, "Only n=1 is supported.", param="n")
    options: dict[str, Any] = {k: body[k] for k in _SAMPLING if body.get(k) is not None}
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    if max_tokens is not None:
        options["max_tokens"] = max_tokens
    stop = body.get("stop")
    if stop is not None:
        options["stop"] = [stop] if isinstance(stop, str) else stop
    stream = body.get("stream")
    if stream not in (None, True, False):
        raise ApiError(400, "'stream' must be a boolean.", param="stream")
    stream_options = body.get("stream_options")
    if stream_options is not None and not isinstance(stream_options, dict):
        raise ApiError(400, "'stream_options' must be an object.", param="stream_options")
    logprobs = body.get("logprobs")
    top = body.get("top_logprobs")
    if logprobs not in (None, True, False):
        raise ApiError(400, "'logprobs' must be a boolean.", param="logprobs")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or not 0 <= top <= 20):
        raise ApiError(400, "'top_logprobs' must be an integer from 0 to 20.", param="top_logprobs")
    if top is not None and not logprobs:
        raise ApiError(400, "'top_logprobs' needs 'logprobs': true.", param="top_logprobs")
    if logprobs:
        if stream:
            raise ApiError(400, "'logprobs' is not supported with 'stream' on this server.", param="logprobs")
        options["logprobs"] = top or 0
    response_format = body.get("response_format")
    if response_format is not None:
        response_format = _parse_response_format(response_format)
    tools = _parse_tools(body)
    if tools is not None and response_format is not None:
        raise ApiError(
            400, "'tools' and a JSON 'response_format' cannot be combined.", param="response_format"
        )
    history = _history(messages)
    if tools is not None:
        history = [{"role": "system", "content": tools.system_prompt()}, *history]
    return ChatRequest(
        messages=history,
        options=options,
        response_format=response_format,
        stream=stream is True,
        include_usage=isinstance(stream_options, dict) and stream_options.get("include_usage") is True,
        tools=tools,
    )


def _parse_response_format(value: Any) -> dict[str, Any] | None:
    if not isinstance(value, dict):
        raise ApiError(400, "'response_format' must be an object.", param="response_format")
    kind = value.get("type")
    if kind == "text":
        return None
    if kind == "json_object":
        if "schema" in value:
            check_json_schema(value["schema"], "response_format.schema")
        return value
    if kind == "json_schema":
        spec = value.get("json_schema")
        if not isinstance(spec, dict) or "schema" not in spec:
            raise ApiError(
                400,
                "response_format.json_schema.schema is required for type 'json_schema'.",
                param="response_format.json_schema",
            )
        check_json_schema(spec["schema"], "response_format.json_schema.schema")
        return value
    raise ApiError(
        400,
        f"response_format.type must be 'text', 'json_object' or 'json_schema', not {kind!r}.",
        param="response_format.type",
    )


def parse_embedding_request(body: Mapping[str, Any]) -> tuple[list[str], str]:
    """``(texts, encoding_format)`` of an embeddings request.

    Raises:
        ApiError: 400 for input that is not a string or a non-empty array of strings, or an
            unknown ``encoding_format``.
    """
    raw = body.get("input")
    if isinstance(raw, str):
        texts = [raw]
    elif isinstance(raw, list) and raw and all(isinstance(t, str) for t in raw):
        texts = list(raw)
    else:
        raise ApiError(400, "'input' must be a string or a non-empty array of strings.", param="input")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise ApiError(400, "'encoding_format' must be 'float' or 'base64'.", param="encoding_format")
    if body.get("dimensions") is not None:
        raise ApiError(
            400, "'dimensions' is not supported: local models return their full size.", param="dimensions"
        )
    return texts, encoding


def encode_embedding(vector: Sequence[float], encoding: str) -> list[float] | str:
    """One vector as a float list, or as base64 of little-endian float32 (OpenAI's encoding)."""
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return [float(x) for x in vector]
