"""The snapshot file format, shared by the bundled snapshot and the user's cache.

A snapshot file is two parts separated by the first newline:

1. a one-line JSON *header*: ``{"llmhub_catalog": 1, "sha256": ..., "version": ..., ...}``;
2. the *payload*: compact JSON ``{"format", "version", "sources", "counts", "arena", "models"}``.

``sha256`` is the SHA-256 of the payload bytes, checked on every load, so a truncated or
corrupted file is detected before it is used. Files are written atomically
(:func:`llmhub_runtime.atomic.atomic_write`: temporary file in the same directory, fsync, rename):
a reader sees the old file or the new one, never half of one.
Same inputs give the same bytes (sorted keys, no clock in the payload), hence the same sha256.

This module uses only the standard library: loading a snapshot does not import pydantic.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmhub_catalog.errors import SnapshotError
from llmhub_runtime.errors import ConfigProblem

__all__ = [
    "BUNDLED_SNAPSHOT",
    "FORMAT",
    "ROW_FIELDS",
    "Snapshot",
    "bundled_snapshot_path",
    "compact_rows",
    "dump_payload",
    "expand_provenance",
    "read_snapshot",
    "write_snapshot",
]

#: Version of the payload layout.
FORMAT = 1
#: Resource path of the bundled snapshot inside the package.
BUNDLED_SNAPSHOT = "data/catalog-snapshot.json"
#: Keys every record row must have.
ROW_FIELDS = frozenset(
    {
        "id", "catalog_provider", "provider", "model", "api_base", "name", "family", "kind",
        "capabilities", "modalities", "limits", "prices", "open_weights", "knowledge_cutoff",
        "release_date", "last_updated", "status", "arena", "tiers", "source",
    }
)  # fmt: skip
_PAYLOAD_FIELDS = ("format", "version", "sources", "arena", "models")


@dataclass(frozen=True)
class Snapshot:
    """A verified snapshot: its header, its sha256 and the parsed payload."""

    path: str
    header: Mapping[str, Any]
    sha256: str
    payload: Mapping[str, Any]

    @property
    def version(self) -> str:
        """The data version (the date of the models.dev data, ISO)."""
        return str(self.payload["version"])

    @property
    def provenance_table(self) -> list[dict[str, str]]:
        """The shared provenance maps the rows point into (empty in older snapshots)."""
        table: list[dict[str, str]] = self.payload.get("provenance", [])
        return table

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The record rows."""
        rows: list[dict[str, Any]] = self.payload["models"]
        return rows


def compact_rows(rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Shrink rows in place for storage; return the shared provenance table they now point into.

    Fields at their defaults are left out of a row's sections (``None`` prices and limits, no
    reasoning mode or efforts, no conflicts; the record models fill them back), and each row's
    provenance (field -> source name) becomes an index into a table of the distinct provenance
    maps, which most rows share. About a quarter of the bytes, and of the JSON parsing time.
    """
    table: list[dict[str, str]] = []
    index: dict[str, int] = {}
    for row in rows:
        for section in ("prices", "limits"):
            row[section] = {k: v for k, v in row[section].items() if v is not None and v != []}
        caps = row["capabilities"]
        if caps.get("reasoning_mode") is None:
            caps.pop("reasoning_mode", None)
        if not caps.get("reasoning_efforts"):
            caps.pop("reasoning_efforts", None)
        if "conflicts" in row and not row["conflicts"]:
            del row["conflicts"]
        provenance = row.get("provenance")
        if isinstance(provenance, dict):
            key = json.dumps(provenance, sort_keys=True)
            if key not in index:
                index[key] = len(table)
                table.append(dict(sorted(provenance.items())))
            row["provenance"] = index[key]
    return table


def expand_provenance(row: Mapping[str, Any], table: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """A row's provenance map (field -> source name, or ``{"source", "date"}``), whether stored
    inline or as an index into the snapshot's provenance table."""
    provenance = row.get("provenance")
    if isinstance(provenance, int) and not isinstance(provenance, bool):
        return table[provenance] if 0 <= provenance < len(table) else {}
    return provenance if isinstance(provenance, Mapping) else {}


def bundled_snapshot_path() -> Path:
    """Filesystem path of the snapshot shipped in the wheel."""
    # Next to this module (the package is installed as files): importlib.resources would cost
    # ~8 ms of imports (tempfile, random...) on the timed loading path.
    return Path(__file__).resolve().parent / BUNDLED_SNAPSHOT


