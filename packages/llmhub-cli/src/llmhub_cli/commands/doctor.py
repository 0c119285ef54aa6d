"""``llmhub doctor`` (a checklist with fixes) and ``llmhub status`` (a one-screen summary)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import typer

from llmhub_cli._output import Format, FormatOption

if TYPE_CHECKING:
    from llmhub_cli._dotenv import DotenvLoad
    from llmhub_cli._project import Project

__all__ = ["Check", "register"]


@dataclass
class Check:
    """One line of the checklist. ``status`` is ok, warn or fail; ``fix`` says what to do."""

    name: str
    status: str
    detail: str
    fix: str = ""


def _spec_checks(proj: Project, checks: list[Check]) -> Any:
    from llmhub_cli._project import display
    from llmhub_generator.errors import SpecError
    from llmhub_generator.spec import load_spec

    if not proj.spec_path.is_file():
        checks.append(Check("spec", "fail", f"no {display(proj.spec_path)}", "run `llmhub init`"))
        return None
    try:
        loaded = load_spec(display(proj.spec_path))
    except SpecError as exc:
        first = exc.problems[0].render(display(proj.spec_path))
        more = f" (+{len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        checks.append(Check("spec", "fail", first + more, "run `llmhub spec validate` and fix each problem"))
        return None
    checks.append(Check("spec", "ok", f"{loaded.source}: {len(loaded.spec.roles)} role(s) valid"))
    return loaded


def _runtime_checks(proj: Project, loaded: Any, checks: list[Check]) -> Any:
    from llmhub_cli._project import display
    from llmhub_cli._state import read_runtime
    from llmhub_runtime.errors import ConfigError

    path = proj.runtime_path
    if not path.is_file():
        checks.append(Check("runtime", "fail", f"no {display(path)}", "run `llmhub generate`"))
        return None
    try:
        runtime = read_runtime(path, check_provider_ids=True)
    except ConfigError as exc:
        checks.append(
            Check("runtime", "fail", str(exc).splitlines()[0], "fix it or run `llmhub generate --force`")
        )
        return None
    checks.append(Check("runtime", "ok", f"{display(path)}: {len(runtime.config.roles)} role(s) load"))
    return runtime


def _freshness_checks(runtime: Any, loaded: Any, catalog: Any, checks: list[Check]) -> None:
    """The same rule as `generate --check` and `runtime diff`, shown as warnings with their fix."""
    from llmhub_cli._freshness import freshness

    if runtime is None or loaded is None or catalog is None:
        return
    reasons = freshness(runtime, loaded, catalog)
    for reason in reasons:
        checks.append(Check("runtime in sync", "warn", reason.message, reason.fix))
    if not reasons:
        checks.append(Check("runtime in sync", "ok", "generated from the current spec and catalog"))


def _sdk_checks(runtime: Any, checks: list[Check]) -> None:
    """Providers used by llmhub.yaml whose any-llm SDK extra does not import here."""
    from llmhub_runtime.extras import missing_extras, pip_command

    if runtime is None:
        return
    users: dict[str, list[str]] = {}
    for name, role in runtime.config.roles.items():
        for provider in [role.provider, *(f.provider for f in role.fallbacks)]:
            users.setdefault(provider, []).append(name)
    missing = missing_extras(users)
    for extra in missing:
        roles = ", ".join(dict.fromkeys(users[extra.provider]))
        checks.append(
            Check(
                f"sdk {extra.provider}",
                "warn",
                f"{extra.requirement} is not installed (roles: {roles});"
                " calls to it fail over to the next target",
                pip_command([extra.requirement]),
            )
        )
    if users and not missing:
        checks.append(Check("provider SDKs", "ok", f"installed for {', '.join(users)}"))


def _key_checks(runtime: Any, loaded: Any, checks: list[Check], dotenv: DotenvLoad) -> None:
    if runtime is not None:
        providers = {n: (p.env_key, p.api_base) for n, p in runtime.config.providers.items()}
    elif loaded is not None:
        providers = {n: (p.env_key, p.api_base) for n, p in loaded.spec.providers.items() if p.enabled}
    else:
        return
    for name, (env_key, _api_base) in providers.items():
        if env_key is None:
            continue
        if os.environ.get(env_key):
            where = " (from .env)" if dotenv.origin(env_key) == ".env" else ""
            checks.append(Check(f"key {name}", "ok", f"{env_key} is set{where}"))
        else:
            checks.append(
                Check(
                    f"key {name}",
                    "fail",
                    f"{env_key} is not set",
                    f"add {env_key}=... to .env in the project root, or export it (see .env.example)",
                )
            )


def _catalog_check(loaded: Any, checks: list[Check]) -> Any:
    """The catalog `generate` would use for this spec (local models included), and its age."""
    from llmhub_catalog import CatalogError, load_catalog
    from llmhub_catalog.freshness import STALE_AFTER_DAYS, catalog_age_days
    from llmhub_cli._freshness import project_catalog

    try:
        catalog = project_catalog(loaded.spec) if loaded is not None else load_catalog()
    except CatalogError as exc:
        checks.append(
            Check("catalog", "fail", str(exc), "reinstall llmhub-catalog or `llmhub catalog refresh`")
        )
        return None
    detail = f"{catalog.version} ({catalog.source}, {len(catalog)} models)"
    age = catalog_age_days(catalog.version)
    if age is not None:
        detail += f", {age} days old"
    if age is not None and age > STALE_AFTER_DAYS:
        checks.append(
            Check("catalog", "warn", detail, "run `llmhub catalog refresh`, then `llmhub generate`")
        )
    else:
        checks.append(Check("catalog", "ok", detail))
    return catalog


def _provision_leftovers(checks: list[Check]) -> None:
    """What interrupted environment provisions left in the llmhub-local home (nothing is created)."""
    from llmhub_local.serving.paths import LocalPaths
    from llmhub_local.serving.provision import Provisioner
    from llmhub_local.serving.state_store import StateStore

    paths = LocalPaths.default()
    stale = [
        item for item in Provisioner(paths, StateStore(paths.state_db)).leftovers() if not item.owner_alive
    ]
    if stale:
        names = ", ".join(str(item.path) for item in stale[:5]) + (" ..." if len(stale) > 5 else "")
        checks.append(
            Check(
                "local leftovers",
                "warn",
                f"{len(stale)} left by an interrupted provision: {names}",
                "the next `llmhub local env provision` cleans them up (an env moved aside is put back)",
            )
        )


def _local_checks(runtime: Any, loaded: Any, checks: list[Check]) -> None:
    import importlib.util
    import socket
    from urllib.parse import urlsplit

    from llmhub_cli.commands.local import INSTALL_HINT

    installed = importlib.util.find_spec("llmhub_local") is not None
    checks.append(
        Check(
            "llmhub-local",
            "ok" if installed else "warn",
            "installed" if installed else "not installed (optional: local models)",
            "" if installed else INSTALL_HINT,
        )
    )
    if installed:
        _provision_leftovers(checks)
    source = runtime.config.providers if runtime is not None else (loaded.spec.providers if loaded else {})
    for name, provider in source.items():
        if not provider.api_base:
            continue
        parts = urlsplit(provider.api_base)
        host = parts.hostname or ""
        if host not in {"127.0.0.1", "localhost", "::1"}:
            continue
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((host, port), timeout=0.5):
                checks.append(Check(f"server {name}", "ok", f"{provider.api_base} answers"))
        except OSError:
            checks.append(
                Check(
                    f"server {name}",
                    "fail",
                    f"nothing listens at {provider.api_base}",
                    "start the server (e.g. `llmhub local ...` or llama-server)",
                )
            )


def doctor(ctx: typer.Context, fmt: FormatOption = Format.human) -> None:
    """Check the spec, llmhub.yaml, API keys, catalog age and local servers; print fixes.

    Exits 1 when a check fails (warnings alone exit 0).
    """
    from llmhub_cli._dotenv import load_project_dotenv
    from llmhub_cli._output import Output
    from llmhub_cli._project import project

    proj = project(ctx)
    dotenv = load_project_dotenv(proj.root)
    checks: list[Check] = []
    loaded = _spec_checks(proj, checks)
    runtime = _runtime_checks(proj, loaded, checks)
    _sdk_checks(runtime, checks)
    _key_checks(runtime, loaded, checks, dotenv)
    catalog = _catalog_check(loaded, checks)
    _freshness_checks(runtime, loaded, catalog, checks)
    _local_checks(runtime, loaded, checks)
    failed = [c for c in checks if c.status == "fail"]

    def human(console: Any) -> None:
        from rich.markup import escape

        marks = {"ok": "[green]✓[/green]", "warn": "[yellow]![/yellow]", "fail": "[red]✗[/red]"}
        for check in checks:
            console.print(f"{marks[check.status]} {escape(check.name)}: {escape(check.detail)}")
            if check.fix:
                console.print(f"    fix: {escape(check.fix)}")

    out = Output(fmt)
    out.data({"root": str(proj.root), "ok": not failed, "checks": [asdict(c) for c in checks]}, human)
    if failed:
        out.error(f"{len(failed)} check(s) failed")
        raise typer.Exit(1)


def status(ctx: typer.Context, fmt: FormatOption = Format.human) -> None:
    """One-screen summary: project, spec, llmhub.yaml state and roles (no network, no catalog)."""
    import hashlib

    from llmhub_cli._output import Output
    from llmhub_cli._project import display, project
    from llmhub_cli._state import read_runtime
    from llmhub_runtime.errors import ConfigError
    from llmhub_runtime.readers import read_text_file

    proj = project(ctx)
    spec_path = proj.require_spec()
    spec_text = read_text_file(spec_path).text  # size and encoding checked, as the generator does
    spec_sha = hashlib.sha256(spec_text.encode("utf-8")).hexdigest()
    info: dict[str, Any] = {
        "root": str(proj.root.resolve()),
        "spec": display(spec_path),
        "runtime": display(proj.runtime_path),
    }
    if not proj.runtime_path.is_file():
        info.update(runtime_state="missing", roles={})
    else:
        try:
            runtime = read_runtime(proj.runtime_path)
        except ConfigError as exc:
            info.update(runtime_state="invalid", problem=str(exc).splitlines()[0], roles={})
        else:
            if runtime.generated and runtime.hand_edited:
                state = "hand-edited"
            elif not runtime.generated:
                state = "not generated by llmhub"
            elif runtime.spec_sha256 != spec_sha:
                state = "stale (spec changed)"
            else:
                state = "up to date"
            info.update(
                project=runtime.config.project,
                runtime_state=state,
                catalog_version=runtime.catalog_version,
                roles={n: f"{r.provider}/{r.model}" for n, r in runtime.config.roles.items()},
            )

    def human(console: Any) -> None:
        from rich.markup import escape

        console.print(f"root     {escape(info['root'])}")
        console.print(f"spec     {escape(info['spec'])}")
        console.print(f"runtime  {escape(info['runtime'])}: {info['runtime_state']}")
        for role, model in info["roles"].items():
            console.print(f"  {escape(role)} -> {escape(model)}")

    Output(fmt).data(info, human)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
    app.command("status")(status)
