"""Smoke test: the package imports, exposes its public names and reports its installed version."""

from importlib.metadata import version

import llmhub_generator


def test_version_matches_installed_metadata() -> None:
    assert llmhub_generator.__version__ == version("llmhub-generator")
    assert llmhub_generator.__version__ != "0.0.0"


def test_all_names_exist() -> None:
    for name in llmhub_generator.__all__:
        assert hasattr(llmhub_generator, name), name
