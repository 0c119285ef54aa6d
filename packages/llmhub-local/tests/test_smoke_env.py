"""``env test``: the report describes the environment's own backend, not what else it can import."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmhub_local.serving import smoke
from llmhub_local.serving.envs import HardwareProfile
from llmhub_local.serving.manager import LocalManager
from llmhub_local.serving.state_store import EnvStatus


@pytest.fixture
def manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalManager:
    # The interpreter the report probes can import a torch and a llama_cpp from this folder, as a
    # llama.cpp environment that sees a host-wide torch through system site-packages would.
    shim = tmp_path / "site"
    (shim / "torch").mkdir(parents=True)
    (shim / "torch" / "__init__.py").write_text(
        "__version__ = '9.9.9+host'\n"
        "class cuda:\n    @staticmethod\n    def is_available():\n        return False\n"
    )
    (shim / "llama_cpp").mkdir()
    (shim / "llama_cpp" / "__init__.py").write_text(
        "__version__ = '0.3.36'\ndef llama_supports_gpu_offload():\n    return False\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(shim))
    mgr = LocalManager(tmp_path / "home", registry_path=tmp_path / "models.yaml", hardware=HardwareProfile())
    for key in ("llamacpp-cpu", "torch-cpu-transformers"):
        mgr.store.upsert_env(key, status=EnvStatus.READY, python_path=sys.executable)
    return mgr


def test_a_llamacpp_env_does_not_report_a_torch_it_merely_sees(manager: LocalManager) -> None:
    report = smoke.env_test(manager, "llamacpp-cpu")
    assert report["status"] == "PASS", report
    assert report["torch_version"] is None


def test_a_torch_env_reports_its_torch(manager: LocalManager) -> None:
    report = smoke.env_test(manager, "torch-cpu-transformers")
    assert report["status"] == "PASS", report
    assert report["torch_version"] == "9.9.9+host"
