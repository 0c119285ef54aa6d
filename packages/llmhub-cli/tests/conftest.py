"""Shared fixtures: an isolated project folder, a CliRunner wrapper, the examples folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from llmhub_cli.main import app

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
EXAMPLE_NAMES = ("rag-chat", "agent-tools", "local-first")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds wheels or venvs (seconds to a minute); runs by default")


@dataclass
class Run:
    """The outcome of one CLI invocation."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(*args: str, env: dict[str, str | None] | None = None, input: str | None = None) -> Run:
    """Invoke ``llmhub ARGS`` in-process (stdout and stderr kept apart)."""
    result = CliRunner().invoke(app, list(args), env=env, input=input, prog_name="llmhub")
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(result.exit_code, result.stdout, result.stderr, exception)


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    # No user cache, overrides, debug flag or real keys leak into a test.
    monkeypatch.setenv("LLMHUB_CATALOG_CACHE_DIR", str(tmp_path_factory.mktemp("catalog-cache")))
    for name in (
        "LLMHUB_DEBUG",
        "LLMHUB_CATALOG_OVERRIDES",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "MISTRAL_API_KEY",
        "GEMINI_API_KEY",
        "GROQ_API_KEY",
        "LLMHUB_NO_PROMPT",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def bundled_catalog() -> object:
    """The bundled catalog, loaded once: loading it is the slowest part of ``generate``."""
    from llmhub_catalog import load_catalog

    return load_catalog("bundled", overrides=False)


@pytest.fixture(autouse=True)
def _reuse_catalog(monkeypatch: pytest.MonkeyPatch, bundled_catalog: object) -> None:
    # Commands call llmhub_catalog.load_catalog() (directly or through the generator); in tests they
    # get the one bundled catalog instead of re-reading it in every test.
    import llmhub_catalog

    real = llmhub_catalog.load_catalog

    def load(*args: object, **kwargs: object) -> object:
        extra = kwargs.get("extra_sources")
        if extra is not None:  # local models asked for: the bundled data plus those sources
            return real("bundled", overrides=False, extra_sources=extra)  # type: ignore[arg-type]
        return bundled_catalog

    monkeypatch.setattr(llmhub_catalog, "load_catalog", load)


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder holding the starter spec (from ``llmhub init``), as the working directory."""
    monkeypatch.chdir(tmp_path)
    result = run("init", "--project", "demo")
    assert result.exit_code == 0, result.output
    return tmp_path


@pytest.fixture
def generated(project_dir: Path) -> Path:
    """``project_dir`` after ``llmhub generate``."""
    result = run("generate")
    assert result.exit_code == 0, result.output
    return project_dir


def hand_edit_params(path: Path, role: str, params: dict[str, object]) -> None:
    """Edit ``params`` of ``role`` in a generated llmhub.yaml as a person would, keeping the YAML
    valid whatever layout (flow or block) the generator chose for the role."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML()
    yaml.width = 4096
    data = yaml.load(path.read_text())
    flow = CommentedMap(params)
    flow.fa.set_flow_style()
    data["roles"][role]["params"] = flow
    with path.open("w") as out:
        yaml.dump(data, out)
