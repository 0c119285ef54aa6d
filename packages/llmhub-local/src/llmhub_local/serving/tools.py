"""Strict JSON tool calling (seed 002): ``{"tool": "...", "args": {...}, "id": "..."}``.

A model asked to use a tool answers with exactly one JSON object of that shape - nothing else.
:data:`TOOL_CALL_SCHEMA` is the format's JSON Schema; :func:`validate_tool_call` checks a call
against it (and, given tools, against the tool's own argument schema) and rejects a malformed
one with every reason; :func:`constrained_schema` is the schema handed to llama.cpp so that the
model *cannot* produce anything else (grammar-constrained decoding). Backends without
constrained decoding (transformers) get :data:`TRANSFORMERS_TEMPLATE`, which insists on JSON
only, and :func:`parse_tool_call` finds the object in what they say.

The built-in :data:`CALCULATOR` evaluates arithmetic safely (an AST walk over numbers and
operators, with bounds on size and exponents - never ``eval``).
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmhub_local.errors import ToolCallError
from llmhub_local.runners.config import BackendType

__all__ = [
    "CALCULATOR",
    "LLAMA_CPP_TEMPLATE",
    "TOOL_CALL_SCHEMA",
    "TOOL_NAME_PATTERN",
    "TRANSFORMERS_TEMPLATE",
    "Tool",
    "ToolCall",
    "calculate",
    "constrained_schema",
    "execute_tool_call",
    "parse_tool_call",
    "prompt_template",
    "render_tool_prompt",
    "validate_tool_call",
]

TOOL_NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_]*$"

#: The tool-call format (JSON Schema 2020-12).
TOOL_CALL_SCHEMA: Mapping[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "llmhub tool call",
    "type": "object",
    "properties": {
        "tool": {"type": "string", "pattern": TOOL_NAME_PATTERN},
        "args": {"type": "object"},
        "id": {"type": "string", "minLength": 1},
    },
    "required": ["tool", "args", "id"],
    "additionalProperties": False,
}

LLAMA_CPP_TEMPLATE = (
    "You can call these tools: {tools}.\n"
    'Answer with one JSON object {{"tool": <tool name>, "args": <arguments>, "id": <call id>}}.\n'
    "Task: {prompt}"
)
TRANSFORMERS_TEMPLATE = (
    "You can call these tools: {tools}.\n"
    "Reply with ONLY one JSON object and nothing else, exactly in this format:\n"
    '{{"tool": "calculator", "args": {{"expression": "2+2"}}, "id": "call_1"}}\n'
    "Task: {prompt}"
)


@dataclass(frozen=True)
class Tool:
    """A tool a model may call: a name, a description, an argument schema and the function."""

    name: str
    description: str
    parameters: Mapping[str, Any]
    function: Callable[..., Any] = field(repr=False)

    def describe(self) -> str:
        """``name(arg: type, ...) - description`` for prompts."""
        props = self.parameters.get("properties", {})
        args = ", ".join(f"{k}: {v.get('type', 'any')}" for k, v in props.items())
        return f"{self.name}({args}) - {self.description}"


@dataclass(frozen=True)
class ToolCall:
    """A validated tool call."""

    tool: str
    args: dict[str, Any]
    id: str

    def as_dict(self) -> dict[str, Any]:
        """The call in its JSON shape."""
        return {"tool": self.tool, "args": self.args, "id": self.id}


# -- calculator --------------------------------------------------------------------------------

_MAX_EXPRESSION = 200
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def calculate(expression: str) -> int | float:
    """Evaluate arithmetic (numbers, ``+ - * / // % **``, parentheses) without ``eval``.

    Raises:
        ToolCallError: anything that is not plain arithmetic, a division by zero, or a result too
            large (exponents are capped so a call cannot exhaust memory).
    """
    text = expression.replace("\u00d7", "*").replace("\u00f7", "/").replace("^", "**").strip()
    if not text or len(text) > _MAX_EXPRESSION:
        raise ToolCallError([f"args.expression: must be 1-{_MAX_EXPRESSION} characters"])
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ToolCallError([f"args.expression: {expression!r} is not an arithmetic expression"]) from None

    def walk(node: ast.AST) -> int | float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
        ):
            return node.value
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](walk(node.operand))  # type: ignore[no-any-return]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e6):
                raise ToolCallError([f"args.expression: {expression!r}: exponent too large"])
            return _BINARY[type(node.op)](left, right)  # type: ignore[no-any-return]
        raise ToolCallError([f"args.expression: {expression!r} contains something other than arithmetic"])

    try:
        result = walk(tree)
    except ZeroDivisionError:
        raise ToolCallError([f"args.expression: {expression!r} divides by zero"]) from None
    except OverflowError:
        raise ToolCallError([f"args.expression: {expression!r} overflows"]) from None
    if isinstance(result, float) and not math.isfinite(result):
        raise ToolCallError([f"args.expression: {expression!r} is not finite"])
    if isinstance(result, float) and result.is_integer() and abs(result) < 2**53:
        return int(result)
    return result


CALCULATOR = Tool(
    name="calculator",
    description="evaluates an arithmetic expression such as 42*17",
    parameters={
        "type": "object",
        "properties": {"expression": {"type": "string", "minLength": 1, "maxLength": 64}},
        "required": ["expression"],
        "additionalProperties": False,
    },
    function=calculate,
)

# -- validation --------------------------------------------------------------------------------

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


def validate_tool_call(call: Any, tools: Sequence[Tool] | None = None) -> ToolCall:
    """Check ``call`` (a parsed JSON value) against the format and, given ``tools``, the tool.

    Raises:
        ToolCallError: with every reason found (bad tool name pattern, args not an object,
            missing id, unknown keys, an unknown tool, arguments that do not fit the tool...).
    """
    if not isinstance(call, dict):
        raise ToolCallError([f"a tool call must be a JSON object, not {type(call).__name__}"])
    reasons: list[str] = []
    for key in ("tool", "args", "id"):
        if key not in call:
            reasons.append(f"{key}: is missing")
    reasons += [
        f"{key}: unexpected key (allowed: tool, args, id)"
        for key in call
        if key not in {"tool", "args", "id"}
    ]
    tool, args, id_ = call.get("tool"), call.get("args"), call.get("id")
    if "tool" in call and (not isinstance(tool, str) or not re.match(TOOL_NAME_PATTERN, tool)):
        reasons.append(f"tool: {tool!r} must be a string matching {TOOL_NAME_PATTERN}")
    if "args" in call and not isinstance(args, dict):
        reasons.append(f"args: must be an object, not {type(args).__name__}")
    if "id" in call and (not isinstance(id_, str) or not id_.strip()):
        reasons.append("id: must be a non-empty string")
    if not reasons and tools is not None:
        found = next((t for t in tools if t.name == tool), None)
        if found is None:
            reasons.append(f"tool: unknown tool {tool!r} (known: {', '.join(t.name for t in tools)})")
        else:
            reasons += _argument_problems(found, args if isinstance(args, dict) else {})
    if reasons:
        raise ToolCallError(reasons)
    assert isinstance(tool, str)
    assert isinstance(args, dict)
    assert isinstance(id_, str)
    return ToolCall(tool=tool, args=args, id=id_)


def _argument_problems(tool: Tool, args: Mapping[str, Any]) -> list[str]:
    properties: Mapping[str, Any] = tool.parameters.get("properties", {})
    problems = [f"args.{k}: is missing" for k in tool.parameters.get("required", ()) if k not in args]
    if tool.parameters.get("additionalProperties") is False:
        problems += [f"args.{k}: unexpected argument of {tool.name}" for k in args if k not in properties]
    for key, value in args.items():
        expected = properties.get(key, {}).get("type")
        types = _JSON_TYPES.get(expected) if isinstance(expected, str) else None
        if types is not None and (
            not isinstance(value, types) or (isinstance(value, bool) and bool not in types)
        ):
            problems.append(f"args.{key}: must be a {expected}, not {type(value).__name__}")
    return problems


def parse_tool_call(text: str, tools: Sequence[Tool] | None = None) -> ToolCall:
    """Find the JSON object in a model's answer and validate it (see :func:`validate_tool_call`).

    Raises:
        ToolCallError: no JSON object, invalid JSON, or an invalid call.
    """
    start = text.find("{")
    if start < 0:
        raise ToolCallError(["the answer contains no JSON object"])
    try:
        value, _ = json.JSONDecoder().raw_decode(text[start:])
    except ValueError as e:
        raise ToolCallError([f"the answer is not valid JSON ({e})"]) from None
    return validate_tool_call(value, tools)


def execute_tool_call(call: ToolCall, tools: Sequence[Tool]) -> Any:
    """Run a validated call with its tool's function.

    Raises:
        ToolCallError: unknown tool, or the tool refused its arguments.
    """
    tool = next((t for t in tools if t.name == call.tool), None)
    if tool is None:
        raise ToolCallError([f"tool: unknown tool {call.tool!r}"])
    try:
        return tool.function(**call.args)
    except TypeError as e:
        raise ToolCallError([f"args: {e}"]) from None


# -- decoding and prompts ----------------------------------------------------------------------


def constrained_schema(tools: Sequence[Tool]) -> dict[str, Any]:
    """The JSON Schema a grammar-constrained decoder follows to emit a call to one of ``tools``."""
    if not tools:
        raise ValueError("constrained_schema needs at least one tool")
    variants = [
        {
            "type": "object",
            "properties": {
                "tool": {"type": "string", "enum": [t.name]},
                "args": dict(t.parameters),
                "id": {"type": "string", "minLength": 1, "maxLength": 16},
            },
            "required": ["tool", "args", "id"],
            "additionalProperties": False,
        }
        for t in tools
    ]
    return variants[0] if len(variants) == 1 else {"anyOf": variants}


def prompt_template(backend: BackendType) -> str:
    """The tool prompt for a backend (stricter wording where decoding is not constrained)."""
    return LLAMA_CPP_TEMPLATE if backend is BackendType.LLAMA_CPP else TRANSFORMERS_TEMPLATE


def render_tool_prompt(prompt: str, tools: Sequence[Tool], backend: BackendType) -> str:
    """The user message asking for a tool call."""
    return prompt_template(backend).format(tools="; ".join(t.describe() for t in tools), prompt=prompt)
