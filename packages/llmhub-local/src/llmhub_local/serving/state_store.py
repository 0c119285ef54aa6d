"""``StateStore``: what llmhub-local knows at run time (models, environments, servers) in SQLite.

The YAML registry says what *should* exist; the store records what *does*: which models were
registered, which environments are ready (with their library versions and last error), which
servers run on which port under which pid.

Safe across processes and threads:

- WAL journal (readers never block the writer) and a ``busy_timeout`` so SQLite itself waits for
  a lock; every write runs in ``BEGIN IMMEDIATE`` and is retried with jittered back-off until
  :attr:`StateStore.lock_timeout`, so "database is locked" never escapes - after the deadline the
  error is a :class:`~llmhub_local.errors.StateStoreError` that says what happened;
- one short-lived connection per operation (no connection crosses a thread or a ``fork``).

The schema version is SQLite's ``user_version``; :data:`MIGRATIONS` bring any older store up to
date when it is opened, and a store written by a newer version is refused rather than damaged.
:meth:`StateStore.reconcile` marks rows whose process is gone (a server killed with ``kill -9``,
an interrupted provision) as dead or failed.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from enum import Enum, StrEnum
from pathlib import Path
from typing import Any, Final, TypeVar

from llmhub_local.errors import StateStoreError
from llmhub_local.serving.processes import is_alive

__all__ = [
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "UNSET",
    "EnvRecord",
    "EnvStatus",
    "ModelRecord",
    "ServerRecord",
    "ServerStatus",
    "StateStore",
]

T = TypeVar("T")


class EnvStatus(StrEnum):
    """Values of ``envs.status``."""

    PROVISIONING = "PROVISIONING"
    READY = "READY"
    FAILED = "FAILED"


class ServerStatus(StrEnum):
    """Values of ``servers.status``; :attr:`active` ones are expected to have a live pid."""

    STARTING = "STARTING"
    RUNNING = "RUNNING"
    STOPPING = "STOPPING"
    STOPPED = "STOPPED"
    DEAD = "DEAD"
    FAILED = "FAILED"

    @property
    def active(self) -> bool:
        """Whether a server in this state should have a live process."""
        return self in _ACTIVE


_ACTIVE = frozenset({ServerStatus.STARTING, ServerStatus.RUNNING, ServerStatus.STOPPING})


class _Unset(Enum):
    """The type of :data:`UNSET`."""

    UNSET = "UNSET"


#: "Leave this column as it is" in :meth:`StateStore.upsert_env` / :meth:`StateStore.upsert_server`.
UNSET: Final = _Unset.UNSET


#: Schema migrations: entry ``i`` brings a store from version ``i`` to ``i + 1``.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE models (
        model_id TEXT PRIMARY KEY,
        backend TEXT NOT NULL,
        model_path TEXT NOT NULL,
        env_key TEXT,
        params TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE envs (
        env_key TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        path TEXT,
        python_path TEXT,
        python_version TEXT,
        torch_version TEXT,
        llama_cpp_version TEXT,
        constraints_path TEXT,
        last_error TEXT,
        pid INTEGER,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL
    );
    CREATE TABLE servers (
        model_id TEXT PRIMARY KEY,
        status TEXT NOT NULL,
        pid INTEGER,
        host TEXT,
        port INTEGER,
        env_key TEXT,
        python_path TEXT,
        log_path TEXT,
        last_error TEXT,
        started_at REAL,
        updated_at REAL NOT NULL
    );
    """,
    # v2: identify processes by pid + start time (pids are reused); remember whether a server
    # needs an API key (never the key itself).
    """
    ALTER TABLE servers ADD COLUMN pid_start INTEGER;
    ALTER TABLE servers ADD COLUMN api_key_required INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE envs ADD COLUMN pid_start INTEGER;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class ModelRecord:
    """A row of ``models``."""

    model_id: str
    backend: str
    model_path: str
    env_key: str | None
    params: dict[str, Any]
    created_at: float
    updated_at: float

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready mapping."""
        return asdict(self)


