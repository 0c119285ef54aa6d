"""One output object per command: data to stdout (human tables or JSON), diagnostics to stderr.

rich is imported when something is rendered for a person, never at import time.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["Format", "FormatOption", "Output", "mask", "without_prefix"]


class Format(StrEnum):
    """How data is printed on stdout."""

    human = "human"
    json = "json"


FormatOption = Annotated[
    Format,
    typer.Option("--format", "-f", help="Output format for data on stdout: human (tables) or json."),
]

_WIDE = 160


def _console(*, stderr: bool) -> Console:
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (CI logs, tests) gets a wide fixed width so tables are not truncated.
    width = None if stream.isatty() else _WIDE
    return Console(file=stream, width=width, highlight=False, soft_wrap=False)


class Output:
    """Where a command writes. ``data()`` is the only way data reaches stdout."""

    def __init__(self, fmt: Format = Format.human) -> None:
        self.format = fmt
        self._out: Console | None = None
        self._err: Console | None = None

    @property
    def is_json(self) -> bool:
        return self.format is Format.json

    @property
    def out(self) -> Console:
        """rich console on stdout (human format only)."""
        if self._out is None:
            self._out = _console(stderr=False)
        return self._out

    @property
    def err(self) -> Console:
        """rich console on stderr."""
        if self._err is None:
            self._err = _console(stderr=True)
        return self._err

    def data(self, payload: Any, human: Callable[[Console], None] | None = None) -> None:
        """Print ``payload`` as JSON, or call ``human`` with the stdout console."""
        if self.is_json or human is None:
            sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
            sys.stdout.flush()
        else:
            human(self.out)

    def text(self, text: str) -> None:
        """Raw text to stdout (YAML, a path): never reformatted."""
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()

    # Diagnostics are never wrapped (a wrapped path or command cannot be copied or grepped).
    def info(self, message: str) -> None:
        self.err.print(message, markup=False, soft_wrap=True)

    def success(self, message: str) -> None:
        self.err.print(f"[green]✓[/green] {_escape(message)}", soft_wrap=True)

    def error(self, message: str) -> None:
        self.err.print(f"[red]error:[/red] {_escape(without_prefix(message, 'error'))}", soft_wrap=True)

    def warn(self, message: str) -> None:
        self.err.print(
            f"[yellow]warning:[/yellow] {_escape(without_prefix(message, 'warning'))}", soft_wrap=True
        )


def without_prefix(message: str, label: str) -> str:
    """``message`` without a leading ``label:`` (``error: error: ...`` is said once)."""
    text = message
    while text[: len(label) + 1].lower() == f"{label}:":
        text = text[len(label) + 1 :].lstrip()
    return text


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def mask(value: str | None) -> str:
    """How a secret is shown: never any of its characters, only whether it is set."""
    if not value:
        return "(not set)"
    return "set (value hidden)"
