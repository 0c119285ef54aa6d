"""Smoke test: the package imports, exposes its public names and reports its installed version."""

from importlib.metadata import version

import llmhub_local


def test_version_matches_installed_metadata() -> None:
    assert llmhub_local.__version__ == version("llmhub-local")
    assert llmhub_local.__version__ != "0.0.0"


def test_all_names_exist() -> None:
    for name in llmhub_local.__all__:
        assert hasattr(llmhub_local, name), name
