"""SP6 weights and SP7 scores: one utility per candidate, in Arena points.

**Quality** is the expected win rate against the best eligible candidate of the role,
``q = 2 / (1 + 10 ** ((best - rating) / 400))`` (1 for the best, 0.72 at 100 points below, 0.18
at 400 below), judged on the role's measure (see :mod:`llmhub_generator.facts`). A candidate whose
95% interval overlaps the best one's is **tied** with it (``q = 1``). The win rate is turned into
points with its slope at the top, ``Q = (q - 1) / K`` with ``K = ln 10 / 800`` per point, so a
candidate 10 points below the best costs ~10 points and one far below costs at most ~350.
Embedding roles use the MTEB average: ``Q = 10 (score - best)`` (one MTEB point = 10 Arena points).
An *unrated* candidate gets the lowest ``Q`` of the rated ones minus 50 points (or 0 when none
is rated), and for ``quality: medium|high`` roles ranks after every rated candidate.

**Rank groups.** Candidates are sorted by group, then utility, then the higher point rating,
then catalog id. Group 0 is the normal case; unrated candidates (when the role's quality is
medium or high and some candidate is rated) add 1;
a *budget risk* (an always-reasoning model on a role whose ``max_tokens`` it may use up, see
:mod:`llmhub_generator.facts`) adds 2, so such a model is used only when nothing else qualifies.

**Utility** (higher is better)::

    U = wq Q  -  C * doublings  -  L * latency_units  +  F

* ``wq``: quality weight by level: low 0.5, medium 1, high 2.
* ``doublings = log2(price / cheapest)``: how many doublings of the blended price above the
  cheapest priced candidate (prices floored at $0.05 per 1M so that a free model is not infinitely
  cheaper). An unknown price counts as the most expensive known price (unknown is never best).
* ``C``: Arena points one doubling of price is worth, by cost level: low 8, medium 25, high 60.
* ``L``: points per latency unit, by latency level: low 3, medium 10, high 35.
* ``F``: 30 points for the first preferred provider, 30/2 for the second, ... (0 when not
  preferred); plus up to 3 points of capability surplus (tools, structured output, attachments
  offered beyond what is required) and context headroom.

**Trade-off rates.** At the top of the field, the Arena points a doubling of price is worth are
``C / wq``:

| quality \\ cost | low | medium | high |
|---|---|---|---|
| low | 16 | 50 | 120 |
| medium | 8 | 25 | 60 |
| high | 4 | 12.5 | 30 |

So on a ``quality: high, cost: medium`` role a model 56 points better is worth 4.5 doublings
(22x the price), and 1.4 points are not worth paying 6.7x. Raising ``quality`` never makes the
pick worse on quality, raising ``cost`` never makes it more expensive, and raising ``latency``
never makes it slower (tested as properties).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from llmhub_catalog.models import ModelRecord
from llmhub_generator.facts import CandidateFacts
from llmhub_generator.needs import RoleNeed
from llmhub_generator.spec import Level

__all__ = [
    "COST_POINTS",
    "LATENCY_POINTS",
    "PREFERRED_PROVIDER_POINTS",
    "QUALITY_WEIGHTS",
    "UNRATED_PENALTY_POINTS",
    "Score",
    "Weights",
    "points_per_price_doubling",
    "rank",
    "score_all",
    "weights_for",
]

QUALITY_WEIGHTS: dict[Level, float] = {Level.LOW: 0.5, Level.MEDIUM: 1.0, Level.HIGH: 2.0}
COST_POINTS: dict[Level, float] = {Level.LOW: 8.0, Level.MEDIUM: 25.0, Level.HIGH: 60.0}
LATENCY_POINTS: dict[Level, float] = {Level.LOW: 3.0, Level.MEDIUM: 10.0, Level.HIGH: 35.0}
PREFERRED_PROVIDER_POINTS = 30.0
SURPLUS_POINTS = 3.0
PRICE_FLOOR = 0.05
#: An unrated candidate counts this many points below the lowest rated one (unknown is pessimistic).
UNRATED_PENALTY_POINTS = 50.0
MTEB_POINT = 10.0
_SLOPE = math.log(10) / 800  # d(2p)/d(rating) at p = 1/2


@dataclass(frozen=True)
class Weights:
    """The role's weights: quality multiplier and points per price doubling / latency unit."""

    quality: float
    cost: float
    latency: float

    def to_dict(self) -> dict[str, float]:
        """Plain form for JSON."""
        return {
            "quality": self.quality,
            "cost_points_per_doubling": self.cost,
            "latency_points_per_unit": self.latency,
        }


