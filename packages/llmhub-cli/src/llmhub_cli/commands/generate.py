"""``llmhub generate``: choose a model for every role of the spec and write llmhub.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmhub_cli._output import Format, FormatOption

if TYPE_CHECKING:
    from llmhub_cli._state import RuntimeFile

__all__ = ["register", "update_env_example"]


def update_env_example(path: Path, config: Any) -> bool:
    """Add the env_key of every provider in ``config`` to ``path``; True when the file changed."""
    from llmhub_cli._files import merge_env_example, read_text_or_none
    from llmhub_runtime.atomic import atomic_write

    variables = [(name, p.env_key) for name, p in config.providers.items() if p.env_key]
    existing = read_text_or_none(path)
    if existing is None and not variables:
        return False
    merged = merge_env_example(existing, variables)
    if merged == existing:
        return False
    atomic_write(path, merged)
    return True


def generate(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print llmhub.yaml instead of writing it.")
    ] = False,
    no_llm: Annotated[
        bool,
        typer.Option(
            "--no-llm", help="Interpret roles heuristically (offline; the default without a model)."
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace llmhub.yaml even if it was edited by hand.")
    ] = False,
    explain: Annotated[
        bool, typer.Option("--explain", help="Show per role the filters, relaxations and top candidates.")
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Write nothing; exit 1 if llmhub.yaml is missing, stale or hand-edited (CI)."
        ),
    ] = False,
    only_available: Annotated[
        bool, typer.Option("--only-available", help="Only choose providers whose API key variable is set.")
    ] = False,
    generator_model: Annotated[
        str | None,
        typer.Option(
            "--generator-model", metavar="PROVIDER:MODEL", help="Interpret role descriptions with this LLM."
        ),
    ] = None,
    spec: Annotated[Path | None, typer.Option("--spec", help="The spec to generate from.")] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Where to write (default: llmhub.yaml).")
    ] = None,
    fmt: FormatOption = Format.human,
) -> None:
    """Choose a model for every role of llmhub.spec.yaml and write llmhub.yaml.

    Offline and deterministic by default (bundled catalog, heuristic interpretation). Refuses to
    replace an llmhub.yaml that was edited by hand unless --force. Adds provider key variables to
    .env.example.
    """
    from llmhub_cli._boundary import CliError
    from llmhub_cli._explain import render_explain, render_summary, summary_rows
    from llmhub_cli._freshness import Reason, freshness, project_catalog
    from llmhub_cli._output import Output
    from llmhub_cli._progress import spinner
    from llmhub_cli._project import display, project
    from llmhub_cli._prompt import confirm
    from llmhub_cli._state import load_project_spec, read_runtime
    from llmhub_generator import GenerateOptions
    from llmhub_generator import generate as run_generate
    from llmhub_runtime.atomic import atomic_write
    from llmhub_runtime.errors import ConfigError

    if generator_model is not None and (":" not in generator_model or generator_model.startswith(":")):
        raise typer.BadParameter(
            f"expected PROVIDER:MODEL, got {generator_model!r}", param_hint="--generator-model"
        )
    if check and dry_run:
        raise typer.BadParameter("--check and --dry-run cannot be combined", param_hint="--check")
    out = Output(fmt)
    proj = project(ctx, spec=spec)
    loaded = load_project_spec(proj)
    target = out_path if out_path is not None else proj.runtime_path
    options = GenerateOptions(
        no_llm=no_llm,
        only_available=only_available,
        generator_model=generator_model,
        runtime_path=_generator_runtime(proj.runtime_path)
        if not no_llm and generator_model is None
        else None,
    )
    with spinner("choosing models..."):
        catalog = project_catalog(loaded.spec)
        result = run_generate(loaded, catalog, options)
    explain_data = result.explain.to_dict()
    rows = summary_rows(result.config.meta, explain_data)
    warnings = list(result.warnings)
    if loaded.document is not None:
        from llmhub_generator.legacy import cost_comment_warnings

        warnings.extend(cost_comment_warnings(loaded.document.text, source=loaded.source))
    from llmhub_catalog.freshness import staleness_warning

    stale = staleness_warning(result.explain.catalog_version or "")
    if stale:
        warnings.append(stale)

    existing: RuntimeFile | None = None
    unreadable = ""
    if target.exists():
        try:
            existing = read_runtime(target)
        except (ConfigError, CliError) as exc:
            unreadable = str(exc).splitlines()[0]

    meta = result.config.meta or {}
    extras = [str(e) for e in meta.get("extras") or []]
    payload: dict[str, Any] = {
        "spec": loaded.source,
        "path": display(target),
        "roles": rows,
        "warnings": warnings,
        "extras": extras,
    }
    if explain:
        payload["explain"] = explain_data

    def show_human(console: Any) -> None:
        if explain:
            render_explain(console, explain_data)
        else:
            render_summary(console, rows)

    if check:
        found = (
            [Reason("unreadable", unreadable, "fix it, or run `llmhub generate --force` to replace it")]
            if unreadable
            else freshness(existing, loaded, catalog)
        )
        reasons = [r.message for r in found]
        if existing is not None and not reasons and existing.text != result.yaml_text:
            warnings.append("generating now would give a different file (generator or options differ)")
        # A hand-edited or invalid file needs --force; only then is plain `generate` the wrong advice.
        fixes = [r.fix for r in found if r.kind in {"hand_edited", "unreadable"}] or [r.fix for r in found][
            :1
        ]
        payload.update(up_to_date=not reasons, reasons=reasons, fix=fixes[0] if fixes else None)
        if out.is_json:
            out.data(payload)
        elif explain:
            show_human(out.out)
        for warning in warnings:
            out.warn(warning)
        if reasons:
            for reason in reasons:
                out.error(f"{display(target)} is stale: {reason}")
            out.info(f"fix: {fixes[0]}")
            raise typer.Exit(1)
        out.success(f"{display(target)} is up to date with {loaded.source} and the catalog")
        return

    if dry_run:
        payload.update(written=False, dry_run=True, yaml=result.yaml_text)
        if out.is_json:
            out.data(payload)
        else:
            out.text(result.yaml_text)
            if explain:
                show_human(out.out)
        for warning in warnings:
            out.warn(warning)
        _print_extras(out, extras)
        return

    up_to_date = existing is not None and existing.text == result.yaml_text
    if not up_to_date and target.exists() and not force:
        if unreadable:
            why = f"it is not a valid llmhub.yaml ({unreadable})"
        elif existing is not None and existing.hand_edited:
            why = "it was edited by hand since the last `llmhub generate` (or not written by it)"
        else:
            why = ""
        if why:
            confirm(f"{display(target)}: {why}; replace it?", flag="--force")
    if not up_to_date:
        atomic_write(target, result.yaml_text)
    env_changed = update_env_example(target.parent / ".env.example", result.config)
    payload.update(written=not up_to_date, dry_run=False, up_to_date=up_to_date)
    out.data(payload, show_human)
    for warning in warnings:
        out.warn(warning)
    if up_to_date:
        out.success(f"{display(target)} is already up to date")
    else:
        out.success(f"wrote {display(target)} ({len(rows)} role(s))")
    if env_changed:
        out.success(f"updated {display(target.parent / '.env.example')}")
    _print_extras(out, extras)


def _print_extras(out: Any, extras: list[str]) -> None:
    """Say which any-llm extras the file's providers need (meta.extras), and which are missing here."""
    if not extras:
        return
    from llmhub_runtime.extras import missing_extras, pip_command

    providers = [e.split("[", 1)[1].rstrip("]") for e in extras]
    here = {m.requirement for m in missing_extras(providers)}
    missing = f" (not installed here: {', '.join(sorted(here))})" if here else ""
    out.info(f"where llmhub.yaml is used, install: {pip_command(extras)}{missing}")


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)


def _generator_runtime(path: Path) -> Path | None:
    """The project's llmhub.yaml when it defines the ``llm.generator`` role (LLM-assisted mode)."""
    from llmhub_generator.llm_interpret import GENERATOR_ROLE
    from llmhub_runtime import ConfigError, load_runtime_config

    if not path.exists():
        return None
    try:
        config = load_runtime_config(path, check_provider_ids=False)
    except ConfigError:
        return None  # reported by the freshness checks below; heuristics meanwhile
    return path if GENERATOR_ROLE in config.roles else None
