"""Device resolution: pure logic, and the probes against stand-ins for torch and llama_cpp."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from llmhub_local import BackendType, DeviceType, LLMInitializationError, choose_device
from llmhub_local.runners.devices import llama_cpp_devices, resolve_device, torch_devices

CPU, CUDA, MPS, AUTO = DeviceType.CPU, DeviceType.CUDA, DeviceType.MPS, DeviceType.AUTO


@pytest.mark.parametrize(
    ("available", "expected"),
    [
        (frozenset(), CPU),
        (frozenset({CPU}), CPU),
        (frozenset({CPU, MPS}), MPS),
        (frozenset({CPU, CUDA}), CUDA),
        (frozenset({CPU, CUDA, MPS}), CUDA),
    ],
)
def test_auto_prefers_accelerators(available: frozenset[DeviceType], expected: DeviceType) -> None:
    assert choose_device(AUTO, available, backend=BackendType.TRANSFORMERS) is expected


def test_explicit_cpu_always_works() -> None:
    assert choose_device(CPU, frozenset({CUDA}), backend=BackendType.LLAMA_CPP) is CPU


def test_explicit_unavailable_device_is_a_clear_error() -> None:
    with pytest.raises(
        LLMInitializationError, match=r"device 'cuda' was requested but transformers reports only: cpu"
    ):
        choose_device(CUDA, frozenset({CPU}), backend=BackendType.TRANSFORMERS)
    with pytest.raises(LLMInitializationError, match="GGML_CUDA=on"):
        choose_device(CUDA, frozenset({CPU}), backend=BackendType.LLAMA_CPP)


def _torch(cuda: bool, mps: bool) -> SimpleNamespace:
    return SimpleNamespace(
        cuda=SimpleNamespace(is_available=lambda: cuda),
        backends=SimpleNamespace(mps=SimpleNamespace(is_available=lambda: mps)),
    )


def test_torch_probe() -> None:
    assert torch_devices(_torch(False, False)) == {CPU}
    assert torch_devices(_torch(True, False)) == {CPU, CUDA}
    assert torch_devices(_torch(False, True)) == {CPU, MPS}
    assert resolve_device(AUTO, BackendType.TRANSFORMERS, _torch(True, True)) is CUDA


def test_llama_cpp_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    gpu = SimpleNamespace(llama_supports_gpu_offload=lambda: True)
    cpu_only = SimpleNamespace(llama_supports_gpu_offload=lambda: False)
    assert llama_cpp_devices(cpu_only) == {CPU}
    monkeypatch.setattr("platform.system", lambda: "Linux")
    assert llama_cpp_devices(gpu) == {CPU, CUDA}
    monkeypatch.setattr("platform.system", lambda: "Darwin")
    assert resolve_device(AUTO, BackendType.LLAMA_CPP, gpu) is MPS
