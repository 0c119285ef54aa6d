"""Live refresh against a real HTTP server on 127.0.0.1, and the cache's failure modes."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from catalog_server import LocalServer
from llmhub_catalog import CacheError, RefreshError, load_catalog, refresh_catalog
from llmhub_catalog.cache import cache_path, read_cache


def _refresh(server: LocalServer, models_dev: Any, arena: Any, **kwargs: Any) -> Any:
    md_url = server.serve("/api.json", models_dev)
    arena_url = server.serve("/arena.json", arena)
    kwargs.setdefault("min_fraction", 0.0)
    return refresh_catalog(models_dev_url=md_url, arena_url=arena_url, timeout=5, **kwargs)


def test_refresh_writes_a_valid_cache(server: LocalServer, models_dev_doc: Any, arena_doc: Any) -> None:
    catalog = _refresh(server, models_dev_doc, arena_doc)
    assert catalog.source == "live"
    assert "some-gateway/gpt-4.1" not in catalog  # no any-llm route
    gpt = catalog.get("openai/gpt-4.1")
    assert gpt.arena is not None
    assert gpt.arena.ratings["coding"].rating == 1420.0
    assert gpt.release_date == "2025-04-14"
    assert catalog.get("openai/text-embedding-3-small").kind.value == "embedding"
    assert catalog.get("anthropic/claude-sonnet-4-5-20250929").tiers.quality == 5
    cached = read_cache()
    assert cached.sha256 == catalog.sha256
    assert load_catalog("cache").sha256 == catalog.sha256
    assert load_catalog().source == "cache"  # auto prefers a valid cache newer than the snapshot


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b'{"openai": {"id": "openai", "models": {"gpt-4.1": {"id"', 200, "truncated or invalid JSON"),
        (b"", 200, "empty response"),
        (b'{"error": "boom"}', 500, "HTTP 500"),
        (b"{}", 200, "non-empty"),
        (b"[1, 2, 3]", 200, "non-empty"),
    ],
)
def test_bad_models_dev_responses_never_replace_the_cache(
    server: LocalServer, models_dev_doc: Any, arena_doc: Any, body: bytes, status: int, message: str
) -> None:
    good = _refresh(server, models_dev_doc, arena_doc)
    before = cache_path().read_bytes()
    url = server.serve("/bad.json", body, status=status)
    with pytest.raises(RefreshError, match=message):
        refresh_catalog(models_dev_url=url, arena_url=None, timeout=5, min_fraction=0)
    assert cache_path().read_bytes() == before
    assert load_catalog().sha256 == good.sha256


def test_slow_server_times_out(server: LocalServer, models_dev_doc: Any) -> None:
    url = server.serve("/slow.json", models_dev_doc, delay=3.0)
    with pytest.raises(RefreshError, match=r"(?i)timed out|timeout"):
        refresh_catalog(models_dev_url=url, arena_url=None, timeout=0.5, min_fraction=0)
    assert not cache_path().exists()


def test_connection_refused_is_a_refresh_error() -> None:
    with pytest.raises(RefreshError):
        refresh_catalog(models_dev_url="http://127.0.0.1:9/api.json", arena_url=None, timeout=2)


def test_partial_data_is_rejected(server: LocalServer, models_dev_doc: Any, arena_doc: Any) -> None:
    # A handful of models where the bundled snapshot has well over a thousand: a partial download.
    with pytest.raises(RefreshError, match="partial"):
        _refresh(server, models_dev_doc, arena_doc, min_fraction=0.5)
    del models_dev_doc["google"]
    with pytest.raises(RefreshError, match="core providers"):
        _refresh(server, models_dev_doc, arena_doc)
    assert not cache_path().exists()


def test_bad_arena_table_is_a_refresh_error(server: LocalServer, models_dev_doc: Any) -> None:
    with pytest.raises(RefreshError, match="Arena"):
        _refresh(server, models_dev_doc, {"unexpected": True})


def test_refresh_without_arena(server: LocalServer, models_dev_doc: Any) -> None:
    url = server.serve("/api.json", models_dev_doc)
    catalog = refresh_catalog(models_dev_url=url, arena_url=None, timeout=5, min_fraction=0)
    assert all(r.arena is None for r in catalog)
    assert {r.tiers.quality_basis for r in catalog} == {"default"}


def test_corrupt_cache_falls_back_to_bundled_with_a_log(
    server: LocalServer, models_dev_doc: Any, arena_doc: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _refresh(server, models_dev_doc, arena_doc)
    path = cache_path()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte on disk
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="llmhub_catalog"):
        catalog = load_catalog()
    assert catalog.source == "bundled"
    assert len(catalog) > 1000
    assert any("sha256 mismatch" in r.getMessage() for r in caplog.records)
    with pytest.raises(CacheError, match="sha256 mismatch"):
        load_catalog("cache")


@pytest.mark.parametrize("content", [b"", b"garbage\n{}", b'{"llmhub_catalog": 1, "sha256": "x"}'])
def test_garbage_cache_files(content: bytes) -> None:
    path = cache_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert load_catalog().source == "bundled"
    with pytest.raises(CacheError) as excinfo:
        load_catalog("cache")
    assert str(path) in str(excinfo.value)


def test_missing_cache_explicit_choice_is_an_error() -> None:
    with pytest.raises(CacheError, match="no cached catalog"):
        load_catalog("cache")


def test_stale_cache_refreshes_when_asked(server: LocalServer, models_dev_doc: Any, arena_doc: Any) -> None:
    md_url = server.serve("/api.json", models_dev_doc)
    arena_url = server.serve("/arena.json", arena_doc)
    kwargs = {"models_dev_url": md_url, "arena_url": arena_url, "timeout": 5, "min_fraction": 0}
    assert load_catalog(refresh_if_stale=True, **kwargs).source == "live"
    assert load_catalog(refresh_if_stale=True, **kwargs).source == "cache"  # fresh now
    assert load_catalog(refresh_if_stale=True, ttl=0, **kwargs).source == "live"


def test_failed_refresh_in_auto_mode_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="llmhub_catalog"):
        catalog = load_catalog(
            refresh_if_stale=True, models_dev_url="http://127.0.0.1:9/x", arena_url=None, timeout=1
        )
    assert catalog.source == "bundled"
    assert any("refresh failed" in r.getMessage() for r in caplog.records)


def test_snapshot_with_a_missing_field(tmp_path: Path) -> None:
    from llmhub_catalog.snapshot import bundled_snapshot_path, read_snapshot, write_snapshot

    payload = json.loads(bundled_snapshot_path().read_bytes().partition(b"\n")[2])
    del payload["models"][3]["kind"]
    broken = tmp_path / "broken.json"
    write_snapshot(broken, payload)
    with pytest.raises(Exception, match=r"broken\.json models\[3\]: record .* lacks kind") as excinfo:
        read_snapshot(broken)
    assert type(excinfo.value).__name__ == "SnapshotError"
