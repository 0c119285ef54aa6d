"""SP8: the relaxation ladder.

When the hard filters leave no candidate, the generator looks at the filter that emptied the list.
If it is a policy filter (kind, providers, allow, deny, available, tools, modalities, deprecated:
deprecated models are never candidates unless pinned with ``force``) nothing is relaxed: the role
cannot be filled and :class:`UnfillableRoleError` names that filter. If it is a requirement
filter, that requirement is relaxed one step and the filters run again:

| filter | one relaxation step |
|---|---|
| open_weights | open weights no longer required |
| attachments | attachments no longer required |
| structured_output | structured output no longer required (prompt for JSON instead) |
| reasoning | a reasoning model no longer required |
| output_min | the output minimum is dropped |
| context_min | the context minimum is halved; below 8,000 tokens it is dropped |
| stable | preview, experimental and ``-latest`` ids become eligible |

Requirement filters run in the order of this table (see :mod:`llmhub_generator.filters`), so the
ladder relaxes the first blocking requirement first. Every step is recorded with what changed and
why, and ends up in ``llmhub.yaml``'s ``meta`` and in ``--explain``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from llmhub_catalog.models import ModelRecord
from llmhub_generator.errors import UnfillableRoleError
from llmhub_generator.filters import FILTERS, FilterStep, apply_filters
from llmhub_generator.needs import RoleNeed
from llmhub_generator.view import CatalogView

__all__ = ["MAX_STEPS", "Relaxation", "filter_with_relaxation"]

MAX_STEPS = 12
_CONTEXT_FLOOR = 8_000


@dataclass(frozen=True)
class Relaxation:
    """One relaxation step.

    Attributes:
        filter: The filter whose requirement was relaxed.
        change: What changed (``context_min 256000 -> 128000``).
        reason: Why (which constraint left no candidate, and how many it removed).
        origin: ``spec`` if the requirement was written in the spec, ``inferred`` if the needs
            interpreter inferred it from the description.
    """

    filter: str
    change: str
    reason: str
    origin: str

    def to_dict(self) -> dict[str, str]:
        """Plain form for YAML/JSON."""
        return {"filter": self.filter, "change": self.change, "reason": self.reason, "origin": self.origin}


def filter_with_relaxation(
    view: CatalogView, need: RoleNeed, available: Collection[str] | None
) -> tuple[list[ModelRecord], list[FilterStep], RoleNeed, list[Relaxation]]:
    """Filter the view for ``need``, relaxing requirements until some candidate survives.

    Returns the survivors, the filter steps of the final (successful) pass, the need as relaxed,
    and the relaxation steps taken.

    Raises:
        UnfillableRoleError: A policy filter left nothing, or nothing survives every relaxation.
    """
    relaxations: list[Relaxation] = []
    current = need
    for _ in range(MAX_STEPS):
        survivors, steps = apply_filters(view.records, current, available, index=view.by_kind)
        if survivors:
            return survivors, steps, current, relaxations
        emptied = next(step for step in steps if step.after == 0)
        flt = next(f for f in FILTERS if f.name == emptied.name)
        if not flt.relaxable:
            raise UnfillableRoleError(need.role, emptied.constraint, _trail(steps, relaxations))
        current, relaxation = _relax(current, emptied)
        relaxations.append(relaxation)
    raise UnfillableRoleError(
        need.role, "every relaxation step", _trail(steps, relaxations)
    )  # pragma: no cover


def _relax(need: RoleNeed, step: FilterStep) -> tuple[RoleNeed, Relaxation]:
    inferred = {i.field for i in need.inferred}
    origin = "inferred" if step.name in inferred else "spec"
    reason = f"no candidate met {step.constraint} ({step.before} before this filter)"
    name = step.name
    if name == "stable":
        return need.model_copy(update={"allow_previews": True}), Relaxation(
            name, "preview / -latest ids allowed", reason, "policy"
        )
    if name in {"open_weights", "attachments", "structured_output", "reasoning"}:
        return need.model_copy(update={name: False}), Relaxation(
            name, f"{name} no longer required", reason, origin
        )
    if name == "output_min":
        return need.model_copy(update={"output_min": 0}), Relaxation(
            name, f"output_min {need.output_min} -> 0", reason, origin
        )
    if name == "context_min":
        new = need.context_min // 2
        if new < _CONTEXT_FLOOR:
            new = 0
        return need.model_copy(update={"context_min": new}), Relaxation(
            name, f"context_min {need.context_min} -> {new}", reason, origin
        )
    raise AssertionError(
        f"filter {name!r} is marked relaxable but has no relaxation step"
    )  # pragma: no cover


def _trail(steps: list[FilterStep], relaxations: list[Relaxation]) -> str:
    parts = [f"{s.constraint}: {s.before} -> {s.after}" for s in steps]
    if relaxations:
        parts.append("after relaxing " + ", ".join(r.change for r in relaxations))
    return "; ".join(parts)
