"""SP1: the spec schema and parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from llmhub_generator import Level, SpecError, load_spec, parse_spec, parse_spec_yaml, spec_json_schema
from llmhub_runtime import ErrorCategory, LLMHubError, LLMMode

DESIGN_SPEC = """\
project: memory
env: dev
providers:                  # candidate providers; ids are any-llm provider ids
  openai:    {env_key: OPENAI_API_KEY}
  anthropic: {env_key: ANTHROPIC_API_KEY, enabled: true}
  llamacpp:  {api_base: "http://127.0.0.1:8080/v1"}    # a local/self-hosted endpoint
roles:
  llm.inference:
    kind: chat
    description: Answers user questions with retrieved memories; must be reliable.
    preferences: {quality: high, cost: medium, latency: low, providers: [anthropic, openai]}
    requires: {tools: true, structured_output: false, reasoning: false, context_min: 64000,
               modalities_in: [text], modalities_out: [text]}
    force: {provider: openai, model: gpt-4.1}
    mode_params: {temperature: 0.7, max_tokens: 2048}
    fallbacks: 2
  llm.embedding:
    kind: embedding
    description: Embeds memories for vector search.
    preferences: {cost: low}
defaults: {providers: [openai, anthropic], preferences: {latency: medium}}
"""


def test_design_example_parses() -> None:
    loaded = parse_spec_yaml(DESIGN_SPEC)
    spec = loaded.spec
    assert spec.project == "memory"
    assert spec.enabled_providers() == ["openai", "anthropic", "llamacpp"]
    inference = spec.roles["llm.inference"]
    assert inference.kind is LLMMode.CHAT
    assert inference.preferences.quality is Level.HIGH
    assert inference.requires.context_min == 64000
    assert inference.force is not None
    assert inference.force.model == "gpt-4.1"
    assert spec.roles["llm.embedding"].fallbacks == 2  # the default
    assert len(loaded.sha256) == 64
    assert loaded.line_of("roles", "llm.embedding") == 17


def test_load_spec_from_file_hashes_text(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.spec.yaml"
    path.write_text(DESIGN_SPEC, encoding="utf-8")
    a = load_spec(path)
    path.write_text(DESIGN_SPEC.replace("must be reliable", "must be very reliable"), encoding="utf-8")
    b = load_spec(path)
    assert a.sha256 != b.sha256
    assert a.source == str(path)


def test_extension_keys_are_allowed_everywhere() -> None:
    text = DESIGN_SPEC.replace("  llm.embedding:\n", "  llm.embedding:\n    x-owner: search-team\n")
    text = "x-notes: anything\n" + text.replace(
        "    preferences: {cost: low}", "    preferences: {cost: low, x-why: bulk}"
    )
    assert "llm.embedding" in parse_spec_yaml(text).spec.roles


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "fragment"),
    [
        (
            "quality: high",
            "qualty: high",
            11,
            "roles.llm.inference.preferences.qualty",
            "did you mean 'quality'",
        ),
        (
            "kind: embedding",
            "kind: embeding",
            18,
            "roles.llm.embedding.kind",
            "is not one of chat, embedding",
        ),
        (
            "cost: low}",
            "cost: cheap}",
            20,
            "roles.llm.embedding.preferences.cost",
            "is not one of low, medium, high",
        ),
        ("fallbacks: 2", "fallbacks: many", 16, "roles.llm.inference.fallbacks", "expected an integer"),
        (
            "context_min: 64000",
            "context_min: -5",
            12,
            "roles.llm.inference.requires.context_min",
            "at least 0",
        ),
        (
            "[anthropic, openai]",
            "[anthropic, opnai]",
            11,
            "roles.llm.inference.preferences.providers[1]",
            "not listed under providers",
        ),
        (
            "force: {provider: openai",
            "force: {provider: gemini",
            14,
            "roles.llm.inference.force.provider",
            "not listed",
        ),
        ("  openai:    {env_key", "  opnai:    {env_key", 4, "providers.opnai", "did you mean 'openai'"),
        (
            "{env_key: OPENAI_API_KEY}",
            "{env_key: sk-123}",
            4,
            "providers.openai.env_key",
            "never the API key itself",
        ),
        (
            "max_tokens: 2048}",
            "max_tokens: 2048, api_key: x}",
            15,
            "roles.llm.inference.mode_params.api_key",
            "does not belong",
        ),
        (
            "    fallbacks: 2\n",
            "    fallbacks: 2\n    infer: sometimes\n",
            17,
            "roles.llm.inference.infer",
            "true or false",
        ),
        (
            "    fallbacks: 2\n",
            "    fallbacks: 2\n    allow_preview: true\n",
            17,
            "roles.llm.inference.allow_preview",
            "allow_previews",
        ),
    ],
)
def test_problems_name_line_and_field(old: str, new: str, line: int, field: str, fragment: str) -> None:
    assert old in DESIGN_SPEC
    with pytest.raises(SpecError) as info:
        parse_spec_yaml(DESIGN_SPEC.replace(old, new, 1), source="app/llmhub.spec.yaml")
    error = info.value
    assert isinstance(error, LLMHubError)
    assert error.category is ErrorCategory.USAGE
    assert error.source == "app/llmhub.spec.yaml"
    assert str(error).startswith("app/llmhub.spec.yaml:")
    problem = next(p for p in error.problems if p.field == field)
    assert problem.line == line, str(error)
    assert fragment in problem.message


def test_every_problem_is_reported_at_once() -> None:
    broken = DESIGN_SPEC.replace("quality: high", "qualty: high").replace("kind: embedding", "kind: embeding")
    with pytest.raises(SpecError) as info:
        parse_spec_yaml(broken)
    assert len(info.value.problems) == 2


def test_google_hint_and_no_enabled_provider() -> None:
    text = "project: p\nproviders:\n  google: {}\nroles: {}\n"
    with pytest.raises(SpecError) as info:
        parse_spec_yaml(text)
    assert "any-llm calls it 'gemini'" in str(info.value)
    disabled = "project: p\nproviders:\n  openai: {enabled: false}\nroles: {a: {}}\n"
    with pytest.raises(SpecError, match="no enabled provider"):
        parse_spec_yaml(disabled)


def test_block_is_accepted_as_deny_and_null_role_means_defaults() -> None:
    spec = parse_spec_yaml(
        "project: p\nproviders: {openai: }\nroles:\n  a: {block: [openai/gpt-3*]}\n  b:\n"
    ).spec
    assert spec.roles["a"].deny == ["openai/gpt-3*"]
    assert spec.roles["b"].kind is LLMMode.CHAT


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "expected a mapping at the top level"),
        ("project: [unclosed\n", "invalid YAML"),
        ("project: p\nproject: q\nproviders: {}\nroles: {}\n", "duplicate"),
        ("project: p\nproviders: !!python/object/apply:os.system [ls]\nroles: {}\n", "tag"),
        ("project: p\nproviders: {openai: {timeout: !!int abc}}\nroles: {}\n", "is not a valid !!int"),
        ("project: p\nproviders: {openai: {}}\nroles: &r {a: *r}\n", "recursive YAML alias"),
    ],
)
def test_yaml_level_problems(text: str, fragment: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec_yaml(text)
    assert fragment in str(info.value)
    assert "Traceback" not in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="file not found"):
        load_spec(tmp_path / "nope.yaml")


def test_parse_spec_from_dict() -> None:
    spec = parse_spec({"project": "p", "providers": {"openai": {}}, "roles": {"a": {"kind": "embedding"}}})
    assert spec.roles["a"].kind is LLMMode.EMBEDDING
    with pytest.raises(SpecError) as info:
        parse_spec({"project": "p", "providers": {"openai": {}}, "roles": {"a": {"knd": "chat"}}})
    assert info.value.problems[0].line is None
    assert info.value.problems[0].field == "roles.a.knd"


def test_json_schema_export() -> None:
    schema = spec_json_schema()
    json.dumps(schema)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["required"]) >= {"project", "providers", "roles"}
    role = schema["$defs"]["RoleSpec"]
    assert role["additionalProperties"] is False
    assert "^x-" in role["patternProperties"]
    assert schema["$defs"]["Level"]["enum"] == ["low", "medium", "high"]


def test_infer_and_allow_previews_are_role_keys() -> None:
    spec = parse_spec_yaml(
        DESIGN_SPEC.replace(
            "    fallbacks: 2\n", "    fallbacks: 2\n    infer: false\n    allow_previews: true\n", 1
        )
    ).spec
    role = spec.roles["llm.inference"]
    assert role.infer is False
    assert role.allow_previews is True
    assert spec.roles["llm.embedding"].infer is True
    schema = json.dumps(spec_json_schema())
    assert '"infer"' in schema
    assert '"allow_previews"' in schema
    assert '"multilingual"' in schema
