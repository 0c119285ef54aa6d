"""Environment keys and install plans: which shared environment runs which model.

An environment is keyed by ``<framework>-<device>-<backend>[-features]`` (seed 002), resolved
from the hardware profile and the model's backend, and shared by every model with the same key:

================  =====================================  ==================================
backend           CPU / CUDA 12.4 / Apple silicon        with ``use_4bit`` on CUDA
================  =====================================  ==================================
llama.cpp         llamacpp-cpu / llamacpp-cu124 /        -
                  llamacpp-metal
transformers      torch-cpu-transformers /               torch-cu124-transformers-bnb
                  torch-cu124-transformers /
                  torch-mps-transformers
================  =====================================  ==================================

:func:`resolve_env_key` is a pure function of a :class:`HardwareProfile`; :func:`detect_hardware`
asks the machine (``nvidia-smi``, the platform). :class:`InstallPlan` says what an environment
holds - data, so a test can provision a tiny one and a user can install another flavour.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llmhub_local.errors import LLMConfigError
from llmhub_local.runners.config import BackendType

__all__ = [
    "LLAMA_CPP_PYTHON_VERSION",
    "TORCH_FIND_LINKS_ENV",
    "HardwareProfile",
    "InstallPlan",
    "cached_llama_cpp_wheel",
    "default_plan",
    "detect_hardware",
    "installed_llama_cpp",
    "llama_cpp_plan",
    "local_torch_wheel",
    "resolve_env_key",
    "validate_env_key",
    "wheel_cache_dirs",
]

LLAMA_CPP_PYTHON_VERSION = "0.3.36"

_CUDA_VERSION = re.compile(r"CUDA Version:\s*(\d+)\.(\d+)")
#: An environment key is one plain name (it becomes a folder under ``<home>/.envs``): lower-case
#: letters, digits, ``-``, ``_`` and ``.``, starting with a letter or digit - never a path.
_ENV_KEY = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def validate_env_key(env_key: str) -> str:
    """Return ``env_key`` when it is a plain key such as ``llamacpp-cpu``.

    Raises:
        LLMConfigError: anything else - a path (``../x``, ``/abs``, ``a/b``), ``..``, an empty
            or over-long name, upper case or other characters. Nothing outside the local home is
            ever written or deleted through an environment key.
    """
    if not isinstance(env_key, str) or not _ENV_KEY.fullmatch(env_key) or ".." in env_key:
        raise LLMConfigError(
            f"invalid environment key {env_key!r}: a key is one plain name such as 'llamacpp-cpu' or "
            "'torch-cpu-transformers' (lower-case letters, digits, '-', '_', '.'; at most 64; no paths)"
        )
    return env_key


@dataclass(frozen=True)
class HardwareProfile:
    """What accelerators the machine has.

    Attributes:
        cuda: The CUDA version the driver supports (``"12.4"``), or ``None``.
        mps: Apple silicon GPU (Metal) available.
    """

    cuda: str | None = None
    mps: bool = False

    @property
    def cuda_tag(self) -> str | None:
        """``cu124`` for CUDA 12.4."""
        return None if self.cuda is None else "cu" + self.cuda.replace(".", "")


def detect_hardware(*, nvidia_smi: str | None = None) -> HardwareProfile:
    """The profile of this machine (``nvidia-smi`` for CUDA; macOS on arm64 for Metal)."""
    mps = platform.system() == "Darwin" and platform.machine() == "arm64"
    tool = nvidia_smi or shutil.which("nvidia-smi")
    cuda = None
    if tool:
        try:
            out = subprocess.run([tool], capture_output=True, text=True, timeout=10, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        match = _CUDA_VERSION.search(out)
        if match:
            cuda = f"{match.group(1)}.{match.group(2)}"
    return HardwareProfile(cuda=cuda, mps=mps)


def resolve_env_key(backend: BackendType, profile: HardwareProfile, *, use_4bit: bool = False) -> str:
    """The key of the environment that runs ``backend`` on this hardware."""
    if backend is BackendType.LLAMA_CPP:
        if profile.cuda_tag:
            return f"llamacpp-{profile.cuda_tag}"
        return "llamacpp-metal" if profile.mps else "llamacpp-cpu"
    device = profile.cuda_tag or ("mps" if profile.mps else "cpu")
    key = f"torch-{device}-transformers"
    return f"{key}-bnb" if use_4bit and profile.cuda_tag else key


_LLAMA_HEALTH = """
import json, sys, platform
import llama_cpp
print(json.dumps({"python_version": platform.python_version(), "llama_cpp_version": llama_cpp.__version__,
                  "cuda_available": bool(llama_cpp.llama_supports_gpu_offload())}))
