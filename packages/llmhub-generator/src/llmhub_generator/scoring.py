"""SP6 weights and SP7 scores.

**Weights (SP6).** Each preference level says how much its dimension matters:
``low`` = 0.2, ``medium`` = 1, ``high`` = 3. So ``cost: high`` means cheapness weighs three times
as much as a ``medium`` dimension (the reference code read it the other way round). Capability
fit always weighs 0.5. The four weights are divided by their sum.

**Scores (SP7)**, each in [0, 1], higher is better:

* quality ``q = ((tier - 1) + f) / 5``. ``tier`` is the catalog quality tier (1..5), or, when the
  role is judged on an Arena category the model is rated in (coding, vision...), the tier of that
  rating computed with the catalog's formula against the best rating of that category in the
  catalog. ``f`` orders models inside a tier: ``min(0.999, 2 p)`` where ``p`` is the probability of
  winning a vote against the best model of the category in the catalog; ``0.25`` for a tier that
  was not derived from an Arena rating. Because the tier is the integer part, a higher tier
  always scores higher.
* cost ``c = ((5 - tier) + g) / 5`` with the catalog cost tier; ``g`` in [0, 1] is how far the
  blended price ``(3 in + out) / 4`` sits below the top of its tier's price band on a log scale
  (``0`` when the price is unknown). Cheaper always scores higher.
* latency ``l = (5 - tier) / 4`` with the catalog's latency tier (a documented proxy).
* fit ``= (pref + surplus + headroom) / 3``: ``pref`` is 1 for the first preferred provider,
  ``1/2`` for the second, ... and 0 for others (0.5 for everyone when the role states no
  preference); ``surplus`` is the share of tool calling, structured output and attachments the
  model offers; ``headroom`` is ``min(1, context / max(2 context_min, 32000))``.

``total = wq q + wc c + wl l + wf fit``. Candidates are ranked by total (rounded to 6 decimals),
then quality, then cost score, then catalog id, so ties are broken deterministically.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from llmhub_catalog.models import ModelRecord
from llmhub_catalog.tiers import COST_BOUNDS, quality_tier, win_probability
from llmhub_generator.needs import RoleNeed
from llmhub_generator.spec import Level
from llmhub_generator.view import CatalogView

__all__ = ["FIT_WEIGHT", "LEVEL_WEIGHTS", "Score", "Weights", "rank", "score", "weights_for"]

LEVEL_WEIGHTS: dict[Level, float] = {Level.LOW: 0.2, Level.MEDIUM: 1.0, Level.HIGH: 3.0}
FIT_WEIGHT = 0.5
_UNRATED_F = 0.25
# Price bands of the cost tiers, in $ per 1M tokens (the catalog's bounds, closed at both ends).
_BANDS = (0.01, *COST_BOUNDS, 100.0)


@dataclass(frozen=True)
class Weights:
    """Normalised weights (they sum to 1)."""

    quality: float
    cost: float
    latency: float
    fit: float


def weights_for(need: RoleNeed) -> Weights:
    """SP6: the weights of a role's preferences."""
    raw = (LEVEL_WEIGHTS[need.quality], LEVEL_WEIGHTS[need.cost], LEVEL_WEIGHTS[need.latency], FIT_WEIGHT)
    total = sum(raw)
    return Weights(*(w / total for w in raw))


@dataclass(frozen=True)
class Score:
    """Component scores and total of one candidate."""

    record: ModelRecord
    quality: float
    cost: float
    latency: float
    fit: float
    total: float
    quality_tier: int

    def sort_key(self) -> tuple[float, float, float, str]:
        """Best first: total, then quality, then cheapness, then catalog id."""
        return (-round(self.total, 6), -round(self.quality, 6), -round(self.cost, 6), self.record.id)


def score(record: ModelRecord, need: RoleNeed, weights: Weights, view: CatalogView) -> Score:
    """SP7: score one candidate for a role."""
    q, q_tier = _quality(record, need, view)
    c = _cost(record)
    lat = (5 - record.tiers.latency) / 4
    fit = _fit(record, need)
    total = weights.quality * q + weights.cost * c + weights.latency * lat + weights.fit * fit
    return Score(record, q, c, lat, fit, total, q_tier)


def rank(records: Sequence[ModelRecord], need: RoleNeed, view: CatalogView) -> list[Score]:
    """Score and sort candidates, best first."""
    weights = weights_for(need)
    return sorted((score(r, need, weights, view) for r in records), key=Score.sort_key)


def _quality(record: ModelRecord, need: RoleNeed, view: CatalogView) -> tuple[float, int]:
    arena = record.arena
    category = need.arena_category
    if (
        arena is not None
        and category != "overall"
        and category in arena.ratings
        and category in view.top_rating
    ):
        rating = arena.ratings[category].rating
        top = view.top_rating[category]
        tier = quality_tier(rating, top)
        f = min(0.999, 2 * win_probability(rating, top))
    elif arena is not None and "overall" in arena.ratings and record.tiers.quality_basis == "arena":
        tier = record.tiers.quality
        top = view.top_rating.get("overall", arena.ratings["overall"].rating)
        f = min(0.999, 2 * win_probability(arena.ratings["overall"].rating, top))
    else:
        tier = record.tiers.quality
        f = _UNRATED_F
    return ((tier - 1) + f) / 5, tier


def _cost(record: ModelRecord) -> float:
    tier = record.tiers.cost
    blended = record.prices.blended
    if record.tiers.cost_basis != "price" or blended is None:
        g = 0.0
    else:
        low, high = _BANDS[tier - 1], _BANDS[tier]
        price = min(max(blended, low), high)
        g = (math.log(high) - math.log(price)) / (math.log(high) - math.log(low))
    return ((5 - tier) + g) / 5


def _fit(record: ModelRecord, need: RoleNeed) -> float:
    if need.preferred_providers:
        try:
            pref = 1.0 / (need.preferred_providers.index(record.provider) + 1)
        except ValueError:
            pref = 0.0
    else:
        pref = 0.5
    caps = record.capabilities
    surplus = (caps.tool_call + caps.structured_output + caps.attachments) / 3
    context = record.limits.context or 0
    headroom = min(1.0, context / max(2 * need.context_min, 32_000))
    return (pref + surplus + headroom) / 3