@dataclass(frozen=True)
class EnvRecord:
    """A row of ``envs``."""

    env_key: str
    status: EnvStatus
    path: str | None
    python_path: str | None
    python_version: str | None
    torch_version: str | None
    llama_cpp_version: str | None
    constraints_path: str | None
    last_error: str | None
    pid: int | None
    pid_start: int | None
    created_at: float
    updated_at: float

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready mapping."""
        return asdict(self)


@dataclass(frozen=True)
class ServerRecord:
    """A row of ``servers``."""

    model_id: str
    status: ServerStatus
    pid: int | None
    pid_start: int | None
    host: str | None
    port: int | None
    env_key: str | None
    python_path: str | None
    log_path: str | None
    last_error: str | None
    api_key_required: bool
    started_at: float | None
    updated_at: float

    @property
    def base_url(self) -> str | None:
        """``http://host:port/v1`` when the server has a port."""
        if self.port is None or not self.host:
            return None
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def as_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready mapping (with ``base_url``)."""
        return {**asdict(self), "base_url": self.base_url}


_LOCKED = ("locked", "busy")


class StateStore:
    """The SQLite state store at ``path`` (created, with its folder, on first use).

    Args:
        path: The database file.
        lock_timeout: How long a write keeps retrying while another process holds the lock.
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.lock_timeout = lock_timeout
        self._migrated = False

    # -- plumbing ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=5.0, isolation_level=None)
        except (OSError, sqlite3.Error) as e:
            raise StateStoreError(f"cannot open the state store {self.path}: {e}") from e
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA synchronous = NORMAL")
            # Refuse a database this version must not touch before anything is written to it
            # (switching to WAL rewrites the file header).
            self._check_foreign(conn)
            if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
        except BaseException:
            conn.close()
            raise
        return conn

    def _check_foreign(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StateStoreError(
                f"state store {self.path} has schema version {version}, newer than this "
                f"llmhub-local understands ({SCHEMA_VERSION}); upgrade llmhub-local"
            )
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise StateStoreError(
                f"{self.path} is a SQLite database with tables llmhub-local did not create; it is "
                "not a state store (move it aside, or point LLMHUB_LOCAL_HOME elsewhere)"
            )

    def _with_retry(self, action: Callable[[sqlite3.Connection], T], *, write: bool) -> T:
        deadline = time.monotonic() + self.lock_timeout
        delay = 0.005
        while True:
            try:
                conn = self._connect()
                try:
                    if write:
                        conn.execute("BEGIN IMMEDIATE")
                        try:
                            result = action(conn)
                            conn.execute("COMMIT")
                        except BaseException:
                            if conn.in_transaction:
                                conn.execute("ROLLBACK")
                            raise
                        return result
                    return action(conn)
                finally:
                    conn.close()
            except sqlite3.OperationalError as e:
                text = str(e).lower()
                if not any(word in text for word in _LOCKED):
                    raise StateStoreError(f"state store {self.path}: {e}") from e
                if time.monotonic() >= deadline:
                    raise StateStoreError(
                        f"state store {self.path} stayed locked by another process for more than "
                        f"{self.lock_timeout:g} s"
                    ) from e
                time.sleep(delay * (0.5 + random.random()))  # noqa: S311 - jitter, not security
                delay = min(delay * 2, 0.25)
            except sqlite3.DatabaseError as e:
                raise StateStoreError(
                    f"state store {self.path} is not a usable SQLite database ({e}); move it aside "
                    "and llmhub-local will start a new one (running servers must then be restarted)"
                ) from e

    def _write(self, action: Callable[[sqlite3.Connection], T]) -> T:
        self.migrate()
        return self._with_retry(action, write=True)

    def _read(self, action: Callable[[sqlite3.Connection], T]) -> T:
        self.migrate()
        return self._with_retry(action, write=False)

    def migrate(self) -> int:
        """Create or upgrade the schema (idempotent, safe to race); return the schema version.

        Raises:
            StateStoreError: the store was written by a newer llmhub-local, or cannot be migrated.
        """
        if self._migrated:
            return SCHEMA_VERSION

        def upgrade(conn: sqlite3.Connection) -> int:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > SCHEMA_VERSION:
                raise StateStoreError(
                    f"state store {self.path} has schema version {version}, newer than this "
                    f"llmhub-local understands ({SCHEMA_VERSION}); upgrade llmhub-local"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {step + 1}")
            return SCHEMA_VERSION

        result = self._with_retry(upgrade, write=True)
        self._migrated = True
        return result

    @property
    def schema_version(self) -> int:
        """The schema version stored in the file."""
        return int(self._read(lambda c: c.execute("PRAGMA user_version").fetchone()[0]))

    # -- models --------------------------------------------------------------------------------

    def upsert_model(
        self,
        model_id: str,
        *,
        backend: str,
        model_path: str,
        env_key: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> ModelRecord:
        """Insert or update a model; returns the stored row."""
        now = time.time()
        encoded = json.dumps(dict(params or {}), sort_keys=True, default=str)

        def action(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO models (model_id, backend, model_path, env_key, params, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(model_id) DO UPDATE SET backend=excluded.backend,"
                " model_path=excluded.model_path, env_key=excluded.env_key, params=excluded.params,"
                " updated_at=excluded.updated_at",
                (model_id, backend, model_path, env_key, encoded, now, now),
            )

        self._write(action)
        record = self.get_model(model_id)
        assert record is not None
        return record

    def get_model(self, model_id: str) -> ModelRecord | None:
        """The model's row, or ``None``."""
        rows = self._read(
            lambda c: c.execute("SELECT * FROM models WHERE model_id = ?", (model_id,)).fetchall()
        )
        return _model(rows[0]) if rows else None

    def list_models(self) -> list[ModelRecord]:
        """Every model, by id."""
        rows = self._read(lambda c: c.execute("SELECT * FROM models ORDER BY model_id").fetchall())
        return [_model(r) for r in rows]

    # -- envs ----------------------------------------------------------------------------------

    def upsert_env(
        self,
        env_key: str,
        *,
        status: EnvStatus | _Unset = UNSET,
        path: str | _Unset | None = UNSET,
        python_path: str | _Unset | None = UNSET,
        python_version: str | _Unset | None = UNSET,
        torch_version: str | _Unset | None = UNSET,
        llama_cpp_version: str | _Unset | None = UNSET,
        constraints_path: str | _Unset | None = UNSET,
        last_error: str | _Unset | None = UNSET,
        pid: int | _Unset | None = UNSET,
        pid_start: int | _Unset | None = UNSET,
    ) -> EnvRecord:
        """Insert or update an environment's row; columns left :data:`UNSET` keep their value.

        A new row starts ``PROVISIONING`` unless ``status`` says otherwise.
        """
        fields = _given(
            status=status,
            path=path,
            python_path=python_path,
            python_version=python_version,
            torch_version=torch_version,
            llama_cpp_version=llama_cpp_version,
            constraints_path=constraints_path,
            last_error=last_error,
            pid=pid,
            pid_start=pid_start,
        )
        self._upsert("envs", "env_key", env_key, fields, {"status": EnvStatus.PROVISIONING})
        record = self.get_env(env_key)
        assert record is not None
        return record

    def get_env(self, env_key: str) -> EnvRecord | None:
        """The environment's row, or ``None``."""
        rows = self._read(lambda c: c.execute("SELECT * FROM envs WHERE env_key = ?", (env_key,)).fetchall())
        return _env(rows[0]) if rows else None

    def list_envs(self, status: EnvStatus | None = None) -> list[EnvRecord]:
        """Every environment (with ``status``, only those), by key."""
        return [_env(r) for r in self._select("envs", "env_key", status)]

    # -- servers -------------------------------------------------------------------------------

    def upsert_server(
        self,
        model_id: str,
        *,
        status: ServerStatus | _Unset = UNSET,
        pid: int | _Unset | None = UNSET,
        pid_start: int | _Unset | None = UNSET,
        host: str | _Unset | None = UNSET,
        port: int | _Unset | None = UNSET,
        env_key: str | _Unset | None = UNSET,
        python_path: str | _Unset | None = UNSET,
        log_path: str | _Unset | None = UNSET,
        last_error: str | _Unset | None = UNSET,
        api_key_required: bool | _Unset = UNSET,
        started_at: float | _Unset | None = UNSET,
    ) -> ServerRecord:
        """Insert or update a server's row; columns left :data:`UNSET` keep their value.

        A new row starts ``STARTING`` unless ``status`` says otherwise.
        """
        fields = _given(
            status=status,
            pid=pid,
            pid_start=pid_start,
            host=host,
            port=port,
            env_key=env_key,
            python_path=python_path,
            log_path=log_path,
            last_error=last_error,
            api_key_required=api_key_required,
            started_at=started_at,
        )
        self._upsert("servers", "model_id", model_id, fields, {"status": ServerStatus.STARTING})
        record = self.get_server(model_id)
        assert record is not None
        return record

    def get_server(self, model_id: str) -> ServerRecord | None:
        """The server's row, or ``None``."""
        rows = self._read(
            lambda c: c.execute("SELECT * FROM servers WHERE model_id = ?", (model_id,)).fetchall()
        )
        return _server(rows[0]) if rows else None

    def list_servers(self, status: ServerStatus | None = None) -> list[ServerRecord]:
        """Every server (with ``status``, only those), by model id."""
        return [_server(r) for r in self._select("servers", "model_id", status)]

    def claim_server(
        self, model_id: str, *, pid: int | None, pid_start: int | None = None, port: int | None = None
    ) -> ServerRecord | None:
        """Atomically mark ``model_id`` as starting (owned by ``pid``) unless a live server has it.

        Returns the new row, or ``None`` when another live process owns the server (its row is
        left alone). Two ``llmhub local start`` racing for one model: exactly one wins.
        """
        now = time.time()
        values: dict[str, Any] = {
            "status": ServerStatus.STARTING,
            "last_error": None,
            "started_at": now,
            "pid": pid,
            "pid_start": pid_start,
            "port": port,
        }

        def action(conn: sqlite3.Connection) -> bool:
            row = conn.execute("SELECT * FROM servers WHERE model_id = ?", (model_id,)).fetchone()
            if row is not None:
                current = _server(row)
                if current.status.active and is_alive(current.pid, current.pid_start):
                    return False
            _upsert_in(conn, "servers", "model_id", model_id, values, now)
            return True

        return self.get_server(model_id) if self._write(action) else None

    # -- reconciliation ------------------------------------------------------------------------

    def reconcile(self) -> list[str]:
        """Mark rows whose process is gone: servers become DEAD, provisions FAILED.

        Returns a description of each change (empty when everything was consistent).
        """
        changes: list[str] = []

        def action(conn: sqlite3.Connection) -> None:
            now = time.time()
            for row in conn.execute("SELECT * FROM servers").fetchall():
                server = _server(row)
                if server.status.active and not is_alive(server.pid, server.pid_start):
                    message = f"process {server.pid} is gone (was {server.status})"
                    conn.execute(
                        "UPDATE servers SET status = ?, last_error = ?, updated_at = ? WHERE model_id = ?",
                        (ServerStatus.DEAD, message, now, server.model_id),
                    )
                    changes.append(f"server {server.model_id}: {message}")
            for row in conn.execute("SELECT * FROM envs WHERE status = ?", (EnvStatus.PROVISIONING,)):
                env = _env(row)
                if not is_alive(env.pid, env.pid_start):
                    message = f"provisioning was interrupted (process {env.pid} is gone)"
                    conn.execute(
                        "UPDATE envs SET status = ?, last_error = ?, updated_at = ? WHERE env_key = ?",
                        (EnvStatus.FAILED, message, now, env.env_key),
                    )
                    changes.append(f"env {env.env_key}: {message}")

        self._write(action)
        return changes

    # -- helpers -------------------------------------------------------------------------------

    def _upsert(
        self,
        table: str,
        key_column: str,
        key: str,
        fields: Mapping[str, Any],
        defaults: Mapping[str, Any],
    ) -> None:
        now = time.time()

        def action(conn: sqlite3.Connection) -> None:
            exists = conn.execute(f"SELECT 1 FROM {table} WHERE {key_column} = ?", (key,)).fetchone()  # noqa: S608
            _upsert_in(conn, table, key_column, key, fields if exists else {**defaults, **fields}, now)

        self._write(action)

    def _select(self, table: str, key_column: str, status: StrEnum | None) -> list[sqlite3.Row]:
        args: tuple[str, ...]
        if status is None:
            query, args = f"SELECT * FROM {table} ORDER BY {key_column}", ()  # noqa: S608
        else:
            query, args = f"SELECT * FROM {table} WHERE status = ? ORDER BY {key_column}", (status,)  # noqa: S608
        return self._read(lambda c: c.execute(query, args).fetchall())


def _given(**fields: object) -> dict[str, object]:
    """The columns to write: every argument that is not :data:`UNSET`."""
    return {name: value for name, value in fields.items() if value is not UNSET}


def _upsert_in(
    conn: sqlite3.Connection, table: str, key_column: str, key: str, fields: Mapping[str, Any], now: float
) -> None:
    # Column names are the keyword parameters of upsert_env/upsert_server, never the caller's data.
    exists = conn.execute(f"SELECT 1 FROM {table} WHERE {key_column} = ?", (key,)).fetchone()  # noqa: S608
    values = {
        k: (int(v) if isinstance(v, bool) else str(v) if isinstance(v, StrEnum) else v)
        for k, v in fields.items()
    }
    if exists:
        if values:
            assignments = ", ".join(f"{column} = ?" for column in values)
            conn.execute(
                f"UPDATE {table} SET {assignments}, updated_at = ? WHERE {key_column} = ?",  # noqa: S608
                (*values.values(), now, key),
            )
        return
    columns = [key_column, *values, "updated_at"]
    params: list[Any] = [key, *values.values(), now]
    if table == "envs":
        columns.append("created_at")
        params.append(now)
    placeholders = ", ".join("?" for _ in columns)
    conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", params)  # noqa: S608


def _model(row: sqlite3.Row) -> ModelRecord:
    data = dict(row)
    try:
        params = json.loads(data.pop("params") or "{}")
    except ValueError:
        params = {}
    return ModelRecord(params=params if isinstance(params, dict) else {}, **data)


def _env(row: sqlite3.Row) -> EnvRecord:
    data = dict(row)
    data["status"] = _status(EnvStatus, data["status"], EnvStatus.FAILED)
    return EnvRecord(**data)


def _server(row: sqlite3.Row) -> ServerRecord:
    data = dict(row)
    data["api_key_required"] = bool(data.get("api_key_required"))
    data["status"] = _status(ServerStatus, data["status"], ServerStatus.DEAD)
    return ServerRecord(**data)


S = TypeVar("S", EnvStatus, ServerStatus)


def _status(kind: type[S], value: str, unknown: S) -> S:
    """A stored status; a value this version does not know (a hand edit) reads as ``unknown``."""
    try:
        return kind(value)
    except ValueError:
        return unknown
