"""``llmhub local ...``: local models (llmhub-local, the CLI's ``local`` extra).

This module imports only typer and the CLI's own helpers; llmhub-local is imported inside the
commands. Without it every command says what to install (``pip install "llmhub[local]"``).
Data goes to stdout (``--format json`` for machines; smoke reports are always JSON), messages to
stderr; errors go through the CLI's one error boundary. Smoke tests exit 0 only on PASS. API
keys are read from an environment variable (``--api-key-env``, default ``LLMHUB_LOCAL_API_KEY``)
and never printed.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmhub_cli import __version__
from llmhub_cli._boundary import CliError
from llmhub_cli._output import Format, FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from llmhub_local.serving.manager import LocalManager

__all__ = ["app"]

#: Exact version: PyPI's ``llmhub`` is another project (wheels come from a checkout, see the README).
INSTALL_HINT = (
    f'pip install --find-links dist "llmhub[local]=={__version__}"  (wheels built from the checkout)'
)

app = typer.Typer(no_args_is_help=True, help="Local models: serve, manage and test them (llmhub-local).")
env_app = typer.Typer(no_args_is_help=True, help="Shared environments keyed by env_key.")
model_app = typer.Typer(no_args_is_help=True, help="Model checks.")
tools_app = typer.Typer(no_args_is_help=True, help="Tool-calling checks.")
app.add_typer(env_app, name="env")
app.add_typer(model_app, name="model")
app.add_typer(tools_app, name="tools")


@app.callback()
def _require_llmhub_local() -> None:
    """Local models: serve, manage and test them (llmhub-local)."""
    if importlib.util.find_spec("llmhub_local") is None:
        raise CliError(
            "`llmhub local` needs the llmhub-local package, which is not installed", hint=INSTALL_HINT
        )


HomeOption = Annotated[
    Path | None,
    typer.Option("--home", help="llmhub-local home (default $LLMHUB_LOCAL_HOME or the user data dir)."),
]
RegistryOption = Annotated[
    Path | None, typer.Option("--registry", help="Models registry file (default <home>/models.yaml).")
]
ApiKeyEnv = Annotated[
    str, typer.Option("--api-key-env", help="Variable holding the server's API key (never printed).")
]
HostOption = Annotated[str, typer.Option(help="Address to bind; not loopback needs an API key.")]
PortOption = Annotated[int | None, typer.Option(help="Preferred port (default: the registry's hint).")]


def _manager(home: Path | None, registry: Path | None) -> LocalManager:
    from llmhub_local.serving.manager import LocalManager

    return LocalManager(home=home, registry_path=registry)


def _key(variable: str) -> str | None:
    """The API key held by ``variable`` (never printed)."""
    return os.environ.get(variable) or None


def _finish(report: dict[str, Any]) -> None:
    """Print a smoke report as JSON and exit 0 only on PASS (the seed's contract)."""
    from llmhub_cli._output import Output

    Output(Format.json).data(report)
    raise typer.Exit(0 if report["status"] == "PASS" else 1)


@app.command()
def serve(
    model: str,
    host: HostOption = "127.0.0.1",
    port: PortOption = None,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
) -> None:
    """Serve MODEL in the foreground (OpenAI-compatible, Ctrl-C to stop)."""
    import logging

    from llmhub_local.serving.manager import API_KEY_ENV
    from llmhub_local.serving.serve import prepare_environment, run_server

    prepare_environment()  # before the backend library loads (OpenMP reads it once)
    if api_key_env != API_KEY_ENV and os.environ.get(api_key_env):
        os.environ[API_KEY_ENV] = os.environ[api_key_env]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    raise typer.Exit(run_server(model, home=home, registry=registry, host=host, port=port))


@app.command()
def start(
    model: str,
    host: HostOption = "127.0.0.1",
    port: PortOption = None,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for /health.")] = 180.0,
    fmt: FormatOption = Format.human,
) -> None:
    """Start MODEL's server in the background; prints its base URL."""
    from llmhub_cli._output import Output

    record = _manager(home, registry).start(
        model, host=host, port=port, api_key=_key(api_key_env), timeout=timeout
    )
    out = Output(fmt)
    if out.is_json:
        out.data(record.as_dict())
    else:
        out.text(str(record.base_url))


@app.command()
def stop(
    model: str, home: HomeOption = None, registry: RegistryOption = None, fmt: FormatOption = Format.human
) -> None:
    """Stop MODEL's server."""
    from llmhub_cli._output import Output

    record = _manager(home, registry).stop(model)
    out = Output(fmt)
    if out.is_json:
        out.data(None if record is None else record.as_dict())
    else:
        out.info("not running" if record is None else f"{record.model_id}: {record.status}")


@app.command()
def status(
    home: HomeOption = None, registry: RegistryOption = None, fmt: FormatOption = Format.human
) -> None:
    """Servers and their state (a server whose process is gone is DEAD)."""
    from llmhub_cli._output import Output

    rows = _manager(home, registry).status()

    def human(console: Console) -> None:
        for row in rows:
            health = {True: "healthy", False: "unhealthy"}.get(row["healthy"], "")  # type: ignore[call-overload]
            cells = [
                str(row["model_id"]),
                str(row["status"]),
                f"pid={row['pid']}",
                str(row["base_url"] or "-"),
            ]
            console.print("\t".join([*cells, health]).rstrip(), markup=False)

    out = Output(fmt)
    out.data(rows, human)
    if not rows and not out.is_json:
        out.info("no local server is running (start one with `llmhub local start MODEL`)")


@app.command()
def logs(
    model: str,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines.")] = 50,
    home: HomeOption = None,
    registry: RegistryOption = None,
) -> None:
    """The last lines of MODEL's server log."""
    from llmhub_cli._output import Output

    Output().text(_manager(home, registry).logs(model, lines=lines))


@app.command()
def models(
    home: HomeOption = None, registry: RegistryOption = None, fmt: FormatOption = Format.human
) -> None:
    """Registered models (defaults and the registry file)."""
    from llmhub_cli._output import Output

    entries = _manager(home, registry).registry.entries
    rows = [{"model_id": k, **v.model_dump(mode="json")} for k, v in entries.items()]

    def human(console: Console) -> None:
        for row in rows:
            line = f"{row['model_id']}\t{row['model_type']}\t{row['backend'] or 'auto'}\t{row['base_model']}"
            console.print(line, markup=False)

    Output(fmt).data(rows, human)


@env_app.command("resolve")
def env_resolve(
    model: str, home: HomeOption = None, registry: RegistryOption = None, fmt: FormatOption = Format.human
) -> None:
    """The env_key MODEL runs in."""
    from llmhub_cli._output import Output

    manager = _manager(home, registry)
    key = manager.env_key_for(manager.registry.get(model))
    out = Output(fmt)
    if out.is_json:
        out.data({"model": model, "env_key": key})
    else:
        out.text(key)


@env_app.command("list")
def env_list(
    home: HomeOption = None, registry: RegistryOption = None, fmt: FormatOption = Format.human
) -> None:
    """Environments recorded in the state store."""
    from llmhub_cli._output import Output

    manager = _manager(home, registry)
    manager.store.reconcile()
    rows = [e.as_dict() for e in manager.store.list_envs()]

    def human(console: Console) -> None:
        for row in rows:
            console.print(f"{row['env_key']}\t{row['status']}\t{row['path'] or '-'}", markup=False)

    Output(fmt).data(rows, human)


@env_app.command("provision")
def env_provision(
    env_key: str,
    force: Annotated[bool, typer.Option(help="Rebuild even if it is ready.")] = False,
    home: HomeOption = None,
    registry: RegistryOption = None,
    fmt: FormatOption = Format.human,
) -> None:
    """Build ENV_KEY atomically (temp dir, install, health check, rename)."""
    from llmhub_cli._output import Output
    from llmhub_local.serving.envs import default_plan, validate_env_key
    from llmhub_local.serving.provision import Provisioner

    out = Output(fmt)
    key = validate_env_key(env_key)
    manager = _manager(home, registry)
    record = Provisioner(manager.paths, manager.store, progress=out.info).provision(
        default_plan(key), force=force
    )

    def human(console: Console) -> None:
        console.print(f"{record.env_key}\t{record.status}\t{record.python_path}", markup=False)

    out.data(record.as_dict(), human)


@env_app.command("test")
def env_test(env_key: str, home: HomeOption = None, registry: RegistryOption = None) -> None:
    """Check an environment; prints a JSON report, exit 0 only on PASS."""
    from llmhub_local.serving import smoke
    from llmhub_local.serving.envs import validate_env_key

    _finish(smoke.env_test(_manager(home, registry), validate_env_key(env_key)))


@model_app.command("smoke")
def model_smoke(
    model: str,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
) -> None:
    """Server start, health and one generation; JSON report, exit 0 only on PASS."""
    from llmhub_local.serving import smoke

    _finish(smoke.model_smoke(_manager(home, registry), model, api_key=_key(api_key_env)))


@tools_app.command("smoke")
def tools_smoke(
    model: str,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
) -> None:
    """A strict JSON tool call from the model, validated and executed; JSON report, exit 0 only on PASS."""
    from llmhub_local.serving import smoke

    _finish(smoke.tools_smoke(_manager(home, registry), model, api_key=_key(api_key_env)))
