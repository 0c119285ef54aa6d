"""Device resolution: turn ``DeviceType.AUTO`` (or an explicit request) into a concrete device.

The decision is a pure function of what is requested and what the backend reports as available
(:func:`choose_device`), so it is tested without torch or llama.cpp installed. The probes that
ask the libraries (:func:`torch_devices`, :func:`llama_cpp_devices`) import them lazily.
"""

from __future__ import annotations

import platform
from typing import Any

from llmhub_local.errors import LLMInitializationError
from llmhub_local.runners.config import BackendType, DeviceType

__all__ = ["choose_device", "llama_cpp_devices", "resolve_device", "torch_devices"]

#: Preference order for ``auto``: the fastest accelerator first, the CPU always last.
_AUTO_ORDER = (DeviceType.CUDA, DeviceType.MPS, DeviceType.CPU)


def choose_device(
    requested: DeviceType, available: frozenset[DeviceType], *, backend: BackendType
) -> DeviceType:
    """Pick the device to run on.

    Args:
        requested: What the configuration asks for.
        available: What the backend reports it can use (the CPU is always usable).
        backend: Used only to word the error.

    Raises:
        LLMInitializationError: an explicit accelerator was requested but is not available.
    """
    usable = available | {DeviceType.CPU}
    if requested is DeviceType.AUTO:
        return next(d for d in _AUTO_ORDER if d in usable)
    if requested in usable:
        return requested
    found = ", ".join(d.value for d in _AUTO_ORDER if d in usable)
    hint = {
        BackendType.TRANSFORMERS: "install a torch build for that device",
        BackendType.LLAMA_CPP: "rebuild llama-cpp-python with that backend enabled "
        '(e.g. CMAKE_ARGS="-DGGML_CUDA=on" or "-DGGML_METAL=on")',
    }[backend]
    raise LLMInitializationError(
        f"device {requested.value!r} was requested but {backend.value} reports only: {found}; "
        f"use device 'auto' or 'cpu', or {hint}"
    )


def torch_devices(torch: Any) -> frozenset[DeviceType]:
    """Devices the given (already imported) torch module can use."""
    found = {DeviceType.CPU}
    if torch.cuda.is_available():
        found.add(DeviceType.CUDA)
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.add(DeviceType.MPS)
    return frozenset(found)


def llama_cpp_devices(llama_cpp: Any) -> frozenset[DeviceType]:
    """Devices the given (already imported) llama_cpp module was built for.

    llama.cpp reports only whether it can offload to *a* GPU; on macOS that is Metal (``mps``),
    elsewhere it is taken as CUDA (ROCm/Vulkan builds present themselves the same way).
    """
    found = {DeviceType.CPU}
    if bool(llama_cpp.llama_supports_gpu_offload()):
        found.add(DeviceType.MPS if platform.system() == "Darwin" else DeviceType.CUDA)
    return frozenset(found)


def resolve_device(requested: DeviceType, backend: BackendType, library: Any) -> DeviceType:
    """Resolve ``requested`` for ``backend`` using the already-imported backend ``library``."""
    probe = torch_devices if backend is BackendType.TRANSFORMERS else llama_cpp_devices
    return choose_device(requested, probe(library), backend=backend)
