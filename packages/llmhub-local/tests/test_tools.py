"""Strict JSON tool calls: validation with reasons, the calculator, the constrained schema."""

from __future__ import annotations

import json

import pytest

from llmhub_local.errors import ToolCallError
from llmhub_local.runners.config import BackendType
from llmhub_local.serving.tools import (
    CALCULATOR,
    TOOL_CALL_SCHEMA,
    calculate,
    constrained_schema,
    execute_tool_call,
    parse_tool_call,
    render_tool_prompt,
    validate_tool_call,
)

GOOD = {"tool": "calculator", "args": {"expression": "42*17"}, "id": "call_123"}


def test_valid_call_is_executed() -> None:
    call = validate_tool_call(GOOD, [CALCULATOR])
    assert call.as_dict() == GOOD
    assert execute_tool_call(call, [CALCULATOR]) == 714


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        ({"tool": "1calc", "args": {}, "id": "x"}, "tool: '1calc' must be a string matching"),
        ({"tool": "calc-ulator", "args": {}, "id": "x"}, "must be a string matching"),
        ({"tool": "calculator", "args": "42*17", "id": "x"}, "args: must be an object, not str"),
        ({"tool": "calculator", "args": {}}, "id: is missing"),
        ({"tool": "calculator", "args": {}, "id": ""}, "id: must be a non-empty string"),
        ({"tool": "calculator", "args": {}, "id": "x", "extra": 1}, "extra: unexpected key"),
        ({"args": {}, "id": "x"}, "tool: is missing"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_malformed_calls_are_rejected_with_a_reason(call: object, reason: str) -> None:
    with pytest.raises(ToolCallError) as info:
        validate_tool_call(call)
    assert any(reason in r for r in info.value.reasons) or reason in str(info.value)


def test_tool_arguments_are_checked() -> None:
    with pytest.raises(ToolCallError, match="unknown tool 'search'"):
        validate_tool_call({"tool": "search", "args": {}, "id": "1"}, [CALCULATOR])
    with pytest.raises(ToolCallError, match=r"args.expression: is missing"):
        validate_tool_call({"tool": "calculator", "args": {}, "id": "1"}, [CALCULATOR])
    with pytest.raises(ToolCallError, match=r"args.expression: must be a string"):
        validate_tool_call({"tool": "calculator", "args": {"expression": 5}, "id": "1"}, [CALCULATOR])


@pytest.mark.parametrize(
    ("expression", "value"),
    [("42*17", 714), ("(1+2)*3", 9), ("7/2", 3.5), ("2^10", 1024), ("-3 + 4", 1), ("6/3", 2)],
)
def test_calculator(expression: str, value: float) -> None:
    assert calculate(expression) == value


@pytest.mark.parametrize(
    "expression", ["__import__('os')", "a+1", "1/0", "9**9**9", "", "open('x')", "[1,2]", "1" * 300]
)
def test_calculator_refuses_anything_else(expression: str) -> None:
    with pytest.raises(ToolCallError):
        calculate(expression)


def test_parse_finds_the_object_in_prose() -> None:
    text = 'Sure! {"tool": "calculator", "args": {"expression": "1+1"}, "id": "a"} done'
    assert parse_tool_call(text, [CALCULATOR]).args == {"expression": "1+1"}
    with pytest.raises(ToolCallError, match="no JSON object"):
        parse_tool_call("no json here")
    with pytest.raises(ToolCallError, match="not valid JSON"):
        parse_tool_call('{"tool": ')


def test_schemas_and_prompts() -> None:
    assert TOOL_CALL_SCHEMA["required"] == ["tool", "args", "id"]
    schema = constrained_schema([CALCULATOR])
    assert schema["properties"]["tool"]["enum"] == ["calculator"]
    json.dumps(schema)
    prompt = render_tool_prompt("What is 2+2?", [CALCULATOR], BackendType.TRANSFORMERS)
    assert "ONLY one JSON object" in prompt
    assert "calculator(expression: string)" in prompt
    assert "What is 2+2?" in render_tool_prompt("What is 2+2?", [CALCULATOR], BackendType.LLAMA_CPP)
