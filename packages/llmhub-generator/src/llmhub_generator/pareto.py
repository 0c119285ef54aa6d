"""Pareto dominance between candidates of one role: the invariant every pick respects.

Candidate ``a`` **dominates** ``b`` when all of these hold:

* quality: both are rated on the role's measure and ``a`` is better beyond the intervals
  (``a``'s 95% lower bound is above ``b``'s upper bound; MTEB averages, which have no interval,
  must be strictly higher);
* price: ``a``'s price is known and not higher than ``b``'s (an unknown price counts as the
  highest, so a known price is never worse than an unknown one);
* latency: ``a``'s latency proxy is not slower;
* provider preference: ``a`` is not on a less preferred provider than ``b``.

The generator never picks a dominated primary (it takes the best-ranked candidate no other
eligible candidate dominates), and a fallback that dominates the primary is swapped with it
(unless the primary is forced).
"""

from __future__ import annotations

from collections.abc import Iterable

from llmhub_generator.facts import CandidateFacts

__all__ = ["dominated_by", "dominates"]


def dominates(a: CandidateFacts, b: CandidateFacts) -> bool:
    """Whether ``a`` dominates ``b`` (see the module docstring)."""
    qa, qb = a.quality, b.quality
    if qa.value is None or qb.value is None or qa.source != qb.source:
        return False
    if qa.source.startswith("mteb"):
        if not qa.value > qb.value:
            return False
    elif not (qa.lower if qa.lower is not None else qa.value) > (
        qb.upper if qb.upper is not None else qb.value
    ):
        return False
    if a.price is None or (b.price is not None and a.price > b.price):
        return False
    if a.latency.units > b.latency.units:
        return False
    return a.preference_rank <= b.preference_rank


def dominated_by(candidate: CandidateFacts, others: Iterable[CandidateFacts]) -> CandidateFacts | None:
    """The first of ``others`` that dominates ``candidate``, if any."""
    for other in others:
        if other is not candidate and dominates(other, candidate):
            return other
    return None
