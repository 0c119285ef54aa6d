"""Fuzzing the runtime loader with whole files: random edits of a valid llmhub.yaml, in random
encodings, read from disk. Whatever the bytes, the outcome is a config or a ``ConfigError`` naming
the file; any other exception (``UnicodeDecodeError``, ``RecursionError``...) fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from llmhub_runtime import ConfigError, RuntimeConfig, load_runtime_config
from yaml_fuzz import assert_clean, mutated_file

SETTINGS = settings(
    max_examples=int(os.environ.get("LLMHUB_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VALID = """\
project: fuzz
env: dev
providers:
  openai: {env_key: OPENAI_API_KEY, timeout: 30}
  llamacpp:
    api_base: "http://127.0.0.1:8080/v1"
roles:
  llm.inference:
    provider: openai
    model: gpt-4.1
    mode: chat
    params: {temperature: 0.2, max_tokens: 100}
    fallbacks:
      - {provider: llamacpp, model: local, params: {}}
  llm.embedding: {provider: openai, model: text-embedding-3-small, mode: embedding}
defaults: {provider: openai, model: gpt-4.1-mini, mode: chat}
meta: {generator: fuzz}
"""


def test_the_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_text(VALID)
    assert set(load_runtime_config(path).roles) == {"llm.inference", "llm.embedding"}


@SETTINGS
@given(raw=mutated_file(VALID))
def test_edited_llmhub_yaml_loads_or_is_a_config_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_bytes(raw)
    try:
        config = load_runtime_config(path)
    except Exception as error:
        assert_clean(error, path, ConfigError)
    else:
        assert isinstance(config, RuntimeConfig)
