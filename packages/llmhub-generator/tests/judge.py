"""An independent judge of picks, written from the documented rules (issue 11), not the code.

Used by the property tests (random catalogs) and the scenario suite (bundled catalog).
"""

from __future__ import annotations

from typing import Any

from llmhub_catalog.models import ModelRecord
from llmhub_generator.facts import latency_proxy


def rating_of(r: ModelRecord, kind: str, category: str = "overall") -> tuple[float, float, float] | None:
    if kind == "embedding":
        if r.embedding is None or "en" not in r.embedding.mteb:
            return None
        s = r.embedding.mteb["en"].score
        return s, s, s
    if r.arena is None or category not in r.arena.ratings:
        return None
    o = r.arena.ratings[category]
    return o.rating, o.ci_lower or o.rating, o.ci_upper or o.rating


def judge_dominates(
    a: ModelRecord, b: ModelRecord, role: dict[str, Any], kind: str, need: Any, category: str = "overall"
) -> bool:
    """``a`` is rated better beyond both intervals, not dearer (unknown = dearest), not slower,
    and not on a less preferred provider than ``b``."""
    qa, qb = rating_of(a, kind, category), rating_of(b, kind, category)
    if qa is None or qb is None:
        return False
    better = qa[0] > qb[0] if kind == "embedding" else qa[1] > qb[2]
    pa, pb = a.prices.blended, b.prices.blended
    cheaper = pa is not None and (pb is None or pa <= pb)
    faster = latency_proxy(a, need).units <= latency_proxy(b, need).units
    pref = role["preferred"]

    def rank(r: ModelRecord) -> int:
        return pref.index(r.provider) if r.provider in pref else len(pref)

    return better and cheaper and faster and rank(a) <= rank(b)


def same(a: ModelRecord, b: ModelRecord) -> bool:
    """Two ids of the same model: same ``same_model_key`` or the same Arena entry."""
    return a.same_model_key == b.same_model_key or (
        a.arena is not None and b.arena is not None and a.arena.arena_id == b.arena.arena_id
    )
