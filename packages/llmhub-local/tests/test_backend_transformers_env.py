"""A ``torch-cpu-transformers`` environment provisioned for real (``nox -s local_transformers``).

torch comes from the local CPU build (``$LLMHUB_TORCH_FIND_LINKS``, set by the nox session when
such a folder exists), pinned exactly so that no other torch build is ever resolved.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llmhub_local.serving import smoke
from llmhub_local.serving.envs import default_plan, local_torch_wheel
from llmhub_local.serving.manager import LocalManager
from llmhub_local.serving.provision import Provisioner

pytestmark = pytest.mark.backend_transformers

KEY = "torch-cpu-transformers"


def test_torch_cpu_environment_provisions_and_passes_env_test(tmp_path: Path) -> None:
    _folders, version = local_torch_wheel()
    if version is None:
        pytest.skip(
            "no local torch wheel ($LLMHUB_TORCH_FIND_LINKS); the PyTorch index is not reachable here"
        )
    manager = LocalManager(tmp_path / "home")
    plan = default_plan(KEY)
    assert plan.requirements[0] == f"torch=={version}"
    assert plan.extra_index_urls == ()  # the local build only: never a CUDA torch from PyPI
    Provisioner(manager.paths, manager.store).provision(plan)
    report = smoke.env_test(manager, KEY)
    assert report["status"] == "PASS", report
    assert report["torch_version"] == version
    assert report["cuda_available"] is False
    env = manager.store.get_env(KEY)
    assert env is not None
    constraints = Path(env.constraints_path or "").read_text(encoding="utf-8")
    assert f"torch=={version}" in constraints
    assert "transformers==" in constraints
    leftovers = [p for p in (manager.paths.home / ".envs" / ".tmp").glob("*") if p.is_dir()]
    assert leftovers == []  # no half-built environment left (only the provisioning lock file)
