"""The generator: SP1..SP10 for every role of a spec.

``generate(spec, catalog, options)`` interprets each role (SP2/SP3), filters the catalog view
(SP4/SP5) with relaxation (SP8), scores and ranks the candidates (SP6/SP7), selects a primary and
fallbacks (SP9) and emits llmhub.yaml (SP10). A role that cannot be filled raises
:class:`~llmhub_generator.errors.UnfillableRoleError`; no role is ever dropped silently.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from llmhub_catalog.models import ModelRecord
from llmhub_generator.emitter import emit_yaml, finalize_meta, runtime_data, target_facts
from llmhub_generator.errors import UnfillableRoleError
from llmhub_generator.explain import Explanation, RoleExplanation, candidate_row, pick_explanation
from llmhub_generator.facts import CandidateFacts, candidate_facts, quality_category
from llmhub_generator.filters import FilterStep
from llmhub_generator.interpret import HeuristicInterpreter, NeedsInterpreter
from llmhub_generator.needs import RoleNeed
from llmhub_generator.pareto import dominated_by
from llmhub_generator.relax import filter_with_relaxation
from llmhub_generator.scoring import Ranker, Score, points_per_price_doubling, weights_for
from llmhub_generator.select import Selection, Target, same_model, select
from llmhub_generator.spec import Level, LoadedSpec, Spec
from llmhub_generator.view import CatalogLike, CatalogView, build_view
from llmhub_runtime import RuntimeConfig, parse_runtime_config
from llmhub_runtime.extras import needed_extras

__all__ = [
    "TOP_CANDIDATES",
    "GenerateOptions",
    "GenerationResult",
    "available_providers",
    "catalog_meta",
    "generate",
]

#: How many ranked candidates per role the explanation keeps.
TOP_CANDIDATES = 8


@dataclass(frozen=True)
class GenerateOptions:
    """How to generate.

    Attributes:
        no_llm: Use the heuristic interpreter even if a generator model is configured.
        generator_model: ``provider:model`` to interpret roles with (LLM-assisted mode).
        runtime_path: An existing llmhub.yaml whose ``llm.generator`` role interprets roles.
        only_available: Keep only providers whose API key variable is set.
        environ: Environment to read key variables from (default ``os.environ``).
        cache_dir: Where LLM interpretations are cached (default: the user cache dir).
        interpreter: An explicit interpreter (overrides the three options above).
    """

    no_llm: bool = False
    generator_model: str | None = None
    runtime_path: str | os.PathLike[str] | None = None
    only_available: bool = False
    environ: Mapping[str, str] | None = None
    cache_dir: Path | None = None
    interpreter: NeedsInterpreter | None = None


@dataclass(frozen=True)
class GenerationResult:
    """What ``generate`` produced.

    Attributes:
        yaml_text: The llmhub.yaml text (byte-identical for the same inputs).
        config: The same content, loaded with the runtime's own loader.
        explain: Per-role explanation (candidates, filters, relaxations).
        needs: The interpreted needs per role.
        warnings: Things the user should know (forced models missing, fallbacks short...).
    """

    yaml_text: str
    config: RuntimeConfig
    explain: Explanation
    needs: dict[str, RoleNeed]
    warnings: tuple[str, ...] = field(default=())


def generate(
    spec: LoadedSpec | Spec,
    catalog: CatalogLike | None = None,
    options: GenerateOptions | None = None,
) -> GenerationResult:
    """Generate llmhub.yaml for every role of ``spec``.

    Args:
        spec: A loaded spec (``load_spec``) or a ``Spec`` object.
        catalog: The catalog to choose from (default: ``llmhub_catalog.load_catalog()``).
        options: See :class:`GenerateOptions`.

    Raises:
        UnfillableRoleError: A role has no candidate even after relaxation.
    """
    options = options or GenerateOptions()
    loaded = (
        spec
        if isinstance(spec, LoadedSpec)
        else LoadedSpec(spec=spec, source="<spec>", sha256="", document=None)
    )
    the_spec = loaded.spec
    if catalog is None:
        from llmhub_catalog import load_catalog

        catalog = load_catalog()
    view = build_view(catalog)
    interpreter, interpreter_note = _choose_interpreter(options, the_spec)
    environ = os.environ if options.environ is None else options.environ
    available = available_providers(the_spec, environ) if options.only_available else None

    warnings: list[str] = [interpreter_note] if interpreter_note else []
    roles_out: dict[str, Any] = {}
    meta_roles: dict[str, Any] = {}
    explanations: list[RoleExplanation] = []
    needs: dict[str, RoleNeed] = {}
    used: list[str] = []
    api_bases: dict[str, str] = {}

    facts_cache = _FactsCache()
    for role_name in sorted(the_spec.roles):
        need = interpreter.interpret(the_spec, role_name)
        needs[role_name] = need
        forced = need.force is not None
        try:
            survivors, steps, relaxed, relaxations = filter_with_relaxation(view, need, available)
        except UnfillableRoleError as exc:
            if not forced:
                raise
            survivors, steps, relaxed, relaxations = [], [], need, []
            warnings.append(f"role {role_name!r}: no fallback candidates ({exc})")
        survivors, alias_step = _collapse_aliases(survivors)
        if alias_step is not None:
            steps = [*steps, alias_step]
        measure = quality_category(relaxed, survivors)
        ranker = Ranker([facts_cache.get(r, relaxed, measure) for r in survivors], relaxed)
        weights = weights_for(relaxed.quality, relaxed.cost, relaxed.latency)
        ranked = ranker.rank(weights)
        selection = select(relaxed, ranked, view, measure)
        role_warnings = [f"role {role_name!r}: {w}" for w in selection.warnings]
        warnings.extend(role_warnings)

        targets = (selection.primary, *selection.fallbacks)
        for target in targets:
            if target.provider not in used:
                used.append(target.provider)
            if target.record is not None and target.record.api_base and target.provider not in api_bases:
                api_bases[target.provider] = target.record.api_base
        roles_out[role_name] = _role_entry(relaxed, selection)
        rationale = _rationale(relaxed, selection, len(survivors), measure)
        score = selection.primary.score.total if selection.primary.score is not None else None
        meta_roles[role_name] = {
            "score": score,
            "interpreter": relaxed.interpreter,
            "rationale": rationale,
            "relaxations": [r.to_dict() for r in relaxations],
        }
        chosen = {(selection.primary.provider, selection.primary.model): "primary"}
        chosen.update({(t.provider, t.model): "fallback" for t in selection.fallbacks})
        runner_up, ties = _runner_up(selection, ranked)
        explanations.append(
            RoleExplanation(
                role=role_name,
                kind=relaxed.kind.value,
                interpreter=relaxed.interpreter,
                needs=relaxed.model_dump(
                    mode="json", exclude={"inferred", "description", "role", "interpreter"}
                ),
                inferred=tuple(i.model_dump(mode="json") for i in need.inferred),
                weights=weights,
                filters=tuple(steps),
                relaxations=tuple(relaxations),
                candidates=tuple(
                    candidate_row(i, s, chosen.get((s.record.provider, s.record.model), ""))
                    for i, s in enumerate(ranked[:TOP_CANDIDATES], start=1)
                ),
                candidate_count=len(ranked),
                primary=f"{selection.primary.provider}/{selection.primary.model}",
                fallbacks=tuple(f"{t.provider}/{t.model}" for t in selection.fallbacks),
                forced=selection.forced,
                score=score,
                rationale=rationale,
                warnings=tuple(role_warnings),
                notes=selection.notes,
                measure=measure,
                picks=tuple(
                    pick_explanation(
                        "primary" if i == 0 else f"fallback {i}", t, measure, relaxed.quality.value
                    )
                    for i, t in enumerate(targets)
                ),
                runner_up=runner_up,
                ties=ties,
                flips=() if selection.forced or not ranked else _flips(relaxed, ranker, selection),
                skipped=selection.skipped,
                trade_off=(
                    f"a doubling of price is worth "
                    f"{points_per_price_doubling(relaxed.quality, relaxed.cost):g} Arena points, "
                    f"a latency unit {weights.latency / weights.quality:g}"
                ),
            )
        )

    warnings.extend(getattr(interpreter, "warnings", ()))
    body = runtime_data(the_spec, roles_out, used, api_bases)
    meta = {
        "generator": f"llmhub-generator {_version()}",
        "spec_sha256": loaded.sha256,
        "catalog": catalog_meta(view),
        "roles": meta_roles,
    }
    extras = needed_extras(used)
    if extras:  # what a service must install beyond llmhub-runtime to call every provider used
        meta["extras"] = extras
    full_meta = finalize_meta(body, meta)
    text = emit_yaml(body, full_meta)
    # The runtime's own model validates what was written (tests also load the text back with
    # load_runtime_config); parsing the YAML again here would double the run time.
    config = parse_runtime_config(
        {**body, "meta": full_meta}, source="<generated llmhub.yaml>", check_provider_ids=False
    )
    explanation = Explanation(
        roles=tuple(explanations),
        catalog_version=view.version,
        catalog_sha256=view.sha256,
        spec_sha256=loaded.sha256,
    )
    return GenerationResult(
        yaml_text=text, config=config, explain=explanation, needs=needs, warnings=tuple(warnings)
    )


def catalog_meta(view: CatalogView) -> dict[str, Any]:
    """``meta.catalog``: version and fingerprint, plus its parts when more than the snapshot.

    ``parts`` (overrides, extra sources' records such as llmhub-local's models) lets freshness
    checks say *what* changed; a plain snapshot needs none, which keeps those files unchanged.
    """
    entry: dict[str, Any] = {"version": view.version, "sha256": view.sha256}
    if set(view.parts) - {"snapshot"}:
        entry["parts"] = view.parts
    return entry


def available_providers(spec: Spec, environ: Mapping[str, str]) -> set[str]:
    """Providers usable right now: their key variable is set, or they are keyless local endpoints.

    A provider without ``env_key`` is checked under any-llm's naming convention
    (``<PROVIDER>_API_KEY``); one with an ``api_base`` and no ``env_key`` counts as a local server.
    """
    found: set[str] = set()
    for name, provider in spec.providers.items():
        if not provider.enabled:
            continue
        if provider.env_key:
            if environ.get(provider.env_key):
                found.add(name)
        elif provider.api_base or environ.get(f"{name.upper()}_API_KEY"):
            found.add(name)
    return found


def _choose_interpreter(options: GenerateOptions, spec: Spec) -> tuple[NeedsInterpreter, str]:
    if options.interpreter is not None:
        return options.interpreter, ""
    if options.no_llm:
        return HeuristicInterpreter(), ""
    if options.generator_model or options.runtime_path:
        from llmhub_generator.llm_interpret import LLMInterpreter

        llm = LLMInterpreter.from_options(
            spec,
            generator_model=options.generator_model,
            runtime_path=options.runtime_path,
            environ=options.environ,
            cache_dir=options.cache_dir,
        )
        if llm is not None:
            return llm, ""
        return HeuristicInterpreter(), (
            f"{options.runtime_path} has no role 'llm.generator'; roles interpreted heuristically"
        )
    return HeuristicInterpreter(), ""


def _role_entry(need: RoleNeed, selection: Selection) -> dict[str, Any]:
    primary = selection.primary
    entry: dict[str, Any] = {"provider": primary.provider, "model": primary.model, "mode": need.kind.value}
    if primary.params:
        entry["params"] = dict(primary.params)
    entry.update(target_facts(primary.record))
    if selection.fallbacks:
        entry["fallbacks"] = [_fallback_entry(t) for t in selection.fallbacks]
    return entry


def _fallback_entry(target: Target) -> dict[str, Any]:
    entry: dict[str, Any] = {"provider": target.provider, "model": target.model}
    if target.params:
        entry["params"] = dict(target.params)
    entry.update(target_facts(target.record))
    return entry


def _rationale(need: RoleNeed, selection: Selection, candidates: int, measure: str) -> str:
    primary = selection.primary
    prefs = f"quality={need.quality.value} cost={need.cost.value} latency={need.latency.value}"
    if selection.forced:
        return f"forced by the spec; {prefs}"
    record, score = primary.record, primary.score
    if record is None or score is None:  # pragma: no cover - only forced targets lack a record
        return prefs
    q = score.facts.quality
    if q.value is None:
        quality = f"no {measure} rating"
    elif measure.startswith("mteb"):
        quality = f"{measure} {q.value:.1f}"
    else:
        quality = f"{measure} {q.value:.0f} [{q.lower:.0f}, {q.upper:.0f}]"
    price = "price unknown" if score.facts.price is None else f"${score.facts.price:.3g}/1M blended"
    return (
        f"best of {candidates} candidates (utility {score.total:.1f}): {quality}, {price}, "
        f"latency {score.facts.latency.label}; {prefs}"
    )


class _FactsCache:
    """Candidate facts shared by roles that judge a model the same way (one generation only)."""

    def __init__(self) -> None:
        self._facts: dict[tuple[Any, ...], CandidateFacts] = {}

    def get(self, record: ModelRecord, need: RoleNeed, measure: str) -> CandidateFacts:
        # Everything candidate_facts reads from the need is in the key.
        key = (
            record.id,
            measure,
            need.latency,
            repr(need.params.get("max_tokens")),
            repr(need.params.get("reasoning_effort")),
            need.preferred_providers,
        )
        found = self._facts.get(key)
        if found is None:
            found = self._facts[key] = candidate_facts(record, need, measure)
        return found


def _collapse_aliases(records: list[ModelRecord]) -> tuple[list[ModelRecord], FilterStep | None]:
    """Drop aliases (``alias_of``) whose target is itself a candidate: the dated id is preferred."""
    ids = {r.id for r in records}
    kept = [r for r in records if r.alias_of is None or r.alias_of not in ids]
    if len(kept) == len(records):
        return records, None
    return kept, FilterStep("aliases", "aliases whose target is a candidate", len(records), len(kept))


def _runner_up(selection: Selection, ranked: list[Score]) -> tuple[dict[str, Any] | None, str | None]:
    primary = selection.primary
    if primary.score is None or primary.record is None:
        return None, None
    runner = next(
        (s for s in ranked if s.record.id != primary.record.id and not same_model(s.record, primary.record)),
        None,
    )
    ties = None
    if primary.score.tied_with_best:
        tied = [
            f"{s.record.provider}/{s.record.model}"
            for s in ranked
            if s.tied_with_best
            and s.record.id != primary.record.id
            and not same_model(s.record, primary.record)
        ]
        if tied:
            more = f" and {len(tied) - 5} more" if len(tied) > 5 else ""
            ties = (
                f"tied on quality (95% intervals overlap the best) with {', '.join(tied[:5])}{more}; "
                "broken by price, latency and fit (utility), then the higher point rating, then catalog id"
            )
    if runner is None:
        return None, ties
    margin = primary.score.total - runner.total
    return {
        "target": f"{runner.record.provider}/{runner.record.model}",
        "total": round(runner.total, 2),
        "margin": round(margin, 2),
        "rank_group": runner.group,
        "ranked_after_because": _group_reason(runner.group) if runner.group > primary.score.group else None,
    }, ties


def _group_reason(group: int) -> str:
    reasons = []
    if group & 1:
        reasons.append("unrated")
    if group & 2:
        reasons.append("its reasoning may use up max_tokens")
    return " and ".join(reasons)


def _flips(need: RoleNeed, ranker: Ranker, selection: Selection) -> tuple[str, ...]:
    """Which single preference change would pick another primary (and which)."""
    current = selection.primary.record
    if current is None:
        return ()
    out = []
    levels = {"quality": need.quality, "cost": need.cost, "latency": need.latency}
    facts = ranker.facts
    for name in ("quality", "cost", "latency"):
        for level in Level:
            if level is levels[name]:
                continue
            changed = {**levels, name: level}
            weights = weights_for(changed["quality"], changed["cost"], changed["latency"])
            best = ranker.best(weights, lambda f: dominated_by(f, facts) is None)
            if best.record.id != current.id and not same_model(best.record, current):
                out.append(
                    f"{name}: {levels[name].value} -> {level.value} would pick "
                    f"{best.record.provider}/{best.record.model}"
                )
    return tuple(out)


def _version() -> str:
    try:
        return version("llmhub-generator")
    except PackageNotFoundError:  # pragma: no cover
        return "0.0.0"
