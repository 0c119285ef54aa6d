"""Atomic provisioning with a tiny install plan (a real ``uv venv``, no packages to download)."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from llmhub_local.envs import InstallPlan
from llmhub_local.errors import ProvisionError
from llmhub_local.paths import LocalPaths
from llmhub_local.provision import Provisioner
from llmhub_local.state import EnvStatus, StateStore

pytestmark = pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")

TINY_CHECK = (
    "import json, platform, llmhub_local; print(json.dumps({'python_version': platform.python_version()}))"
)


def make(tmp_path: Path) -> Provisioner:
    paths = LocalPaths(tmp_path / "home")
    return Provisioner(paths, StateStore(paths.state_db))


def test_tiny_env_is_built_and_reused(tmp_path: Path) -> None:
    prov = make(tmp_path)
    record = prov.provision(InstallPlan("tiny-cpu", health_check=TINY_CHECK))
    assert record.status == EnvStatus.READY
    assert record.python_path is not None
    assert Path(record.python_path).exists()
    assert record.python_version == ".".join(map(str, sys.version_info[:3]))
    assert record.constraints_path is not None
    assert (
        Path(record.constraints_path)
        .read_text()
        .startswith("# constraints of llmhub-local environment tiny-cpu")
    )
    assert Path(record.path or "", "constraints.txt").exists()
    # the host link makes llmhub_local importable inside the env
    out = subprocess.run(
        [record.python_path, "-c", "import llmhub_local; print('ok')"], capture_output=True, text=True
    )
    assert out.stdout.strip() == "ok", out.stderr
    assert not list(prov.paths.envs_tmp.glob("tiny-cpu-*"))
    assert (
        prov.provision(InstallPlan("tiny-cpu", health_check="raise SystemExit(1)")).updated_at
        == record.updated_at
    )
    assert prov.is_ready("tiny-cpu")


def test_failed_health_check_leaves_nothing(tmp_path: Path) -> None:
    prov = make(tmp_path)
    with pytest.raises(ProvisionError, match="health check") as info:
        prov.provision(InstallPlan("bad-cpu", health_check="import no_such_module_here"))
    assert "no_such_module_here" in str(info.value)
    assert not prov.paths.env_dir("bad-cpu").exists()
    assert not list(prov.paths.envs_tmp.glob("bad-cpu-*"))
    record = prov.store.get_env("bad-cpu")
    assert record is not None
    assert record.status == EnvStatus.FAILED
    assert "no_such_module_here" in (record.last_error or "")


def test_failed_rebuild_keeps_the_previous_env(tmp_path: Path) -> None:
    prov = make(tmp_path)
    prov.provision(InstallPlan("keep-cpu", health_check=TINY_CHECK))
    with pytest.raises(ProvisionError):
        prov.provision(InstallPlan("keep-cpu", requirements=("no-such-package-xyz-llmhub==0",)), force=True)
    assert (prov.paths.env_dir("keep-cpu") / "bin" / "python").exists()


_HANGING = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from llmhub_local.envs import InstallPlan
    from llmhub_local.paths import LocalPaths
    from llmhub_local.provision import Provisioner
    from llmhub_local.state import StateStore
    paths = LocalPaths(Path(sys.argv[1]))
    plan = InstallPlan("slow-cpu", health_check="import time; time.sleep(120)")
    Provisioner(paths, StateStore(paths.state_db)).provision(plan)
    """
)


def test_provision_killed_half_way_leaves_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = subprocess.Popen([sys.executable, "-c", _HANGING, str(home)], start_new_session=True)
    paths = LocalPaths(home)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the venv exists and the health check runs
        builds = [p for p in paths.envs_tmp.glob("slow-cpu-*") if (p / "bin" / "python").exists()]
        if builds and any("time.sleep(120)" in _cmdline(pid) for pid in _children(proc.pid)):
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("the provision never reached its health check")
    import os

    os.killpg(proc.pid, signal.SIGKILL)  # the provisioner and its health check, no cleanup possible
    proc.wait()
    assert not paths.env_dir("slow-cpu").exists()  # never a half environment under the real key
    store = StateStore(paths.state_db)
    assert store.reconcile() == [f"env slow-cpu: provisioning was interrupted (process {proc.pid} is gone)"]
    record = store.get_env("slow-cpu")
    assert record is not None
    assert record.status == EnvStatus.FAILED
    removed = Provisioner(paths, store).sweep()
    assert removed == builds
    assert not list(paths.envs_tmp.glob("slow-cpu-*"))


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
