"""Shared fixtures: an isolated environment, a project folder, the bundled catalog loaded once.

Plain helpers (``run``, the repository paths) are in ``cli_helpers.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_helpers import run


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: builds wheels or venvs (seconds to a minute); runs by default")


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
        if extra:  # extra sources (local models) asked for: the bundled data plus those sources
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
