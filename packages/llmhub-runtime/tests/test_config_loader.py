"""config_loader: reading files and strings, validating dicts, and the shape of ConfigError."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest

from llmhub_runtime import (
    ConfigError,
    ConfigProblem,
    LLMMode,
    RuntimeConfig,
    load_runtime_config,
    parse_runtime_config,
    parse_runtime_yaml,
)
from llmhub_runtime.config_loader import format_field_path, supported_provider_ids

VALID = """\
project: memory
env: dev
providers:
  openai: {env_key: OPENAI_API_KEY}
roles:
  llm.inference: {provider: openai, model: gpt-4.1, mode: chat}
"""


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "project": "memory",
        "env": "dev",
        "providers": {"openai": {"env_key": "OPENAI_API_KEY"}, "anthropic": {}},
        "roles": {
            "llm.inference": {
                "provider": "openai",
                "model": "gpt-4.1",
                "mode": "chat",
                "params": {"temperature": 0.7},
                "fallbacks": [{"provider": "anthropic", "model": "claude-sonnet-4-5"}],
            },
        },
    }
    data.update(changes)
    return data


# --------------------------------------------------------------------------- files


def test_load_accepts_str_and_pathlike(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert load_runtime_config(path) == load_runtime_config(str(path))
    assert isinstance(load_runtime_config(path), RuntimeConfig)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "llmhub.yaml"
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)
    assert str(info.value) == f"{path}: file not found"
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory, not a file"):
        load_runtime_config(tmp_path)


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_text(VALID, encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ConfigError, match="permission denied"):
        load_runtime_config(path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode())
    assert load_runtime_config(path).project == "memory"


def test_windows_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_bytes(VALID.replace("\n", "\r\n").encode() + b"  llm.x: {provider: openai, mode: chatt}\r\n")
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)
    assert info.value.line == 7


def test_non_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_bytes(VALID.encode() + b"# caf\xe9\n")
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)
    assert info.value.line == 7
    assert "not valid UTF-8" in str(info.value)


# --------------------------------------------------------------------------- strings


def test_parse_yaml_default_source_name() -> None:
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(VALID.replace("mode: chat", "mode: chatt"))
    assert str(info.value) == (
        "<string>:6 roles.llm.inference.mode: "
        "'chatt' is not one of chat, embedding, image, audio, tool, other"
    )
    assert info.value.problems[0].column == 53  # the key of the bad value


def test_parse_yaml_custom_source_name() -> None:
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml("project: [", source="deploy/llmhub.yaml")
    assert str(info.value).startswith("deploy/llmhub.yaml:1: invalid YAML")


def test_every_problem_is_reported_once_per_line() -> None:
    text = """\
project: memory
env: dev
providers:
  openai: {}
roles:
  a: {provider: mistral, model: m, mode: chat}
  b: {provider: openai, model: m, mode: chat, fallbacks: [{provider: cohere, model: c}]}
defaults: {provider: groq, model: g, mode: chat}
"""
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(text, source="f.yaml")
    assert [(p.field, p.line) for p in info.value.problems] == [
        ("roles.a.provider", 6),
        ("roles.b.fallbacks[0].provider", 7),
        ("defaults.provider", 8),
    ]
    assert str(info.value).splitlines()[1] == (
        "f.yaml:7 roles.b.fallbacks[0].provider: role 'b' (fallback 1) uses provider 'cohere', "
        "which is not listed under providers (listed: openai)"
    )


def test_several_schema_problems_are_all_listed() -> None:
    text = VALID + "  llm.embedding: {provider: openai, modle: x, mode: embeding}\nversion: 2\n"
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(text, source="f.yaml")
    fields = [p.field for p in info.value.problems]
    assert fields == [
        "roles.llm.embedding.model",
        "roles.llm.embedding.mode",
        "roles.llm.embedding.modle",
        "version",
    ]
    assert all(p.line is not None for p in info.value.problems)


def test_unknown_key_suggestion_skips_keys_already_present() -> None:
    # 'modle' is closest to 'mode', but 'mode' is already set, so the typo is of 'model'.
    text = VALID + "  llm.embedding: {provider: openai, modle: x, mode: embedding}\n"
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(text)
    assert "unknown key 'modle' (did you mean 'model'?)" in str(info.value)
    text = VALID + "  llm.embedding: {provider: openai, model: x, modle: embedding}\n"
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(text)
    assert "unknown key 'modle' (did you mean 'mode'?)" in str(info.value)


def test_check_provider_ids_can_be_disabled() -> None:
    text = VALID.replace("openai", "my-gateway")
    with pytest.raises(ConfigError, match="'my-gateway' is not a provider id known to any-llm"):
        parse_runtime_yaml(text)
    config = parse_runtime_yaml(text, check_provider_ids=False)
    assert list(config.providers) == ["my-gateway"]


def test_supported_provider_ids_come_from_any_llm() -> None:
    ids = supported_provider_ids()
    assert {"openai", "anthropic", "llamacpp", "gemini"} <= ids
    assert "google" not in ids


def test_yaml_conveniences_are_plain_data() -> None:
    text = """\
