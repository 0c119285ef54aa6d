"""StateStore on a real SQLite file: schema, migrations, reconciliation, several processes at once."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from llmhub_local.errors import StateStoreError
from llmhub_local.serving.state_store import MIGRATIONS, SCHEMA_VERSION, EnvStatus, ServerStatus, StateStore


def test_models_envs_servers_round_trip(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db")
    model = store.upsert_model(
        "m1", backend="llama.cpp", model_path="/x.gguf", env_key="llamacpp-cpu", params={"a": 1}
    )
    assert model.params == {"a": 1}
    assert store.upsert_model("m1", backend="llama.cpp", model_path="/y.gguf").model_path == "/y.gguf"
    assert [m.model_id for m in store.list_models()] == ["m1"]
    env = store.upsert_env("llamacpp-cpu", status=EnvStatus.READY, llama_cpp_version="0.3.36")
    assert env.status == "READY"
    assert [e.env_key for e in store.list_envs(status="READY")] == ["llamacpp-cpu"]
    server = store.upsert_server("m1", status=ServerStatus.RUNNING, host="127.0.0.1", port=1234, pid=1)
    assert server.base_url == "http://127.0.0.1:1234/v1"
    assert store.get_server("nope") is None
    with sqlite3.connect(tmp_path / "state.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(TypeError, match="password"):
        store.upsert_server("m1", password="x")  # type: ignore[call-arg]


def test_old_schema_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0])
        conn.execute("PRAGMA user_version = 1")
        conn.execute("INSERT INTO servers (model_id, status, updated_at) VALUES ('old', 'STOPPED', 0)")
    store = StateStore(path)
    assert store.schema_version == SCHEMA_VERSION == 2
    old = store.get_server("old")
    assert old is not None
    assert old.api_key_required is False
    assert old.pid_start is None


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StateStoreError, match="newer"):
        StateStore(path).list_models()


def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StateStoreError, match="not a usable SQLite database"):
        StateStore(path).list_models()


def test_reconcile_marks_dead_servers_and_interrupted_provisions(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db")
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that no longer runs
    store.upsert_server("gone", status=ServerStatus.RUNNING, pid=child.pid)
    store.upsert_server("alive", status=ServerStatus.RUNNING, pid=subprocess.os.getpid())  # type: ignore[attr-defined]
    store.upsert_env("k", status=EnvStatus.PROVISIONING, pid=child.pid)
    changes = store.reconcile()
    assert len(changes) == 2
    gone = store.get_server("gone")
    assert gone is not None
    assert gone.status == ServerStatus.DEAD
    assert "gone" in (gone.last_error or "")
    alive = store.get_server("alive")
    assert alive is not None
    assert alive.status == ServerStatus.RUNNING
    env = store.get_env("k")
    assert env is not None
    assert env.status == EnvStatus.FAILED
    assert "interrupted" in (env.last_error or "")
    assert store.reconcile() == []


def test_claim_server_has_one_winner(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "state.db")
    me = subprocess.os.getpid()  # type: ignore[attr-defined]
    assert store.claim_server("m", pid=me) is not None
    assert store.claim_server("m", pid=me) is None  # a live process owns it
    store.upsert_server("m", status=ServerStatus.STOPPED, pid=None)
    assert store.claim_server("m", pid=me) is not None


_WRITER = textwrap.dedent(
    """
    import sys
    from llmhub_local.serving.state_store import StateStore
    store = StateStore(sys.argv[1])
    worker = int(sys.argv[2])
    for i in range(int(sys.argv[3])):
        store.upsert_model(f"w{worker}-m{i}", backend="llama.cpp", model_path=f"/m{i}")
        store.upsert_server("shared", status="RUNNING", port=worker * 1000 + i)
        store.upsert_env(f"env-{i % 3}", status="READY", last_error=f"w{worker}")
        store.list_servers()
    store.reconcile()
    print("ok")
    """
)


def test_several_processes_write_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    workers, per_worker = 6, 40
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), str(w), str(per_worker)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "ok"
        assert "locked" not in err
    store = StateStore(path)
    assert len(store.list_models()) == workers * per_worker  # nothing lost
    assert len(store.list_envs()) == 3
