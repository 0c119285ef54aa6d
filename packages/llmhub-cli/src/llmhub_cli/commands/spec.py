"""``llmhub spec show|validate|schema``: look at llmhub.spec.yaml."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmhub_cli._output import Format, FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from llmhub_generator.spec import Spec

__all__ = ["app"]

app = typer.Typer(help="Show, validate or describe llmhub.spec.yaml.", no_args_is_help=True)


def _levels(preferences: Any) -> str:
    parts = [
        f"{name}={getattr(preferences, name).value}"
        for name in ("quality", "cost", "latency")
        if getattr(preferences, name) is not None
    ]
    if preferences.providers:
        parts.append("prefer " + ",".join(preferences.providers))
    return " ".join(parts) or "-"


def _requires(requires: Any) -> str:
    fields = requires.model_dump(exclude_none=True)
    return " ".join(f"{k}={v if not isinstance(v, list) else ','.join(v)}" for k, v in fields.items()) or "-"


def render_spec(console: Console, spec: Spec, source: str) -> None:
    """Human view of a spec: project, providers, roles."""
    from rich.table import Table

    console.print(f"[bold]{spec.project}[/bold] (env {spec.env}) from {source}")
    providers = Table(title="providers", title_justify="left")
    for column in ("provider", "env_key", "api_base", "enabled"):
        providers.add_column(column)
    for name, provider in spec.providers.items():
        providers.add_row(
            name, provider.env_key or "-", provider.api_base or "-", "yes" if provider.enabled else "no"
        )
    console.print(providers)
    roles = Table(title="roles", title_justify="left")
    for column in ("role", "kind", "preferences", "requires", "force", "description"):
        roles.add_column(column, overflow="fold")
    for name, role in spec.roles.items():
        force = f"{role.force.provider}/{role.force.model}" if role.force else "-"
        roles.add_row(
            name,
            role.kind.value,
            _levels(role.preferences),
            _requires(role.requires),
            force,
            role.description or "-",
        )
    console.print(roles)


@app.command("show")
def show(ctx: typer.Context, fmt: FormatOption = Format.human) -> None:
    """Print the spec: providers and roles (validated first)."""
    from llmhub_cli._output import Output
    from llmhub_cli._project import project
    from llmhub_cli._state import load_project_spec

    loaded = load_project_spec(project(ctx))
    payload = {"source": loaded.source, "sha256": loaded.sha256, "spec": loaded.spec.model_dump(mode="json")}
    Output(fmt).data(payload, lambda console: render_spec(console, loaded.spec, loaded.source))


@app.command("validate")
def validate(ctx: typer.Context, fmt: FormatOption = Format.human) -> None:
    """Check the spec; print every problem as file:line field: message (exit 1 if any)."""
    from llmhub_cli._output import Output
    from llmhub_cli._project import display, project
    from llmhub_generator.errors import SpecError
    from llmhub_generator.legacy import cost_comment_warnings
    from llmhub_generator.spec import load_spec

    out = Output(fmt)
    path = display(project(ctx).require_spec())
    try:
        loaded = load_spec(path)
    except SpecError as exc:
        problems = [
            {"field": p.field, "line": p.line, "column": p.column, "message": p.message} for p in exc.problems
        ]
        if out.is_json:
            out.data({"source": path, "valid": False, "problems": problems})
        else:
            for problem in exc.problems:
                out.error(problem.render(path))
            out.info(f"{path}: {len(problems)} problem(s)")
        raise typer.Exit(1) from None
    roles = len(loaded.spec.roles)
    warnings = cost_comment_warnings(loaded.document.text if loaded.document else "", source=path)
    if out.is_json:
        out.data({"source": path, "valid": True, "problems": [], "warnings": warnings, "roles": roles})
    else:
        for warning in warnings:
            out.warn(warning)
        out.success(f"{path} is valid ({roles} role(s), {len(loaded.spec.providers)} provider(s))")


@app.command("schema")
def schema() -> None:
    """Print the JSON Schema of llmhub.spec.yaml (for editor validation)."""
    from llmhub_cli._output import Output
    from llmhub_generator.spec import spec_json_schema

    Output(Format.json).data(spec_json_schema())


@app.command("migrate")
def migrate(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the migrated spec; write nothing.")
    ] = False,
    fmt: FormatOption = Format.human,
) -> None:
    """Rewrite a spec of the earlier llmhub format into this one, keeping comments.

    force_provider/force_model become force, preferences.reasoning becomes requires.reasoning,
    provider_blocklist/model_denylist become deny, levels under defaults move to
    defaults.preferences, and cost levels are flipped (the earlier format read "cost: low" as "keep
    costs low"; here a level says how much cost matters), with a comment. Written atomically.
    """
    from llmhub_cli._boundary import CliError
    from llmhub_cli._migrate import migrate_document
    from llmhub_cli._output import Output
    from llmhub_cli._project import display, project
    from llmhub_cli._specedit import SpecDocument
    from llmhub_generator.legacy import MIGRATED_MARKER, earlier_format_keys, uses_current_format

    out = Output(fmt)
    path = project(ctx).require_spec()
    source = display(path)
    document = SpecDocument(path, source)
    earlier = earlier_format_keys(document.data)
    if MIGRATED_MARKER in document.data:
        if earlier:
            raise CliError(
                f"{source} was migrated already ({MIGRATED_MARKER}) but has earlier-format keys again",
                hint="rewrite them by hand (`llmhub spec validate` names each one)",
            )
        out.data({"source": source, "migrated": False, "changes": [], "notes": []}, lambda _c: None)
        out.success(f"{source} was migrated already; nothing to do")
        return
    if not earlier and uses_current_format(document.data):
        raise CliError(
            f"{source} is already in this format (it uses keys the earlier format did not have);"
            " nothing was changed",
            hint="migrating it would flip its cost levels the wrong way",
        )
    result = migrate_document(document.data)
    if dry_run:
        text = document.dump()
    else:
        try:
            text = document.save()
        except CliError as exc:
            raise CliError(
                f"{source}: the migrated spec is still invalid, so nothing was written:\n"
                + exc.message.split("\n", 1)[-1],
                hint="fix these by hand, then run `llmhub spec migrate` again",
            ) from None
    payload = {
        "source": source,
        "migrated": not dry_run,
        "dry_run": dry_run,
        "changes": result.changes,
        "notes": result.notes,
    }
    if dry_run and not out.is_json:
        out.text(text)
    elif out.is_json:
        out.data({**payload, "yaml": text} if dry_run else payload)
    for change in result.changes:
        out.info(f"  {change}")
    for note in result.notes:
        out.warn(note)
    if not dry_run:
        out.success(
            f"migrated {source} ({len(result.changes)} change(s)); check it with `llmhub spec validate`"
        )
