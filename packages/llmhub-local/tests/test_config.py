"""ModelConfig validation: defaults, the seed's dict shape, and one clear message per bad field."""

from __future__ import annotations

import pytest

from llmhub_local import BackendType, DeviceType, LLMConfigError, ModelConfig, QuantizationType


def test_defaults_and_alias() -> None:
    config = ModelConfig.parse({"model_path": "/m.gguf"})
    assert config.model == "/m.gguf"
    assert config.backend is None
    assert config.device is DeviceType.AUTO
    assert config.stop == ()
    assert config.quantization is QuantizationType.NONE


def test_seed_shaped_mapping() -> None:
    config = ModelConfig.parse(
        {"llm": {"backend": "llama.cpp", "model_path": "/m.gguf", "temperature": 0.8, "max_tokens": 1000}}
    )
    assert config.backend is BackendType.LLAMA_CPP
    assert config.temperature == 0.8
    assert config.max_tokens == 1000


@pytest.mark.parametrize("spelling", ["llama.cpp", "llama_cpp", "LlamaCpp", "llama-cpp", "gguf"])
def test_backend_spellings(spelling: str) -> None:
    assert ModelConfig.parse({"model": "m", "backend": spelling}).backend is BackendType.LLAMA_CPP


def test_stop_string_becomes_tuple() -> None:
    assert ModelConfig.parse({"model": "m", "stop": "\n"}).stop == ("\n",)


def test_unknown_field_names_its_path() -> None:
    with pytest.raises(LLMConfigError, match=r"llm\.temprature: unknown field"):
        ModelConfig.parse({"llm": {"model": "m", "temprature": 0.5}})


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("temperature", -0.1, "temperature: Input should be greater than or equal to 0"),
        ("temperature", 2.5, "temperature: Input should be less than or equal to 2"),
        ("top_p", 0, "top_p: Input should be greater than 0"),
        ("max_tokens", 0, "max_tokens: Input should be greater than or equal to 1"),
        ("context_length", 8, "context_length: Input should be greater than or equal to 16"),
        ("threads", 0, "threads: Input should be greater than or equal to 1"),
        ("device", "tpu", "device: Input should be 'auto', 'cpu', 'cuda' or 'mps'"),
        ("stop", ["ok", ""], "stop: stop sequences must be non-empty strings"),
        ("model", "", "model: String should have at least 1 character"),
    ],
)
def test_out_of_range_values(field: str, value: object, fragment: str) -> None:
    with pytest.raises(LLMConfigError) as info:
        ModelConfig.parse({"model": "m", field: value})
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_model() -> None:
    with pytest.raises(LLMConfigError, match="model: field required"):
        ModelConfig.parse({"backend": "llama.cpp"})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(LLMConfigError) as info:
        ModelConfig.parse({"model": "m", "temperature": 9, "top_k": -1, "colour": "red"})
    message = str(info.value)
    assert "temperature" in message
    assert "top_k" in message
    assert "colour: unknown field" in message


def test_not_a_mapping() -> None:
    with pytest.raises(LLMConfigError, match="must be a mapping"):
        ModelConfig.parse(["model"])  # type: ignore[arg-type]
    with pytest.raises(LLMConfigError, match="llm: must be a mapping"):
        ModelConfig.parse({"llm": "x"})


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"quantization": "4bit"}, "quantization applies to the transformers backend only"),
        ({"static_cache": True}, "static_cache applies to the transformers backend only"),
        ({"gguf_file": "m.gguf"}, "gguf_file applies to the transformers backend"),
    ],
)
def test_llama_cpp_rejects_transformers_options(extra: dict[str, object], fragment: str) -> None:
    with pytest.raises(LLMConfigError, match=fragment):
        ModelConfig.parse({"model": "m.gguf", "backend": "llama.cpp", **extra})


def test_transformers_rejects_embedding_mode() -> None:
    with pytest.raises(LLMConfigError, match=r"embedding mode applies to llama\.cpp"):
        ModelConfig.parse({"model": "m", "backend": "transformers", "embedding": True})


def test_backend_options_cannot_shadow_typed_fields() -> None:
    with pytest.raises(LLMConfigError, match="n_ctx must be set through the typed ModelConfig fields"):
        ModelConfig.parse({"model": "m", "backend_options": {"n_ctx": 4096}})
    ok = ModelConfig.parse({"model": "m", "backend_options": {"use_mlock": True}})
    assert ok.backend_options == {"use_mlock": True}


def test_config_is_frozen_and_overrides_are_validated() -> None:
    config = ModelConfig.parse({"model": "m", "temperature": 0.2})
    with pytest.raises(ValueError, match="frozen"):
        config.temperature = 1.0  # type: ignore[misc]
    assert config.with_overrides(temperature=0.0).temperature == 0.0
    with pytest.raises(LLMConfigError, match="temperature"):
        config.with_overrides(temperature=-1)
