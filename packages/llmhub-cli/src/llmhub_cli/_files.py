"""Writing files without ever leaving a half-written one, and the ``.env.example`` format."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["atomic_write", "merge_env_example", "read_text_or_none"]

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
_HEADER = (
    "# Environment variables read by llmhub.yaml (written by llmhub; names only).\n"
    "# Copy to .env or export them in your shell; never commit real keys.\n"
)


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``.

    Readers see the old file or the new one, never a mix; the file mode of an existing file is kept.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o7777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_text_or_none(path: Path) -> str | None:
    """The file's text, or ``None`` when it does not exist.

    Read through the runtime's reader: a file that is not text, or too large, is a ``ConfigError``
    naming it (never a ``UnicodeDecodeError``).
    """
    from llmhub_runtime.readers import read_text_file

    if not path.exists() and not path.is_symlink():
        return None
    return read_text_file(path).text


def env_names(text: str) -> list[str]:
    """Variable names assigned in a ``.env``-style text, in order."""
    names = []
    for line in text.splitlines():
        match = _ASSIGNMENT.match(line)
        if match:
            names.append(match.group(1))
    return names


def merge_env_example(existing: str | None, variables: Iterable[tuple[str, str]]) -> str:
    """``existing`` with a ``NAME=`` line appended for every ``(provider, NAME)`` it lacks.

    Lines already there (including any value a person put there) are kept as they are; values are
    never written by llmhub.
    """
    text = existing if existing is not None else _HEADER
    present = set(env_names(text))
    additions = []
    for provider, name in variables:
        if name in present:
            continue
        present.add(name)
        additions.append(f"# {provider}\n{name}=\n")
    if not additions:
        return text
    if text and not text.endswith("\n"):
        text += "\n"
    return text + "".join(additions)
