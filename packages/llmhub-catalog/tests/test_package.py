"""Smoke test: the package imports, exposes its public names and reports its installed version."""

from importlib.metadata import version

import llmhub_catalog


def test_version_matches_installed_metadata() -> None:
    assert llmhub_catalog.__version__ == version("llmhub-catalog")
    assert llmhub_catalog.__version__ != "0.0.0"


def test_all_names_exist() -> None:
    for name in llmhub_catalog.__all__:
        assert hasattr(llmhub_catalog, name), name
