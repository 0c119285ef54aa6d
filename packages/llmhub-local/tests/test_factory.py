"""LLMRunnerFactory: dispatch, backend inference, unknown backends and the missing-extra path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fake_runner import FakeRunner
from llmhub_local import (
    BackendType,
    LlamaCppRunner,
    LLMConfigError,
    LLMRunnerFactory,
    MissingDependencyError,
    ModelConfig,
    TransformersRunner,
)


@pytest.fixture
def gguf_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF-not-really")
    return path


def test_runner_class_per_backend() -> None:
    assert LLMRunnerFactory.runner_class(BackendType.LLAMA_CPP) is LlamaCppRunner
    assert LLMRunnerFactory.runner_class(BackendType.TRANSFORMERS) is TransformersRunner


def test_create_runner_dispatches_on_backend(monkeypatch: pytest.MonkeyPatch, gguf_file: Path) -> None:
    seen: list[BackendType] = []

    def fake_class(backend: BackendType) -> type[FakeRunner]:
        seen.append(backend)
        return FakeRunner

    monkeypatch.setattr(LLMRunnerFactory, "runner_class", staticmethod(fake_class))
    runner = LLMRunnerFactory.create_runner({"llm": {"backend": "llama.cpp", "model_path": str(gguf_file)}})
    assert isinstance(runner, FakeRunner)
    assert runner.is_loaded
    assert seen == [BackendType.LLAMA_CPP]
    typed = LLMRunnerFactory.create_runner(ModelConfig(model=str(gguf_file)), load=False)
    assert not typed.is_loaded
    assert typed.config.backend is BackendType.LLAMA_CPP  # inferred from the .gguf suffix


def test_backend_inferred_from_model(tmp_path: Path, gguf_file: Path) -> None:
    assert LLMRunnerFactory.parse_config({"model": str(gguf_file)}).backend is BackendType.LLAMA_CPP
    assert LLMRunnerFactory.parse_config({"model": str(tmp_path)}).backend is BackendType.TRANSFORMERS
    other = tmp_path / "weights.bin"
    other.write_bytes(b"")
    with pytest.raises(LLMConfigError, match="cannot tell which backend runs"):
        LLMRunnerFactory.parse_config({"model": str(other)})


def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(
        LLMConfigError, match=r"unknown backend 'vllm'; choose one of 'llama.cpp', 'transformers'"
    ):
        LLMRunnerFactory.create_runner({"llm": {"backend": "vllm", "model_path": "/m"}})


def test_invalid_config_is_reported_before_anything_loads() -> None:
    with pytest.raises(LLMConfigError, match="temperature"):
        LLMRunnerFactory.create_runner({"backend": "llama.cpp", "model": "/m.gguf", "temperature": 7})


@pytest.mark.parametrize(
    ("backend", "module", "extra"),
    [("llama.cpp", "llama_cpp", "gguf"), ("transformers", "torch", "transformers")],
)
def test_missing_extra_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch, gguf_file: Path, backend: str, module: str, extra: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(MissingDependencyError) as info:
        LLMRunnerFactory.create_runner({"backend": backend, "model": str(gguf_file)}, load=False)
    assert f'pip install "llmhub-local[{extra}]"' in str(info.value)
    assert info.value.extra == extra
    assert isinstance(info.value, ImportError)
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_runner_rejects_a_config_for_another_backend(gguf_file: Path) -> None:
    with pytest.raises(LLMConfigError, match=r"use LLMRunnerFactory\.create_runner"):
        FakeRunner({"model": str(gguf_file), "backend": "transformers"}, load=False)
