"""Atomic provisioning of shared environments (seed 002).

``Provisioner.provision(plan)``:

1. takes a per-key file lock (two processes never build the same key at once) and sweeps
   builds left behind by a provisioner that was killed (their owner pid is gone);
2. records the env as ``PROVISIONING`` (with this pid) in the state store;
3. builds in ``<home>/.envs/.tmp/<key>-<uuid>``: ``uv venv --relocatable``, ``uv pip install``
   of the plan's requirements, the host link (see :class:`~llmhub_local.envs.InstallPlan`);
4. runs the plan's health check with the new interpreter and writes the constraints file
   (``uv pip freeze``) - both inside the build;
5. renames the build to ``<home>/.envs/<key>`` (one ``rename``: the env appears whole or not at
   all) and copies the constraints to ``<home>/constraints/<key>.txt`` (temp file + rename);
6. records ``READY`` with the library versions.

A failure at any step removes the build and records ``FAILED`` with ``last_error``; an
interrupted provision (SIGTERM, Ctrl-C) cleans up the same way; a ``kill -9`` leaves only the
``.tmp`` build, which the next provision (or :meth:`Provisioner.sweep`) removes, and
``StateStore.reconcile`` marks the row ``FAILED``. The final folder never holds half an env.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import site
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from llmhub_local.envs import InstallPlan
from llmhub_local.errors import ProvisionError
from llmhub_local.paths import LocalPaths, ensure_dir
from llmhub_local.processes import is_alive, process_start_time
from llmhub_local.state import EnvRecord, EnvStatus, StateStore

__all__ = ["Provisioner", "env_python", "find_uv"]

_HOST_PTH = "_llmhub_host.pth"
_INSTALL_TIMEOUT = 1800.0
_CHECK_TIMEOUT = 300.0


def find_uv() -> str:
    """The ``uv`` executable: ``$LLMHUB_UV``, else ``uv`` on PATH.

    Raises:
        ProvisionError: uv cannot be found.
    """
    explicit = os.environ.get("LLMHUB_UV")
    found = explicit or shutil.which("uv")
    if not found:
        raise ProvisionError(
            "provisioning environments needs uv (https://docs.astral.sh/uv/); install it or set LLMHUB_UV"
        )
    return found


def env_python(env_dir: Path) -> Path:
    """The interpreter of an environment folder."""
    return env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


class Provisioner:
    """Builds environments under ``paths.envs`` and records them in ``store``."""

    def __init__(self, paths: LocalPaths, store: StateStore, *, uv: str | None = None) -> None:
        self.paths = paths
        self.store = store
        self._uv = uv

    @property
    def uv(self) -> str:
        """The uv executable used."""
        if self._uv is None:
            self._uv = find_uv()
        return self._uv

    def is_ready(self, env_key: str) -> bool:
        """Whether ``env_key`` is recorded READY and its interpreter exists."""
        record = self.store.get_env(env_key)
        return bool(
            record is not None
            and record.status == EnvStatus.READY
            and record.python_path
            and Path(record.python_path).exists()
        )

    def sweep(self) -> list[Path]:
        """Remove builds whose provisioner is gone; return what was removed."""
        removed: list[Path] = []
        tmp_root = self.paths.envs_tmp
        if not tmp_root.is_dir():
            return removed
        for owner in tmp_root.glob("*.owner"):
            build = owner.with_suffix("")
            try:
                pid, start = (int(x) if x != "None" else None for x in owner.read_text().split())
            except ValueError:
                pid, start = None, None
            if pid is not None and is_alive(pid, start):
                continue
            shutil.rmtree(build, ignore_errors=True)
            owner.unlink(missing_ok=True)
            removed.append(build)
        return removed

    def provision(self, plan: InstallPlan, *, force: bool = False) -> EnvRecord:
        """Build ``plan``'s environment atomically (a no-op when it is ready, unless ``force``).

        Raises:
            ProvisionError: a step failed; the message has the step's output tail. Nothing of
                the build is kept and the store records ``FAILED`` with ``last_error``.
        """
        key = plan.env_key
        with self._lock(key):
            self.sweep()
            if not force and self.is_ready(key):
                record = self.store.get_env(key)
                assert record is not None
                return record
            self.store.upsert_env(
                key,
                status=EnvStatus.PROVISIONING,
                pid=os.getpid(),
                pid_start=process_start_time(os.getpid()),
                last_error=None,
            )
            build = ensure_dir(self.paths.envs_tmp) / f"{key}-{uuid.uuid4().hex[:12]}"
            owner = build.with_name(build.name + ".owner")
            owner.write_text(f"{os.getpid()} {process_start_time(os.getpid())}")
            try:
                info = self._build(plan, build)
                final = self.paths.env_dir(key)
                self._swap_into_place(build, final)
                constraints = self._publish_constraints(key, final / "constraints.txt")
            except BaseException as e:
                shutil.rmtree(build, ignore_errors=True)
                message = str(e) if isinstance(e, ProvisionError) else f"{type(e).__name__}: {e}"
                self.store.upsert_env(
                    key, status=EnvStatus.FAILED, last_error=message or "interrupted", pid=None
                )
                if isinstance(e, ProvisionError | KeyboardInterrupt | SystemExit):
                    raise
                raise ProvisionError(f"provisioning {key} failed: {message}") from e
            finally:
                owner.unlink(missing_ok=True)
            return self.store.upsert_env(
                key,
                status=EnvStatus.READY,
                path=str(final),
                python_path=str(env_python(final)),
                python_version=_str(info.get("python_version")),
                torch_version=_str(info.get("torch_version")),
                llama_cpp_version=_str(info.get("llama_cpp_version")),
                constraints_path=str(constraints),
                last_error=None,
                pid=None,
                pid_start=None,
            )

    # -- steps ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _lock(self, key: str) -> Iterator[None]:
        lock_path = ensure_dir(self.paths.envs_tmp) / f"{key}.lock"
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _build(self, plan: InstallPlan, build: Path) -> dict[str, object]:
        python = plan.python or sys.executable
        self._run(
            "create the venv",
            [self.uv, "venv", "--quiet", "--relocatable", "--python", python, str(build)],
            plan,
        )
        target = env_python(build)
        if plan.requirements:
            args = [self.uv, "pip", "install", "--no-config", "--python", str(target)]
            for folder in plan.find_links:
                args += ["--find-links", folder]
            for url in plan.extra_index_urls:
                args += ["--extra-index-url", url]
            self._run("install the requirements", [*args, *plan.requirements], plan, timeout=_INSTALL_TIMEOUT)
        if plan.link_host:
            self._link_host(target)
        out = self._run(
            "run the health check", [str(target), "-c", plan.health_check], plan, timeout=_CHECK_TIMEOUT
        )
        try:
            info = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
        except ValueError:
            raise ProvisionError(
                f"the health check of {plan.env_key} printed no JSON: {out[-500:]!r}"
            ) from None
        if not isinstance(info, dict):
            raise ProvisionError(f"the health check of {plan.env_key} printed {info!r}, not a JSON object")
        frozen = self._run("freeze the versions", [self.uv, "pip", "freeze", "--python", str(target)], plan)
        header = f"# constraints of llmhub-local environment {plan.env_key} (uv pip freeze)\n"
        (build / "constraints.txt").write_text(header + frozen, encoding="utf-8")
        return info

    def _link_host(self, target: Path) -> None:
        # An `import` line in a .pth file runs at start-up: site.addsitedir also processes the host's
        # own .pth files (editable installs), and appends, so the env's packages come first.
        purelib = subprocess.run(
            [str(target), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
        host_dirs = [p for p in site.getsitepackages() if Path(p).is_dir()]
        lines = "".join(f"import site; site.addsitedir({d!r})\n" for d in host_dirs)
        Path(purelib, _HOST_PTH).write_text(lines, encoding="utf-8")

    def _swap_into_place(self, build: Path, final: Path) -> None:
        ensure_dir(final.parent)
        old: Path | None = None
        if final.exists():
            old = build.with_name(build.name + ".old")
            os.replace(final, old)
        try:
            os.replace(build, final)
        except OSError:
            if old is not None:
                os.replace(old, final)  # put the previous env back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _publish_constraints(self, key: str, source: Path) -> Path:
        target = ensure_dir(self.paths.constraints) / f"{key}.txt"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)
        return target

    def _run(self, step: str, args: Sequence[str], plan: InstallPlan, *, timeout: float = 600.0) -> str:
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
        env.update(plan.env)
        try:
            done = subprocess.run(
                list(args), capture_output=True, text=True, timeout=timeout, env=env, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise ProvisionError(f"provisioning {plan.env_key}: could not {step}: {e}") from e
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip()[-1500:]
            raise ProvisionError(
                f"provisioning {plan.env_key}: could not {step} (exit {done.returncode}):\n{tail}"
            )
        return done.stdout


def _str(value: object) -> str | None:
    return None if value is None else str(value)