x-base: &base {provider: openai, mode: chat, params: {temperature: 0.5}}
project: !!str 2024
env: 2024-06-01
providers:
  openai: {max_retries: 0x3, timeout: 1_000}
roles:
  a:
    <<: *base
    model: gpt-4.1
  b: {<<: *base, model: gpt-4.1-mini, params: {max_tokens: 0o17}}
"""
    config = parse_runtime_yaml(text)
    assert config.project == "2024"
    assert config.env == "2024-06-01"
    assert (config.providers["openai"].max_retries, config.providers["openai"].timeout) == (3, 1000.0)
    assert config.roles["a"].params == {"temperature": 0.5}
    assert config.roles["b"].params == {"max_tokens": 15}
    assert config.roles["b"].mode is LLMMode.CHAT
    for value in (config.roles["a"].params["temperature"], config.roles["b"].params["max_tokens"]):
        assert type(value) in (int, float)  # ruamel's formatting-preserving subclasses are gone


def test_comments_only_is_empty() -> None:
    with pytest.raises(ConfigError, match="the file is empty"):
        parse_runtime_yaml("# nothing here\n\n")
    with pytest.raises(ConfigError, match="the file is empty"):
        parse_runtime_yaml("")


def test_deep_nesting_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="nesting is too deep"):
        parse_runtime_yaml("meta: " + "[" * 20000 + "]" * 20000 + "\n")


def test_alias_bomb_is_refused_even_in_meta() -> None:
    # meta is ignored by the runtime, but other tools (diff, --check, show) walk it.
    lines = ["meta:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    previous = "a"
    for name in "bcdefghij":
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
        previous = name
    text = VALID + "\n".join(lines) + "\n"
    with pytest.raises(ConfigError, match="YAML aliases expand this document") as info:
        parse_runtime_yaml(text)
    assert info.value.field == "meta"
    assert info.value.line == text.splitlines().index("meta:") + 1


def test_aliases_below_the_expansion_limit_load() -> None:
    lines = ["meta:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    previous = "a"
    for name in "bcd":  # 10**4 leaves: well under the limit
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
        previous = name
    config = parse_runtime_yaml(VALID + "\n".join(lines) + "\n")
    assert config.meta is not None
    assert len(config.meta["d"]) == 10


def test_shared_anchor_stays_shared_and_is_not_recursion() -> None:
    text = VALID + "  llm.b: {provider: openai, model: m, mode: chat, params: &p {top_p: 0.9}}\n"
    text += "  llm.c: {provider: openai, model: m, mode: chat, params: *p}\n"
    config = parse_runtime_yaml(text)
    assert config.roles["llm.b"].params == config.roles["llm.c"].params == {"top_p": 0.9}


def test_tagged_key_and_bool_key() -> None:
    assert (
        "x" in parse_runtime_yaml(VALID + "  ? !!str x\n  : {provider: openai, model: m, mode: chat}\n").roles
    )
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(VALID + "  true: {provider: openai, model: m, mode: chat}\n")
    assert (info.value.field, info.value.line) == ("roles.True", 7)
    assert "expected a string as key, got a boolean (True)" in str(info.value)


def test_null_key() -> None:
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(VALID + "  ~: {provider: openai, model: m, mode: chat}\n")
    assert info.value.field == "roles"
    assert "mapping key must be a plain scalar, got nothing (null)" in str(info.value)


def test_control_character_names_line_and_column() -> None:
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(VALID + "env2: a\x07b\n", source="f.yaml")
    problem = info.value.problems[0]
    assert (problem.line, problem.column) == (7, 8)
    assert (
        str(info.value)
        == "f.yaml:7: invalid YAML: unacceptable character #x0007: special characters are not allowed"
    )


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/tuple [1, 2]",
        "!!python/object:os.environ {}",
        "!!python/name:os.system",
        "!secret openai",
        "!!pairs [a: 1]",
    ],
)
def test_tags_are_rejected_where_they_are(tagged: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_runtime_yaml(VALID + f"meta: {{note: {tagged} }}\n")
    assert info.value.field.startswith("meta.note")
    assert info.value.line == 7
    assert "is not supported" in str(info.value) or "unsupported YAML value" in str(info.value)


# --------------------------------------------------------------------------- in-memory data


def test_parse_dict() -> None:
    config = parse_runtime_config(_data())
    assert config.roles["llm.inference"].fallbacks[0].model == "claude-sonnet-4-5"
    assert config.roles["llm.inference"].mode is LLMMode.CHAT


def test_parse_dict_errors_have_no_line() -> None:
    data = _data()
    data["roles"]["llm.inference"]["mode"] = "chatt"
    with pytest.raises(ConfigError) as info:
        parse_runtime_config(data)
    assert info.value.line is None
    assert str(info.value) == (
        "<config> roles.llm.inference.mode: 'chatt' is not one of chat, embedding, image, audio, tool, other"
    )
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_parse_dict_with_source_name() -> None:
    with pytest.raises(ConfigError) as info:
        parse_runtime_config(_data(parms={}), source="settings")
    assert str(info.value) == (
        "settings parms: unknown key 'parms'"
        " (allowed: project, env, providers, roles, defaults, resilience, meta)"
    )


def test_parse_dict_reference_problems() -> None:
    data = _data(providers={"openai": {}})
    with pytest.raises(ConfigError) as info:
        parse_runtime_config(data)
    assert info.value.field == "roles.llm.inference.fallbacks[0].provider"
    assert info.value.line is None


@pytest.mark.parametrize("value", [None, [], "project: x", 3, ("a", 1)])
def test_parse_dict_rejects_non_mapping(value: Any) -> None:
    with pytest.raises(ConfigError, match="expected a mapping at the top level"):
        parse_runtime_config(value)


def test_parse_dict_x_keys_and_null_provider() -> None:
    config = parse_runtime_config(_data(**{"x-team": "ml"}, providers={"openai": None, "anthropic": None}))
    assert config.providers["openai"].env_key is None


def test_parse_dict_does_not_modify_input() -> None:
    data = _data(providers={"openai": None, "anthropic": {"x-a": 1}})
    before = repr(data)
    parse_runtime_config(data)
    assert repr(data) == before


# --------------------------------------------------------------------------- error objects


def test_config_problem_render() -> None:
    assert ConfigProblem("a.b", "bad", 3, 4).render("f.yaml") == "f.yaml:3 a.b: bad"
    assert ConfigProblem("a.b", "bad").render("f.yaml") == "f.yaml a.b: bad"
    assert ConfigProblem("", "bad", 3).render("f.yaml") == "f.yaml:3: bad"
    assert ConfigProblem("", "bad").render(None) == "<config>: bad"


def test_config_error_needs_a_problem() -> None:
    with pytest.raises(ValueError, match="at least one problem"):
        ConfigError([])


def test_config_error_properties() -> None:
    error = ConfigError([ConfigProblem("roles", "x", 2), ConfigProblem("env", "y", 5)], "f.yaml")
    assert (error.line, error.field, error.source) == (2, "roles", "f.yaml")
    assert str(error) == "f.yaml:2 roles: x\nf.yaml:5 env: y"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), ""),
        (("roles",), "roles"),
        (("roles", "llm.inference", "fallbacks", 0, "provider"), "roles.llm.inference.fallbacks[0].provider"),
        (("meta", "loop", 1), "meta.loop[1]"),
        ((0,), "[0]"),
    ],
)
def test_format_field_path(path: tuple[str | int, ...], text: str) -> None:
    assert format_field_path(path) == text
