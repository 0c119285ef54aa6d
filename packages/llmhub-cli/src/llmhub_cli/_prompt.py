"""Confirmation prompts that never block a non-interactive run."""

from __future__ import annotations

import os
import sys

from llmhub_cli._boundary import CliError

__all__ = ["confirm", "interactive"]


def interactive() -> bool:
    """True when a person can answer: stdin and stderr are terminals (``LLMHUB_NO_PROMPT`` unset)."""
    if os.environ.get("LLMHUB_NO_PROMPT"):
        return False
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirm(question: str, *, flag: str) -> None:
    """Ask ``question``; a "no", or no terminal to ask on, is a domain error naming ``flag``."""
    if not interactive():
        raise CliError(f"{question} (no terminal to ask on)", hint=f"pass {flag} to go ahead without asking")
    import typer

    if not typer.confirm(question, default=False, err=True):
        raise CliError("cancelled; nothing was changed")
