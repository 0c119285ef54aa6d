"""The llmhub command: write a spec, generate llmhub.yaml, inspect and test roles.

This package is a placeholder in the workspace; its functionality lands with its own issue.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llmhub")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
