"""A cache whose checksum is right but whose rows are wrong is refused, naming the file and field."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from llmhub_catalog import CacheError, load_catalog
from llmhub_catalog.cache import cache_path, read_cache, write_cache
from llmhub_catalog.snapshot import bundled_snapshot_path


def _payload() -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(bundled_snapshot_path().read_bytes().partition(b"\n")[2])
    return payload


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        node: Any = payload["models"][5]
        *parents, last = path.split(".")
        for part in parents:
            node = node[part]
        node[last] = value

    return change


def _first_arena(value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        key = next(iter(payload["arena"]["models"]))
        payload["arena"]["models"][key] = value

    return change


CASES = {
    "price_is_text": (_set("prices.input", "cheap"), r"models\[5\]\.prices\.input"),
    "capabilities_is_list": (_set("capabilities", ["tools"]), r"models\[5\]"),
    "context_is_negative_text": (_set("limits.context", "lots"), r"models\[5\]\.limits\.context"),
    "kind_unknown": (_set("kind", "hologram"), r"models\[5\]"),
    "modalities_output_is_number": (_set("modalities.output", 7), r"models\[5\]"),
    "status_unknown": (_set("status", "zombie"), r"models\[5\]"),
    "id_is_number": (_set("id", 12), r"models\[5\]\.id"),
    "arena_link_is_text": (_set("arena", "gpt"), r"models\[5\]\.arena"),
    "open_weights_is_text": (_set("open_weights", "yes please"), r"models\[5\]\.open_weights"),
    "arena_entry_without_ratings": (_first_arena({"name": "x"}), r"arena\.models"),
    "arena_rating_too_short": (_first_arena({"name": "x", "ratings": {"overall": [1, 2]}}), r"arena\.models"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_rows_with_a_valid_checksum_are_refused(
    name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    change, field = CASES[name]
    payload = _payload()
    change(payload)
    write_cache(payload, tmp_path, fetched_at=time.time())  # a correct sha256 over wrong rows
    path = cache_path(tmp_path)

    with pytest.raises(CacheError, match=rf"^{path}( |:).*{field}") as info:
        read_cache(tmp_path)
    assert info.value.source == str(path)
    if name not in ("price_is_text", "arena_rating_too_short"):
        return  # the loading paths below are the same for every case: two are enough
    with pytest.raises(CacheError, match=str(path)):
        load_catalog("cache", cache_dir=tmp_path, overrides=False, extra_sources=())
    # In auto mode the bad cache is skipped, with a warning naming it, and the snapshot is used.
    with caplog.at_level(logging.WARNING, logger="llmhub_catalog"):
        catalog = load_catalog(cache_dir=tmp_path, overrides=False, extra_sources=())
    assert catalog.source == "bundled"
    assert any(str(path) in record.getMessage() for record in caplog.records)


def test_a_well_formed_cache_passes_the_schema_check(tmp_path: Path) -> None:
    write_cache(_payload(), tmp_path, fetched_at=time.time())
    catalog = load_catalog("cache", cache_dir=tmp_path, overrides=False, extra_sources=())
    assert catalog.source == "cache"
    assert len(catalog.records) > 1000


def test_deep_or_huge_cache_is_a_message(tmp_path: Path) -> None:
    path = cache_path(tmp_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = b"[" * 100_000 + b"]" * 100_000
    import hashlib

    header = {"llmhub_catalog": 1, "sha256": hashlib.sha256(body).hexdigest(), "fetched_at": 1}
    path.write_bytes(json.dumps(header).encode() + b"\n" + body)
    with pytest.raises(CacheError, match="nesting is too deep") as info:
        read_cache(tmp_path)
    assert info.value.source == str(path)


def test_the_packaged_fast_path_reads_the_same_and_still_refuses_bad_payloads(tmp_path: Path) -> None:
    import hashlib

    from llmhub_catalog import SnapshotError
    from llmhub_catalog.snapshot import read_snapshot

    bundled = bundled_snapshot_path()
    fast = read_snapshot(bundled, packaged=True)
    checked = read_snapshot(bundled)
    assert fast.sha256 == checked.sha256
    assert fast.payload == checked.payload

    for body, expected in (
        (b'{"format": 1, "models": [', "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "not valid JSON"),  # RecursionError, as a message
        (b"[1, 2]", "not a JSON object"),
    ):
        path = tmp_path / "snapshot.json"
        header = {"llmhub_catalog": 1, "sha256": hashlib.sha256(body).hexdigest()}
        path.write_bytes(json.dumps(header).encode() + b"\n" + body)
        with pytest.raises(SnapshotError, match=expected) as info:
            read_snapshot(path, packaged=True)
        assert info.value.source == str(path)
    # The sha256 is checked on the fast path too.
    path.write_bytes(json.dumps({"llmhub_catalog": 1, "sha256": "0" * 64}).encode() + b"\n{}")
    with pytest.raises(SnapshotError, match="sha256 mismatch"):
        read_snapshot(path, packaged=True)
