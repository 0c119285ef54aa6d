"""``.env`` in the project root: read by ``env check``, ``test`` and ``doctor``.

Variables already set in the environment win (the file never overrides them), so a shell
``export`` or a CI secret always takes precedence. The file is parsed by python-dotenv; values
are never printed, only where a variable came from.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["DOTENV_FILENAME", "DotenvLoad", "load_project_dotenv"]

DOTENV_FILENAME = ".env"


@dataclass(frozen=True)
class DotenvLoad:
    """What reading the project's ``.env`` did.

    Attributes:
        path: The file (whether or not it exists).
        loaded: Names set from the file (they were not set before).
        kept: Names the file also sets but that were already set (the environment's value is kept).
    """

    path: Path
    loaded: tuple[str, ...] = ()
    kept: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        return self.path.is_file()

    def origin(self, name: str) -> str:
        """Where ``name``'s value comes from: ``.env``, ``environment`` or ``unset``."""
        if name in self.loaded:
            return DOTENV_FILENAME
        return "environment" if os.environ.get(name) else "unset"


def load_project_dotenv(root: Path) -> DotenvLoad:
    """Set every variable of ``root/.env`` that is not already set; report what happened."""
    from dotenv import dotenv_values

    from llmhub_cli._files import read_text_or_none

    path = root / DOTENV_FILENAME
    text = read_text_or_none(path) if path.is_file() else None
    if text is None:
        return DotenvLoad(path)
    loaded: list[str] = []
    kept: list[str] = []
    for name, value in dotenv_values(stream=io.StringIO(text)).items():
        if value is None:  # a bare NAME line: nothing to set
            continue
        if name in os.environ:
            kept.append(name)
            continue
        os.environ[name] = value
        loaded.append(name)
    return DotenvLoad(path, tuple(loaded), tuple(kept))
