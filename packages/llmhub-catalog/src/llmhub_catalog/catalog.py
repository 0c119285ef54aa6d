"""The :class:`Catalog`: a loaded, immutable set of model records with lookups and filters.

A catalog is created from verified snapshot rows. Records (pydantic models) are built on first
use, all at once, with ``model_construct`` (the rows were checked when the snapshot was read), so
``load_catalog()`` itself never imports pydantic and stays fast; the first lookup, iteration or
filter pays for building them (see ``bench/bench_catalog.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from llmhub_catalog.errors import SnapshotError, UnknownModelError
from llmhub_catalog.snapshot import expand_provenance

if TYPE_CHECKING:
    from pydantic import BaseModel

    from llmhub_catalog.models import ArenaRatings, ModelRecord, Provenance

_M = TypeVar("_M", bound="BaseModel")

__all__ = ["CAPABILITIES", "Catalog"]

#: Capability names accepted by :meth:`Catalog.filter`.
CAPABILITIES = ("tool_call", "structured_output", "reasoning", "attachments", "temperature")
_KINDS = ("chat", "embedding", "image", "audio", "other")
# provider, catalog provider, kind, deprecated, open weights, capability bits, modalities in,
# modalities out, context, input price, output price, blended price
_Facts = tuple[
    str,
    str,
    str,
    bool,
    bool,
    int,
    frozenset[str],
    frozenset[str],
    int | None,
    float | None,
    float | None,
    float | None,
]


def _as_set(value: str | Iterable[str] | None) -> frozenset[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return frozenset((value,))
    return frozenset(value)


class Catalog:
    """An immutable catalog of :class:`~llmhub_catalog.models.ModelRecord`, sorted by id.

    Attributes:
        version: Data version (ISO date of the models.dev data).
        sha256: SHA-256 of the snapshot payload the catalog was loaded from.
        source: ``bundled``, ``cache`` or ``live``.
        sources: Provenance of the data: package/URL, date and licence of each input.
        arena_date: Date of the Arena ratings, when known.
    """

    def __init__(
        self,
        rows: Sequence[Mapping[str, Any]],
        *,
        arena: Mapping[str, Any] | None,
        version: str,
        sha256: str,
        source: str,
        sources: Mapping[str, Any] | None = None,
        origin: str = "",
        extra_records: Sequence[ModelRecord] = (),
        fingerprint_extra: str = "",
        provenance_table: Sequence[Mapping[str, str]] = (),
    ) -> None:
        self._rows = rows
        self._provenance_table = provenance_table
        self._arena = arena or {}
        self.version = version
        self.sha256 = sha256
        self.source = source
        self.sources: Mapping[str, Any] = sources or {}
        self.origin = origin
        self._extra = tuple(extra_records)
        self._fingerprint_extra = fingerprint_extra
        self._records: tuple[ModelRecord, ...] | None = None
        self._by_id: dict[str, ModelRecord] | None = None
        self._facts_cache: list[_Facts] | None = None

    # -- metadata -------------------------------------------------------------------------------

    @property
    def arena_date(self) -> str | None:
        """Date of the Arena ratings table, when known."""
        date = self._arena.get("date")
        return date if isinstance(date, str) else None

    @property
    def arena_categories(self) -> tuple[str, ...]:
        """Arena categories present in the data (``overall`` first)."""
        return tuple(self._arena.get("categories") or ())

    @property
    def fingerprint(self) -> str:
        """SHA-256 identifying the exact content: the snapshot plus user overrides and extra sources.

        Equal to :attr:`sha256` when neither was applied.
        """
        if not self._fingerprint_extra and not self._extra:
            return self.sha256
        extra = json.dumps(
            [self.sha256, self._fingerprint_extra, [r.model_dump(mode="json") for r in self._extra]],
            sort_keys=True,
        )
        return hashlib.sha256(extra.encode("utf-8")).hexdigest()

    @property
    def fingerprint_parts(self) -> dict[str, Any]:
        """What :attr:`fingerprint` is made of, so that a change can be named, not just detected.

        ``snapshot``: :attr:`sha256`; ``overrides``: digest of the user overrides applied (absent
        when none); ``sources``: per extra source name (e.g. ``llmhub-local``), catalog id ->
        short digest of that record (absent when no extra source gave a record).
        """
        parts: dict[str, Any] = {"snapshot": self.sha256}
        if self._fingerprint_extra:
            parts["overrides"] = self._fingerprint_extra
        sources: dict[str, dict[str, str]] = {}
        for record in self._extra:
            dumped = json.dumps(record.model_dump(mode="json"), sort_keys=True)
            digest = hashlib.sha256(dumped.encode("utf-8")).hexdigest()[:12]
            sources.setdefault(record.source, {})[record.id] = digest
        if sources:
            parts["sources"] = {name: dict(sorted(ids.items())) for name, ids in sorted(sources.items())}
        return parts

    # -- records --------------------------------------------------------------------------------

    @property
    def records(self) -> tuple[ModelRecord, ...]:
        """Every record, sorted by catalog id."""
        if self._records is None:
            self._records = self._build()
        return self._records

    def _build(self) -> tuple[ModelRecord, ...]:
        from llmhub_catalog.models import ArenaRatings, ArenaScore, Provenance

        # One shared, frozen Provenance per source: most fields of most records name the same few.
        provenance: dict[str, Provenance] = {}
        for name, info in self.sources.items():
            if isinstance(info, Mapping) and isinstance(info.get("date"), str):
                provenance[name] = _trusted(Provenance, {"source": name, "date": info["date"]})

        shared: dict[str, tuple[str, dict[str, ArenaScore]]] = {}
        for key, entry in (self._arena.get("models") or {}).items():
            ratings = {
                category: _trusted(
                    ArenaScore,
                    {
                        "rating": row[0],
                        "ci_lower": row[1],
                        "ci_upper": row[2],
                        "votes": row[3],
                        "rank": row[4],
                    },
                )
                for category, row in entry["ratings"].items()
            }
            shared[key] = (entry["name"], ratings)
        built: dict[str, ModelRecord] = {}
        built_provenance: dict[int, dict[str, Provenance]] = {}
        parts: dict[tuple[Any, ...], Any] = {}
        for index, row in enumerate(self._rows):
            link = row["arena"]
            arena: ArenaRatings | None = None
            if link:
                name, ratings = shared.get(link["arena_id"], (link["arena_id"], {}))
                arena = _trusted(
                    ArenaRatings,
                    {
                        "arena_id": link["arena_id"],
                        "display_name": name,
                        "match": link["match"],
                        "ratings": ratings,
                    },
                )
            try:
                record = _construct(
                    row, arena, provenance, self.version, self._provenance_table, built_provenance, parts
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise SnapshotError(
                    f"record {row.get('id')!r} is malformed ({type(exc).__name__}: {exc})",
                    path=self.origin or None,
                    field=f"models[{index}]",
                ) from exc
            built[record.id] = record
        for record in self._extra:
            built[record.id] = record  # an extra source may refine a models.dev record
        return tuple(built[key] for key in sorted(built))

    def __len__(self) -> int:
        if self._records is not None:
            return len(self._records)
        ids = {row["id"] for row in self._rows} | {r.id for r in self._extra}
        return len(ids)

    def __iter__(self) -> Iterator[ModelRecord]:
        return iter(self.records)

    def __contains__(self, model_id: object) -> bool:
        return model_id in self._index()

    def __repr__(self) -> str:
        return f"<Catalog {self.version} source={self.source} models={len(self)} sha256={self.sha256[:12]}>"

    def _index(self) -> dict[str, ModelRecord]:
        if self._by_id is None:
            self._by_id = {record.id: record for record in self.records}
        return self._by_id

    def get(self, model_id: str) -> ModelRecord:
        """The record with catalog id ``model_id`` (``"openai/gpt-4.1"``).

        Raises:
            UnknownModelError: No such id (the message suggests close ids).
        """
        index = self._index()
        try:
            return index[model_id]
        except KeyError:
            import difflib  # only for the error message: not on the loading path

            close = tuple(difflib.get_close_matches(model_id, index, n=3))
            raise UnknownModelError(model_id, suggestions=close) from None

    def lookup(self, provider: str, model: str) -> list[ModelRecord]:
        """Records reached through any-llm provider ``provider`` with API model id ``model``.

        Usually one; more when several catalog providers share an any-llm provider (e.g. two
        Azure resource kinds, both called through ``azureopenai``).
        """
        return [r for r in self.records if r.provider == provider and r.model == model]

    def providers(self) -> list[str]:
        """The any-llm provider ids that have at least one record, sorted."""
        return sorted({r.provider for r in self.records})

    def catalog_providers(self) -> list[str]:
        """The catalog (models.dev or extra source) provider ids, sorted."""
        return sorted({r.catalog_provider for r in self.records})

    def filter(
        self,
        *,
        provider: str | Iterable[str] | None = None,
        catalog_provider: str | Iterable[str] | None = None,
        kind: str | Iterable[str] | None = None,
        capabilities: Iterable[str] = (),
        modalities_in: Iterable[str] = (),
        modalities_out: Iterable[str] = (),
        min_context: int | None = None,
        max_price: float | None = None,
        max_input_price: float | None = None,
        max_output_price: float | None = None,
        open_weights: bool | None = None,
        include_deprecated: bool = False,
        where: Callable[[ModelRecord], bool] | None = None,
    ) -> list[ModelRecord]:
        """Records meeting every given condition, sorted by id.

        Args:
            provider: any-llm provider id(s).
            catalog_provider: catalog (models.dev) provider id(s).
            kind: ``chat``, ``embedding``, ``image``, ``audio``, ``other`` (or several).
            capabilities: Capabilities that must all be true (see :data:`CAPABILITIES`).
            modalities_in: Input modalities that must all be supported.
            modalities_out: Output modalities that must all be supported.
            min_context: Smallest acceptable context window (unknown windows are excluded).
            max_price: Largest blended price ``(3 * input + output) / 4`` in $ per 1M tokens.
            max_input_price: Largest input price in $ per 1M tokens.
            max_output_price: Largest output price in $ per 1M tokens.
            open_weights: Only models with (True) or without (False) published weights.
            include_deprecated: Keep deprecated models (left out by default).
            where: Any further predicate.

        A price condition excludes models whose price is unknown.

        Raises:
            ValueError: An unknown kind or capability name.
        """
        providers = _as_set(provider)
        catalog_providers = _as_set(catalog_provider)
        kinds = _as_set(kind)
        if kinds is not None and not kinds <= set(_KINDS):
            raise ValueError(f"unknown kind(s) {sorted(kinds - set(_KINDS))}; kinds are {', '.join(_KINDS)}")
        needed = tuple(capabilities)
        unknown = set(needed) - set(CAPABILITIES)
        if unknown:
            raise ValueError(
                f"unknown capability(ies) {sorted(unknown)}; capabilities are {', '.join(CAPABILITIES)}"
            )
        mask = 0
        for name in needed:
            mask |= 1 << CAPABILITIES.index(name)
        needed_in = frozenset(modalities_in)
        needed_out = frozenset(modalities_out)
        records = self.records
        result = []
        # One pass over precomputed plain tuples: attribute access on nested models is the
        # expensive part of filtering, so it is done once per catalog, not once per filter.
        for index, facts in enumerate(self._facts()):
            (
                prov,
                cat_prov,
                kind_value,
                deprecated,
                weights,
                caps,
                ins,
                outs,
                context,
                p_in,
                p_out,
                blended,
            ) = facts
            if providers is not None and prov not in providers:
                continue
            if catalog_providers is not None and cat_prov not in catalog_providers:
                continue
            if kinds is not None and kind_value not in kinds:
                continue
            if deprecated and not include_deprecated:
                continue
            if open_weights is not None and weights is not open_weights:
                continue
            if caps & mask != mask:
                continue
            if needed_in and not needed_in <= ins:
                continue
            if needed_out and not needed_out <= outs:
                continue
            if min_context is not None and (context is None or context < min_context):
                continue
            if max_input_price is not None and (p_in is None or p_in > max_input_price):
                continue
            if max_output_price is not None and (p_out is None or p_out > max_output_price):
                continue
            if max_price is not None and (blended is None or blended > max_price):
                continue
            record = records[index]
            if where is not None and not where(record):
                continue
            result.append(record)
        return result

    def _facts(self) -> list[_Facts]:
        if self._facts_cache is None:
            facts: list[_Facts] = []
            for r in self.records:
                caps = r.capabilities
                bits = sum(1 << i for i, name in enumerate(CAPABILITIES) if getattr(caps, name))
                facts.append(
                    (
                        r.provider,
                        r.catalog_provider,
                        r.kind.value,
                        r.deprecated,
                        r.open_weights,
                        bits,
                        frozenset[str](r.modalities.input),
                        frozenset[str](r.modalities.output),
                        r.limits.context,
                        r.prices.input,
                        r.prices.output,
                        r.prices.blended,
                    )
                )
            self._facts_cache = facts
        return self._facts_cache


_new = object.__new__
_setattr = object.__setattr__
# Per record class: (number of fields, defaults of the optional fields without a factory).
_DEFAULTS: dict[type[Any], tuple[int, dict[str, Any]]] = {}


def _trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """An instance of a frozen record model from complete, trusted values, without validation.

    What ``model_construct`` does, minus its per-field default and alias handling (the caller
    passes every field): about ten times faster, which matters for thousands of records.
    Missing fields take the class's defaults (none of the record models has a mutable default
    outside ``ModelRecord``, whose fields :func:`_construct` always passes). ``values`` is
    owned by the instance afterwards (pass a fresh dict).
    """
    spec = _DEFAULTS.get(cls)
    if spec is None:
        defaults = {
            name: field.default
            for name, field in cls.model_fields.items()
            if not field.is_required() and field.default_factory is None
        }
        spec = _DEFAULTS[cls] = (len(cls.model_fields), defaults)
    if len(values) != spec[0]:  # the keys are always field names: fewer means defaults to fill
        values = {**spec[1], **values}
    instance = _new(cls)
    _setattr(instance, "__dict__", values)
    _setattr(instance, "__pydantic_fields_set__", set(values))
    _setattr(instance, "__pydantic_extra__", None)
    _setattr(instance, "__pydantic_private__", None)
    return instance


def _construct(
    row: Mapping[str, Any],
    arena: ArenaRatings | None,
    provenance: Mapping[str, Provenance] | None = None,
    snapshot_date: str | None = None,
    provenance_table: Sequence[Mapping[str, str]] = (),
    built_provenance: dict[int, dict[str, Provenance]] | None = None,
    parts: dict[tuple[Any, ...], Any] | None = None,
) -> ModelRecord:
    """One record from a verified row, without validation (the fast path of catalog loading).

    Fields added after the first snapshot format (lifecycle, aliases, embedding, provenance,
    conflicts, long-context tiers...) are optional in a row, so older snapshots and caches load;
    a row's sections may leave out fields at their defaults (``None`` prices...).
    ``provenance`` maps a source name to its shared :class:`Provenance`; a row's provenance may
    name a source (``{"prices.input": "litellm"}``) or spell it out (``{"source", "date"}``).
    ``built_provenance`` caches the built map of each provenance-table index across rows, and
    ``parts`` the shared capabilities, modalities, limits, prices and tiers.
    """
    from llmhub_catalog.models import (
        Capabilities,
        EmbeddingInfo,
        FieldConflict,
        Limits,
        Modalities,
        ModelKind,
        ModelRecord,
        ModelStatus,
        MtebScore,
        Prices,
        PriceTier,
        Provenance,
        Tiers,
    )

    # Small frozen parts that many records share (capabilities, modalities, limits, prices, tiers) are built
    # once per distinct value and shared, when the caller passes a ``parts`` memo.
    memo: dict[tuple[Any, ...], Any] = {} if parts is None else parts
    modalities = row["modalities"]
    key: tuple[Any, ...] = ("modalities", tuple(modalities["input"]), tuple(modalities["output"]))
    modalities_part = memo.get(key)
    if modalities_part is None:
        modalities_part = memo[key] = _trusted(Modalities, {"input": key[1], "output": key[2]})
    caps = row["capabilities"]
    if "reasoning_efforts" in caps:
        caps = {**caps, "reasoning_efforts": tuple(caps["reasoning_efforts"])}
    key = ("capabilities", *caps.items())
    capabilities = memo.get(key)
    if capabilities is None:
        capabilities = memo[key] = _trusted(Capabilities, dict(caps))
    key = ("tiers", *row["tiers"].items())
    tiers = memo.get(key)
    if tiers is None:
        tiers = memo[key] = _trusted(Tiers, dict(row["tiers"]))
    prices_part: Prices | None
    if "long_context" in row["prices"]:
        prices = dict(row["prices"])
        prices["long_context"] = tuple(_trusted(PriceTier, dict(tier)) for tier in prices["long_context"])
        prices_part = _trusted(Prices, prices)
    else:  # plain numbers: shared like the parts above (resellers often charge the same)
        key = ("prices", *row["prices"].items())
        prices_part = memo.get(key)
        if prices_part is None:
            prices_part = memo[key] = _trusted(Prices, dict(row["prices"]))
    key = ("limits", *row["limits"].items())
    limits = memo.get(key)
    if limits is None:
        limits = memo[key] = _trusted(Limits, dict(row["limits"]))
    embedding = row.get("embedding")
    embedding_info: EmbeddingInfo | None = None
    if embedding is not None:
        embedding_info = _trusted(
            EmbeddingInfo,
            {
                "dimensions": embedding.get("dimensions"),
                "shortenable": embedding.get("shortenable", False),
                "mteb": {
                    key: _trusted(MtebScore, dict(score))
                    for key, score in (embedding.get("mteb") or {}).items()
                },
            },
        )
    link = row.get("provenance")
    cached = built_provenance.get(link) if built_provenance is not None and type(link) is int else None
    if cached is None:
        shared = provenance or {}
        cached = {}
        for path, origin in expand_provenance(row, provenance_table).items():
            if isinstance(origin, str):
                found = shared.get(origin)
                if found is None:
                    found = _trusted(Provenance, {"source": origin, "date": ""})
                cached[path] = found
            else:
                cached[path] = _trusted(Provenance, dict(origin))
        if built_provenance is not None and type(link) is int:
            built_provenance[link] = cached
    record_provenance = dict(cached)  # each record owns its map; the Provenance values are shared
    conflicts = tuple(_trusted(FieldConflict, dict(item)) for item in row.get("conflicts") or ())
    return _trusted(
        ModelRecord,
        {
            "id": row["id"],
            "catalog_provider": row["catalog_provider"],
            "provider": row["provider"],
            "model": row["model"],
            "api_base": row["api_base"],
            "name": row["name"],
            "family": row["family"],
            "kind": ModelKind._value2member_map_.get(row["kind"]) or ModelKind(row["kind"]),
            "capabilities": capabilities,
            "modalities": modalities_part,
            "limits": limits,
            "prices": prices_part,
            "open_weights": row["open_weights"],
            "knowledge_cutoff": row["knowledge_cutoff"],
            "release_date": row["release_date"],
            "last_updated": row["last_updated"],
            "status": ModelStatus._value2member_map_.get(row["status"]) or ModelStatus(row["status"]),
            "deprecation_date": row.get("deprecation_date"),
            "canonical": row.get("canonical"),
            "alias_of": row.get("alias_of"),
            "preview": row.get("preview", False),
            "arena": arena,
            "embedding": embedding_info,
            "tiers": tiers,
            "source": row["source"],
            "provenance": record_provenance,
            "conflicts": conflicts,
            "snapshot_date": snapshot_date,
        },
    )
