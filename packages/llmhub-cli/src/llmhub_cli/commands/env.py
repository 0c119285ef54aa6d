"""``llmhub env check|sync``: the API key variables the project needs (names only, never values)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmhub_cli._output import Format, FormatOption

if TYPE_CHECKING:
    from llmhub_cli._project import Project

__all__ = ["app", "required_variables"]

app = typer.Typer(help="Check or sync the API key variables the project needs.", no_args_is_help=True)


def required_variables(proj: Project) -> tuple[str, list[tuple[str, str | None, str | None]]]:
    """(source file, [(provider, env_key, api_base)]): from llmhub.yaml if it exists, else the spec."""
    from llmhub_cli._project import display
    from llmhub_cli._state import load_project_spec, read_runtime

    if proj.runtime_path.exists() or proj.runtime_path.is_symlink():  # a non-file is an error
        runtime = read_runtime(proj.runtime_path)
        entries = [(n, p.env_key, p.api_base) for n, p in runtime.config.providers.items()]
        return display(proj.runtime_path), entries
    loaded = load_project_spec(proj)
    entries = [(n, p.env_key, p.api_base) for n, p in loaded.spec.providers.items() if p.enabled]
    return loaded.source, entries


@app.command("check")
def check(ctx: typer.Context, fmt: FormatOption = Format.human) -> None:
    """Show which env_key variables are set (values are never shown); exit 1 if any is missing.

    Reads .env in the project root first; a variable already set in the environment wins.
    """
    import os

    from llmhub_cli._dotenv import load_project_dotenv
    from llmhub_cli._output import Output, mask
    from llmhub_cli._project import project

    proj = project(ctx)
    dotenv = load_project_dotenv(proj.root)
    source, entries = required_variables(proj)
    rows: list[dict[str, Any]] = []
    for provider, env_key, api_base in entries:
        if env_key is None:
            rows.append(
                {
                    "provider": provider,
                    "env_key": None,
                    "set": None,
                    "status": "no key configured" + (" (local endpoint)" if api_base else ""),
                }
            )
            continue
        value = os.environ.get(env_key)
        origin = dotenv.origin(env_key)
        status = mask(value) + (" from .env" if value and origin == ".env" else "")
        rows.append(
            {"provider": provider, "env_key": env_key, "set": bool(value), "status": status, "from": origin}
        )
    missing = [row["env_key"] for row in rows if row["set"] is False]

    def human(console: Any) -> None:
        from rich.table import Table

        table = Table(title=f"API keys for {source}", title_justify="left")
        for column in ("provider", "variable", "status"):
            table.add_column(column)
        for row in rows:
            style = {True: "green", False: "red", None: "dim"}[row["set"]]
            table.add_row(row["provider"], row["env_key"] or "-", f"[{style}]{row['status']}[/{style}]")
        console.print(table)

    out = Output(fmt)
    dotenv_state = str(dotenv.path) if dotenv.found else None
    out.data({"source": source, "dotenv": dotenv_state, "variables": rows, "missing": missing}, human)
    if missing:
        out.error(f"not set: {', '.join(missing)}")
        out.info(
            "set them in .env in the project root (see .env.example), in your shell (export NAME=...)"
            " or your secret manager"
        )
        raise typer.Exit(1)


@app.command("sync")
def sync(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the new .env.example instead of writing it.")
    ] = False,
) -> None:
    """Add every env_key variable to .env.example (existing lines are kept; values are never written)."""
    from llmhub_cli._files import merge_env_example, read_text_or_none
    from llmhub_cli._output import Output
    from llmhub_cli._project import display, project
    from llmhub_runtime.atomic import atomic_write

    proj = project(ctx)
    _, entries = required_variables(proj)
    path = proj.env_example_path
    existing = read_text_or_none(path)
    merged = merge_env_example(existing, [(p, k) for p, k, _ in entries if k])
    out = Output()
    if dry_run:
        out.text(merged)
        return
    if merged == existing:
        out.success(f"{display(path)} already lists every variable")
        return
    atomic_write(path, merged)
    out.success(f"{'updated' if existing is not None else 'wrote'} {display(path)}")
