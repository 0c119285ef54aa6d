"""Extra model sources: how other packages add models to the catalog.

The caller passes them to :func:`~llmhub_catalog.load_catalog`; there is no global registry.
llmhub-local, for example, contributes the models it serves on loopback::

    from llmhub_catalog import StaticSource, load_catalog

    catalog = load_catalog(extra_sources=[StaticSource("llmhub-local", [
        {"provider": "llamacpp", "model": "smollm2-135m-instruct", "name": "SmolLM2 135M Instruct",
         "kind": "chat", "api_base": "http://127.0.0.1:8080/v1", "open_weights": True,
         "prices": {"input": 0, "output": 0}, "limits": {"context": 8192}},
    ])])

A source's records are validated like any outside data; missing ``id``, ``catalog_provider`` and
``tiers`` are filled in (quality defaults to tier 3, basis ``default``; cost and latency follow the
usual formulas). A record with the id of a models.dev record replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from llmhub_catalog.errors import SourceError
from llmhub_catalog.providers import ANYLLM_PROVIDERS

if TYPE_CHECKING:
    from llmhub_catalog.models import ModelRecord

__all__ = [
    "ModelSource",
    "StaticSource",
    "collect_records",
    "record_from_mapping",
]


@runtime_checkable
class ModelSource(Protocol):
    """Anything with a ``name`` and a ``models()`` method returning records or mappings."""

    name: str

    def models(self) -> Iterable[ModelRecord | Mapping[str, Any]]:
        """The models this source contributes."""
        ...


class StaticSource:
    """A source with a fixed list of records (or mappings in the record's shape)."""

    def __init__(self, name: str, models: Iterable[ModelRecord | Mapping[str, Any]]) -> None:
        self.name = name
        self._models = tuple(models)

    def models(self) -> Iterable[ModelRecord | Mapping[str, Any]]:
        """The records given at construction."""
        return self._models

    def __repr__(self) -> str:
        return f"StaticSource({self.name!r}, {len(self._models)} models)"


def record_from_mapping(data: Mapping[str, Any], *, source: str) -> ModelRecord:
    """Validate a mapping as a :class:`ModelRecord`, filling in ``id``, ``catalog_provider`` and ``tiers``.

    Raises:
        SourceError: The data is not a valid record, or names an unknown any-llm provider.
    """
    from llmhub_catalog.tiers import cost_tier, latency_tier

    fields = dict(data)
    provider = fields.get("provider")
    if provider not in ANYLLM_PROVIDERS:
        raise SourceError(f"source {source!r}: unknown any-llm provider {provider!r} in {dict(data)!r}")
    fields.setdefault("catalog_provider", provider)
    fields.setdefault("id", f"{fields['catalog_provider']}/{fields.get('model')}")
    fields.setdefault("name", fields.get("model"))
    fields.setdefault("source", source)
    if "tiers" not in fields:
        prices = fields.get("prices") or {}
        cost, cost_basis = cost_tier(prices)
        capabilities = fields.get("capabilities") or {}
        fields["tiers"] = {
            "quality": 3,
            "cost": cost,
            "latency": latency_tier(
                kind=str(fields.get("kind", "chat")),
                cost=cost,
                model_id=str(fields.get("model", "")),
                name=str(fields.get("name", "")),
                reasoning=bool(capabilities.get("reasoning", False)),
            ),
            "quality_basis": "default",
            "cost_basis": cost_basis,
        }
    from pydantic import ValidationError

    from llmhub_catalog.models import ModelRecord

    try:
        return ModelRecord.model_validate(fields)
    except ValidationError as exc:
        raise SourceError(f"source {source!r}: invalid model {fields.get('id')!r}: {exc}") from exc


def collect_records(sources: Sequence[ModelSource]) -> list[ModelRecord]:
    """Every record of ``sources``, validated.

    Raises:
        TypeError: An item of ``sources`` is not a :class:`ModelSource`.
        SourceError: A source failed or returned an invalid record (the message names it).
    """
    from llmhub_catalog.models import ModelRecord

    for source in sources:
        if not isinstance(source, ModelSource):
            raise TypeError(f"{source!r} is not a ModelSource (needs .name and .models())")
    records: list[ModelRecord] = []
    for source in sources:
        try:
            items = list(source.models())
        except Exception as exc:  # a plugin may fail in any way; report which one, never crash
            raise SourceError(f"model source {source.name!r} failed: {type(exc).__name__}: {exc}") from exc
        for item in items:
            if isinstance(item, ModelRecord):
                records.append(item)
            elif isinstance(item, Mapping):
                records.append(record_from_mapping(item, source=source.name))
            else:
                raise SourceError(
                    f"model source {source.name!r} returned {type(item).__name__}, not a record"
                )
    return records
