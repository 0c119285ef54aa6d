"""A spinner on stderr for steps that can take seconds (only when stderr is a terminal)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

__all__ = ["spinner"]


@contextlib.contextmanager
def spinner(text: str) -> Iterator[None]:
    """Show ``text`` with a spinner while the block runs; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(text):
        yield
