"""A spinner on stderr for steps that can take seconds (only when stderr is a terminal)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

__all__ = ["spinner", "steps"]


@contextlib.contextmanager
def spinner(text: str) -> Iterator[None]:
    """Show ``text`` with a spinner while the block runs; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    from rich.console import Console

    with Console(stderr=True).status(text):
        yield


@contextlib.contextmanager
def steps(first: str) -> Iterator[Callable[[str], None]]:
    """A spinner whose text each step replaces; yields ``update(text)``.

    On a terminal the current step is shown beside a spinner; otherwise each step is printed on
    its own line to stderr, so a log shows how far a long operation got.
    """
    if not sys.stderr.isatty():

        def log(text: str) -> None:
            print(f"  {text}...", file=sys.stderr)

        log(first)
        yield log
        return
    from rich.console import Console

    with Console(stderr=True).status(first) as status:

        def update(text: str) -> None:
            status.update(f"{text}...")

        yield update
