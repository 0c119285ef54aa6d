"""Where llmhub-local keeps its state: one home folder, overridable per call or by environment.

``$LLMHUB_LOCAL_HOME``, else the user data folder of ``llmhub`` (platformdirs: on Linux
``$XDG_DATA_HOME/llmhub`` or ``~/.local/share/llmhub``; on macOS ``~/Library/Application Support/llmhub``;
on Windows ``%LOCALAPPDATA%\\llmhub``) plus ``local``::

    <home>/state.db            SQLite state store (models, envs, servers)
    <home>/models.yaml         the models registry (optional; the default models need none)
    <home>/logs/<model>.log    output of background servers
    <home>/.envs/<env_key>/    provisioned environments; .envs/.tmp/ holds builds in progress
    <home>/constraints/<env_key>.txt   pinned versions of each environment

Nothing is created by importing this module; :func:`ensure_dir` creates folders when needed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOME_ENV", "LocalPaths", "default_home", "ensure_dir"]

HOME_ENV = "LLMHUB_LOCAL_HOME"


def default_home() -> Path:
    """``$LLMHUB_LOCAL_HOME``, else ``<platformdirs user data dir of llmhub>/local``."""
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("llmhub", appauthor=False)) / "local"


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed; return it."""
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass(frozen=True)
class LocalPaths:
    """The files and folders under one llmhub-local home."""

    home: Path

    @classmethod
    def default(cls) -> LocalPaths:
        """Paths under :func:`default_home`."""
        return cls(default_home())

    @property
    def state_db(self) -> Path:
        """The SQLite state store."""
        return self.home / "state.db"

    @property
    def registry(self) -> Path:
        """The default models registry file."""
        return self.home / "models.yaml"

    @property
    def logs(self) -> Path:
        """Folder of server logs."""
        return self.home / "logs"

    @property
    def envs(self) -> Path:
        """Folder of provisioned environments."""
        return self.home / ".envs"

    @property
    def envs_tmp(self) -> Path:
        """Where environments are built before being renamed into place."""
        return self.envs / ".tmp"

    @property
    def constraints(self) -> Path:
        """Folder of per-environment constraints files."""
        return self.home / "constraints"

    def log_file(self, model_id: str) -> Path:
        """The log of ``model_id``'s background server."""
        return self.logs / f"{model_id}.log"

    def env_dir(self, env_key: str) -> Path:
        """The folder of a provisioned environment.

        Raises:
            LLMConfigError: ``env_key`` is not a plain key (see
                :func:`~llmhub_local.serving.envs.validate_env_key`): a path never leaves the home.
        """
        from llmhub_local.serving.envs import validate_env_key

        return self.envs / validate_env_key(env_key)
