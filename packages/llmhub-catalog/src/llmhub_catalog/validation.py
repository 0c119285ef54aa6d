"""Schema validation of a snapshot's records: a checksum proves a file is whole, not that it is right.

The user's cache can hold rows that are complete JSON with a matching sha256 but the wrong shape
(a price that is a string, a capability table that is a list, an Arena entry without ratings):
written by an older or newer llmhub, edited by hand, or produced by a bug. Such a cache is refused
at load time with a message naming the file and the record, instead of failing later with an
``AttributeError`` in the middle of ``generate``.

Each row is validated against :class:`~llmhub_catalog.models.ModelRecord` (the fields it knows),
so the check follows the record schema as it evolves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmhub_catalog.errors import CacheError, SnapshotError
from llmhub_catalog.snapshot import Snapshot

__all__ = ["check_snapshot_records"]


def check_snapshot_records(snapshot: Snapshot, *, error: type[SnapshotError] = CacheError) -> None:
    """Validate every record of ``snapshot`` against the record schema.

    Raises:
        CacheError (or ``error``): A row or the Arena table does not have the record schema; the
            message names the file, the record and the field.
    """
    from pydantic import ValidationError

    from llmhub_catalog.models import ModelRecord

    path = snapshot.path
    arena = snapshot.payload.get("arena")
    sources = snapshot.payload.get("sources")
    if not isinstance(arena, Mapping):
        raise error("not an object", path=path, field="arena")
    if not isinstance(sources, Mapping):
        raise error("not an object", path=path, field="sources")
    _check_arena(arena, path, error)
    for index, row in enumerate(snapshot.rows):
        link = row.get("arena")
        if link is not None and not (
            isinstance(link, Mapping) and isinstance(link.get("arena_id"), str) and "match" in link
        ):
            raise error(
                f"record {row.get('id')!r}: 'arena' must be null or an object with arena_id and match",
                path=path,
                field=f"models[{index}].arena",
            )
        if not isinstance(row.get("id"), str):
            raise error("the record id must be a string", path=path, field=f"models[{index}].id")

    for index, row in enumerate(snapshot.rows):
        # Only fields the record knows are checked here (a newer format's extra keys are left to
        # the loader); ``arena`` is a link in rows (checked above) and ``provenance`` may name a
        # source instead of spelling it out.
        prepared = {
            name: value
            for name, value in row.items()
            if name in ModelRecord.model_fields and name not in ("arena", "provenance")
        }
        try:
            ModelRecord.model_validate(prepared)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise error(
                f"record {row['id']!r}: {first['msg']} (got {_short(first.get('input'))})",
                path=path,
                field=f"models[{index}].{where}" if where else f"models[{index}]",
            ) from None
        provenance = row.get("provenance")
        # A row's provenance is an index into the payload's provenance table, or (older formats)
        # a mapping of field paths to sources; its contents are the catalog's to interpret.
        if provenance is not None and (
            isinstance(provenance, bool) or not isinstance(provenance, (int, Mapping))
        ):
            raise error(
                f"record {row['id']!r}: provenance must be a table index or a mapping",
                path=path,
                field=f"models[{index}].provenance",
            )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_arena(arena: Mapping[str, Any], path: str, error: type[SnapshotError]) -> None:
    models = arena.get("models") or {}
    if not isinstance(models, Mapping):
        raise error("not an object", path=path, field="arena.models")
    for key, entry in models.items():
        where = f"arena.models[{key!r}]"
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise error("must be an object with a name and ratings", path=path, field=where)
        ratings = entry.get("ratings")
        if not isinstance(ratings, Mapping):
            raise error("'ratings' must be an object", path=path, field=f"{where}.ratings")
        for category, row in ratings.items():
            if not (
                isinstance(row, list)
                and len(row) == 5
                and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in row)
            ):
                raise error(
                    "a rating must be [rating, ci_lower, ci_upper, votes, rank] (numbers or null)",
                    path=path,
                    field=f"{where}.ratings.{category}",
                )
