"""``llmhub local ...``: the typer app the ``llmhub`` CLI mounts when llmhub-local is installed.

typer comes with the CLI (distribution ``llmhub``), not with llmhub-local: this module imports
it, ``import llmhub_local`` does not import this module. Commands import what they need when
they run. Data goes to stdout (JSON for smoke reports and ``--format json``), messages to
stderr; smoke tests exit 0 only on PASS. API keys are read from an environment variable
(``--api-key-env``, default ``LLMHUB_LOCAL_API_KEY``) and never printed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from llmhub_local.manager import LocalManager

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True, help="Local models: serve, manage and test them (llmhub-local).")
env_app = typer.Typer(no_args_is_help=True, help="Shared environments keyed by env_key.")
model_app = typer.Typer(no_args_is_help=True, help="Model checks.")
tools_app = typer.Typer(no_args_is_help=True, help="Tool-calling checks.")
app.add_typer(env_app, name="env")
app.add_typer(model_app, name="model")
app.add_typer(tools_app, name="tools")

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
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _manager(home: Path | None, registry: Path | None) -> LocalManager:
    from llmhub_local.manager import LocalManager

    return LocalManager(home=home, registry_path=registry)


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, default=str))


def _fail(exc: Exception) -> typer.Exit:
    for line in str(exc).splitlines():
        typer.echo(f"error: {line}", err=True)
    return typer.Exit(1)


def _guard(action: Any) -> Any:
    from llmhub_runtime.errors import LLMHubError

    try:
        return action()
    except LLMHubError as e:  # RegistryError, ServerError, ProvisionError...: the user's to fix
        raise _fail(e) from None


@app.command()
def serve(
    model: str,
    host: Annotated[str, typer.Option(help="Address to bind; not loopback needs an API key.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Preferred port (default: the registry's hint).")] = None,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
) -> None:
    """Serve MODEL in the foreground (OpenAI-compatible, Ctrl-C to stop)."""
    import logging

    from llmhub_local.serve import API_KEY_ENV, run_server

    if api_key_env != API_KEY_ENV and os.environ.get(api_key_env):
        os.environ[API_KEY_ENV] = os.environ[api_key_env]
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    raise typer.Exit(_guard(lambda: run_server(model, home=home, registry=registry, host=host, port=port)))


@app.command()
def start(
    model: str,
    host: Annotated[str, typer.Option(help="Address to bind; not loopback needs an API key.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Preferred port (default: the registry's hint).")] = None,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for /health.")] = 180.0,
) -> None:
    """Start MODEL's server in the background; prints its base URL."""
    manager = _manager(home, registry)
    record = _guard(
        lambda: manager.start(
            model, host=host, port=port, api_key=os.environ.get(api_key_env), timeout=timeout
        )
    )
    typer.echo(record.base_url)


@app.command()
def stop(model: str, home: HomeOption = None, registry: RegistryOption = None) -> None:
    """Stop MODEL's server."""
    record = _guard(lambda: _manager(home, registry).stop(model))
    typer.echo("not running" if record is None else f"{record.model_id}: {record.status}", err=True)


@app.command()
def status(home: HomeOption = None, registry: RegistryOption = None, as_json: JsonOption = False) -> None:
    """Servers and their state (a server whose process is gone is DEAD)."""
    rows = _guard(lambda: _manager(home, registry).status())
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        health = {True: "healthy", False: "unhealthy", None: ""}[row["healthy"]]
        typer.echo(
            "\t".join(
                [
                    str(row["model_id"]),
                    str(row["status"]),
                    f"pid={row['pid']}",
                    str(row["base_url"] or "-"),
                    health,
                ]
            ).rstrip()
        )


@app.command()
def logs(
    model: str,
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines.")] = 50,
    home: HomeOption = None,
    registry: RegistryOption = None,
) -> None:
    """The last lines of MODEL's server log."""
    typer.echo(_guard(lambda: _manager(home, registry).logs(model, lines=lines)))


@app.command()
def models(home: HomeOption = None, registry: RegistryOption = None, as_json: JsonOption = False) -> None:
    """Registered models (defaults and the registry file)."""
    manager = _manager(home, registry)
    entries = _guard(lambda: manager.registry.entries)
    rows = [{"model_id": k, **v.model_dump(mode="json")} for k, v in entries.items()]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['model_id']}\t{row['model_type']}\t{row['backend'] or 'auto'}\t{row['base_model']}")


@env_app.command("resolve")
def env_resolve(model: str, home: HomeOption = None, registry: RegistryOption = None) -> None:
    """The env_key MODEL runs in."""
    manager = _manager(home, registry)
    typer.echo(_guard(lambda: manager.env_key_for(manager.registry.get(model))))


@env_app.command("list")
def env_list(home: HomeOption = None, registry: RegistryOption = None) -> None:
    """Environments recorded in the state store (JSON)."""
    manager = _manager(home, registry)
    manager.store.reconcile()
    _echo_json([e.as_dict() for e in manager.store.list_envs()])


@env_app.command("provision")
def env_provision(
    env_key: str,
    force: Annotated[bool, typer.Option(help="Rebuild even if it is ready.")] = False,
    home: HomeOption = None,
    registry: RegistryOption = None,
) -> None:
    """Build ENV_KEY atomically (temp dir, install, health check, rename)."""
    from llmhub_local.envs import default_plan
    from llmhub_local.provision import Provisioner

    manager = _manager(home, registry)
    typer.echo(f"provisioning {env_key} (this can take minutes)...", err=True)
    record = _guard(
        lambda: Provisioner(manager.paths, manager.store).provision(default_plan(env_key), force=force)
    )
    _echo_json(record.as_dict())


@env_app.command("test")
def env_test(env_key: str, home: HomeOption = None, registry: RegistryOption = None) -> None:
    """Check an environment; prints a JSON report, exit 0 only on PASS."""
    from llmhub_local import smoke

    report = smoke.env_test(_manager(home, registry), env_key)
    _finish(report)


@model_app.command("smoke")
def model_smoke(
    model: str,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
) -> None:
    """Server start, health and one generation; JSON report, exit 0 only on PASS."""
    from llmhub_local import smoke

    report = _guard(lambda: smoke.model_smoke(_manager(home, registry), model, api_key=_key(api_key_env)))
    _finish(report)


@tools_app.command("smoke")
def tools_smoke(
    model: str,
    home: HomeOption = None,
    registry: RegistryOption = None,
    api_key_env: ApiKeyEnv = "LLMHUB_LOCAL_API_KEY",
) -> None:
    """A strict JSON tool call from the model, validated and executed; JSON report, exit 0 only on PASS."""
    from llmhub_local import smoke

    report = _guard(lambda: smoke.tools_smoke(_manager(home, registry), model, api_key=_key(api_key_env)))
    _finish(report)


def _key(variable: str) -> str | None:
    """The API key held by ``variable`` (never printed)."""
    return os.environ.get(variable) or None


def _finish(report: dict[str, Any]) -> None:
    """Print a smoke report as JSON and exit 0 only on PASS (the seed's contract)."""
    _echo_json(report)
    raise typer.Exit(0 if report["status"] == "PASS" else 1)
