"""``llmhub roles``, ``add-role``, ``edit-role``, ``rm-role``: list and edit roles in the spec.

Edits are round-trip (see :mod:`llmhub_cli._specedit`): comments, key order and ``x-`` keys of
the file survive, and an edit that would make the spec invalid writes nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from llmhub_cli._output import Format, FormatOption

__all__ = ["register"]


class Kind(StrEnum):
    chat = "chat"
    embedding = "embedding"
    image = "image"
    audio = "audio"
    tool = "tool"
    other = "other"


class Level(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


KindOpt = Annotated[Kind | None, typer.Option("--kind", help="What the role serves.")]
DescriptionOpt = Annotated[
    str | None, typer.Option("--description", "-d", help="What the role does (read by the generator).")
]
QualityOpt = Annotated[Level | None, typer.Option("--quality", help="How much quality matters.")]
CostOpt = Annotated[Level | None, typer.Option("--cost", help="How much cheapness matters.")]
LatencyOpt = Annotated[Level | None, typer.Option("--latency", help="How much speed matters.")]
PreferOpt = Annotated[
    list[str] | None, typer.Option("--prefer", help="Preferred provider, best first (repeatable).")
]
RequireOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--require", help="Hard requirement KEY=VALUE, e.g. tools=true, context_min=64000 (repeatable)."
    ),
]
ParamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--param", help="Call parameter KEY=VALUE copied to llmhub.yaml, e.g. temperature=0.2 (repeatable)."
    ),
]
PinOpt = Annotated[
    str | None, typer.Option("--pin", metavar="PROVIDER:MODEL", help="Always use this model (force).")
]
FallbacksOpt = Annotated[
    int | None, typer.Option("--fallbacks", min=0, max=10, help="Backup models to emit.")
]


def _edit(
    kind: Kind | None,
    description: str | None,
    quality: Level | None,
    cost: Level | None,
    latency: Level | None,
    prefer: list[str] | None,
    require: list[str] | None,
    param: list[str] | None,
    pin: str | None,
    fallbacks: int | None,
) -> Any:
    from llmhub_cli._specedit import RoleEdit, parse_assignment

    levels = {
        name: level.value
        for name, level in (("quality", quality), ("cost", cost), ("latency", latency))
        if level
    }
    force = None
    if pin is not None:
        provider, sep, model = pin.partition(":")
        if not sep or not provider or not model:
            raise typer.BadParameter(f"expected PROVIDER:MODEL, got {pin!r}", param_hint="--pin")
        force = (provider, model)
    return RoleEdit(
        kind=kind.value if kind else None,
        description=description,
        levels=levels,
        prefer=list(prefer) if prefer else None,
        requires=dict(parse_assignment(item, "--require") for item in require or []),
        params=dict(parse_assignment(item, "--param") for item in param or []),
        force=force,
        fallbacks=fallbacks,
    )


def roles(ctx: typer.Context, fmt: FormatOption = Format.human) -> None:
    """List the spec's roles, with the model each one got in llmhub.yaml (when generated)."""
    from llmhub_cli._output import Output
    from llmhub_cli._project import project
    from llmhub_cli._state import load_project_spec, read_runtime

    proj = project(ctx)
    loaded = load_project_spec(proj)
    bound: dict[str, str] = {}
    if proj.runtime_path.exists() or proj.runtime_path.is_symlink():  # a non-file is an error
        runtime = read_runtime(proj.runtime_path)
        bound = {name: f"{role.provider}/{role.model}" for name, role in runtime.config.roles.items()}
    rows: list[dict[str, Any]] = [
        {
            "role": name,
            "kind": role.kind.value,
            "description": role.description,
            "preferences": role.preferences.model_dump(mode="json", exclude_none=True),
            "requires": role.requires.model_dump(mode="json", exclude_none=True),
            "force": role.force.model_dump(mode="json") if role.force else None,
            "model": bound.get(name),
        }
        for name, role in loaded.spec.roles.items()
    ]

    def human(console: Any) -> None:
        from rich.table import Table

        table = Table()
        for column in ("role", "kind", "model (llmhub.yaml)", "description"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(
                row["role"], row["kind"], row["model"] or "[dim]not generated[/dim]", row["description"]
            )
        console.print(table)

    Output(fmt).data({"source": loaded.source, "roles": rows}, human)


def add_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Role name, e.g. llm.summarizer.")],
    kind: KindOpt = None,
    description: DescriptionOpt = None,
    quality: QualityOpt = None,
    cost: CostOpt = None,
    latency: LatencyOpt = None,
    prefer: PreferOpt = None,
    require: RequireOpt = None,
    param: ParamOpt = None,
    pin: PinOpt = None,
    fallbacks: FallbacksOpt = None,
) -> None:
    """Add a role to llmhub.spec.yaml (kind defaults to chat); the rest of the file is kept as is."""
    from llmhub_cli._output import Output
    from llmhub_cli._project import display, project
    from llmhub_cli._specedit import SpecDocument, check_role_name

    check_role_name(name)
    path = project(ctx).require_spec()
    edit = _edit(kind, description, quality, cost, latency, prefer, require, param, pin, fallbacks)
    document = SpecDocument(path, display(path))
    document.add_role(name, edit)
    document.save()
    Output().success(f"added role {name} to {display(path)}; run `llmhub generate` to pick its model")


