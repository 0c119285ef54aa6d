"""The ``llmhub`` command: write a spec, generate llmhub.yaml, inspect and test roles.

The command is :func:`llmhub_cli.main.main` (console script ``llmhub``); :data:`llmhub_cli.main.app`
is the typer application, for embedding or testing. Importing this package imports nothing heavy.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("llmhub")
except PackageNotFoundError:  # pragma: no cover - only when run from a source tree without install
    __version__ = "0.0.0"

__all__ = ["__version__"]
