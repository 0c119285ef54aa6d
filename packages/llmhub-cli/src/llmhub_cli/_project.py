"""Where the project is: the root, its llmhub.spec.yaml, llmhub.yaml and .env.example.

The root is ``--root`` when given, else the folder of ``--spec``, else the nearest folder at or
above the working directory that holds ``llmhub.spec.yaml`` (like git finds ``.git``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import typer

from llmhub_cli._boundary import CliError

__all__ = ["ENV_EXAMPLE_FILENAME", "RUNTIME_FILENAME", "SPEC_FILENAME", "GlobalOptions", "Project", "project"]

# Mirrors llmhub_generator.spec.SPEC_FILENAME (a test checks they agree); importing the generator
# here would slow down ``llmhub --help``.
SPEC_FILENAME = "llmhub.spec.yaml"
RUNTIME_FILENAME = "llmhub.yaml"
ENV_EXAMPLE_FILENAME = ".env.example"


@dataclass
class GlobalOptions:
    """Options given before the command (``llmhub --root DIR --spec FILE <command>``)."""

    root: Path | None = None
    spec: Path | None = None


@dataclass(frozen=True)
class Project:
    """The files of one project. ``found`` is False when no spec was found (``init`` creates one)."""

    root: Path
    spec_path: Path
    found: bool

    @property
    def runtime_path(self) -> Path:
        return self.root / RUNTIME_FILENAME

    @property
    def env_example_path(self) -> Path:
        return self.root / ENV_EXAMPLE_FILENAME

    def require_spec(self) -> Path:
        """The spec path, or a domain error telling the user how to create one."""
        if not self.spec_path.is_file() and (self.spec_path.is_symlink() or self.spec_path.exists()):
            # There, but not a regular file (a directory, a pipe, a device, a broken or looping
            # link): the runtime's reader raises the error that says which.
            from llmhub_generator.errors import SpecError
            from llmhub_runtime.readers import read_file_bytes

            read_file_bytes(self.spec_path, max_bytes=0, error=SpecError)
        if not self.spec_path.is_file():
            raise CliError(
                f"no {SPEC_FILENAME} found in {display(self.root)} or any folder above it"
                if not self.found
                else f"{display(self.spec_path)}: file not found",
                hint="run `llmhub init` to create one, or pass --root DIR / --spec FILE",
            )
        return self.spec_path


def display(path: Path) -> str:
    """``path`` relative to the working directory when it is below it (shorter messages)."""
    try:
        return os.fspath(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, RuntimeError, OSError):  # not below it; a symlink loop; a vanished cwd
        return os.fspath(path)


def find_root(start: Path) -> Path | None:
    """Nearest folder at or above ``start`` that contains ``llmhub.spec.yaml``."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / SPEC_FILENAME).is_file():
            return folder
    return None


def resolve(options: GlobalOptions, *, spec: Path | None = None, walk_up: bool = True) -> Project:
    """The project for these options (a command's own ``--spec`` wins over the global one)."""
    spec = spec or options.spec
    if spec is not None:
        root = options.root or spec.parent
        return Project(root=root, spec_path=spec, found=True)
    if options.root is not None:
        return Project(root=options.root, spec_path=options.root / SPEC_FILENAME, found=True)
    cwd = Path.cwd()
    found = find_root(cwd) if walk_up else None
    root = found or cwd
    return Project(root=_shorten(root), spec_path=_shorten(root) / SPEC_FILENAME, found=found is not None)


def _shorten(path: Path) -> Path:
    """A path relative to the working directory when possible, so messages stay short."""
    return Path(display(path))


def project(ctx: typer.Context, *, spec: Path | None = None, walk_up: bool = True) -> Project:
    """The project of the running command."""
    options = ctx.find_root().obj
    if not isinstance(options, GlobalOptions):
        options = GlobalOptions()
    return resolve(options, spec=spec, walk_up=walk_up)
