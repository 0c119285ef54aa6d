"""Smoke test: the package imports, exposes its public names and reports its installed version."""

from importlib.metadata import version

import llmhub_catalog


def test_version_matches_installed_metadata() -> None:
    assert llmhub_catalog.__version__ == version("llmhub-catalog")
    assert llmhub_catalog.__version__ != "0.0.0"


def test_all_names_exist() -> None:
    for name in llmhub_catalog.__all__:
        assert hasattr(llmhub_catalog, name), name


def test_errors_hang_from_the_shared_root_without_crossing_packages() -> None:
    """One base per package under ``LLMHubError``; caller mistakes told apart by ``category``."""
    import llmhub_catalog.errors as errors
    from llmhub_runtime.errors import ErrorCategory, LLMHubError

    assert errors.CatalogError.__bases__ == (LLMHubError,)
    own = [getattr(errors, n) for n in errors.__all__ if getattr(errors, n).__module__ == errors.__name__]
    for cls in own:
        assert issubclass(cls, errors.CatalogError), cls
        roots = {k.__module__ for k in cls.__mro__ if issubclass(k, LLMHubError)}
        assert roots == {errors.__name__, "llmhub_runtime.errors"}, cls
    usage = {cls.__name__ for cls in own if cls.category is ErrorCategory.USAGE}
    assert usage == {"OverridesError"}
