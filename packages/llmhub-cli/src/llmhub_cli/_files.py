"""Reading project files, and the ``.env.example`` format.

Files are written with :func:`llmhub_runtime.atomic.atomic_write` (atomic, keeps modes, refuses
read-only files, writes through symlinks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["merge_env_example", "read_text_or_none"]

_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")
_HEADER = (
    "# Environment variables read by llmhub.yaml (written by llmhub; names only).\n"
    "# Copy to .env and fill in the values (llmhub env check, test and doctor read .env; variables\n"
    "# already set in your shell win), or export them; never commit real keys.\n"
)


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
