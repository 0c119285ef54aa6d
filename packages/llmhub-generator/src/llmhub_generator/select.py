"""SP9: choose the primary model and its fallbacks for a role.

The primary is the forced model when the spec pins one (always honoured; if the catalog lacks it,
it is kept with a warning, never replaced), otherwise the best-ranked candidate. Fallbacks are
the next candidates in rank order, spread over providers: first the best candidate of each
provider not used yet (in rank order) whose score is within ``DIVERSITY_MARGIN`` of the best
remaining candidate, then, if that is not enough, the best remaining models of any provider.
They are tried in that order, so an outage of the primary's provider is survived by the first
fallback.

Per-target params are the role's ``mode_params``, minus ``temperature`` for models that refuse it
(some reasoning models), which is noted in the explanation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from llmhub_catalog.models import ModelRecord
from llmhub_generator.filters import apply_filters
from llmhub_generator.needs import RoleNeed
from llmhub_generator.scoring import Score
from llmhub_generator.view import CatalogView

__all__ = ["DIVERSITY_MARGIN", "Selection", "Target", "select"]

#: How far (in total score) below the best remaining candidate a model of a new provider may be
#: and still be preferred as a fallback for the sake of provider diversity.
DIVERSITY_MARGIN = 0.1


@dataclass(frozen=True)
class Target:
    """A chosen provider/model with its params (``record`` is None for a forced unknown model)."""

    provider: str
    model: str
    params: dict[str, Any]
    record: ModelRecord | None
    score: Score | None


@dataclass(frozen=True)
class Selection:
    """The outcome of SP9 for one role.

    ``warnings`` need the user's attention (a forced model unknown to the catalog, too few
    fallbacks); ``notes`` are adjustments worth explaining (a param dropped for one model).
    """

    primary: Target
    fallbacks: tuple[Target, ...]
    forced: bool
    warnings: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())


def select(need: RoleNeed, ranked: list[Score], view: CatalogView) -> Selection:
    """Pick the primary and ``need.fallbacks`` fallbacks from ranked candidates."""
    warnings: list[str] = []
    notes: list[str] = []
    forced = need.force is not None
    if need.force is not None:
        record = view.find(need.force.provider, need.force.model)
        if record is None:
            warnings.append(
                f"forced model {need.force.provider}/{need.force.model} is not in the catalog; "
                "kept as written (capabilities unchecked)"
            )
        else:
            _, steps = apply_filters([record], need, None)
            failed = [s.constraint for s in steps if s.after == 0]
            if failed:
                warnings.append(
                    f"forced model {record.provider}/{record.model} does not meet: {', '.join(failed)}; "
                    "kept because it is forced"
                )
        score = next((s for s in ranked if record is not None and s.record.id == record.id), None)
        primary = _target(need.force.provider, need.force.model, record, score, need, notes)
    else:
        best = ranked[0]
        primary = _target(best.record.provider, best.record.model, best.record, best, need, notes)

    remaining = [
        s for s in ranked if (s.record.provider, s.record.model) != (primary.provider, primary.model)
    ]
    chosen: list[Score] = []
    used = {primary.provider}
    # Provider diversity is worth a little score, not a lot: a much weaker model of another
    # provider is no better a backup than a close second of the same provider.
    floor = (remaining[0].total if remaining else 0.0) - DIVERSITY_MARGIN
    for candidate in remaining:
        if len(chosen) >= need.fallbacks:
            break
        if candidate.record.provider not in used and candidate.total >= floor:
            chosen.append(candidate)
            used.add(candidate.record.provider)
    for candidate in remaining:
        if len(chosen) >= need.fallbacks:
            break
        if candidate not in chosen:
            chosen.append(candidate)
    fallbacks = tuple(_target(s.record.provider, s.record.model, s.record, s, need, notes) for s in chosen)
    if len(fallbacks) < need.fallbacks:
        warnings.append(f"only {len(fallbacks)} of {need.fallbacks} fallbacks available")
    return Selection(
        primary=primary, fallbacks=fallbacks, forced=forced, warnings=tuple(warnings), notes=tuple(notes)
    )


def _target(
    provider: str,
    model: str,
    record: ModelRecord | None,
    score: Score | None,
    need: RoleNeed,
    notes: list[str],
) -> Target:
    params = dict(need.params)
    if record is not None and not record.capabilities.temperature and "temperature" in params:
        del params["temperature"]
        notes.append(f"{provider}/{model} does not accept temperature; dropped from its params")
    return Target(provider=provider, model=model, params=params, record=record, score=score)
