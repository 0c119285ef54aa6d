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


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, {"OMP_WAIT_POLICY": None, "GOMP_SPINCOUNT": "1000"}),  # the bounded spin
        ({"OMP_WAIT_POLICY": "ACTIVE"}, {"OMP_WAIT_POLICY": "ACTIVE", "GOMP_SPINCOUNT": None}),
        ({"OMP_WAIT_POLICY": "PASSIVE"}, {"OMP_WAIT_POLICY": "PASSIVE", "GOMP_SPINCOUNT": None}),
        ({"OMP_WAIT_POLICY": ""}, {"OMP_WAIT_POLICY": "", "GOMP_SPINCOUNT": None}),  # libgomp's default
        ({"GOMP_SPINCOUNT": "5"}, {"OMP_WAIT_POLICY": None, "GOMP_SPINCOUNT": "5"}),
    ],
)
def test_openmp_threads_spin_briefly_unless_the_user_says_otherwise(
    given: dict[str, str], expected: dict[str, str | None]
) -> None:
    """Before a backend is first imported, idle OpenMP threads get a bounded spin - unless the user
    set a wait policy or spin count (a spin count would override their policy)."""
    import json
    import os
    import subprocess
    import sys

    names = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")
    env = {k: v for k, v in os.environ.items() if k not in names} | given
    code = (
        "import json, os\n"
        "from llmhub_local.runners._deps import import_optional\n"
        "try:\n    import_optional('llama_cpp')\nexcept ImportError:\n    pass\n"
        f"print(json.dumps({{n: os.environ.get(n) for n in {names!r}}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == expected