def dump_payload(payload: Mapping[str, Any]) -> bytes:
    """The canonical bytes of a payload (compact, sorted keys, UTF-8)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def read_snapshot(
    path: str | Path, *, error: type[SnapshotError] = SnapshotError, packaged: bool = False
) -> Snapshot:
    """Read and verify a snapshot file.

    ``packaged=True`` is for the snapshot shipped inside this package (as trusted as the code
    reading it): its sha256 and fields are checked as for any file, but the payload is parsed
    once, without the generic nesting-depth walk over every value that guards files a user or
    another program could have written (about a third of the loading time).

    Raises:
        SnapshotError (or ``error``): The file is missing or unreadable, its header is invalid,
            the sha256 does not match, the payload is not valid JSON, or a required field is
            missing (the message names the file and the field).
    """
    where = str(path)
    from llmhub_runtime.readers import MAX_JSON_BYTES, load_json_text, read_file_bytes

    def located(problems: Sequence[ConfigProblem], source: str | None) -> SnapshotError:
        first = problems[0]
        return error(first.message, path=source or where, line=first.line, field=first.field or None)

    # The runtime's reader: size limit, no blocking on a named pipe, a clear message per failure.
    data = read_file_bytes(path, max_bytes=MAX_JSON_BYTES, error=located)
    head, newline, body = data.partition(b"\n")
    try:
        header = json.loads(head)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise error(
            "not a catalog snapshot (the first line is not a JSON header)", path=where, line=1
        ) from exc
    if not isinstance(header, dict) or header.get("llmhub_catalog") != FORMAT or not newline:
        raise error(f"not a catalog snapshot of format {FORMAT}", path=where, line=1)
    digest = hashlib.sha256(body).hexdigest()
    if header.get("sha256") != digest:
        raise error(
            "sha256 mismatch: the file is truncated or corrupted (expected "
            f"{header.get('sha256')}, got {digest})",
            path=where,
        )
    if packaged:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise error(f"the payload is not valid JSON ({exc})", path=where, line=2) from exc
    else:
        # Encoding and nesting depth checked too (a deep payload is a message, not a RecursionError).
        payload = load_json_text(body, source=where, line_offset=1, error=located)
    if not isinstance(payload, dict):
        raise error("payload is not a JSON object", path=where, line=2)
    for name in _PAYLOAD_FIELDS:
        if name not in payload:
            raise error("missing field", path=where, field=name)
    if payload["format"] != FORMAT:
        raise error(
            f"unsupported payload format {payload['format']!r} (expected {FORMAT})",
            path=where,
            field="format",
        )
    models = payload["models"]
    if not isinstance(models, list) or not models:
        raise error("no model records: an empty catalog is never used", path=where, field="models")
    table = payload.get("provenance", [])
    if not isinstance(table, list) or not all(isinstance(item, dict) for item in table):
        raise error("not a list of provenance maps", path=where, field="provenance")
    for index, row in enumerate(models):
        if not isinstance(row, dict):
            raise error("not an object", path=where, field=f"models[{index}]")
        link = row.get("provenance")
        if isinstance(link, int) and not 0 <= link < len(table):
            raise error(
                f"provenance index {link} out of range", path=where, field=f"models[{index}].provenance"
            )
        missing = ROW_FIELDS - row.keys()
        if missing:
            ident = row.get("id", f"#{index}")
            raise error(
                f"record {ident!r} lacks {', '.join(sorted(missing))}", path=where, field=f"models[{index}]"
            )
    return Snapshot(path=where, header=header, sha256=digest, payload=payload)


def write_snapshot(path: str | Path, payload: Mapping[str, Any], **header: Any) -> str:
    """Write a snapshot atomically and return its sha256. Extra keywords go into the header."""
    # Imported here: reading a snapshot (the common, timed path) needs none of it.
    from llmhub_runtime.atomic import atomic_writer

    body = dump_payload(payload)
    digest = hashlib.sha256(body).hexdigest()
    head = {
        "llmhub_catalog": FORMAT,
        "sha256": digest,
        "version": payload.get("version"),
        "counts": payload.get("counts"),
        **header,
    }
    with atomic_writer(path, binary=True) as handle:
        handle.write(json.dumps(head, sort_keys=True, separators=(",", ":")).encode("utf-8"))
        handle.write(b"\n")
        handle.write(body)
    return digest
