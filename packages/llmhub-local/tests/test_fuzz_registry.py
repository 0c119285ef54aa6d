"""Fuzzing the local models registry: random edits of a valid registry file in random encodings.
The outcome is a registry or a ``RegistryError`` naming the file; any other exception fails.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from llmhub_local.errors import RegistryError
from llmhub_local.serving.registry import Registry, load_registry
from yaml_fuzz import assert_clean, mutated_file

SETTINGS = settings(
    max_examples=int(os.environ.get("LLMHUB_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VALID = """\
models:
  my-chat:
    base_model: smollm2-135m-instruct
    model_type: instruct
    port: 10500
    backend: llama.cpp
    env_key: llamacpp-cpu
    system_prompt: "You are brief."
    params: {context_length: 2048, threads: 2, temperature: 0.2}
  my-embedder:
    base_model: all-minilm-l6-v2
    model_type: embedding
"""


def test_the_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(VALID)
    registry = load_registry(path)
    assert registry.get("my-chat").base_model == "smollm2-135m-instruct"


@SETTINGS
@given(raw=mutated_file(VALID))
def test_edited_registry_loads_or_is_a_registry_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "models.yaml"
    path.write_bytes(raw)
    try:
        registry = load_registry(path)
    except Exception as error:
        assert_clean(error, path, RegistryError)
    else:
        assert isinstance(registry, Registry)
