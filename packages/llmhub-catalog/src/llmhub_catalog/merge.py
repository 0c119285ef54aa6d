"""Merge several sources into the catalog's record rows, with provenance and conflicts per field.

Input: the rows normalised from models.dev (:mod:`llmhub_catalog.normalize`) and the facts of the
other sources (:class:`~llmhub_catalog.facts.SourceFacts`: litellm's map, genai-prices), each
with its data date. Output: the same rows, completed and corrected in place, plus new rows for
first-party models models.dev does not list yet, and a :class:`MergeReport`.

For every merged field (:data:`~llmhub_catalog.facts.MERGED_FIELDS`) of every record, each source
that knows the record gives a candidate value; then, in this order (the written rule, also in
the package README):

1. **zero-placeholder**: a price of ``0`` is dropped unless the model is free (``free`` in its
   id or name) or runs locally; an unconfirmed ``$0`` on a hosted provider means "unknown".
2. **image-output-price**: a text output price equal to a source's image-output price for the
   same record is an image price filed as text, and is dropped.
3. Values within 1% of each other agree: the newest source's value is kept, no conflict.
4. Otherwise the disagreement is kept as a :class:`~llmhub_catalog.models.FieldConflict` and
   resolved by **provider-own-row**: on a reseller or cloud copy of a closed-weights model, a
   value within 0.5x..2x of the first-party record's value beats the values outside that range;
5. then **newer-source**: the value of the source with the newest data date (ties: litellm,
   genai-prices, models.dev).

A record is deprecated when any source says so, or when its deprecation date is on or before the
snapshot date. ``provenance`` keeps, per field, the source the value came from (``"*"``: the
source of the record's descriptive fields: name, family, capabilities, modalities, dates).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from llmhub_catalog.facts import MERGED_FIELDS, Facts, SourceFacts
from llmhub_catalog.lifecycle import first_party, link_aliases, reasoning_from_table
from llmhub_catalog.providers import ANYLLM_PROVIDERS, route_for

__all__ = [
    "FIRST_PARTY_SOURCE",
    "NEW_RECORD_PROVIDERS",
    "PLAUSIBLE_RESELLER_RATIO",
    "SOURCE_PRIORITY",
    "MergeReport",
    "merge_sources",
    "within",
]

#: Providers for which a source other than models.dev may create records (first-party APIs,
#: whose model ids in litellm's map are the ids their API takes).
NEW_RECORD_PROVIDERS: Final = frozenset(
    {"openai", "anthropic", "google", "mistral", "deepseek", "xai", "cohere", "moonshotai", "zai", "minimax",
     "perplexity", "voyage"}
)  # fmt: skip
#: A reseller's price for a closed-weights model is plausible within this ratio of first party's.
PLAUSIBLE_RESELLER_RATIO: Final = (0.5, 2.0)
#: Tie-break between sources with the same data date, most trusted first.
SOURCE_PRIORITY: Final = ("litellm", "genai_prices", "models_dev")
#: Provenance name of a value taken from the first-party record (rule provider-own-row).
FIRST_PARTY_SOURCE: Final = "first_party"
#: Catalog providers that are a regional endpoint of a first party (not resellers).
REGIONAL_FIRST_PARTY: Final = {"alibaba-cn": "alibaba"}
_TOLERANCE: Final = 0.01
_FREE: Final = re.compile(r"(?:^|[-:_/ (])free(?:$|[-:_ )])", re.IGNORECASE)
_LOCAL: Final = frozenset(
    md for provider in ANYLLM_PROVIDERS.values() if provider.local for md in provider.models_dev
)
_PRICE_FIELDS: Final = tuple(
    f for f in MERGED_FIELDS if f.startswith("prices.") and f != "prices.long_context"
)


@dataclass
class MergeReport:
    """What the merge did, for the build summary and the closing note.

    Attributes:
        records_per_source: Source -> records it gave at least one fact to (models.dev: rows).
        added: Source -> records it created (models it lists and models.dev does not).
        conflicts_per_field: Field path -> records with a conflict on it.
        deprecated: Deprecated records after the merge.
        agreement: ``"a~b:prices.input"`` -> ``[agreeing, compared]`` over records both sources price.
    """

    records_per_source: Counter[str] = field(default_factory=Counter)
    added: Counter[str] = field(default_factory=Counter)
    conflicts_per_field: Counter[str] = field(default_factory=Counter)
    deprecated: int = 0
    agreement: dict[str, list[int]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON (sorted), for the snapshot's ``counts`` and the build log."""
        return {
            "records_per_source": dict(sorted(self.records_per_source.items())),
            "added": dict(sorted(self.added.items())),
            "conflicts_per_field": dict(sorted(self.conflicts_per_field.items())),
            "deprecated": self.deprecated,
            "agreement": dict(sorted(self.agreement.items())),
        }


