"""Port allocation (the hint is a hint) and env-key resolution from a hardware profile."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from llmhub_local.runners.config import BackendType
from llmhub_local.serving.envs import HardwareProfile, default_plan, detect_hardware, resolve_env_key
from llmhub_local.serving.ports import bind_listener, is_loopback, port_is_free


def test_hint_is_used_when_free() -> None:
    probe = bind_listener("127.0.0.1", None)
    port = probe.getsockname()[1]
    probe.close()
    sock = bind_listener("127.0.0.1", port)
    try:
        assert sock.getsockname()[1] == port
        assert not port_is_free(port)
    finally:
        sock.close()


def test_taken_hint_falls_back_to_a_free_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        sock = bind_listener("127.0.0.1", busy)
        try:
            assert sock.getsockname()[1] not in (busy, 0)
        finally:
            sock.close()


@pytest.mark.parametrize(
    ("host", "loop"),
    [("127.0.0.1", True), ("127.0.0.5", True), ("::1", True), ("localhost", True), ("0.0.0.0", False)],
)
def test_is_loopback(host: str, loop: bool) -> None:
    assert is_loopback(host) is loop


@pytest.mark.parametrize(
    ("backend", "profile", "bnb", "key"),
    [
        (BackendType.LLAMA_CPP, HardwareProfile(), False, "llamacpp-cpu"),
        (BackendType.LLAMA_CPP, HardwareProfile(cuda="12.4"), False, "llamacpp-cu124"),
        (BackendType.LLAMA_CPP, HardwareProfile(mps=True), False, "llamacpp-metal"),
        (BackendType.TRANSFORMERS, HardwareProfile(), False, "torch-cpu-transformers"),
        (BackendType.TRANSFORMERS, HardwareProfile(), True, "torch-cpu-transformers"),
        (BackendType.TRANSFORMERS, HardwareProfile(cuda="12.1"), False, "torch-cu121-transformers"),
        (BackendType.TRANSFORMERS, HardwareProfile(cuda="12.1"), True, "torch-cu121-transformers-bnb"),
        (BackendType.TRANSFORMERS, HardwareProfile(mps=True), False, "torch-mps-transformers"),
    ],
)
def test_env_keys(backend: BackendType, profile: HardwareProfile, bnb: bool, key: str) -> None:
    assert resolve_env_key(backend, profile, use_4bit=bnb) == key


def test_detect_hardware_reads_nvidia_smi(tmp_path: pytest.TempPathFactory) -> None:
    fake = tmp_path / "nvidia-smi"  # type: ignore[operator]
    fake.write_text("#!/bin/sh\necho '| NVIDIA-SMI 550.54   Driver Version: 550.54   CUDA Version: 12.4 |'\n")
    fake.chmod(0o755)
    assert detect_hardware(nvidia_smi=str(fake)).cuda_tag == "cu124"


def test_default_plans() -> None:
    llama = default_plan("llamacpp-cpu")
    assert llama.requirements[0].startswith("llama-cpp-python==")
    torch = default_plan("torch-cu121-transformers-bnb")
    assert "bitsandbytes" in torch.requirements
    assert torch.extra_index_urls == ("https://download.pytorch.org/whl/cu121",)


def test_llama_cpp_plan_reuses_an_installed_copy_then_a_cached_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from llmhub_local.serving import envs

    monkeypatch.setenv("LLMHUB_WHEEL_CACHE", str(tmp_path / "wheels"))
    monkeypatch.setattr(envs, "installed_llama_cpp", lambda: "0.3.36")
    plan = envs.default_plan("llamacpp-cpu")
    assert plan.requirements == ()  # nothing to install: the host link brings it
    assert plan.link_host
    assert plan.compiles is None
    assert "reusing llama-cpp-python 0.3.36" in (plan.note or "")
    assert plan.host_pins == ("llama-cpp-python==0.3.36",)  # still pinned in the constraints file

    monkeypatch.setattr(envs, "installed_llama_cpp", lambda: None)
    slot = tmp_path / "wheels" / "llama-cpp-python-0.3.36-abc"
    slot.mkdir(parents=True)
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    import platform

    other = slot / f"llama_cpp_python-0.3.36-cp27-cp27-linux_{platform.machine()}.whl"  # wrong python
    other.write_bytes(b"")
    assert envs.default_plan("llamacpp-cpu").compiles is not None  # nothing usable: it compiles
    wheel = slot / f"llama_cpp_python-0.3.36-{tag}-{tag}-linux_{platform.machine()}.whl"
    wheel.write_bytes(b"")
    plan = envs.default_plan("llamacpp-cpu")
    assert plan.requirements == (str(wheel),)
    assert plan.compiles is None

    shutil_rm = __import__("shutil").rmtree
    shutil_rm(slot)
    plan = envs.default_plan("llamacpp-cpu")
    assert plan.requirements == ("llama-cpp-python==0.3.36",)
    assert "6-17 min" in (plan.compiles or "")
