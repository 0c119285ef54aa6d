"""Entry point of the ``llmhub`` command: the typer app, global options and the error boundary.

Every command module imports only typer and the standard library at import time; the runtime,
the catalog, the generator and rich are imported inside the commands, so ``llmhub --help`` stays
fast (see ``bench/bench_cli_help.py``). Help is rendered by click (``rich_markup_mode=None``):
rich-formatted help would import rich on every ``--help``.
"""

from __future__ import annotations

import importlib
import sys
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from llmhub_cli import __version__
from llmhub_cli._boundary import EXIT_INTERRUPTED, report
from llmhub_cli._project import GlobalOptions
from llmhub_cli.commands import calltest, catalog, doctor, env, generate, init, paths, roles, runtime, spec

__all__ = ["app", "main", "mount_local"]


def _metavar(param: Any) -> str | None:
    """A plain placeholder for ``param``'s value (typer would show ``{name}``, ``<list[str]>``...).

    Duck-typed: typer builds its commands with the click it vendors, not the ``click`` package,
    and describes a parameter's type with a ``type_descriptor`` (older typer: click's ``type``).
    """
    if param.param_type_name == "argument":
        return str(param.name or "value").upper()
    if (
        param.param_type_name != "option"
        or getattr(param, "is_flag", False)
        or getattr(param, "count", False)
    ):
        return None
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:
        choices = list(desc.choices or ()) if desc.is_choice else []
        annotation = desc.annotation
        if desc.is_list and typing.get_args(annotation):
            annotation = typing.get_args(annotation)[0]
    else:  # pragma: no cover - typer before 0.29 (click parameter types)
        choices = list(getattr(param.type, "choices", None) or ())
        annotation = {"integer": int, "float": float, "path": Path}.get(getattr(param.type, "name", ""), str)
    if choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in choices) + "]"
    if annotation is int:
        return "N"
    if annotation is float:
        return "NUMBER"
    if isinstance(annotation, type) and issubclass(annotation, Path):
        return "PATH"
    return "TEXT"


def _plain_metavars(command: Any) -> None:
    for param in command.params:
        if param.metavar is None:
            param.metavar = _metavar(param)
        if param.param_type_name == "argument":
            # typer 0.29 writes a required argument as "{NAME}" in the usage line and adds its type
            # ("NAME <str>") in the list; the conventional "NAME" / "[NAME]" reads better.
            usage = param.metavar if param.required else f"[{param.metavar}]"
            usage += "..." if param.nargs != 1 else ""
            param._usage_display_name = lambda usage=usage: usage
            param.display_type_rich = lambda ctx: None
    for sub in getattr(command, "commands", {}).values():
        _plain_metavars(sub)


class _BoundaryGroup(TyperGroup):
    """The root group: the single place where exceptions become messages and exit codes."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        _plain_metavars(self)  # the commands are attached by now (they are not in __init__)
        return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, TyperException):
            raise  # exits, aborts and usage errors: click maps them to exit codes (2 for usage)
        except Exception as exc:  # noqa: BLE001 - the boundary: report() re-raises nothing, maps all
            raise typer.Exit(report(exc)) from None
        except KeyboardInterrupt as exc:
            raise typer.Exit(report(exc)) from None


app = typer.Typer(
    name="llmhub",
    cls=_BoundaryGroup,
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"llmhub {__version__}")
        raise typer.Exit(0)


@app.callback()
def _global(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option("--root", help="Project folder (default: nearest folder with llmhub.spec.yaml)."),
    ] = None,
    spec_path: Annotated[
        Path | None, typer.Option("--spec", help="The spec file (its folder is the project root).")
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Call LLMs by role: write llmhub.spec.yaml, generate llmhub.yaml, inspect and test roles.

    Data goes to stdout (add --format json for machines), messages to stderr. Exit codes: 0 ok,
    1 error, 2 usage error. LLMHUB_DEBUG=1 shows tracebacks.
    """
    ctx.obj = GlobalOptions(root=root, spec=spec_path)


init.register(app)
app.add_typer(spec.app, name="spec")
roles.register(app)
generate.register(app)
app.add_typer(runtime.app, name="runtime")
app.add_typer(env.app, name="env")
app.add_typer(catalog.app, name="catalog")
calltest.register(app)
doctor.register(app)
paths.register(app)


def mount_local(parent: typer.Typer, module_name: str = "llmhub_cli.commands.local") -> bool:
    """Mount ``llmhub local ...`` when llmhub-local is installed and offers a typer ``app``.

    Returns whether it was mounted. Without llmhub-local there is simply no ``local`` command.
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return False
    local_app = getattr(module, "app", None)
    if not isinstance(local_app, typer.Typer):
        return False
    parent.add_typer(local_app, name="local", help="Local models: run and manage them (llmhub-local).")
    return True


mount_local(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (0 ok, 1 domain error, 2 usage error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    command = typer.main.get_command(app)
    try:
        command.main(args=args, prog_name="llmhub", standalone_mode=True)
    except SystemExit as exit_:
        code = exit_.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt as exc:  # raised outside a command (e.g. while parsing)
        report(exc)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
