"""Background servers as real processes (fake runner): start, status, kill -9, stop, logs, catalog."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmhub_local.serving.catalog_source import LocalModelsSource
from llmhub_local.serving.envs import HardwareProfile
from llmhub_local.serving.manager import LocalManager, probe_health
from llmhub_local.serving.state_store import ServerStatus

HERE = Path(__file__).parent


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[LocalManager]:
    registry = tmp_path / "models.yaml"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        hint = s.getsockname()[1]
    registry.write_text(
        f"models:\n  fake:\n    base_model: fake.gguf\n    backend: llama.cpp\n    port: {hint}\n"
        "  fake-base:\n    base_model: other.gguf\n    model_type: base\n",
        encoding="utf-8",
    )
    launcher = tmp_path / "python-fake"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} {HERE / "fake_serve.py"} "$@"\n')
    launcher.chmod(0o755)
    mgr = LocalManager(tmp_path / "home", registry_path=registry, hardware=HardwareProfile())
    mgr.launcher = str(launcher)  # type: ignore[attr-defined]
    yield mgr
    for row in mgr.store.list_servers():
        if row.pid and row.status.active:
            mgr.stop(row.model_id, grace=2)


def test_start_status_stop_logs(manager: LocalManager) -> None:
    hint = manager.registry.get("fake").port
    record = manager.start("fake", python=manager.launcher, timeout=60)  # type: ignore[attr-defined]
    assert record.status == ServerStatus.RUNNING
    assert record.port == hint  # the hint was free
    assert record.base_url is not None
    assert probe_health(record.base_url)
    model = manager.store.get_model("fake")
    assert model is not None
    assert model.env_key == "llamacpp-cpu"  # registered on first use
    again = manager.start("fake", python=manager.launcher)  # type: ignore[attr-defined]
    assert again.pid == record.pid  # already running: no second process
    [row] = [r for r in manager.status() if r["model_id"] == "fake"]
    assert row["healthy"] is True
    assert "serving fake" in manager.logs("fake")
    stopped = manager.stop("fake")
    assert stopped is not None
    assert stopped.status == ServerStatus.STOPPED


def test_busy_hint_gets_another_port(manager: LocalManager) -> None:
    hint = manager.registry.get("fake").port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", hint))
        taken.listen()
        record = manager.start("fake", python=manager.launcher, timeout=60)  # type: ignore[attr-defined]
    assert record.port not in (None, hint)
    assert manager.store.get_server("fake").port == record.port  # type: ignore[union-attr]


def test_kill_9_is_detected_by_status(manager: LocalManager) -> None:
    record = manager.start("fake", python=manager.launcher, timeout=60)  # type: ignore[attr-defined]
    assert record.pid is not None
    os.kill(record.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = {r["model_id"]: r for r in manager.status()}
        if rows["fake"]["status"] == ServerStatus.DEAD:
            break
        time.sleep(0.05)
    assert rows["fake"]["status"] == ServerStatus.DEAD
    assert "gone" in str(rows["fake"]["last_error"])
    # and it can be started again
    assert manager.start("fake", python=manager.launcher, timeout=60).status == ServerStatus.RUNNING  # type: ignore[attr-defined]


def test_failed_start_reports_the_log(manager: LocalManager, tmp_path: Path) -> None:
    (tmp_path / "models.yaml").write_text(
        "models:\n  broken:\n    base_model: /does/not/exist.gguf\n    backend: llama.cpp\n"
    )
    broken = LocalManager(
        tmp_path / "home", registry_path=tmp_path / "models.yaml", hardware=HardwareProfile()
    )
    from llmhub_local.errors import ServerError

    with pytest.raises(ServerError, match="failed to start"):
        broken.start("broken", timeout=60)
    record = broken.store.get_server("broken")
    assert record is not None
    assert record.status == ServerStatus.FAILED


def test_catalog_records(manager: LocalManager) -> None:
    from llmhub_catalog import load_catalog

    source = LocalModelsSource(manager)
    records = {r["model"]: r for r in source.models()}
    assert records["fake"]["kind"] == "chat"
    assert records["fake"]["api_base"].endswith(f":{manager.registry.get('fake').port}/v1")
    assert records["fake-base"]["kind"] == "other"  # a base model is no chat candidate
    assert records["all-minilm-l6-v2"]["kind"] == "embedding"
    assert records["smollm2-135m-instruct"]["limits"]["context"] == 8192
    catalog = load_catalog("bundled", extra_sources=[source], overrides=False)
    record = catalog.get("llamacpp/fake")
    assert record.prices.input == 0
    assert record.provider == "llamacpp"
    assert record.open_weights