def within(a: Any, b: Any, tolerance: float = _TOLERANCE) -> bool:
    """Whether two values agree: numbers within ``tolerance`` (relative), lists item by item."""
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(a - b) <= tolerance * max(abs(a), abs(b))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(within(x, y, tolerance) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(within(a[k], b[k], tolerance) for k in a)
    return bool(a == b)


def _shown(value: Any) -> float | int | str | None:
    """A conflict value as JSON scalar (tiers and effort lists become short strings)."""
    if value is None or isinstance(value, int | float | str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    if isinstance(value, list | tuple):
        parts = []
        for tier in value:
            prices = ",".join(
                f"{k}={tier[k]:g}" for k in ("input", "output", "cache_read") if tier.get(k) is not None
            )
            parts.append(f">{tier['above_tokens']}:{prices}")
        return ";".join(parts)
    return str(value)


def _get(row: Mapping[str, Any], path: str) -> Any:
    head, _, tail = path.partition(".")
    if not tail:
        return row.get(head)
    section = row.get(head)
    return section.get(tail) if isinstance(section, Mapping) else None


def _set(row: MutableMapping[str, Any], path: str, value: Any) -> None:
    head, _, tail = path.partition(".")
    if not tail:
        row[head] = value
        return
    section = row.get(head)
    if not isinstance(section, MutableMapping):
        section = {}
        row[head] = section
    section[tail] = value


def _new_row(template: Mapping[str, Any], source: str) -> dict[str, Any] | None:
    provider, model = template["provider_id"], template["model"]
    route = route_for(provider, model)
    if route is None:
        return None
    return {
        "id": f"{provider}/{model}",
        "catalog_provider": provider,
        "provider": route.provider,
        "model": model,
        "api_base": route.api_base,
        "name": model,
        "family": None,
        "kind": template["kind"],
        "capabilities": dict(template["capabilities"]),
        "modalities": {k: list(v) for k, v in template["modalities"].items()},
        "limits": {"context": None, "input": None, "output": None},
        "prices": {},
        "open_weights": False,
        "knowledge_cutoff": None,
        "release_date": None,
        "last_updated": None,
        "status": "active",
        "arena": None,
        "tiers": None,
        "source": source,
    }


def _add_new_rows(
    rows: list[dict[str, Any]], sources: Sequence[SourceFacts], as_of: str, report: MergeReport
) -> None:
    known = {row["id"] for row in rows}
    for source in sources:
        for (provider, model), template in sorted(source.templates.items()):
            if provider not in NEW_RECORD_PROVIDERS or f"{provider}/{model}" in known:
                continue
            facts = source.facts.get((provider, model), {})
            retired = facts.get("deprecation_date")
            if isinstance(retired, str) and retired <= as_of:
                continue  # retired before the snapshot: never a candidate, not worth a record
            row = _new_row(template, source.name)
            if row is None:
                continue
            rows.append(row)
            known.add(row["id"])
            report.added[source.name] += 1


def _free(row: Mapping[str, Any]) -> bool:
    return row["catalog_provider"] in _LOCAL or bool(
        _FREE.search(row["model"]) or _FREE.search(row["name"] or "")
    )


def _candidates(row: Mapping[str, Any], found: Mapping[str, Facts], path: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, facts in found.items():
        if path in facts and facts[path] is not None and facts[path] != []:
            values[name] = facts[path]
    if path.startswith("prices.") and path != "prices.long_context" and not _free(row):
        values = {name: value for name, value in values.items() if value != 0}
    return values


def _newest(names: Sequence[str], dates: Mapping[str, str]) -> str:
    def rank(name: str) -> tuple[str, int]:
        priority = SOURCE_PRIORITY.index(name) if name in SOURCE_PRIORITY else len(SOURCE_PRIORITY)
        return (dates.get(name, ""), -priority)

    return max(names, key=rank)


def _resolve(
    path: str,
    values: dict[str, Any],
    dates: Mapping[str, str],
    reference: Any,
    image_prices: Sequence[float],
) -> tuple[str, Any, dict[str, Any] | None]:
    """``(chosen source, value, conflict or None)`` for one field with at least one candidate."""
    names = list(values)
    plausible = names
    if isinstance(reference, int | float) and reference > 0:
        low, high = PLAUSIBLE_RESELLER_RATIO
        plausible = [n for n in names if low <= values[n] / reference <= high]
        if not plausible:
            # No source gives this reseller a plausible price: the first-party price stands in.
            shown = {name: _shown(values[name]) for name in sorted(names)}
            conflict = {
                "field": path,
                "values": {**shown, FIRST_PARTY_SOURCE: reference},
                "chosen": FIRST_PARTY_SOURCE,
                "rule": "provider-own-row",
            }
            return FIRST_PARTY_SOURCE, reference, conflict
    if all(within(values[a], values[b]) for a in names for b in names if a < b):
        chosen = _newest(names, dates)
        return chosen, values[chosen], None
    conflict_values = {name: _shown(values[name]) for name in sorted(names)}
    pool = names
    rule = "newer-source"
    if path == "prices.output" and image_prices:
        text = [n for n in pool if not any(within(values[n], p) for p in image_prices)]
        if text and len(text) < len(pool):
            pool, rule = text, "image-output-price"
    if len(plausible) < len(names):
        narrowed = [n for n in pool if n in plausible]
        if narrowed:
            pool, rule = narrowed, "provider-own-row"
    chosen = _newest(pool, dates) if len(pool) > 1 else pool[0]
    if len(pool) > 1 and rule != "newer-source":
        rule = f"{rule}, newer-source"
    return chosen, values[chosen], {"field": path, "values": conflict_values, "chosen": chosen, "rule": rule}


def _agreement(found: Mapping[str, Facts], row: Mapping[str, Any], report: MergeReport) -> None:
    names = sorted(found)
    for path in ("prices.input", "prices.output"):
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                va, vb = found[a].get(path), found[b].get(path)
                if not isinstance(va, int | float) or not isinstance(vb, int | float) or not va or not vb:
                    continue
                tally = report.agreement.setdefault(f"{a}~{b}:{path}", [0, 0])
                tally[0] += within(va, vb)
                tally[1] += 1


def _models_dev_facts(row: Mapping[str, Any]) -> Facts:
    facts: Facts = {}
    prices = row.get("prices") or {}
    for path in _PRICE_FIELDS:
        value = prices.get(path.split(".", 1)[1])
        if value is not None:
            facts[path] = value
    if prices.get("long_context"):
        facts["prices.long_context"] = prices["long_context"]
    limits = row.get("limits") or {}
    for name in ("context", "output"):
        if limits.get(name) is not None:
            facts[f"limits.{name}"] = limits[name]
    if row.get("status") == "deprecated":
        facts["status"] = "deprecated"
    return facts


def reseller_of(row: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The first-party record a reseller/cloud row of a closed-weights model copies, else ``None``.

    Open-weights models are priced freely by every host, so they have no first-party reference.
    """
    owner = first_party(row.get("canonical") or "")
    provider = REGIONAL_FIRST_PARTY.get(row["catalog_provider"], row["catalog_provider"])
    if owner is None or owner == provider or row["open_weights"]:
        return None
    target = by_id.get(row.get("alias_of") or "")
    if target is None or target["catalog_provider"] != owner or target["open_weights"]:
        return None
    return target


_INHERITED = ("name", "family", "open_weights", "knowledge_cutoff", "release_date")


def _inherit_descriptions(rows: Sequence[dict[str, Any]]) -> None:
    """Rows created from litellm's map borrow descriptive fields from a models.dev row of the same model."""
    described: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["source"] == "models.dev":
            described.setdefault(row["canonical"], row)
            if row["open_weights"]:
                described[row["canonical"]] = row
    for row in rows:
        twin = described.get(row["canonical"]) if row["source"] != "models.dev" else None
        if twin is None:
            continue
        for name in _INHERITED:
            if name == "name" and row["name"] != row["model"]:
                continue
            row[name] = twin[name]
        row["_inherited_from"] = twin["id"]


def merge_sources(
    rows: list[dict[str, Any]],
    sources: Sequence[SourceFacts],
    *,
    models_dev_date: str,
    as_of: str,
) -> MergeReport:
    """Merge ``sources`` into the models.dev ``rows`` in place (see the module docstring).

    Args:
        rows: Rows from :func:`~llmhub_catalog.normalize.normalize` (``source`` ``models.dev``).
        sources: The other sources' facts, each with its date.
        models_dev_date: The models.dev data's date.
        as_of: The snapshot date: deprecation dates on or before it mark a record deprecated.
    """
    report = MergeReport()
    dates = {"models_dev": models_dev_date, **{s.name: s.date for s in sources}}
    _add_new_rows(rows, sources, as_of, report)
    report.records_per_source["models_dev"] = sum(1 for row in rows if row["source"] == "models.dev")

    found_per_row: dict[str, dict[str, Facts]] = {}
    explicit: dict[str, str] = {}
    for row in rows:
        found: dict[str, Facts] = {}
        if row["source"] == "models.dev":
            found["models_dev"] = _models_dev_facts(row)
        for source in sources:
            facts = source.lookup(row["catalog_provider"], row["model"])
            if facts:
                found[source.name] = facts
                report.records_per_source[source.name] += 1
                alias = facts.get("alias_of")
                if isinstance(alias, str):
                    explicit[row["id"]] = f"{row['catalog_provider']}/{alias}"
        found_per_row[row["id"]] = found
    link_aliases(rows, explicit)

    by_id = {row["id"]: row for row in rows}

    _inherit_descriptions(rows)

    def owner_row(row: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return reseller_of(row, by_id)

    # First-party rows first, so a reseller row can be checked against merged first-party values.
    for row in sorted(rows, key=lambda r: (owner_row(r) is not None, r["id"])):
        found = found_per_row[row["id"]]
        _agreement(found, row, report)
        _merge_row(row, found, dates, owner_row(row), as_of, report)
    _inherit_reasoning(rows, by_id)
    report.deprecated = sum(1 for row in rows if row["status"] == "deprecated")
    rows.sort(key=lambda r: r["id"])
    return report


def _merge_row(
    row: dict[str, Any],
    found: Mapping[str, Facts],
    dates: Mapping[str, str],
    owner: Mapping[str, Any] | None,
    as_of: str,
    report: MergeReport,
) -> None:
    origin = "models_dev" if row["source"] == "models.dev" else row["source"]
    provenance: dict[str, str] = {"*": origin}
    if row.pop("_inherited_from", None):
        provenance.update(dict.fromkeys(_INHERITED, "models_dev"))
    conflicts: list[dict[str, Any]] = []
    prices = row["prices"]
    for name in (
        "input",
        "output",
        "cache_read",
        "cache_write",
        "reasoning",
        "input_audio",
        "output_audio",
        "output_image",
    ):
        prices.setdefault(name, None)
    prices.setdefault("long_context", [])
    # A source's max input tokens is the record's input limit when models.dev gives one apart.
    has_input_limit = row["limits"].get("input") is not None and "models_dev" in found
    if has_input_limit:
        provenance["limits.input"] = "models_dev"
    image_prices = [
        facts["prices.output_image"]
        for facts in found.values()
        if isinstance(facts.get("prices.output_image"), int | float)
    ]
    for path in MERGED_FIELDS:
        values = _candidates(row, found, path)
        if path == "limits.context" and has_input_limit:
            values = {n: v for n, v in values.items() if n == "models_dev"}
        if path == "embedding.dimensions" and row["kind"] != "embedding":
            continue
        if not values:
            if path.startswith("prices."):
                _set(row, path, [] if path == "prices.long_context" else None)
            continue
        reference = (
            _get(owner, path) if owner is not None and path in ("prices.input", "prices.output") else None
        )
        chosen, value, conflict = _resolve(path, values, dates, reference, image_prices)
        if path == "capabilities.reasoning_efforts":
            value = list(value)
        _set(row, path, value)
        provenance[path] = chosen
        if conflict is not None:
            conflicts.append(conflict)
            report.conflicts_per_field[path] += 1
    if not prices.get("long_context"):
        prices["long_context"] = []
    limits = row["limits"]
    if limits.get("context") and limits.get("output") and limits["output"] > limits["context"]:
        # The output limit cannot exceed the window: capped, and the disagreement kept.
        conflicts.append(
            {
                "field": "limits.output",
                "values": {
                    provenance.get("limits.output", origin): limits["output"],
                    "limits.context": limits["context"],
                },
                "chosen": "limits.context",
                "rule": "output-capped-at-context",
            }
        )
        report.conflicts_per_field["limits.output"] += 1
        limits["output"] = limits["context"]
        provenance["limits.output"] = provenance.get("limits.context", origin)
    # Lifecycle: deprecated when any source says so, or when the deprecation date has passed.
    said = next((name for name, facts in found.items() if facts.get("status") == "deprecated"), None)
    if said is not None:
        row["status"] = "deprecated"
        provenance["status"] = said
    date = row.get("deprecation_date")
    if isinstance(date, str) and date <= as_of and row["status"] != "deprecated":
        row["status"] = "deprecated"
        provenance["status"] = provenance["deprecation_date"]
    row.setdefault("deprecation_date", None)
    _reasoning(row, provenance)
    row["provenance"] = provenance
    row["conflicts"] = conflicts


def _inherit_reasoning(rows: Sequence[dict[str, Any]], by_id: Mapping[str, Mapping[str, Any]]) -> None:
    """An alias or reseller copy whose reasoning mode no source gives takes the model's own."""
    for row in rows:
        caps = row["capabilities"]
        target = by_id.get(row.get("alias_of") or "")
        if caps.get("reasoning_mode") is not None or target is None or not caps.get("reasoning"):
            continue
        theirs = target["capabilities"]
        if theirs.get("reasoning_mode") is None:
            continue
        caps["reasoning_mode"] = theirs["reasoning_mode"]
        row["provenance"]["capabilities.reasoning_mode"] = target["provenance"].get(
            "capabilities.reasoning_mode", target["provenance"]["*"]
        )
        if not caps.get("reasoning_efforts") and theirs.get("reasoning_efforts"):
            caps["reasoning_efforts"] = list(theirs["reasoning_efforts"])
            row["provenance"]["capabilities.reasoning_efforts"] = target["provenance"].get(
                "capabilities.reasoning_efforts", target["provenance"]["*"]
            )


def _reasoning(row: dict[str, Any], provenance: dict[str, str]) -> None:
    caps = row["capabilities"]
    caps.setdefault("reasoning_efforts", [])
    if caps.get("reasoning_mode") is not None:
        if caps["reasoning_mode"] != "none" and not caps["reasoning"]:
            caps["reasoning"] = True
        return
    if not caps.get("reasoning"):
        caps["reasoning_mode"] = "none"
        provenance["capabilities.reasoning_mode"] = provenance["*"]
        return
    table = reasoning_from_table(row["canonical"])
    if table is not None:
        caps["reasoning_mode"] = table[0]
        provenance["capabilities.reasoning_mode"] = "overrides"
        if not caps["reasoning_efforts"] and table[1]:
            caps["reasoning_efforts"] = list(table[1])
            provenance["capabilities.reasoning_efforts"] = "overrides"
    else:
        caps["reasoning_mode"] = None
