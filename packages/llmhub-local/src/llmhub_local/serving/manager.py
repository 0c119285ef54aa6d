"""``LocalManager``: start, stop, inspect and log local model servers (background processes).

It ties the pieces together: the registry (what models exist), the state store (what runs),
environments (which interpreter runs a model) and the server process (:mod:`llmhub_local.serving.serve`).

- :meth:`LocalManager.start` registers the model in the store, claims its server row atomically
  (two racing starts: one wins, the other gets the running server), launches
  ``python -m llmhub_local.serving.serve`` with the interpreter of the model's environment when it is
  provisioned (else the current one), detached, its output appended to ``logs/<model>.log``,
  and waits until the server has recorded its port and answers ``/health``.
- :meth:`LocalManager.status` reconciles first: a server whose process is gone (``kill -9``,
  a crash, a reboot) is reported ``DEAD``, never ``RUNNING``.
- :meth:`LocalManager.stop` sends SIGTERM, then SIGKILL after a grace period.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from llmhub_local.errors import ServerError
from llmhub_local.serving.envs import HardwareProfile, detect_hardware, resolve_env_key
from llmhub_local.serving.paths import LocalPaths, ensure_dir
from llmhub_local.serving.ports import LOOPBACK
from llmhub_local.serving.processes import is_alive, process_start_time, terminate
from llmhub_local.serving.registry import ModelEntry, Registry, load_registry
from llmhub_local.serving.state_store import ModelRecord, ServerRecord, ServerStatus, StateStore

__all__ = ["API_KEY_ENV", "LocalManager", "probe_health"]

#: The variable a server process reads its API key from (never the command line, which `ps` shows).
API_KEY_ENV = "LLMHUB_LOCAL_API_KEY"


def probe_health(base_url: str, *, timeout: float = 2.0) -> bool:
    """Whether ``<server>/health`` answers ``{"status": "ok"}`` (``base_url`` ends in ``/v1``)."""
    url = base_url.removesuffix("/v1") + "/health"
    try:
        response = httpx.get(url, timeout=timeout)
        data = response.json() if response.is_success else None
    except (OSError, ValueError, httpx.HTTPError):
        return False
    return isinstance(data, dict) and data.get("status") == "ok"


class LocalManager:
    """The local models of one llmhub-local home.

    Args:
        home: The home folder (default: :func:`~llmhub_local.serving.paths.default_home`).
        registry_path: The registry file (default: ``<home>/models.yaml`` when it exists).
        registry: An already-loaded registry (tests).
        hardware: The hardware profile (default: detected on first use).
    """

    def __init__(
        self,
        home: Path | None = None,
        *,
        registry_path: Path | None = None,
        registry: Registry | None = None,
        hardware: HardwareProfile | None = None,
    ) -> None:
        self.paths = LocalPaths(home) if home is not None else LocalPaths.default()
        self.registry_path = registry_path
        self._registry = registry
        self._hardware = hardware
        self.store = StateStore(self.paths.state_db)

    @property
    def registry(self) -> Registry:
        """The registry (loaded on first use)."""
        if self._registry is None:
            self._registry = load_registry(self.registry_path, default_path=self.paths.registry)
        return self._registry

    @property
    def hardware(self) -> HardwareProfile:
        """This machine's profile (detected on first use)."""
        if self._hardware is None:
            self._hardware = detect_hardware()
        return self._hardware

    # -- models and environments ---------------------------------------------------------------

    def env_key_for(self, entry: ModelEntry) -> str:
        """The entry's env_key, or the one resolved from the hardware and its backend."""
        if entry.env_key:
            return entry.env_key
        from llmhub_local.runners.factory import LLMRunnerFactory

        backend = entry.inferred_backend
        if backend is None:  # a folder or file whose type only the file system can tell
            backend = LLMRunnerFactory.parse_config(entry.model_config_for()).backend
        assert backend is not None
        return resolve_env_key(backend, self.hardware, use_4bit=entry.use_4bit)

    def register(self, model_id: str) -> ModelRecord:
        """Record a registered model in the state store (done on first use by start/serve)."""
        model_id = self.registry.canonical_id(model_id)
        entry = self.registry.get(model_id)
        inferred = entry.inferred_backend
        backend = inferred.value if inferred is not None else "auto"
        params = {"model_type": entry.model_type, "port": entry.port, **entry.params}
        return self.store.upsert_model(
            model_id,
            backend=backend,
            model_path=entry.base_model,
            env_key=self.env_key_for(entry),
            params=params,
        )

    def python_for(self, env_key: str) -> str:
        """The interpreter of ``env_key`` when it is provisioned and ready, else the current one."""
        record = self.store.get_env(env_key)
        if (
            record is not None
            and record.status == "READY"
            and record.python_path
            and Path(record.python_path).exists()
        ):
            return record.python_path
        return sys.executable

    # -- servers -------------------------------------------------------------------------------

    def start(
        self,
        model_id: str,
        *,
        host: str = LOOPBACK,
        port: int | None = None,
        api_key: str | None = None,
        python: str | None = None,
        timeout: float = 180.0,
    ) -> ServerRecord:
        """Start ``model_id``'s server in the background (or return the one already running).

        Raises:
            ServerError: the process exited or did not become healthy within ``timeout``
                (the message ends with the log's last lines).
        """
        model_id = self.registry.canonical_id(model_id)
        record = self.register(model_id)
        me = os.getpid()
        claimed = self.store.claim_server(model_id, pid=me, pid_start=process_start_time(me), port=None)
        if claimed is None:
            existing = self.store.get_server(model_id)
            assert existing is not None
            if existing.status == ServerStatus.RUNNING:
                return existing
            return self._wait_healthy(model_id, existing.pid, None, timeout)
        interpreter = python or self.python_for(record.env_key or "")
        log_path = ensure_dir(self.paths.logs) / f"{model_id}.log"
        args = [
            interpreter,
            "-m",
            "llmhub_local.serving.serve",
            model_id,
            "--home",
            str(self.paths.home),
            "--host",
            host,
        ]
        if self.registry.source is not None:
            args += ["--registry", self.registry.source]
        if port is not None:
            args += ["--port", str(port)]
        env = {k: v for k, v in os.environ.items() if k != API_KEY_ENV}
        if api_key:
            env[API_KEY_ENV] = api_key
        with open(log_path, "ab") as log:
            log.write(f"\n--- starting {model_id} with {interpreter} at {time.ctime()}\n".encode())
            log.flush()
            try:
                process = subprocess.Popen(
                    args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True
                )
            except OSError as e:
                self.store.upsert_server(model_id, status=ServerStatus.FAILED, pid=None, last_error=str(e))
                raise ServerError(f"cannot start {model_id} with {interpreter}: {e}") from e
        self.store.upsert_server(
            model_id,
            pid=process.pid,
            pid_start=process_start_time(process.pid),
            host=host,
            env_key=record.env_key,
            python_path=interpreter,
            log_path=str(log_path),
        )
        return self._wait_healthy(model_id, process.pid, process, timeout)

    def _wait_healthy(
        self, model_id: str, pid: int | None, process: subprocess.Popen[bytes] | None, timeout: float
    ) -> ServerRecord:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.store.get_server(model_id)
            exited = process.poll() is not None if process is not None else not is_alive(pid)
            running = record is not None and record.status == ServerStatus.RUNNING
            if running and record is not None and record.base_url and probe_health(record.base_url):
                return record
            if exited or (record is not None and record.status == ServerStatus.FAILED):
                if record is None or record.status != ServerStatus.FAILED:
                    self.store.upsert_server(
                        model_id, status=ServerStatus.FAILED, last_error="the server process exited"
                    )
                raise ServerError(
                    f"the server of {model_id} failed to start:\n{self.logs(model_id, lines=15)}"
                )
            time.sleep(0.1)
        if pid is not None:
            terminate(pid, force=True)
        self.store.upsert_server(
            model_id, status=ServerStatus.FAILED, last_error=f"not healthy after {timeout:g} s"
        )
        raise ServerError(
            f"the server of {model_id} was not healthy after {timeout:g} s:\n{self.logs(model_id, lines=15)}"
        )

    def stop(self, model_id: str, *, grace: float = 10.0) -> ServerRecord | None:
        """Stop ``model_id``'s server (SIGTERM, then SIGKILL after ``grace`` seconds)."""
        model_id = self.registry.canonical_id(model_id)
        record = self.store.get_server(model_id)
        if record is None:
            return None
        if record.pid is not None and is_alive(record.pid, record.pid_start):
            self.store.upsert_server(model_id, status=ServerStatus.STOPPING)
            terminate(record.pid)
            deadline = time.monotonic() + grace
            while is_alive(record.pid, record.pid_start) and time.monotonic() < deadline:
                time.sleep(0.05)
            if is_alive(record.pid, record.pid_start):
                terminate(record.pid, force=True)
        return self.store.upsert_server(model_id, status=ServerStatus.STOPPED, pid=None, pid_start=None)

    def status(self, *, probe: bool = True) -> list[dict[str, object]]:
        """Every server after reconciliation; with ``probe``, whether each running one is healthy."""
        self.store.reconcile()
        rows: list[dict[str, object]] = []
        for record in self.store.list_servers():
            row = record.as_dict()
            running = record.status == ServerStatus.RUNNING and record.base_url is not None
            row["healthy"] = probe_health(record.base_url) if probe and running and record.base_url else None
            rows.append(row)
        return rows

    def logs(self, model_id: str, *, lines: int = 50) -> str:
        """The last ``lines`` lines of the server's log ('' when there is none)."""
        path = self.paths.log_file(self.registry.canonical_id(model_id))
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(f.tell() - 256 * 1024, 0))
                text = f.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
