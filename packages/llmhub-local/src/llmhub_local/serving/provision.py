"""Atomic provisioning of shared environments (seed 002).

``Provisioner.provision(plan)``:

1. checks the key is a plain name (nothing outside ``<home>/.envs`` is ever written or deleted),
   takes a per-key file lock (two processes never build the same key at once) and sweeps what an
   interrupted provision left behind (see :meth:`Provisioner.sweep`);
2. records the env as ``PROVISIONING`` (with this pid) in the state store;
3. builds in ``<home>/.envs/.tmp/<key>-<uuid>``: ``uv venv --relocatable``, ``uv pip install``
   of the plan's requirements, the host link (see :class:`~llmhub_local.serving.envs.InstallPlan`);
4. runs the plan's health check with the new interpreter and writes the constraints file
   (``uv pip freeze``) - both inside the build;
5. moves a previous env aside to ``.tmp/<build>.old``, renames the build to ``<home>/.envs/<key>``
   and removes the old one; copies the constraints to ``<home>/constraints/<key>.txt``
   (temp file + rename);
6. records ``READY`` with the library versions.

A failure at any step removes the build and records ``FAILED`` with ``last_error``; SIGTERM or
Ctrl-C cleans up the same way. A ``kill -9`` can leave a ``.tmp`` build, an ``.old`` env (when it
struck between the two renames) or a constraints temp file: the next provision of any key sweeps
them - an ``.old`` env whose key has no env is put back - and :meth:`Provisioner.leftovers` (shown
by ``llmhub doctor``) lists them meanwhile. ``StateStore.reconcile`` marks the row ``FAILED``.

Long steps report progress (elapsed time and the step, and for a compile the build's current
line) through the ``progress`` callback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from llmhub_local.errors import ProvisionError
from llmhub_local.serving.envs import InstallPlan, validate_env_key
from llmhub_local.serving.paths import LocalPaths, ensure_dir
from llmhub_local.serving.processes import is_alive, process_start_time
from llmhub_local.serving.state_store import EnvRecord, EnvStatus, StateStore

__all__ = ["Leftover", "Provisioner", "env_python", "find_uv"]

_HOST_PTH = "_llmhub_host.pth"
_INSTALL_TIMEOUT = 3600.0
_CHECK_TIMEOUT = 300.0
_PROGRESS_EVERY = 15.0
#: ``<key>-<12 hex>`` (a build), with ``.old`` (an env moved aside) or ``.owner`` (its pid file).
_BUILD_NAME = re.compile(r"(?P<key>[a-z0-9][a-z0-9._-]*)-[0-9a-f]{12}(?P<suffix>\.old|\.owner)?")
#: ``.<key>.txt.<pid>.tmp``: a constraints file being published.
#: Temporary names of ``llmhub_runtime.atomic`` (``.<key>.txt.<pid>.<random>.tmp``; older
#: releases wrote ``.<key>.txt.<pid>.tmp``).
_CONSTRAINTS_TMP = re.compile(r"\.(?P<key>[a-z0-9][a-z0-9._-]*)\.txt\.(?P<pid>\d+)(?:\.[0-9a-f]{8})?\.tmp")
#: A compiler/cmake line worth showing: ``[ 42%] Building CXX object ...``.
_BUILD_STEP = re.compile(r"\[\s*\d+%\].*|.*(Building|Installing|Downloading|Preparing|Resolved).*")

Progress = Callable[[str], None]


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


@dataclass(frozen=True)
class Leftover:
    """Something an interrupted provision left behind.

    Attributes:
        path: The file or folder.
        kind: ``build`` (a half-built env), ``old`` (a previous env moved aside) or
            ``constraints`` (a constraints file being published).
        env_key: The environment it belongs to.
        owner_alive: Whether the provision that made it still runs (then it is not a leftover
            yet, only work in progress; :meth:`Provisioner.sweep` leaves it alone).
    """

    path: Path
    kind: str
    env_key: str
    owner_alive: bool


def _between_renames() -> None:
    """Called after the previous env is moved aside and before the new one is renamed in.

    A no-op; the fault-injection test replaces it to kill the process exactly there.
    """


class Provisioner:
    """Builds environments under ``paths.envs`` and records them in ``store``.

    Args:
        paths: The llmhub-local home.
        store: The state store.
        uv: The uv executable (default: :func:`find_uv`).
        progress: Called with a line of progress text during long steps (default: silent).
    """

    def __init__(
        self, paths: LocalPaths, store: StateStore, *, uv: str | None = None, progress: Progress | None = None
    ) -> None:
        self.paths = paths
        self.store = store
        self._uv = uv
        self._progress = progress or (lambda _line: None)

    @property
    def uv(self) -> str:
        """The uv executable used."""
        if self._uv is None:
            self._uv = find_uv()
        return self._uv

    def is_ready(self, env_key: str) -> bool:
        """Whether ``env_key`` is recorded READY and its interpreter exists."""
        record = self.store.get_env(validate_env_key(env_key))
        return bool(
            record is not None
            and record.status == EnvStatus.READY
            and record.python_path
            and Path(record.python_path).exists()
        )

    # -- leftovers -----------------------------------------------------------------------------

    def leftovers(self) -> list[Leftover]:
        """What interrupted provisions left (and, marked ``owner_alive``, builds in progress).

        Only names this module creates are considered; nothing else in the home is touched.
        Reading creates nothing.
        """
        found: list[Leftover] = []
        tmp_root = self.paths.envs_tmp
        if tmp_root.is_dir():
            for path in sorted(tmp_root.iterdir()):
                match = _BUILD_NAME.fullmatch(path.name)
                if match is None or match["suffix"] == ".owner":
                    continue
                build = path.with_name(path.name.removesuffix(".old"))
                alive = _owner_alive(build.with_name(build.name + ".owner"))
                kind = "old" if match["suffix"] == ".old" else "build"
                found.append(Leftover(path, kind, match["key"], alive))
            for owner in sorted(tmp_root.glob("*.owner")):  # an owner file whose build never started
                build = owner.with_suffix("")
                if not build.exists() and not build.with_name(build.name + ".old").exists():
                    match = _BUILD_NAME.fullmatch(owner.name)
                    if match is not None:
                        found.append(Leftover(owner, "build", match["key"], _owner_alive(owner)))
        if self.paths.constraints.is_dir():
            for path in sorted(self.paths.constraints.glob(".*.tmp")):
                match = _CONSTRAINTS_TMP.fullmatch(path.name)
                if match is not None:
                    alive = int(match["pid"]) != os.getpid() and is_alive(int(match["pid"]))
                    found.append(Leftover(path, "constraints", match["key"], alive))
        return found

    def sweep(self) -> list[Path]:
        """Clean what interrupted provisions left; return the paths removed or restored.

        A half-built env is removed. An ``.old`` env (the process died between moving the
        previous env aside and renaming the new one in) is put back when its key has no env,
        else removed. Work of a provision that still runs is left alone.
        """
        done: list[Path] = []
        for item in self.leftovers():
            if item.owner_alive:
                continue
            if item.kind == "old":
                final = self.paths.env_dir(item.env_key)
                if not final.exists():
                    os.replace(item.path, final)  # the previous env, whole: better than none
                    done.append(item.path)
                    continue
            if item.path.is_dir():
                shutil.rmtree(item.path, ignore_errors=True)
            else:
                item.path.unlink(missing_ok=True)
            done.append(item.path)
        tmp_root = self.paths.envs_tmp
        if tmp_root.is_dir():
            for owner in tmp_root.glob("*.owner"):
                build = owner.with_suffix("")
                if not _owner_alive(owner) and not build.exists():
                    owner.unlink(missing_ok=True)
        return done

    # -- provisioning --------------------------------------------------------------------------

    def provision(self, plan: InstallPlan, *, force: bool = False) -> EnvRecord:
        """Build ``plan``'s environment atomically (a no-op when it is ready, unless ``force``).

        Raises:
            LLMConfigError: the plan's key is not a plain key.
            ProvisionError: a step failed; the message has the step's output tail. Nothing of
                the build is kept and the store records ``FAILED`` with ``last_error``.
        """
        key = validate_env_key(plan.env_key)
        if plan.note:
            self._progress(f"{key}: {plan.note}")
        with FileLock(ensure_dir(self.paths.envs_tmp) / f"{key}.lock"):
            for path in self.sweep():
                self._progress(f"cleaned up after an interrupted provision: {path.name}")
            if not force and self.is_ready(key):
                record = self.store.get_env(key)
                assert record is not None
                return record
            me = os.getpid()
            self.store.upsert_env(
                key, status=EnvStatus.PROVISIONING, pid=me, pid_start=process_start_time(me), last_error=None
            )
            build = self.paths.envs_tmp / f"{key}-{uuid.uuid4().hex[:12]}"
            owner = build.with_name(build.name + ".owner")
            owner.write_text(f"{me} {process_start_time(me)}")
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
            if plan.compiles:
                self._progress(f"{plan.compiles} - showing progress every {_PROGRESS_EVERY:g} s")
                args.append("-v")  # the build's own lines become the progress shown
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
        host = "".join(f"{pin}  # from the host interpreter\n" for pin in plan.host_pins)
        (build / "constraints.txt").write_text(header + frozen + host, encoding="utf-8")
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
        _between_renames()
        try:
            os.replace(build, final)
        except OSError:
            if old is not None:
                os.replace(old, final)  # put the previous env back
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)

    def _publish_constraints(self, key: str, source: Path) -> Path:
        from llmhub_runtime.atomic import atomic_write

        target = ensure_dir(self.paths.constraints) / f"{key}.txt"
        atomic_write(target, source.read_bytes())
        return target

    def _run(self, step: str, args: Sequence[str], plan: InstallPlan, *, timeout: float = 600.0) -> str:
        """Run one step; every ``_PROGRESS_EVERY`` seconds report the elapsed time and its last line."""
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"}}
        env.update(plan.env)
        started = time.monotonic()
        try:
            process = subprocess.Popen(
                list(args),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                env=env,
            )
        except OSError as e:
            raise ProvisionError(f"provisioning {plan.env_key}: could not {step}: {e}") from e
        stdout: list[str] = []
        stderr: list[str] = []
        latest = [""]

        def pump(stream: object, into: list[str]) -> None:
            for line in stream:  # type: ignore[attr-defined]
                into.append(line)
                text = line.strip()
                if text and _BUILD_STEP.fullmatch(text):
                    latest[0] = text[:160]

        readers = [
            threading.Thread(target=pump, args=(process.stdout, stdout), daemon=True),
            threading.Thread(target=pump, args=(process.stderr, stderr), daemon=True),
        ]
        for reader in readers:
            reader.start()
        try:
            while True:
                try:
                    process.wait(timeout=_PROGRESS_EVERY)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = time.monotonic() - started
                    if elapsed > timeout:
                        process.kill()
                        process.wait()
                        raise ProvisionError(
                            f"provisioning {plan.env_key}: could not {step}: timed out after {timeout:g} s"
                        ) from None
                    detail = f": {latest[0]}" if latest[0] else ""
                    self._progress(f"[{_clock(elapsed)}] {step}{detail}")
        except BaseException:
            if process.poll() is None:
                process.kill()
                process.wait()
            raise
        for reader in readers:
            reader.join(timeout=5)
        if process.returncode != 0:
            tail = ("".join(stderr) or "".join(stdout)).strip()[-1500:]
            raise ProvisionError(
                f"provisioning {plan.env_key}: could not {step} (exit {process.returncode}):\n{tail}"
            )
        return "".join(stdout)


def _owner_alive(owner: Path) -> bool:
    try:
        pid_text, start_text = owner.read_text().split()
        pid = int(pid_text)
        start = None if start_text == "None" else int(start_text)
    except (OSError, ValueError):
        return False
    return is_alive(pid, start)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"


def _str(value: object) -> str | None:
    return None if value is None else str(value)
