"""Shared test setup: backend markers and a fake runner for the fast suite.

``backend_gguf`` / ``backend_transformers`` tests run real models and need the heavy extras; the
nox sessions ``local_gguf`` / ``local_transformers`` install them and select the tests with
``-m``. Without the extra installed they are skipped, so the default (fast) suite still runs
everything else.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

_BACKENDS = {
    "backend_gguf": (("llama_cpp",), "gguf", "local_gguf"),
    "backend_transformers": (("torch", "transformers"), "transformers", "local_transformers"),
}


def pytest_configure(config: pytest.Config) -> None:
    for marker, (_, extra, session) in _BACKENDS.items():
        config.addinivalue_line(
            "markers", f"{marker}: needs llmhub-local[{extra}] and real models (run by `nox -s {session}`)"
        )


@pytest.hookimpl(trylast=True)  # after `-m` has deselected what the session did not ask for
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for marker, (modules, extra, session) in _BACKENDS.items():
        missing = [m for m in modules if importlib.util.find_spec(m) is None]
        if not missing:
            continue
        selected = [item for item in items if marker in item.keywords]
        if selected and os.environ.get("LLMHUB_LOCAL_REQUIRE_BACKENDS") == "1":
            raise pytest.UsageError(
                f"{marker} tests were selected but {', '.join(missing)} is not installed "
                f"(LLMHUB_LOCAL_REQUIRE_BACKENDS=1): the session's install step did not work"
            )
        skip = pytest.mark.skip(
            reason=f"{', '.join(missing)} not installed: "
            f'pip install "llmhub-local[{extra}]" or `nox -s {session}`'
        )
        for item in selected:
            item.add_marker(skip)
