"""Facts: what one data source says about one model, in the catalog's units.

Every source other than models.dev (litellm's map, genai-prices) is read into :class:`SourceFacts`:
per ``(catalog provider, model id)`` a flat mapping of field path -> value, e.g.
``{"prices.input": 3.0, "limits.context": 200000, "deprecation_date": "2026-06-01"}``.
:mod:`llmhub_catalog.merge` combines them with the models.dev rows.

Field paths and units: ``prices.<name>`` in US dollars per 1M tokens (``None``: the source
leaves it out; ``0``: the source writes zero), ``prices.long_context`` a list of
``{"above_tokens", "input", "output", "cache_read"}``, ``limits.*`` tokens,
``deprecation_date`` ISO date, ``status`` ``"deprecated"``, ``capabilities.reasoning_mode``,
``capabilities.reasoning_efforts`` (list, lowest first), ``embedding.dimensions``, ``alias_of``
(a model id of the same provider).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MERGED_FIELDS", "Facts", "SourceFacts", "clean_price"]

#: A source's facts about one model: field path -> value.
Facts = dict[str, Any]

#: Field paths merged from several sources (the others are descriptive and come from one).
MERGED_FIELDS = (
    "prices.input",
    "prices.output",
    "prices.cache_read",
    "prices.cache_write",
    "prices.reasoning",
    "prices.input_audio",
    "prices.output_audio",
    "prices.output_image",
    "prices.long_context",
    "limits.context",
    "limits.output",
    "deprecation_date",
    "capabilities.reasoning_mode",
    "capabilities.reasoning_efforts",
    "embedding.dimensions",
)


def clean_price(value: float) -> float:
    """Round away float noise from unit conversion (``1.32e-06 * 1e6 = 1.3199999999999998``)."""
    return float(f"{value:.10g}")


@dataclass
class SourceFacts:
    """One source's facts, looked up by catalog provider and model id.

    Attributes:
        name: Source name, used in provenance (``litellm``, ``genai_prices``).
        date: The data's date (ISO): the package's upload date, or the day of a live download.
        facts: ``(catalog provider, model id)`` -> facts, for exact-id sources.
        templates: ``(catalog provider, model id)`` -> the descriptive fields of a record the
            source can create (kind, capabilities, modalities) when models.dev lacks the model.
        matcher: For sources that match model ids by rules (genai-prices): ``(provider, model)``
            -> facts or ``None``; used when ``facts`` has no exact entry.
        info: Where the data came from (package and version, or URL), for the snapshot's
            ``sources`` section.
    """

    name: str
    date: str
    facts: dict[tuple[str, str], Facts] = field(default_factory=dict)
    templates: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    matcher: Callable[[str, str], Facts | None] | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    def lookup(self, provider: str, model: str) -> Facts | None:
        """The facts for one model, or ``None`` when the source does not know it."""
        found = self.facts.get((provider, model))
        if found is None and self.matcher is not None:
            found = self.matcher(provider, model)
        return found

    def __len__(self) -> int:
        return len(self.facts)
