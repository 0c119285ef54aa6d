"""SP9: choose the primary model and its fallbacks for a role.

**Primary.** The forced model when the spec pins one (always honoured; if the catalog lacks it,
it is kept with a warning; a deprecated pin is kept with a warning). Otherwise the best-ranked
candidate that no other eligible candidate dominates (see :mod:`llmhub_generator.pareto`).

**Fallbacks**, ``need.fallbacks`` of them, all from the eligible candidates (so every hard
requirement holds), never the same model as the primary or as another fallback (same
``same_model_key``, or the same Arena entry, on any provider), in this order:

1. the first fallback is on **another provider** than the primary whenever one qualifies;
2. for ``quality: high`` roles, fallbacks come from the candidates within
   :data:`QUALITY_FLOOR_POINTS` Arena points of the primary (or whose interval overlaps it;
   :data:`MTEB_FLOOR_POINTS` for embedding roles) while such candidates remain;
3. then by rank.

A fallback that dominates the primary swaps places with it (unless the primary is forced).

**Embedding roles**: vectors from two models are not comparable, so a fallback must produce
vectors of the primary's dimension. The same model on another provider (same
``same_model_key``, identical vectors) comes first; other models only with the same dimension;
when the primary's dimension is unknown or nothing matches, the role gets fewer fallbacks (or
none) with a warning.

**Params** per target are the role's ``mode_params`` adjusted to the model: ``temperature`` is
dropped for models that refuse it, ``reasoning_effort`` is dropped for models that do not reason;
for ``latency: high`` roles, a reasoning model that accepts an effort setting gets its lowest
one (also when ``max_tokens`` is small, so that reasoning does not eat the answer budget). Each
change is recorded per target (``--explain`` lists them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from llmhub_catalog.models import ModelRecord
from llmhub_generator.facts import SMALL_MAX_TOKENS, CandidateFacts, candidate_facts, reasoning_mode
from llmhub_generator.filters import apply_filters
from llmhub_generator.needs import RoleNeed
from llmhub_generator.pareto import dominated_by, dominates
from llmhub_generator.scoring import Score
from llmhub_generator.spec import Level
from llmhub_generator.view import CatalogView

__all__ = [
    "MTEB_FLOOR_POINTS",
    "QUALITY_FLOOR_POINTS",
    "SMALL_MAX_TOKENS",
    "Selection",
    "Target",
    "pick_primary",
    "same_model",
    "select",
]

#: For ``quality: high`` roles, fallbacks stay within this many Arena points of the primary.
QUALITY_FLOOR_POINTS = 50.0
#: The same floor for embedding roles, in MTEB average points.
MTEB_FLOOR_POINTS = 2.0


@dataclass(frozen=True)
class Target:
    """A chosen provider/model with its params and why it was chosen.

    Attributes:
        record: The catalog record (``None`` for a forced model the catalog lacks).
        score: The candidate's score (``None`` when the target was not a ranked candidate).
        why: Why this target, in a sentence.
        dropped: Params removed for this model, with the reason.
        added: Params added for this model, with the reason.
    """

    provider: str
    model: str
    params: dict[str, Any]
    record: ModelRecord | None
    score: Score | None
    why: str = ""
    dropped: tuple[tuple[str, str], ...] = ()
    added: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Selection:
    """The outcome of SP9 for one role.

    ``warnings`` need the user's attention; ``notes`` are adjustments worth explaining;
    ``skipped`` names candidates ranked above the primary that another candidate dominates.
    """

    primary: Target
    fallbacks: tuple[Target, ...]
    forced: bool
    warnings: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())
    skipped: tuple[str, ...] = field(default=())


def same_model(a: ModelRecord, b: ModelRecord) -> bool:
    """Whether two records name the same model (``same_model_key``, or the same Arena entry)."""
    if a.same_model_key == b.same_model_key:
        return True
    return a.arena is not None and b.arena is not None and a.arena.arena_id == b.arena.arena_id


def pick_primary(ranked: Sequence[Score]) -> tuple[Score, list[tuple[Score, CandidateFacts]]]:
    """The best-ranked candidate no other candidate dominates, and the dominated ones above it."""
    facts = [s.facts for s in ranked]
    skipped: list[tuple[Score, CandidateFacts]] = []
    for s in ranked:
        by = dominated_by(s.facts, facts)
        if by is None:
            return s, skipped
        skipped.append((s, by))
    raise AssertionError("a finite set always has a non-dominated member")  # pragma: no cover


def select(need: RoleNeed, ranked: list[Score], view: CatalogView, measure: str) -> Selection:
    """Pick the primary and ``need.fallbacks`` fallbacks from ranked candidates."""
    warnings: list[str] = []
    notes: list[str] = []
    skipped: list[str] = []
    forced = need.force is not None
    primary_score: Score | None
    if need.force is not None:
        record = view.find(need.force.provider, need.force.model)
        primary_score = next((s for s in ranked if record is not None and s.record.id == record.id), None)
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
        primary = _target(
            need.force.provider, need.force.model, record, primary_score, need, "forced by the spec"
        )
        if primary_score is not None:
            by = dominated_by(primary_score.facts, [s.facts for s in ranked])
            if by is not None:
                notes.append(
                    f"the pinned {primary.provider}/{primary.model} is dominated by "
                    f"{by.record.provider}/{by.record.model} (better beyond the intervals, not dearer, "
                    "not slower); kept because it is pinned"
                )
    else:
        primary_score, dominated = pick_primary(ranked)
        for s, by in dominated:
            skipped.append(
                f"{s.record.provider}/{s.record.model} ranked higher but is dominated by "
                f"{by.record.provider}/{by.record.model} "
                "(better beyond the intervals, not dearer, not slower)"
            )
        primary = _target(
            primary_score.record.provider,
            primary_score.record.model,
            primary_score.record,
            primary_score,
            need,
            _primary_why(primary_score, ranked, dominated),
        )

    before = len(warnings)
    fallbacks = _fallbacks(need, ranked, primary, measure, warnings, view)
    explained_short = len(warnings) > before
    if not forced and primary_score is not None:
        for i, fb in enumerate(fallbacks):
            if fb.score is not None and dominates(fb.score.facts, primary_score.facts):
                notes.append(
                    f"{fb.provider}/{fb.model} dominates {primary.provider}/{primary.model}: swapped"
                )
                fallbacks[i] = _target(
                    primary.provider, primary.model, primary.record, primary.score, need, "swapped"
                )
                primary = _target(fb.provider, fb.model, fb.record, fb.score, need, "")
                break
    if len(fallbacks) < need.fallbacks and not explained_short:
        warnings.append(f"only {len(fallbacks)} of {need.fallbacks} fallbacks available")
    if fallbacks and all(f.provider == primary.provider for f in fallbacks) and len(need.providers) > 1:
        warnings.append(
            f"all fallbacks are on {primary.provider}: no other allowed provider has a qualifying model, "
            "so an outage of that provider takes the role down"
        )
    for target in (primary, *fallbacks):
        warnings.extend(_target_warnings(target, need))
        for name, why in target.dropped:
            notes.append(f"{target.provider}/{target.model}: {name} dropped ({why})")
    return Selection(
        primary=primary,
        fallbacks=tuple(fallbacks),
        forced=forced,
        warnings=tuple(warnings),
        notes=tuple(notes),
        skipped=tuple(skipped),
    )


def _primary_why(best: Score, ranked: list[Score], dominated: list[tuple[Score, CandidateFacts]]) -> str:
    why = f"highest utility of {len(ranked)} candidates"
    if dominated:
        why += f" once {len(dominated)} dominated candidate(s) ranked above it are set aside"
    if best.group:
        reasons = []
        if best.group & 1:
            reasons.append("no rated candidate qualifies")
        if best.group & 2:
            reasons.append("every candidate may spend max_tokens on reasoning")
        why += " (" + "; ".join(reasons) + ")"
    return why


def _fallbacks(
    need: RoleNeed,
    ranked: list[Score],
    primary: Target,
    measure: str,
    warnings: list[str],
    view: CatalogView,
) -> list[Target]:
    if need.fallbacks == 0:
        return []
    embedding = need.catalog_kind == "embedding"
    anchor = primary.record
    pool = [s for s in ranked if anchor is None or not same_model(s.record, anchor)]
    same_elsewhere: list[Score] = []
    if embedding:
        same_elsewhere = [
            s
            for s in ranked
            if anchor is not None and same_model(s.record, anchor) and s.record.provider != anchor.provider
        ]
        pool = _same_dimension(pool, anchor, need, warnings)
    chosen: list[Target] = []
    chosen_records: list[ModelRecord] = [] if anchor is None else [anchor]

    def free(s: Score) -> bool:
        return not any(
            same_model(s.record, r) and (not embedding or s.record.provider == r.provider)
            for r in chosen_records
        )

    for s in same_elsewhere:
        if len(chosen) < need.fallbacks and all(s.record.provider != r.provider for r in chosen_records):
            chosen.append(
                _target(
                    s.record.provider,
                    s.record.model,
                    s.record,
                    s,
                    need,
                    "the same model on another provider: identical vectors",
                )
            )
            chosen_records.append(s.record)

    within, below = _split_by_floor(pool, primary, need, measure, view)
    # 1. the first fallback on another provider, within the floor if one is.
    if not chosen:
        for tier in (within, below):
            other = next((s for s in tier if s.record.provider != primary.provider and free(s)), None)
            if other is not None:
                why = f"first fallback on another provider than {primary.provider}" + _gap_text(
                    other, primary, measure, view
                )
                if tier is below and within:
                    why += "; no other provider has a model within the quality floor"
                chosen.append(
                    _target(other.record.provider, other.record.model, other.record, other, need, why)
                )
                chosen_records.append(other.record)
                break
    # 2. then the best remaining: within the floor first.
    floor_label = "next best within the quality floor" if below else "next best"
    for tier, label in ((within, floor_label), (below, "next best")):
        for s in tier:
            if len(chosen) >= need.fallbacks:
                break
            if free(s):
                why = label + _gap_text(s, primary, measure, view)
                if s.record.provider == primary.provider:
                    why += ", same provider as the primary"
                chosen.append(_target(s.record.provider, s.record.model, s.record, s, need, why))
                chosen_records.append(s.record)
    if embedding and anchor is not None:
        note = (
            f"; same vector dimension, but another model: its vectors do not match an index built "
            f"with {anchor.provider}/{anchor.model} (re-embed before relying on it)"
        )
        chosen = [
            t if t.record is None or same_model(t.record, anchor) else replace(t, why=t.why + note)
            for t in chosen
        ]
    return chosen[: need.fallbacks]


def _same_dimension(
    pool: list[Score], anchor: ModelRecord | None, need: RoleNeed, warnings: list[str]
) -> list[Score]:
    dims = anchor.embedding.dimensions if anchor is not None and anchor.embedding is not None else None
    if dims is None:
        warnings.append(
            "no fallback of another model: the primary's vector dimension is unknown, and vectors of a "
            "different dimension would break the index"
        )
        return []
    kept = [s for s in pool if s.record.embedding is not None and s.record.embedding.dimensions == dims]
    if not kept:
        warnings.append(
            f"no fallback of another model: none produces {dims}-dimensional vectors like the primary"
        )
    return kept


def _quality_value(target: Target, measure: str) -> tuple[float | None, float | None]:
    if target.score is not None:
        q = target.score.facts.quality
        return q.value, q.lower
    return None, None


def _split_by_floor(
    pool: list[Score], primary: Target, need: RoleNeed, measure: str, view: CatalogView
) -> tuple[list[Score], list[Score]]:
    if need.quality is not Level.HIGH:
        return pool, []
    value, lower = _primary_quality(primary, need, measure)
    if value is None:
        return pool, []
    floor = MTEB_FLOOR_POINTS if measure.startswith("mteb") else QUALITY_FLOOR_POINTS
    within: list[Score] = []
    below: list[Score] = []
    for s in pool:
        q = s.facts.quality
        ok = q.value is not None and (
            q.value >= value - floor or (lower is not None and q.upper is not None and q.upper >= lower)
        )
        (within if ok else below).append(s)
    if not within:
        return pool, []
    return within, below


def _primary_quality(primary: Target, need: RoleNeed, measure: str) -> tuple[float | None, float | None]:
    if primary.score is not None:
        return primary.score.facts.quality.value, primary.score.facts.quality.lower
    if primary.record is not None:
        q = candidate_facts(primary.record, need, measure).quality
        return q.value, q.lower
    return None, None


def _gap_text(s: Score, primary: Target, measure: str, view: CatalogView) -> str:
    value, _ = _quality_value(primary, measure)
    q = s.facts.quality
    if value is None or q.value is None:
        return ""
    gap = value - q.value
    unit = "MTEB points" if measure.startswith("mteb") else "Arena points"
    if abs(gap) < 0.05:
        return f" (same {measure} rating as the primary)"
    return f" ({abs(gap):.1f} {unit} {'below' if gap > 0 else 'above'} the primary)"


def _target(
    provider: str, model: str, record: ModelRecord | None, score: Score | None, need: RoleNeed, why: str
) -> Target:
    params = dict(need.params)
    dropped: list[tuple[str, str]] = []
    added: list[tuple[str, str]] = []
    if record is not None:
        mode, _ = reasoning_mode(record)
        if not record.capabilities.temperature and "temperature" in params:
            del params["temperature"]
            dropped.append(("temperature", "the model does not accept temperature"))
        if "reasoning_effort" in params and record.capabilities.reasoning_mode == "none":
            del params["reasoning_effort"]
            dropped.append(("reasoning_effort", "the model does not reason"))
        effort = score.facts.latency.effort if score is not None else None
        if mode != "none" and effort is not None:
            params["reasoning_effort"] = effort
            reason = "latency: high" if need.latency is Level.HIGH else "a small max_tokens"
            added.append(("reasoning_effort", f"{effort}: the lowest effort, for {reason}"))
    return Target(provider, model, params, record, score, why, tuple(dropped), tuple(added))


def _target_warnings(target: Target, need: RoleNeed) -> list[str]:
    record = target.record
    if record is None:
        return []
    out: list[str] = []
    name = f"{target.provider}/{target.model}"
    if record.deprecated:
        out.append(f"{name} is deprecated; kept because it is pinned")
    if target.score is not None and target.score.facts.unstable:
        out.append(f"{name} is a preview/-latest id: it may change or disappear without notice")
    max_tokens = target.params.get("max_tokens")
    risk = (
        target.score.facts.latency.budget_risk
        if target.score is not None
        else candidate_facts(record, need, "arena:overall").latency.budget_risk
    )
    if risk:
        out.append(
            f"{name} reasons before answering and max_tokens is {max_tokens}: hidden reasoning tokens count "
            f"against it and can leave the answer empty (use >= {SMALL_MAX_TOKENS}, or a non-reasoning model)"
        )
    return out
