"""The models registry file: defaults, entries, and line-accurate errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhub_local.errors import RegistryError, UnknownModelError
from llmhub_local.runners.config import BackendType
from llmhub_local.serving.registry import load_registry
from llmhub_runtime.errors import LLMHubError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "models.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    registry = load_registry(default_path=tmp_path / "absent.yaml")
    assert "smollm2-135m-instruct" in registry
    assert registry.canonical_id("smollm2") == "smollm2-135m-instruct"
    assert registry.get("all-minilm-l6-v2").model_type == "embedding"
    assert registry.get("gemma3-270m").kind == "completion"
    with pytest.raises(UnknownModelError):
        registry.get("nope")


def test_seed_fields_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
models:
  my_model:
    base_model: smollm2-135m-instruct
    adapter_dir: null
    model_type: instruct
    port: 10500
    use_4bit: false
    system_prompt: "Be brief."
    params: {context_length: 4096, temperature: 0.2}
""",
    )
    registry = load_registry(path)
    entry = registry.get("my_model")
    assert entry.port == 10500
    config = entry.model_config_for()
    assert config.context_length == 4096
    assert config.system_prompt == "Be brief."
    assert config.backend is None
    assert registry.source == str(path)
    assert "smollm2-135m-instruct" in registry  # defaults stay


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("models:\n  m:\n    base_model: x.gguf\n    prot: 1\n", 4, "models.m.prot", "did you mean 'port'"),
        ("models:\n  m:\n    base_model: x.gguf\n    port: 99999\n", 4, "models.m.port", "at most 65535"),
        ("models:\n  m:\n    model_type: instruct\n", 2, "models.m.base_model", "missing"),
        (
            "models:\n  m:\n    base_model: x.gguf\n    model_type: chatty\n",
            4,
            "models.m.model_type",
            "not one of",
        ),
        (
            "models:\n  m:\n    base_model: x.gguf\n    adapter_dir: /a\n",
            4,
            "models.m.adapter_dir",
            "not supported",
        ),
        (
            "models:\n  m:\n    base_model: x.gguf\n    use_4bit: true\n",
            4,
            "models.m.use_4bit",
            "transformers",
        ),
        (
            "models:\n  m:\n    base_model: x.gguf\n    params: {temprature: 1}\n",
            4,
            "models.m.params",
            "temprature",
        ),
        ("models:\n  'bad id!':\n    base_model: x.gguf\n", 2, "models.bad id!", "model id"),
        ("models:\n  m: [unclosed\n", None, "", "invalid YAML"),
    ],
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, text: str, line: int | None, field: str, words: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    error = info.value
    assert isinstance(error, LLMHubError)
    assert error.is_usage_error
    assert error.source == str(path)
    assert words in str(error)
    assert str(path) in str(error)
    if line is not None:
        assert error.line == line
        assert error.field == field
        assert f"{path}:{line} {field}:" in str(error)


def test_explicit_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="file not found"):
        load_registry(tmp_path / "missing.yaml")


def test_gguf_embedding_entry_loads_in_embedding_mode(tmp_path: Path) -> None:
    path = write(tmp_path, "models:\n  e:\n    base_model: x.gguf\n    model_type: embedding\n")
    config = load_registry(path).get("e").model_config_for()
    assert config.embedding is True
    assert load_registry(path).get("smollm2").backend is BackendType.LLAMA_CPP


@pytest.mark.parametrize("key", ["../../victim", "/abs/path", "a..b", "Upper"])
def test_env_keys_in_the_registry_are_plain_names(tmp_path: Path, key: str) -> None:
    path = write(tmp_path, f"models:\n  m:\n    base_model: smollm2-135m-instruct\n    env_key: {key!r}\n")
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert "models.m.env_key" in str(info.value)
    assert "invalid environment key" in str(info.value)
