"""``llmhub runtime show|diff``: inspect the generated llmhub.yaml."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from llmhub_cli._output import Format, FormatOption

__all__ = ["app", "role_diff"]

app = typer.Typer(help="Inspect the generated llmhub.yaml.", no_args_is_help=True)


def _target(role: Any) -> dict[str, Any]:
    return {
        "provider": role.provider,
        "model": role.model,
        "mode": role.mode.value,
        "params": dict(role.params),
        "fallbacks": [f"{f.provider}/{f.model}" for f in role.fallbacks],
    }


@app.command("show")
def show(ctx: typer.Context, fmt: FormatOption = Format.human) -> None:
    """Print llmhub.yaml: providers (key variable names only) and each role's model and params."""
    from llmhub_cli._output import Output
    from llmhub_cli._project import project
    from llmhub_cli._state import read_runtime

    # Provider ids are checked as `python -m llmhub_runtime validate` does: an id any-llm does not
    # know is an error here too, not a table that looks fine.
    runtime = read_runtime(project(ctx).runtime_path, check_provider_ids=True)
    config = runtime.config
    roles_view = {name: _target(role) for name, role in config.roles.items()}
    payload: dict[str, Any] = {
        "path": str(runtime.path),
        "project": config.project,
        "env": config.env,
        "providers": {
            name: p.model_dump(mode="json", exclude_none=True) for name, p in config.providers.items()
        },
        "roles": roles_view,
        "defaults": _target(config.defaults) if config.defaults else None,
        "generated": runtime.generated,
        "hand_edited": runtime.generated and runtime.hand_edited,
        "catalog_version": runtime.catalog_version,
    }

    def human(console: Any) -> None:
        from rich.markup import escape
        from rich.table import Table

        console.print(f"[bold]{escape(config.project)}[/bold] (env {escape(config.env)}) from {runtime.path}")
        providers = Table(title="providers", title_justify="left")
        for column in ("provider", "env_key", "api_base"):
            providers.add_column(column)
        for name, provider in config.providers.items():
            providers.add_row(name, provider.env_key or "-", provider.api_base or "-")
        console.print(providers)
        roles = Table(title="roles", title_justify="left")
        for column in ("role", "mode", "provider/model", "params", "fallbacks"):
            roles.add_column(column, overflow="fold")
        for name, role in roles_view.items():
            params = ", ".join(f"{k}={v}" for k, v in role["params"].items()) or "-"
            roles.add_row(
                escape(name),
                role["mode"],
                escape(f"{role['provider']}/{role['model']}"),
                escape(params),
                escape("\n".join(role["fallbacks"]) or "-"),
            )
        console.print(roles)
        if payload["hand_edited"]:
            console.print("[yellow]note:[/yellow] edited by hand since it was generated")

    Output(fmt).data(payload, human)


def role_diff(spec_roles: list[str], current: dict[str, Any], fresh: dict[str, Any] | None) -> dict[str, Any]:
    """Roles only in the spec, only in llmhub.yaml, and per shared role what regeneration would change."""
    only_spec = [r for r in spec_roles if r not in current]
    only_runtime = [r for r in current if r not in spec_roles]
    changed: dict[str, dict[str, Any]] = {}
    for role in spec_roles:
        if role not in current or fresh is None or role not in fresh:
            continue
        before, after = current[role], fresh[role]
        fields = {
            key: {"runtime": before[key], "generated": after[key]}
            for key in ("provider", "model", "mode", "params", "fallbacks")
            if before[key] != after[key]
        }
        if fields:
            changed[role] = fields
    return {"only_in_spec": only_spec, "only_in_runtime": only_runtime, "changed": changed}


@app.command("diff")
def diff(
    ctx: typer.Context,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 when there are differences (like git diff --exit-code)."),
    ] = False,
    fmt: FormatOption = Format.human,
) -> None:
    """Compare llmhub.yaml with the spec: roles only in one of them, and for shared roles what
    `llmhub generate` would change (provider, model, params, fallbacks); says whether the spec
    changed since generation."""
    from llmhub_cli._freshness import freshness, project_catalog
    from llmhub_cli._output import Output
    from llmhub_cli._progress import spinner
    from llmhub_cli._project import project
    from llmhub_cli._state import load_project_spec, read_runtime
    from llmhub_generator import GenerateOptions, generate

    proj = project(ctx)
    loaded = load_project_spec(proj)
    runtime = read_runtime(proj.runtime_path)
    with spinner("generating for comparison..."):
        catalog = project_catalog(loaded.spec)
        result = generate(loaded, catalog, GenerateOptions(no_llm=True))
    current = {name: _target(role) for name, role in runtime.config.roles.items()}
    fresh = {name: _target(role) for name, role in result.config.roles.items()}
    report = role_diff(list(loaded.spec.roles), current, fresh)
    reasons = freshness(runtime, loaded, catalog)
    report["spec_changed"] = any(r.kind == "spec" for r in reasons)
    report["catalog_changed"] = any(r.kind == "catalog" for r in reasons)
    report["hand_edited"] = any(r.kind == "hand_edited" for r in reasons)
    report["reasons"] = [r.message for r in reasons]
    different = bool(report["only_in_spec"] or report["only_in_runtime"] or report["changed"])

    def human(console: Any) -> None:
        from rich.markup import escape

        for role in report["only_in_spec"]:
            console.print(f"[green]+ {escape(role)}[/green]  only in the spec (not generated yet)")
        for role in report["only_in_runtime"]:
            console.print(f"[red]- {escape(role)}[/red]  only in llmhub.yaml (removed from the spec)")
        for role, fields in report["changed"].items():
            console.print(f"[yellow]~ {escape(role)}[/yellow]")
            for key, change in fields.items():
                console.print(
                    f"    {key}: {escape(str(change['runtime']))} -> {escape(str(change['generated']))}"
                )
        same = [r for r in loaded.spec.roles if r in current and r not in report["changed"]]
        for role in same:
            console.print(
                f"  {escape(role)}  {escape(current[role]['provider'])}/{escape(current[role]['model'])}"
            )
        for reason in reasons:
            console.print(escape(reason.message))
        if not different and not reasons:
            console.print("no differences")

    Output(fmt).data(report, human)
    if exit_code and (different or report["spec_changed"] or report["catalog_changed"]):
        raise typer.Exit(1)