def weights_for(quality: Level, cost: Level, latency: Level) -> Weights:
    """SP6: the weights of a set of preference levels."""
    return Weights(QUALITY_WEIGHTS[quality], COST_POINTS[cost], LATENCY_POINTS[latency])


def points_per_price_doubling(quality: Level, cost: Level) -> float:
    """Arena points (at the top of the field) that one doubling of price is worth."""
    return COST_POINTS[cost] / QUALITY_WEIGHTS[quality]


@dataclass(frozen=True)
class Score:
    """The scored components of one candidate (all in Arena points except ``win_rate``).

    Attributes:
        facts: The candidate's facts.
        win_rate: Expected win rate against the best candidate, doubled (1 = best or tied).
        tied_with_best: The candidate's interval overlaps the best candidate's.
        quality_points: ``Q`` (0 for the best, negative below).
        doublings: Price doublings above the cheapest candidate.
        latency_units: The latency proxy.
        fit_points: ``F``.
        total: The utility ``U``.
        group: The rank group: 0 normal, +1 unrated (quality medium/high), +2 budget risk.
    """

    facts: CandidateFacts
    win_rate: float | None
    tied_with_best: bool
    quality_points: float
    doublings: float
    latency_units: float
    fit_points: float
    total: float
    group: int

    @property
    def record(self) -> ModelRecord:
        """The candidate's catalog record."""
        return self.facts.record

    def sort_key(self) -> tuple[int, float, float, str]:
        """Best first: group, then utility, then the higher point rating (a tie on utility
        between candidates tied on quality goes to the better-rated one), then catalog id."""
        return (self.group, -round(self.total, 6), _rating_key(self.facts), self.facts.record.id)


@dataclass(frozen=True)
class _Base:
    facts: CandidateFacts
    win_rate: float | None
    tied: bool
    q: float
    doublings: float
    fit: float


def _bases(candidates: Sequence[CandidateFacts], need: RoleNeed) -> list[_Base]:
    rated = [c for c in candidates if c.quality.rated]
    best = max(rated, key=lambda c: (c.quality.value, c.key)) if rated else None
    mteb = bool(best is not None and best.quality.source.startswith("mteb"))
    raw: list[tuple[float | None, bool, float | None]] = []
    for c in candidates:
        value = c.quality.value
        if value is None or best is None or best.quality.value is None:
            raw.append((None, False, None))
            continue
        if mteb:
            raw.append((None, value >= best.quality.value, MTEB_POINT * (value - best.quality.value)))
            continue
        tied = (c.quality.upper or value) >= (best.quality.lower or best.quality.value)
        win = 1.0 if tied else 2.0 / (1.0 + 10 ** ((best.quality.value - value) / 400.0))
        raw.append((win, tied, (win - 1.0) / _SLOPE))
    known_q = [q for _, _, q in raw if q is not None]
    unrated_q = min(known_q) - UNRATED_PENALTY_POINTS if known_q else 0.0
    prices = [c.price for c in candidates if c.price is not None]
    cheapest = max(PRICE_FLOOR, min(prices)) if prices else PRICE_FLOOR
    dearest = max(PRICE_FLOOR, max(prices)) if prices else PRICE_FLOOR
    out = []
    for c, (rate, is_tied, points) in zip(candidates, raw, strict=True):
        price = dearest if c.price is None else max(PRICE_FLOOR, c.price)
        out.append(
            _Base(
                c,
                rate,
                is_tied,
                unrated_q if points is None else points,
                math.log2(price / cheapest),
                _fit(c, need),
            )
        )
    return out


