"""schema: the JSON Schema of llmhub.yaml agrees with the loader.

The ``jsonschema`` package is not a dependency; when it is importable the good fixtures are also
validated with it. Otherwise (and in addition) a small validator for the keywords the schema uses
checks the same thing, and fails on any keyword it does not know so that it cannot pass silently.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from llmhub_runtime import LLMMode, runtime_json_schema
from llmhub_runtime.schema import SCHEMA_ID, runtime_json_schema_text

FIXTURES = Path(__file__).parent / "fixtures"
GOOD = sorted((FIXTURES / "good").glob("*.yaml"))

#: Bad fixtures whose mistake a JSON Schema can express (shape, types, enums, unknown keys).
SCHEMA_DETECTABLE = [
    "empty_model_string",
    "empty_provider_string",
    "env_is_number",
    "fallback_entry_is_string",
    "fallbacks_not_list",
    "invalid_mode",
    "invalid_mode_in_defaults",
    "max_retries_negative",
    "missing_env",
    "missing_project",
    "missing_providers",
    "missing_roles",
    "params_is_string",
    "providers_is_list",
    "role_is_null",
    "role_missing_mode",
    "role_missing_model",
    "roles_is_list",
    "timeout_negative",
    "timeout_with_unit",
    "top_level_list",
    "unknown_key_env_keys",
    "unknown_key_fallback",
    "unknown_key_in_defaults",
    "unknown_key_in_fallback",
    "unknown_key_modle",
    "unknown_key_no_suggestion",
    "unknown_key_parms",
    "unknown_key_top_level",
]

ANNOTATIONS = {"title", "description", "default", "$schema", "$id"}


def _plain(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def _errors(instance: Any, schema: dict[str, Any], root: dict[str, Any], where: str = "$") -> list[str]:
    """Validate against the subset of draft 2020-12 that pydantic emits (strict about keywords)."""
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        return _errors(instance, root["$defs"][ref.removeprefix("#/$defs/")], root, where)
    known = ANNOTATIONS | {
        "$defs",
        "anyOf",
        "type",
        "enum",
        "required",
        "properties",
        "additionalProperties",
        "patternProperties",
        "items",
        "minLength",
        "minimum",
        "exclusiveMinimum",
    }
    unknown = set(schema) - known
    assert not unknown, f"validator does not support {unknown}"
    errors: list[str] = []
    options = schema.get("anyOf", [])
    if options and all(_errors(instance, option, root, where) for option in options):
        errors.append(f"{where}: matches no anyOf option")
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind is not None and not checks[kind](instance):
        return [*errors, f"{where}: not of type {kind}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{where}: not in enum")
    if isinstance(instance, str) and len(instance) < schema.get("minLength", 0):
        errors.append(f"{where}: too short")
    if isinstance(instance, (int, float)):
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{where}: below minimum")
        if "exclusiveMinimum" in schema and instance <= schema["exclusiveMinimum"]:
            errors.append(f"{where}: not above exclusiveMinimum")
    if isinstance(instance, list) and "items" in schema:
        for i, item in enumerate(instance):
            errors += _errors(item, schema["items"], root, f"{where}[{i}]")
    if isinstance(instance, dict):
        errors += [f"{where}: missing {key}" for key in schema.get("required", []) if key not in instance]
        properties = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        for key, value in instance.items():
            if key in properties:
                errors += _errors(value, properties[key], root, f"{where}.{key}")
                continue
            matched = [p for p in patterns if re.search(p, str(key))]
            for pattern in matched:
                errors += _errors(value, patterns[pattern], root, f"{where}.{key}")
            if matched:
                continue
            extra = schema.get("additionalProperties", True)
            if extra is False:
                errors.append(f"{where}: unknown key {key}")
            elif isinstance(extra, dict):
                errors += _errors(value, extra, root, f"{where}.{key}")
    return errors


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return runtime_json_schema()


def test_schema_header(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    assert schema["type"] == "object"
    assert schema["required"] == ["project", "env", "providers", "roles"]
    assert set(schema["properties"]) == {
        "project",
        "env",
        "providers",
        "roles",
        "defaults",
        "resilience",
        "meta",
    }


def test_schema_mode_enum(schema: dict[str, Any]) -> None:
    assert schema["$defs"]["LLMMode"]["enum"] == [m.value for m in LLMMode]
    assert schema["$defs"]["RoleConfig"]["properties"]["mode"] == {"$ref": "#/$defs/LLMMode"}


def test_schema_required_fields(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    assert defs["RoleConfig"]["required"] == ["provider", "model", "mode"]
    assert defs["RoleDefaultsConfig"]["required"] == ["provider", "model", "mode"]
    assert defs["FallbackConfig"]["required"] == ["provider", "model"]
    assert "required" not in defs["ProviderConfig"]


def test_every_closed_object_allows_x_keys(schema: dict[str, Any]) -> None:
    closed = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("additionalProperties") is False:
                closed.append(node.get("title"))
                assert node["patternProperties"] == {"^x-": {}}
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert sorted(closed) == [
        "CircuitBreakerConfig",
        "FallbackConfig",
        "Prices",
        "ProviderConfig",
        "ResilienceConfig",
        "RoleConfig",
        "RoleDefaultsConfig",
        "RuntimeConfig",
    ]


def test_schema_text_is_stable_json(schema: dict[str, Any]) -> None:
    text = runtime_json_schema_text()
    assert text.endswith("}\n")
    assert json.loads(text) == schema
    assert runtime_json_schema_text() == text


def test_schema_is_a_fresh_copy() -> None:
    first = runtime_json_schema()
    first["required"].append("mutated")
    assert "mutated" not in runtime_json_schema()["required"]


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_fixtures_match_the_schema(path: Path, schema: dict[str, Any]) -> None:
    assert _errors(_plain(path), schema, schema) == []


@pytest.mark.parametrize("name", SCHEMA_DETECTABLE)
def test_schema_rejects_what_the_loader_rejects(name: str, schema: dict[str, Any]) -> None:
    assert _errors(_plain(FIXTURES / "bad" / f"{name}.yaml"), schema, schema) != []


def test_good_fixtures_with_jsonschema_when_available(schema: dict[str, Any]) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    for path in GOOD:
        assert list(validator.iter_errors(_plain(path))) == [], path.name
    for name in SCHEMA_DETECTABLE:
        assert list(validator.iter_errors(_plain(FIXTURES / "bad" / f"{name}.yaml"))), name


def test_schema_has_the_resilience_and_target_fields(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    for name in ("RoleConfig", "FallbackConfig", "RoleDefaultsConfig"):
        assert {"context_window", "prices"} <= set(defs[name]["properties"])
    assert {"stream_policy", "first_token_timeout", "stream_idle_timeout"} <= set(
        defs["RoleConfig"]["properties"]
    )
    resilience = defs["ResilienceConfig"]["properties"]
    assert resilience["stream_policy"]["enum"] == ["raise", "restart"]
    assert resilience["stream_policy"]["default"] == "raise"
    assert {"circuit_breaker", "max_retries", "max_retry_after", "backoff_base"} <= set(resilience)
    assert set(defs["Prices"]["properties"]) == {"input", "output", "cache_read"}
