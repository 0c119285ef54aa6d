"""``llmhub init``: write a commented starter llmhub.spec.yaml and .env.example."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from llmhub_cli._boundary import CliError
from llmhub_cli._project import SPEC_FILENAME, display, project

__all__ = ["register"]


def init(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option("--project", "-p", help="Project name (default: the folder's name).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing llmhub.spec.yaml.")] = False,
) -> None:
    """Create a commented starter llmhub.spec.yaml (and .env.example) in the project folder.

    Refuses to replace an existing spec unless --force is given. Existing .env.example lines are kept.
    """
    from llmhub_cli._files import merge_env_example, read_text_or_none
    from llmhub_cli._output import Output
    from llmhub_cli._starter import STARTER_PROVIDERS, project_name, starter_spec
    from llmhub_runtime.atomic import atomic_write

    out = Output()
    proj = project(ctx, walk_up=False)
    spec_path = proj.spec_path
    if spec_path.exists() and not force:
        raise CliError(
            f"{display(spec_path)} already exists; not overwriting it",
            hint="pass --force to replace it with the starter spec",
        )
    folder = Path(proj.root).resolve()
    text = starter_spec(name or project_name(folder.name))
    from llmhub_generator.spec import parse_spec_yaml

    parse_spec_yaml(text, source=display(spec_path))
    atomic_write(spec_path, text)
    out.success(f"wrote {display(spec_path)}")
    env_path = proj.env_example_path
    existing = read_text_or_none(env_path)
    merged = merge_env_example(existing, STARTER_PROVIDERS)
    if merged != existing:
        atomic_write(env_path, merged)
        out.success(f"{'updated' if existing is not None else 'wrote'} {display(env_path)}")
    out.info(f"next: edit {SPEC_FILENAME}, then run `llmhub generate`")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
