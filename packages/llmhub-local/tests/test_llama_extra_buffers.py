"""llama.cpp's weight repacking switch (off on AMX CPUs, where ggml's AMX buffer crashes in VMs)."""

from __future__ import annotations

import types
from typing import Any

import pytest

from llmhub_local.runners import llama_cpp_runner
from llmhub_local.runners.llama_cpp_runner import EXTRA_BUFFERS_ENV, _model_params, use_extra_buffers


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("on", True), ("0", False), ("false", False)])
def test_the_variable_decides(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setattr(llama_cpp_runner, "cpu_has_amx", lambda: not expected)
    monkeypatch.setenv(EXTRA_BUFFERS_ENV, value)
    assert use_extra_buffers() is expected


@pytest.mark.parametrize("amx", [True, False])
def test_default_is_off_exactly_with_amx(monkeypatch: pytest.MonkeyPatch, amx: bool) -> None:
    monkeypatch.delenv(EXTRA_BUFFERS_ENV, raising=False)
    monkeypatch.setattr(llama_cpp_runner, "cpu_has_amx", lambda: amx)
    assert use_extra_buffers() is (not amx)


def test_model_params_are_patched_only_while_building() -> None:
    class Params:
        use_extra_bufts = True

    bindings = types.SimpleNamespace(llama_model_default_params=Params)
    package: Any = types.SimpleNamespace(llama_cpp=bindings)
    with _model_params(package, use_extra_bufts=False):
        assert bindings.llama_model_default_params().use_extra_bufts is False
    assert bindings.llama_model_default_params is Params
    with _model_params(package, use_extra_bufts=True):
        assert bindings.llama_model_default_params is Params


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_sleep_unless_the_user_says_otherwise(given: str | None, expected: str) -> None:
    """Before a backend is first imported, idle OpenMP threads are told to sleep, not spin."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    code = (
        "import os\n"
        "from llmhub_local.runners._deps import import_optional\n"
        "try:\n    import_optional('llama_cpp')\nexcept ImportError:\n    pass\n"
        "print(os.environ.get('OMP_WAIT_POLICY'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected
