"""The structured explanation of a generation (``llmhub generate --explain``).

Plain frozen dataclasses with ``to_dict()`` so the CLI can print tables or emit JSON. Per role:
the needs and what was inferred (with the words that triggered it), the filters and relaxations,
the top candidates, and per chosen target (:class:`PickExplanation`) the facts behind it: rating
with interval and votes, prices, latency class and its basis, where each fact came from (the
catalog's provenance and conflicts), why it was chosen, params dropped or added, and flags for
anything unknown. Then the margin to the runner-up, ties and how they were broken, which
preference change would flip the choice, and warnings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmhub_catalog.models import ModelRecord
from llmhub_generator.filters import FilterStep
from llmhub_generator.relax import Relaxation
from llmhub_generator.scoring import Score, Weights
from llmhub_generator.select import Target

__all__ = [
    "CandidateRow",
    "Explanation",
    "PickExplanation",
    "RoleExplanation",
    "candidate_row",
    "pick_explanation",
]

#: Provenance entries shown per pick (prefixes of the catalog's field paths).
_PROVENANCE_FIELDS = (
    "prices",
    "limits.context",
    "arena",
    "embedding",
    "capabilities",
    "status",
    "deprecation",
)


@dataclass(frozen=True)
class CandidateRow:
    """One ranked candidate with the numbers its utility is made of."""

    rank: int
    provider: str
    model: str
    catalog_id: str
    rating: float | None
    win_rate: float | None
    tied_with_best: bool
    price: float | None
    latency_units: float
    quality_points: float
    doublings: float
    fit_points: float
    total: float
    unrated_demoted: bool
    chosen: str  # "primary", "fallback" or ""

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "rank": self.rank,
            "provider": self.provider,
            "model": self.model,
            "catalog_id": self.catalog_id,
            "rating": self.rating,
            "win_rate": None if self.win_rate is None else round(self.win_rate, 4),
            "tied_with_best": self.tied_with_best,
            "price": self.price,
            "latency_units": self.latency_units,
            "scores": {
                "quality": round(self.quality_points, 2),
                "price_doublings": round(self.doublings, 3),
                "latency_units": self.latency_units,
                "fit": round(self.fit_points, 2),
                "total": round(self.total, 2),
            },
            "unrated_demoted": self.unrated_demoted,
            "chosen": self.chosen,
        }


def candidate_row(rank: int, score: Score, chosen: str) -> CandidateRow:
    """A row for ``score`` at ``rank`` (1-based)."""
    record = score.facts.record
    return CandidateRow(
        rank=rank,
        provider=record.provider,
        model=record.model,
        catalog_id=record.id,
        rating=score.facts.quality.value,
        win_rate=score.win_rate,
        tied_with_best=score.tied_with_best,
        price=score.facts.price,
        latency_units=score.latency_units,
        quality_points=score.quality_points,
        doublings=score.doublings,
        fit_points=score.fit_points,
        total=score.total,
        unrated_demoted=score.group == 1,
        chosen=chosen,
    )


@dataclass(frozen=True)
class PickExplanation:
    """The facts behind one chosen target."""

    position: str  # "primary", "fallback 1", ...
    target: str
    catalog_id: str | None
    why: str
    quality: dict[str, Any]
    prices: dict[str, Any]
    latency: dict[str, Any]
    provenance: dict[str, str]
    conflicts: tuple[str, ...]
    dropped_params: tuple[tuple[str, str], ...]
    added_params: tuple[tuple[str, str], ...]
    flags: tuple[str, ...]
    total: float | None
    dimensions: int | None = None
    doublings: float | None = None
    latency_units: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "position": self.position,
            "target": self.target,
            "catalog_id": self.catalog_id,
            "why": self.why,
            "quality": self.quality,
            "prices": self.prices,
            "latency": self.latency,
            "provenance": dict(self.provenance),
            "conflicts": list(self.conflicts),
            "dropped_params": [{"param": p, "why": w} for p, w in self.dropped_params],
            "added_params": [{"param": p, "why": w} for p, w in self.added_params],
            "flags": list(self.flags),
            "total": None if self.total is None else round(self.total, 2),
            "dimensions": self.dimensions,
        }


def _provenance(record: ModelRecord) -> dict[str, str]:
    """``"source date"`` -> the fields (of those a pick rests on) that came from it."""
    by_source: dict[str, list[str]] = {}
    for path, p in sorted(record.provenance.items()):
        if path.startswith(_PROVENANCE_FIELDS):
            by_source.setdefault(f"{p.source} {p.date}", []).append(path)
    return {source: ", ".join(paths) for source, paths in sorted(by_source.items())}


def _conflicts(record: ModelRecord) -> tuple[str, ...]:
    out = []
    for c in record.conflicts:
        values = ", ".join(f"{k}={v}" for k, v in sorted(c.values.items()))
        out.append(f"{c.field}: {values} -> {c.chosen} ({c.rule})")
    return tuple(out)


def pick_explanation(position: str, target: Target, measure: str, need_quality: str) -> PickExplanation:
    """The explanation of one chosen target."""
    record, score = target.record, target.score
    flags: list[str] = []
    quality: dict[str, Any] = {"measure": measure, "rated": False}
    prices: dict[str, Any] = {"known": False}
    latency: dict[str, Any] = {}
    dimensions = None
    if record is None:
        flags.append("not in the catalog: nothing is known about it")
    else:
        if score is not None:
            q = score.facts.quality
            quality = {
                "measure": measure,
                "rated": q.rated,
                "value": q.value,
                "ci_lower": q.lower,
                "ci_upper": q.upper,
                "votes": q.votes,
                "win_rate": None if score.win_rate is None else round(score.win_rate, 4),
                "tied_with_best": score.tied_with_best,
                "points": round(score.quality_points, 4),
            }
            lat = score.facts.latency
            latency = {"units": lat.units, "class": lat.label, "basis": lat.basis, "proxy": True}
            if lat.size == "unknown":
                flags.append("size unknown: latency counted as a large model's")
            if lat.reasoning_basis.startswith("mode unknown"):
                flags.append("reasoning mode unknown: counted as always-reasoning")
        if not quality.get("rated"):
            treated = (
                "counted as 50 points below the lowest rated candidate"
                if need_quality == "low"
                else f"ranked below every rated candidate for quality {need_quality}"
            )
            flags.append(f"no {measure} rating: quality unknown ({treated})")
        p = record.prices
        prices = {"known": p.blended is not None, "input": p.input, "output": p.output, "blended": p.blended}
        if p.long_context:
            prices["long_context"] = [
                {"above_tokens": t.above_tokens, "input": t.input, "output": t.output} for t in p.long_context
            ]
        if p.blended is None:
            flags.append("price unknown: counted as the most expensive candidate")
        if record.embedding is not None:
            dimensions = record.embedding.dimensions
        if score is not None and score.facts.unstable:
            flags.append("preview / -latest id")
        if record.deprecated:
            flags.append("deprecated")
    return PickExplanation(
        position=position,
        target=f"{target.provider}/{target.model}",
        catalog_id=None if record is None else record.id,
        why=target.why,
        quality=quality,
        prices=prices,
        latency=latency,
        provenance={} if record is None else _provenance(record),
        conflicts=() if record is None else _conflicts(record),
        dropped_params=target.dropped,
        added_params=target.added,
        flags=tuple(flags),
        total=None if score is None else score.total,
        dimensions=dimensions,
        doublings=None if score is None else score.doublings,
        latency_units=None if score is None else score.latency_units,
    )


@dataclass(frozen=True)
class RoleExplanation:
    """Why a role got what it got."""

    role: str
    kind: str
    interpreter: str
    needs: dict[str, Any]
    inferred: tuple[dict[str, Any], ...]
    weights: Weights
    filters: tuple[FilterStep, ...]
    relaxations: tuple[Relaxation, ...]
    candidates: tuple[CandidateRow, ...]
    candidate_count: int
    primary: str
    fallbacks: tuple[str, ...]
    forced: bool
    score: float | None
    rationale: str
    warnings: tuple[str, ...]
    notes: tuple[str, ...] = ()
    measure: str = "arena:overall"
    picks: tuple[PickExplanation, ...] = ()
    runner_up: dict[str, Any] | None = None
    ties: str | None = None
    flips: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())
    trade_off: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "role": self.role,
            "kind": self.kind,
            "interpreter": self.interpreter,
            "needs": self.needs,
            "inferred": list(self.inferred),
            "weights": self.weights.to_dict(),
            "trade_off": self.trade_off,
            "measure": self.measure,
            "filters": [
                {
                    "filter": f.name,
                    "constraint": f.constraint,
                    "before": f.before,
                    "after": f.after,
                    "rejected": f.removed,
                }
                for f in self.filters
            ],
            "relaxations": [r.to_dict() for r in self.relaxations],
            "candidate_count": self.candidate_count,
            "top_candidates": [c.to_dict() for c in self.candidates],
            "primary": self.primary,
            "fallbacks": list(self.fallbacks),
            "forced": self.forced,
            "score": None if self.score is None else round(self.score, 2),
            "rationale": self.rationale,
            "picks": [p.to_dict() for p in self.picks],
            "runner_up": self.runner_up,
            "ties": self.ties,
            "flips": list(self.flips),
            "skipped": list(self.skipped),
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Explanation:
    """The explanation of a whole generation."""

    roles: tuple[RoleExplanation, ...]
    catalog_version: str
    catalog_sha256: str
    spec_sha256: str

    def role(self, name: str) -> RoleExplanation:
        """The explanation of one role."""
        for role in self.roles:
            if role.role == name:
                return role
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "catalog": {"version": self.catalog_version, "sha256": self.catalog_sha256},
            "spec_sha256": self.spec_sha256,
            "roles": [r.to_dict() for r in self.roles],
        }
