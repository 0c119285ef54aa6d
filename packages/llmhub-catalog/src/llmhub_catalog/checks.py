"""Sanity checks on merged record rows: the snapshot build fails when any is violated.

* **price units**: every price is in US dollars per 1M tokens, so a non-zero price below
  ``$0.001`` (a per-token value left unconverted) or above ``$2000`` (per-1K or per-request
  values) is a violation;
* **reseller ratio**: a reseller's or cloud's input/output price for a closed-weights model lies
  within :data:`~llmhub_catalog.merge.PLAUSIBLE_RESELLER_RATIO` of the first-party price;
* **limits**: the context window is at least the largest output;
* **flagships**: the current flagship models of the main providers (:data:`FLAGSHIPS`) are
  present and not deprecated.

The live refresh runs the same checks and logs violations without failing (an upstream typo must
not block a refresh that is otherwise better than the cache).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from llmhub_catalog.merge import PLAUSIBLE_RESELLER_RATIO, reseller_of

__all__ = ["FLAGSHIPS", "MAX_PRICE", "MIN_PRICE", "check_rows"]

MIN_PRICE: Final = 0.001
MAX_PRICE: Final = 2000.0
#: Catalog ids that must be present and active in a snapshot built from current data. Update it
#: when a provider ships a new flagship family (the weekly rebuild shows new models in its diff).
FLAGSHIPS: Final = (
    "anthropic/claude-opus-5-5",
    "anthropic/claude-sonnet-5-5",
    "anthropic/claude-haiku-5-5",
    "openai/gpt-6-sol",
    "openai/gpt-6-luna",
    "google/gemini-3.8-flash",
    "google/gemini-4-argon",
    "mistral/mistral-large-4",
    "deepseek/deepseek-v4-pro",
    "xai/grok-4.7",
)
_PRICES: Final = (
    "input",
    "output",
    "cache_read",
    "cache_write",
    "reasoning",
    "input_audio",
    "output_audio",
    "output_image",
)


def check_rows(rows: Sequence[Mapping[str, Any]], flagships: Sequence[str] = FLAGSHIPS) -> list[str]:
    """Every violation, as ``"<catalog id>: <what is wrong>"`` (empty: the rows pass)."""
    problems: list[str] = []
    by_id = {row["id"]: row for row in rows}
    low, high = PLAUSIBLE_RESELLER_RATIO
    for row in rows:
        prices = row["prices"]
        for name in _PRICES:
            value = prices.get(name)
            if value is not None and value != 0 and not MIN_PRICE <= value <= MAX_PRICE:
                problems.append(f"{row['id']}: prices.{name} = {value} is not a price per 1M tokens")
        for tier in prices.get("long_context") or ():
            for name in ("input", "output", "cache_read"):
                value = tier.get(name)
                if value is not None and value != 0 and not MIN_PRICE <= value <= MAX_PRICE:
                    problems.append(
                        f"{row['id']}: long-context {name} = {value} is not a price per 1M tokens"
                    )
        limits = row["limits"]
        if limits.get("context") and limits.get("output") and limits["context"] < limits["output"]:
            problems.append(f"{row['id']}: context {limits['context']} < max output {limits['output']}")
        owner = reseller_of(row, by_id)
        if owner is None:
            continue
        if row["status"] == "deprecated" or owner["status"] == "deprecated":
            continue
        for name in ("input", "output"):
            mine, theirs = prices.get(name), owner["prices"].get(name)
            if mine and theirs and not low <= mine / theirs <= high:
                problems.append(
                    f"{row['id']}: prices.{name} {mine:g} is {mine / theirs:.2f}x the first-party "
                    f"{owner['id']} ({theirs:g})"
                )
    for flagship in flagships:
        found = by_id.get(flagship)
        if found is None:
            problems.append(f"{flagship}: flagship model missing")
        elif found["status"] == "deprecated":
            problems.append(f"{flagship}: flagship model is deprecated")
    return problems