def _rating_key(c: CandidateFacts) -> float:
    value = c.quality.value
    return math.inf if value is None else -value


def _fit(c: CandidateFacts, need: RoleNeed) -> float:
    preferred = PREFERRED_PROVIDER_POINTS / (c.preference_rank + 1) if need.preferred_providers else 0.0
    if c.preference_rank >= len(need.preferred_providers):
        preferred = 0.0
    caps = c.record.capabilities
    surplus = (caps.tool_call + caps.structured_output + caps.attachments) / 3
    context = c.record.limits.context or 0
    headroom = min(1.0, context / max(2 * need.context_min, 32_000))
    return preferred + SURPLUS_POINTS * (surplus + headroom) / 2


def score_all(candidates: Sequence[CandidateFacts], need: RoleNeed, weights: Weights) -> list[Score]:
    """Score candidates (unsorted). ``weights`` may differ from the role's (what-if analysis)."""
    return _score(_bases(candidates, need), need, weights)


def _score(bases: Sequence[_Base], need: RoleNeed, weights: Weights) -> list[Score]:
    any_rated = any(b.facts.quality.rated for b in bases)
    demote_unrated = any_rated and weights.quality >= QUALITY_WEIGHTS[Level.MEDIUM]
    scores = []
    for b in bases:
        units = b.facts.latency.units
        total = weights.quality * b.q - weights.cost * b.doublings - weights.latency * units + b.fit
        group = (1 if demote_unrated and not b.facts.quality.rated else 0) + (
            2 if b.facts.latency.budget_risk else 0
        )
        scores.append(Score(b.facts, b.win_rate, b.tied, b.q, b.doublings, units, b.fit, total, group))
    return scores


class Ranker:
    """Ranks one role's candidates under different weights without recomputing their facts."""

    def __init__(self, candidates: Sequence[CandidateFacts], need: RoleNeed) -> None:
        self._bases = _bases(candidates, need)
        self._need = need

    def rank(self, weights: Weights) -> list[Score]:
        """Candidates best first under ``weights``."""
        return sorted(_score(self._bases, self._need, weights), key=Score.sort_key)

    @property
    def facts(self) -> list[CandidateFacts]:
        """The candidates' facts, in the order given."""
        return [b.facts for b in self._bases]

    def _keyed(self, weights: Weights) -> list[tuple[tuple[int, float, float, str], CandidateFacts]]:
        any_rated = any(b.facts.quality.rated for b in self._bases)
        demote = any_rated and weights.quality >= QUALITY_WEIGHTS[Level.MEDIUM]
        wq, wc, wl = weights.quality, weights.cost, weights.latency
        return [
            (
                (
                    (1 if demote and not b.facts.quality.rated else 0)
                    + (2 if b.facts.latency.budget_risk else 0),
                    -round(wq * b.q - wc * b.doublings - wl * b.facts.latency.units + b.fit, 6),
                    _rating_key(b.facts),
                    b.facts.record.id,
                ),
                b.facts,
            )
            for b in self._bases
        ]

    def order(self, weights: Weights) -> list[CandidateFacts]:
        """The candidates' facts best first under ``weights``, without building scores (what-if
        analysis ranks the same candidates many times)."""
        keyed = self._keyed(weights)
        keyed.sort(key=lambda k: k[0])
        return [facts for _, facts in keyed]

    def best(self, weights: Weights, acceptable: Callable[[CandidateFacts], bool]) -> CandidateFacts:
        """The first candidate of :meth:`order` that ``acceptable`` accepts; usually the very
        first, found in one pass instead of a sort."""
        keyed = self._keyed(weights)
        top = min(keyed, key=lambda k: k[0])[1]
        if acceptable(top):
            return top
        keyed.sort(key=lambda k: k[0])
        return next(facts for _, facts in keyed if acceptable(facts))


def rank(candidates: Sequence[CandidateFacts], need: RoleNeed) -> list[Score]:
    """Score and sort candidates under the role's own preferences, best first."""
    return Ranker(candidates, need).rank(weights_for(need.quality, need.cost, need.latency))
