"""``llmhub path``: where the project's files are (for scripts: ``cat "$(llmhub path runtime)"``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from llmhub_cli._output import Format, FormatOption

__all__ = ["register"]


class Which(StrEnum):
    root = "root"
    spec = "spec"
    runtime = "runtime"
    env_example = "env-example"
    catalog_cache = "catalog-cache"


def path(
    ctx: typer.Context,
    which: Annotated[Which | None, typer.Argument(help="Print only this path.")] = None,
    fmt: FormatOption = Format.human,
) -> None:
    """Print the project's paths: root, spec, runtime (llmhub.yaml), env-example, catalog-cache."""
    from llmhub_cli._output import Output
    from llmhub_cli._project import project

    proj = project(ctx)
    paths = {
        Which.root: proj.root.resolve(),
        Which.spec: proj.spec_path.resolve(),
        Which.runtime: proj.runtime_path.resolve(),
        Which.env_example: proj.env_example_path.resolve(),
    }
    if which in (None, Which.catalog_cache):
        from llmhub_catalog import default_cache_dir

        paths[Which.catalog_cache] = default_cache_dir()
    out = Output(fmt)
    if which is not None:
        if out.is_json:
            out.data({which.value: str(paths[which])})
        else:
            out.text(str(paths[which]))
        return

    def human(console: Any) -> None:
        for key, value in paths.items():
            console.print(f"{key.value:<14} {value}", markup=False)

    out.data({key.value: str(value) for key, value in paths.items()}, human)
    if not proj.spec_path.is_file():
        out.warn(f"no {proj.spec_path.name} here; run `llmhub init`")


def register(app: typer.Typer) -> None:
    app.command("path")(path)
