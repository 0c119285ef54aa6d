"""Every check a contributor or CI runs. ``uvx nox`` runs the default (fast) sessions.

Each session drives uv itself (nox creates no virtualenvs): ``tests(package)`` syncs a separate
environment per package with ``uv run --exact --package X`` so that each package is tested with
only the dependencies it declares. Slow sessions that build heavy backends are run by name
(``uvx nox -s <name>``) and by ``.ci/run``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = ["llmhub-runtime", "llmhub-catalog", "llmhub-generator", "llmhub-local", "llmhub-cli"]

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typecheck", "tests", "wheels"]
nox.options.error_on_missing_interpreters = True


def _env(name: str) -> dict[str, str]:
    """A uv project environment of its own for each session (kept under .nox/ between runs)."""
    return {"UV_PROJECT_ENVIRONMENT": str(ROOT / ".nox" / f"uv-{name}")}


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check + ruff format --check, and the lockstep-version check."""
    run = ("uv", "run", "--frozen", "--isolated", "--only-group", "lint")
    session.run(*run, "ruff", "check", ".", env=_env("lint"))
    session.run(*run, "ruff", "format", "--check", ".", env=_env("lint"))
    session.run("python", "scripts/check_versions.py", external=True)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over every package's source."""
    session.run(
        "uv",
        "run",
        "--frozen",
        "--all-packages",
        "--all-extras",
        "--group",
        "typecheck",
        "--group",
        "dev",
        "mypy",
        *[f"packages/{p}/src" for p in PACKAGES],
        "bench",
        "scripts",
        env=_env("typecheck"),
    )


@nox.session
@nox.parametrize("package", PACKAGES)
def tests(session: nox.Session, package: str) -> None:
    """pytest for one package, in an environment holding only that package's dependencies."""
    session.run(
        "uv",
        "run",
        "--frozen",
        "--exact",
        "--package",
        package,
        "--group",
        "dev",
        "pytest",
        f"packages/{package}/tests",
        *session.posargs,
        env=_env(f"tests-{package}"),
    )


@nox.session
def build(session: nox.Session) -> None:
    """Build the sdist and wheel of every package into dist/."""
    shutil.rmtree(ROOT / "dist", ignore_errors=True)
    session.run("uv", "build", "--all-packages", "--out-dir", "dist", external=True)


@nox.session
def wheels(session: nox.Session) -> None:
    """Build, then install the llmhub-runtime wheel alone in a fresh venv and check it stays slim."""
    build(session)
    session.run(sys.executable, "scripts/check_wheels.py", "dist", external=True)


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks under bench/ (print ratios against the honest baselines; never asserted)."""
    env = _env("bench")
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        session.run(
            "uv",
            "run",
            "--frozen",
            "--all-packages",
            "--group",
            "dev",
            "python",
            str(script),
            *session.posargs,
            env=env,
        )