def edit_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The role to change.")],
    kind: KindOpt = None,
    description: DescriptionOpt = None,
    quality: QualityOpt = None,
    cost: CostOpt = None,
    latency: LatencyOpt = None,
    prefer: PreferOpt = None,
    require: RequireOpt = None,
    param: ParamOpt = None,
    pin: PinOpt = None,
    unpin: Annotated[bool, typer.Option("--unpin", help="Remove the role's force pin.")] = False,
    fallbacks: FallbacksOpt = None,
    unset: Annotated[
        list[str] | None,
        typer.Option(
            "--unset", metavar="PATH", help="Remove a key of the role, e.g. preferences.cost (repeatable)."
        ),
    ] = None,
    rename: Annotated[str | None, typer.Option("--rename", metavar="NEW", help="Rename the role.")] = None,
) -> None:
    """Change a role in llmhub.spec.yaml in place; comments and key order are kept."""
    from llmhub_cli._boundary import CliError
    from llmhub_cli._output import Output
    from llmhub_cli._project import display, project
    from llmhub_cli._specedit import SpecDocument, check_role_name

    if rename is not None:
        check_role_name(rename)
    path = project(ctx).require_spec()
    edit = _edit(kind, description, quality, cost, latency, prefer, require, param, pin, fallbacks)
    edit.unforce = unpin
    edit.unset = list(unset or [])
    document = SpecDocument(path, display(path))
    document.apply(name, edit)
    if rename is not None:
        document.rename_role(name, rename)
    if document.dump() == document.original:
        raise CliError(f"nothing to change for role {name!r}", hint="pass at least one option, see --help")
    document.save()
    Output().success(f"updated role {rename or name} in {display(path)}; run `llmhub generate` to apply it")


def rm_role(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The role to remove.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a role from llmhub.spec.yaml (asks first unless --yes)."""
    from llmhub_cli._output import Output
    from llmhub_cli._project import display, project
    from llmhub_cli._prompt import confirm
    from llmhub_cli._specedit import SpecDocument

    path = project(ctx).require_spec()
    document = SpecDocument(path, display(path))
    document.require_role(name)
    if not yes:
        confirm(f"remove role {name!r} from {display(path)}?", flag="--yes")
    document.remove_role(name)
    document.save()
    Output().success(f"removed role {name} from {display(path)}; run `llmhub generate` to update llmhub.yaml")


def register(app: typer.Typer) -> None:
    app.command("roles")(roles)
    app.command("add-role")(add_role)
    app.command("edit-role")(edit_role)
    app.command("rm-role")(rm_role)
