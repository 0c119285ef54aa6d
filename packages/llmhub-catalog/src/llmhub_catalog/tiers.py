"""Derived tiers (1..5) for quality, cost and latency. The formulas are also in the README.

Every tier grows with the quantity it names: quality 5 = strongest, cost 5 = most expensive,
latency 5 = slowest.

**Quality** comes from the LMArena ``overall`` rating. A rating gap converts into the probability
of winning a head-to-head vote, ``p = 1 / (1 + 10 ** ((top - rating) / 400))``, against the best
model in the Arena table; tier 5 if p >= 0.45, 4 if p >= 0.35, 3 if p >= 0.25, 2 if p >= 0.15, else
1. A model without an Arena ``overall`` rating gets the median tier of the rated models of the
same family and kind (basis ``family``), else 3 (basis ``default``).

**Cost** uses the blended price ``(3 * input + output) / 4`` in $ per 1M tokens: tier 1 up to
0.30, 2 up to 1.50, 3 up to 5, 4 up to 15, 5 above. No price: 3 (basis ``unknown``).

**Latency** has no public data source, so it is a documented *proxy*: it starts from the cost
tier (price tracks model size, and size tracks time per token), goes one tier faster for names
that mark a small or speed-tuned model (mini, nano, flash, lite, haiku, small, fast, turbo...,
or under 15B parameters), one tier slower for reasoning models (they think before the first
answer token), and is 1 for embedding models. Treat it as a hint, not a measurement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from llmhub_catalog.arena import ArenaTable

__all__ = [
    "COST_BOUNDS",
    "QUALITY_WIN_PROBABILITIES",
    "apply_tiers",
    "blended_price",
    "cost_tier",
    "latency_tier",
    "quality_tier",
    "win_probability",
]

#: Win-probability floors for quality tiers 5, 4, 3 and 2.
QUALITY_WIN_PROBABILITIES = (0.45, 0.35, 0.25, 0.15)
#: Upper bounds of the blended $/1M price for cost tiers 1, 2, 3 and 4.
COST_BOUNDS = (0.30, 1.50, 5.0, 15.0)
_DEFAULT_TIER = 3

_SMALL = re.compile(
    r"(?:^|[-_./:\s])(?:mini|nano|flash|lite|haiku|small|tiny|micro|instant|turbo|fast|air|"
    r"(?:[1-9]|1[0-4])(?:\.\d+)?b)(?=$|[-_./:\s])",
    re.IGNORECASE,
)


def _median_tier(values: list[int]) -> int:
    # statistics.median would import fractions/decimal: too slow for a module on the load path.
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return round((ordered[middle - 1] + ordered[middle]) / 2)


def win_probability(rating: float, top: float) -> float:
    """Probability that a model rated ``rating`` wins a vote against one rated ``top``."""
    return 1.0 / (1.0 + 10 ** ((top - rating) / 400.0))


def quality_tier(rating: float, top: float) -> int:
    """Quality tier of an Arena rating, relative to the best rating ``top`` of the same table."""
    p = win_probability(rating, top)
    for tier, floor in zip((5, 4, 3, 2), QUALITY_WIN_PROBABILITIES, strict=True):
        if p >= floor:
            return tier
    return 1


def blended_price(prices: Mapping[str, Any]) -> float | None:
    """``(3 * input + output) / 4`` in $ per 1M tokens, or None when the input price is unknown."""
    price_in = prices.get("input")
    if price_in is None:
        return None
    return (3 * float(price_in) + float(prices.get("output") or 0.0)) / 4


def cost_tier(prices: Mapping[str, Any]) -> tuple[int, str]:
    """``(tier, basis)`` of a record's prices."""
    blended = blended_price(prices)
    if blended is None:
        return _DEFAULT_TIER, "unknown"
    for tier, bound in enumerate(COST_BOUNDS, start=1):
        if blended <= bound:
            return tier, "price"
    return 5, "price"


def latency_tier(*, kind: str, cost: int, model_id: str, name: str, reasoning: bool) -> int:
    """The latency proxy (see the module docstring): 1 fastest .. 5 slowest."""
    if kind == "embedding":
        return 1
    tier = cost
    if _SMALL.search(model_id) or _SMALL.search(name):
        tier -= 1
    if reasoning:
        tier += 1
    return max(1, min(5, tier))


def apply_tiers(rows: Iterable[MutableMapping[str, Any]], arena: ArenaTable | None) -> None:
    """Compute ``row["tiers"]`` for every record row (rows in the snapshot's JSON shape).

    Quality needs every row at once: unrated models borrow the median tier of their family.
    """
    rows = list(rows)
    top = None
    if arena is not None:
        overall = [e.ratings["overall"][0] for e in arena.models.values() if "overall" in e.ratings]
        top = max(overall) if overall else None
    rated: dict[tuple[str, str], list[int]] = {}
    quality: dict[int, tuple[int, str]] = {}
    for index, row in enumerate(rows):
        link = row.get("arena")
        entry = arena.models.get(link["arena_id"]) if (arena is not None and link) else None
        if entry is not None and top is not None and "overall" in entry.ratings:
            tier = quality_tier(entry.ratings["overall"][0], top)
            quality[index] = (tier, "arena")
            if row.get("family"):
                rated.setdefault((row["family"], row["kind"]), []).append(tier)
    for index, row in enumerate(rows):
        if index not in quality:
            siblings = rated.get((row.get("family") or "", row["kind"]))
            if siblings:
                quality[index] = (_median_tier(siblings), "family")
            else:
                quality[index] = (_DEFAULT_TIER, "default")
        cost, cost_basis = cost_tier(row["prices"])
        latency = latency_tier(
            kind=row["kind"],
            cost=cost,
            model_id=row["model"],
            name=row["name"],
            reasoning=bool(row["capabilities"]["reasoning"]),
        )
        q_tier, q_basis = quality[index]
        row["tiers"] = {
            "quality": q_tier,
            "cost": cost,
            "latency": latency,
            "quality_basis": q_basis,
            "cost_basis": cost_basis,
            "latency_basis": "proxy",
        }
