"""SP2/SP3: the heuristic interpreter and RoleNeed resolution."""

from __future__ import annotations

import pytest

from llmhub_generator import HeuristicInterpreter, Level, parse_spec_yaml
from llmhub_generator.interpret import KEYWORD_RULES, heuristic_suggestions
from llmhub_generator.needs import RoleNeed
from llmhub_runtime import LLMMode

BASE = "project: p\nproviders:\n  openai: {}\n  anthropic: {}\n  mistral: {enabled: false}\nroles:\n"


def need_for(role_yaml: str, extra: str = "") -> RoleNeed:
    spec = parse_spec_yaml(BASE + role_yaml + extra).spec
    return HeuristicInterpreter().interpret(spec, next(iter(spec.roles)))


@pytest.mark.parametrize(
    ("description", "field", "value"),
    [
        ("Analyzes quarterly reports and reasons about trends", "reasoning", True),
        ("An agent that calls tools to book meetings", "tools", True),
        ("Extracts invoice fields as JSON", "structured_output", True),
        ("Describes screenshots of dashboards", "modalities_in", ("text", "image")),
        ("Transcribes voice notes", "modalities_in", ("text", "audio")),
        ("Reads PDF contracts", "attachments", True),
        ("Summarises long documents end to end", "context_min", 128_000),
        ("Writes and reviews Python code", "arena_category", "coding"),
        ("Autocomplete in a real-time editor", "latency", Level.HIGH),
        ("Tags millions of support tickets in bulk", "cost", Level.HIGH),
        ("Answers medical questions; must be accurate", "quality", Level.HIGH),
    ],
)
def test_keyword_rules(description: str, field: str, value: object) -> None:
    need = need_for(f"  r: {{description: {description!r}}}\n")
    assert getattr(need, field) == value
    inferred = {i.field: i for i in need.inferred}
    assert field in inferred
    assert "description mentions" in inferred[field].reason


def test_plain_description_infers_nothing() -> None:
    need = need_for("  r: {description: Greets visitors.}\n")
    assert need.inferred == ()
    assert (need.tools, need.reasoning, need.structured_output, need.context_min) == (False, False, False, 0)
    assert (need.quality, need.cost, need.latency) == (Level.MEDIUM,) * 3


def test_explicit_spec_values_win_over_keywords() -> None:
    need = need_for(
        "  r:\n    description: An agent that reasons with tools over long documents\n"
        "    requires: {tools: false, reasoning: false, context_min: 8000}\n"
    )
    assert need.tools is False
    assert need.reasoning is False
    assert need.context_min == 8000
    assert {i.field for i in need.inferred} == set()


def test_embedding_roles_ignore_chat_keywords() -> None:
    need = need_for("  r: {kind: embedding, description: Embeds JSON tool outputs and code for reasoning}\n")
    assert need.kind is LLMMode.EMBEDDING
    assert need.catalog_kind == "embedding"
    assert not need.tools
    assert not need.structured_output
    assert not need.reasoning


def test_tool_kind_requires_tools_and_uses_chat_models() -> None:
    need = need_for("  r: {kind: tool}\n")
    assert need.tools is True
    assert need.catalog_kind == "chat"


def test_defaults_and_provider_sets() -> None:
    extra = "defaults: {providers: [anthropic], preferences: {cost: high, quality: low}}\n"
    need = need_for("  r: {preferences: {quality: high}}\n", extra)
    assert need.providers == ("anthropic",)
    assert need.quality is Level.HIGH  # role wins
    assert need.cost is Level.HIGH  # from defaults
    assert need.latency is Level.MEDIUM  # nobody said
    allowed = need_for("  r: {allow: [openai, mistral]}\n")
    assert allowed.providers == ("openai",)  # mistral is disabled
    default_all = need_for("  r: {}\n")
    assert default_all.providers == ("openai", "anthropic")


def test_image_roles_are_judged_on_vision() -> None:
    need = need_for("  r: {description: Captions product photos}\n")
    assert need.arena_category == "vision"


def test_first_rule_per_field_wins_and_rules_are_documented() -> None:
    suggestions, inferences = heuristic_suggestions(
        parse_spec_yaml(BASE + "  r: {description: Solve math with code}\n").spec.roles["r"]
    )
    assert suggestions["arena_category"] == "coding"  # the coding rule comes before the math rule
    assert len(inferences) == len(suggestions)
    assert all(rule.why for rule in KEYWORD_RULES)
