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

from llmhub_local.errors import ProvisionError
from llmhub_local.serving.envs import InstallPlan
from llmhub_local.serving.paths import LocalPaths
from llmhub_local.serving.provision import Provisioner
from llmhub_local.serving.state_store import EnvStatus, StateStore

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
    from llmhub_local.serving.envs import InstallPlan
    from llmhub_local.serving.paths import LocalPaths
    from llmhub_local.serving.provision import Provisioner
    from llmhub_local.serving.state_store import StateStore
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


# -- interrupted between the two renames (issue 17) -------------------------------------------

_DIES_BETWEEN_RENAMES = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from llmhub_local.serving import provision
    from llmhub_local.serving.envs import InstallPlan
    from llmhub_local.serving.paths import LocalPaths
    from llmhub_local.serving.state_store import StateStore
    provision._between_renames = lambda: os._exit(9)  # the fault: a hard exit, no cleanup at all
    paths = LocalPaths(Path(sys.argv[1]))
    plan = InstallPlan("swap-cpu", health_check=sys.argv[2], link_host=False)
    provision.Provisioner(paths, StateStore(paths.state_db)).provision(plan, force=True)
    """
)

PLAIN_CHECK = "import json, platform; print(json.dumps({'python_version': platform.python_version()}))"


def test_exit_between_the_two_renames_is_swept_by_the_next_run(tmp_path: Path) -> None:
    prov = make(tmp_path)
    prov.provision(InstallPlan("swap-cpu", health_check=PLAIN_CHECK, link_host=False))
    final = prov.paths.env_dir("swap-cpu")
    (final / "marker-of-the-old-env").write_text("old")
    done = subprocess.run(
        [sys.executable, "-c", _DIES_BETWEEN_RENAMES, str(prov.paths.home), PLAIN_CHECK],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 9, done.stderr
    # The state the fault leaves: no env under its key, the old one moved aside, the new build beside it.
    assert not final.exists()
    kinds = sorted((item.kind, item.env_key, item.owner_alive) for item in prov.leftovers())
    assert kinds == [("build", "swap-cpu", False), ("old", "swap-cpu", False)]
    # The next provision of the same key sweeps them (the old env is put back first), then rebuilds.
    record = prov.provision(InstallPlan("swap-cpu", health_check=PLAIN_CHECK, link_host=False))
    assert record.status == EnvStatus.READY
    assert (final / "bin" / "python").exists()
    assert prov.leftovers() == []
    assert [p.name for p in prov.paths.envs_tmp.iterdir() if not p.name.endswith(".lock")] == []


def test_sweep_restores_an_old_env_and_removes_dead_temp_files(tmp_path: Path) -> None:
    prov = make(tmp_path)
    tmp_root = prov.paths.envs_tmp
    tmp_root.mkdir(parents=True)
    old = tmp_root / "gone-cpu-0123456789ab.old"
    (old / "bin").mkdir(parents=True)
    (old / "bin" / "python").write_text("")
    half = tmp_root / "half-cpu-ba9876543210"
    half.mkdir()
    (tmp_root / "half-cpu-ba9876543210.owner").write_text("999999999 1")  # a pid that cannot exist
    prov.paths.constraints.mkdir(parents=True)
    stale = prov.paths.constraints / ".half-cpu.txt.999999999.tmp"
    stale.write_text("x")
    mine = prov.paths.constraints / "unrelated.txt"  # not a name provisioning makes: never touched
    mine.write_text("keep")
    foreign = tmp_root / "notes.txt"
    foreign.write_text("keep")
    assert {item.kind for item in prov.leftovers()} == {"old", "build", "constraints"}
    prov.sweep()
    assert (prov.paths.env_dir("gone-cpu") / "bin" / "python").exists()  # put back, whole
    assert not half.exists()
    assert not stale.exists()
    assert mine.read_text() == "keep"
    assert foreign.read_text() == "keep"
    assert prov.leftovers() == []


def test_a_live_build_is_not_a_leftover(tmp_path: Path) -> None:
    import os

    from llmhub_local.serving.processes import process_start_time

    prov = make(tmp_path)
    build = prov.paths.envs_tmp / "busy-cpu-00000000000f"
    build.mkdir(parents=True)
    build.with_name(build.name + ".owner").write_text(f"{os.getpid()} {process_start_time(os.getpid())}")
    [item] = prov.leftovers()
    assert item.owner_alive
    prov.sweep()
    assert build.is_dir()


@pytest.mark.parametrize("key", ["../../victim", "/tmp/abs", "a/b", "..", "LLAMACPP", "", "x" * 65, "a..b"])
def test_environment_keys_are_plain_names(tmp_path: Path, key: str) -> None:
    from llmhub_local.errors import LLMConfigError

    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "data.txt").write_text("precious")
    prov = make(tmp_path / "deep" / "er")
    with pytest.raises(LLMConfigError, match="invalid environment key"):
        prov.provision(InstallPlan(key, health_check=PLAIN_CHECK))
    with pytest.raises(LLMConfigError):
        prov.paths.env_dir(key)
    assert (victim / "data.txt").read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["victim"]  # nothing created anywhere


def test_long_steps_report_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from llmhub_local.serving import provision

    monkeypatch.setattr(provision, "_PROGRESS_EVERY", 0.2)
    lines: list[str] = []
    paths = LocalPaths(tmp_path / "home")
    prov = Provisioner(paths, StateStore(paths.state_db), progress=lines.append)
    slow = (
        "import time\n"
        "for i in (10, 50):\n"
        "    print(f'[ {i}%] Building C object ggml.c', flush=True)\n"
        "    time.sleep(0.3)\n"
        "print('{}')"
    )
    prov.provision(InstallPlan("slowcheck-cpu", health_check=slow, link_host=False, note="a note"))
    assert lines[0] == "slowcheck-cpu: a note"
    ticks = [line for line in lines if "run the health check" in line]
    assert ticks, lines
    assert ticks[-1].startswith("[0:00] run the health check: [ ")
    assert "Building C object ggml.c" in ticks[-1]
