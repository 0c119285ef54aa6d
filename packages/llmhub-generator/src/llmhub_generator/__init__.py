"""Turns an llmhub.spec.yaml into a concrete llmhub.yaml (the SP1..SP10 pipeline).

This package is a placeholder in the workspace; its functionality lands with its own issue.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llmhub-generator")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
