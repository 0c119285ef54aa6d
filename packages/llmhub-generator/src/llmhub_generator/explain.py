"""The structured explanation of a generation (``llmhub generate --explain``).

Plain frozen dataclasses with ``to_dict()`` so the CLI can print tables or emit JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmhub_generator.filters import FilterStep
from llmhub_generator.relax import Relaxation
from llmhub_generator.scoring import Score, Weights

__all__ = ["CandidateRow", "Explanation", "RoleExplanation", "candidate_row"]


@dataclass(frozen=True)
class CandidateRow:
    """One ranked candidate with its component scores and tiers."""

    rank: int
    provider: str
    model: str
    catalog_id: str
    quality: float
    cost: float
    latency: float
    fit: float
    total: float
    quality_tier: int
    cost_tier: int
    latency_tier: int
    chosen: str  # "primary", "fallback" or ""

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "rank": self.rank,
            "provider": self.provider,
            "model": self.model,
            "catalog_id": self.catalog_id,
            "scores": {
                "quality": round(self.quality, 4),
                "cost": round(self.cost, 4),
                "latency": round(self.latency, 4),
                "fit": round(self.fit, 4),
                "total": round(self.total, 4),
            },
            "tiers": {"quality": self.quality_tier, "cost": self.cost_tier, "latency": self.latency_tier},
            "chosen": self.chosen,
        }


def candidate_row(rank: int, score: Score, chosen: str) -> CandidateRow:
    """A row for ``score`` at ``rank`` (1-based)."""
    record = score.record
    return CandidateRow(
        rank=rank,
        provider=record.provider,
        model=record.model,
        catalog_id=record.id,
        quality=score.quality,
        cost=score.cost,
        latency=score.latency,
        fit=score.fit,
        total=score.total,
        quality_tier=score.quality_tier,
        cost_tier=record.tiers.cost,
        latency_tier=record.tiers.latency,
        chosen=chosen,
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

    def to_dict(self) -> dict[str, Any]:
        """Plain form for JSON."""
        return {
            "role": self.role,
            "kind": self.kind,
            "interpreter": self.interpreter,
            "needs": self.needs,
            "inferred": list(self.inferred),
            "weights": {
                "quality": round(self.weights.quality, 4),
                "cost": round(self.weights.cost, 4),
                "latency": round(self.weights.latency, 4),
                "fit": round(self.weights.fit, 4),
            },
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
            "score": None if self.score is None else round(self.score, 4),
            "rationale": self.rationale,
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
