"""JSON Schema for ``llmhub.yaml``, for editors and other validators.

Point an editor at it (for example with a ``# yaml-language-server: $schema=...`` comment) to get
completion and validation while reading a generated file.
"""

from __future__ import annotations

import json
from typing import Any

from llmhub_runtime.models import RuntimeConfig

__all__ = ["SCHEMA_ID", "allow_extension_keys", "runtime_json_schema", "runtime_json_schema_text"]

SCHEMA_ID = "https://llmhub.dev/schemas/llmhub.yaml.json"


def runtime_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``llmhub.yaml``.

    Objects reject unknown keys except those starting with ``x-``, as the loader does.
    """
    schema = RuntimeConfig.model_json_schema(mode="validation")
    allow_extension_keys(schema)
    # ``openai:`` with nothing under it is a provider without settings (the loader reads it as {}).
    providers = schema["properties"]["providers"]
    providers["additionalProperties"] = {"anyOf": [providers["additionalProperties"], {"type": "null"}]}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "llmhub.yaml (generated runtime configuration)",
        **schema,
    }


def runtime_json_schema_text() -> str:
    """The schema as indented JSON text, with keys in a stable order."""
    return json.dumps(runtime_json_schema(), indent=2, sort_keys=True) + "\n"


def allow_extension_keys(node: Any) -> None:
    """Let every closed object of a JSON Schema accept ``x-`` keys (in place)."""
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            node.setdefault("patternProperties", {})["^x-"] = {}
        for value in node.values():
            allow_extension_keys(value)
    elif isinstance(node, list):
        for value in node:
            allow_extension_keys(value)
