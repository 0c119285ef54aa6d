"""Entry point of the ``llmhub`` command.

The commands (init, generate, runtime, catalog, ...) arrive with the CLI issue; until then the
command reports its version and says plainly that nothing else is available yet.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from llmhub_cli import __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (0 ok, 2 usage error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args in (["--version"], ["-V"]):
        print(f"llmhub {__version__}")
        return 0
    print(
        f"llmhub {__version__}: no commands are available in this release yet. "
        "To check an llmhub.yaml, run: python -m llmhub_runtime validate llmhub.yaml",
        file=sys.stderr,
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