"""
_TORCH_HEALTH = """
import json, platform
import torch, transformers
print(json.dumps({"python_version": platform.python_version(), "torch_version": torch.__version__,
                  "cuda_available": bool(torch.cuda.is_available())}))
"""
#: The default health check: the interpreter runs and reports its version.
_PLAIN_HEALTH = """
import json, platform
print(json.dumps({"python_version": platform.python_version()}))
"""


@dataclass(frozen=True)
class InstallPlan:
    """What goes into an environment, and how it is checked.

    Attributes:
        env_key: The environment's key.
        requirements: Requirement strings for ``uv pip install`` (may be empty).
        find_links: Folders of local wheels (e.g. the cached llama-cpp-python build).
        extra_index_urls: Extra package indexes (e.g. PyTorch's CPU index).
        health_check: Python code run inside the new environment before it is renamed into
            place; it must exit 0 and print one JSON object (``python_version``,
            ``torch_version``, ``llama_cpp_version``, ``cuda_available`` are recorded).
        link_host: Make the host's installed packages (llmhub-local itself and its pure-Python
            dependencies) importable in the environment, after the environment's own packages,
            so a server runs there with the backend the environment pins.
        python: Interpreter to base the environment on (default: the running one).
        env: Extra environment variables for the install (e.g. ``CMAKE_ARGS``).
        compiles: When installing compiles from source, what and how long it usually takes
            (shown with the build's progress); ``None`` when nothing is compiled.
        note: How the plan was chosen (e.g. "reusing llama-cpp-python 0.3.36 from ..."), shown
            before provisioning starts.
        host_pins: Requirements the environment takes from the host (through ``link_host``),
            pinned in its constraints file beside what ``uv pip freeze`` lists.
    """

    env_key: str
    requirements: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    extra_index_urls: tuple[str, ...] = ()
    health_check: str = _PLAIN_HEALTH
    link_host: bool = True
    python: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    compiles: str | None = None
    note: str | None = None
    host_pins: tuple[str, ...] = ()


def wheel_cache_dirs() -> tuple[str, ...]:
    """Folders of locally built wheels (``$LLMHUB_WHEEL_CACHE`` or ``~/.cache/llmhub/wheels``)."""
    base = Path(os.environ.get("LLMHUB_WHEEL_CACHE") or Path.home() / ".cache" / "llmhub" / "wheels")
    if not base.is_dir():
        return ()
    return (str(base), *sorted(str(p) for p in base.iterdir() if p.is_dir() and ".tmp" not in p.name))


#: Folders (``os.pathsep``-separated) holding a torch wheel to use instead of an index, e.g. a
#: machine's CPU build: ``LLMHUB_TORCH_FIND_LINKS=/opt/wheels``.
TORCH_FIND_LINKS_ENV = "LLMHUB_TORCH_FIND_LINKS"


def local_torch_wheel() -> tuple[tuple[str, ...], str | None]:
    """Folders of ``$LLMHUB_TORCH_FIND_LINKS`` and the torch version of a wheel found there.

    The version is that of the first ``torch-<version>-<tag>.whl`` (sorted) whose tag suits this
    interpreter (``cpXY``); ``None`` when there is none.
    """
    folders = tuple(
        p for p in os.environ.get(TORCH_FIND_LINKS_ENV, "").split(os.pathsep) if p and Path(p).is_dir()
    )
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    for folder in folders:
        for wheel in sorted(Path(folder).glob("torch-*.whl")):
            parts = wheel.name.split("-")
            if len(parts) >= 3 and parts[2] == tag:
                return folders, parts[1]
    return folders, None


def installed_llama_cpp() -> str | None:
    """The version of a llama-cpp-python the current interpreter can import, else ``None``."""
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        return None
    try:
        return importlib.metadata.version("llama-cpp-python")
    except importlib.metadata.PackageNotFoundError:
        return None


def cached_llama_cpp_wheel(folders: tuple[str, ...] | None = None) -> Path | None:
    """A llama-cpp-python wheel built for this interpreter and machine in the wheel cache.

    The pinned version (:data:`LLAMA_CPP_PYTHON_VERSION`) is preferred, else the newest found.
    """
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}"
    machine = platform.machine().lower()
    found: list[tuple[bool, str, Path]] = []
    for folder in wheel_cache_dirs() if folders is None else folders:
        for wheel in Path(folder).glob("llama_cpp_python-*.whl"):
            parts = wheel.name.removesuffix(".whl").split("-")
            if len(parts) >= 5 and parts[2] == tag and (machine in parts[4].lower() or parts[4] == "any"):
                found.append((parts[1] == LLAMA_CPP_PYTHON_VERSION, parts[1], wheel))
    return max(found)[2] if found else None


def llama_cpp_plan(env_key: str) -> InstallPlan:
    """The plan of a ``llamacpp-*`` environment: reuse what is there before compiling.

    1. a llama-cpp-python the current interpreter already imports (the host link makes it
       importable in the environment: nothing is installed);
    2. else a wheel in the wheel cache (``$LLMHUB_WHEEL_CACHE`` or ``~/.cache/llmhub/wheels``, where
       ``nox -s local_gguf`` keeps its build);
    3. else ``llama-cpp-python`` from PyPI, which compiles (6-17 min on 2 cores).
    """
    common: dict[str, Any] = {"env_key": env_key, "health_check": _LLAMA_HEALTH}
    version = installed_llama_cpp()
    if version is not None:
        return InstallPlan(
            **common,
            note=f"reusing llama-cpp-python {version} installed for {sys.executable}",
            host_pins=(f"llama-cpp-python=={version}",),
        )
    wheel = cached_llama_cpp_wheel()
    if wheel is not None:
        return InstallPlan(**common, requirements=(str(wheel),), note=f"installing the cached wheel {wheel}")
    return InstallPlan(
        **common,
        requirements=(f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}",),
        env={"CMAKE_ARGS": "-DLLAVA_BUILD=OFF", "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)},
        compiles=(
            f"compiling llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} from source: this usually takes "
            "6-17 min on 2 cores (once; later provisions reuse a cached wheel or an installed copy)"
        ),
        note="no installed llama-cpp-python and no cached wheel found",
    )


def default_plan(env_key: str) -> InstallPlan:
    """The install plan of a known key (llama.cpp or transformers flavours).

    Raises:
        LLMConfigError: ``env_key`` is not a plain key.
    """
    validate_env_key(env_key)
    if env_key.startswith("llamacpp-"):
        return llama_cpp_plan(env_key)
    match = re.fullmatch(r"torch-(cpu|mps|cu\d+)-transformers(-bnb)?", env_key)
    if match:
        device, bnb = match.groups()
        index = f"https://download.pytorch.org/whl/{device}" if device != "mps" else None
        folders, local_version = local_torch_wheel()
        torch_requirement = "torch"
        if local_version is not None:
            # A local build is pinned exactly: an unpinned torch could resolve to another build
            # (on PyPI, the several-GB CUDA one) instead.
            torch_requirement, index = f"torch=={local_version}", None
        requirements = (
            torch_requirement,
            "transformers>=4.56",
            "accelerate>=1.0",
            "safetensors",
            "tokenizers",
            "numpy",
        )
        return InstallPlan(
            env_key=env_key,
            requirements=requirements + (("bitsandbytes",) if bnb else ()),
            find_links=folders,
            extra_index_urls=(index,) if index else (),
            health_check=_TORCH_HEALTH,
        )
    return InstallPlan(env_key=env_key)
