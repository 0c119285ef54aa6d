"""Bump the version of every package at once: ``python scripts/set_version.py 0.2.0``.

Writes VERSION, each package's ``version``, every exact sibling pin and the exact versions in the
READMEs' install commands, then checks the result.
Run ``uv lock`` afterwards.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_versions import problems  # noqa: E402


def set_version(new: str) -> None:
    """Rewrite VERSION and every packages/*/pyproject.toml to ``new``."""
    if not re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", new):
        raise SystemExit(f"not a release version: {new!r}")
    manifests = sorted((ROOT / "packages").glob("*/pyproject.toml"))
    names = [tomllib.loads(m.read_text())["project"]["name"] for m in manifests]
    sibling = "|".join(re.escape(n) for n in names)
    for manifest in manifests:
        text = manifest.read_text()
        text = re.sub(r'(?m)^version = "[^"]*"', f'version = "{new}"', text, count=1)
        text = re.sub(rf'"({sibling})(\[[^\]]*\])?==[^"]*"', rf'"\1\2=={new}"', text)
        manifest.write_text(text)
    # The install-from-checkout commands in the READMEs name the exact version ("llmhub==X").
    for readme in [ROOT / "README.md", *sorted((ROOT / "packages").glob("*/README.md"))]:
        text = readme.read_text(encoding="utf-8")
        readme.write_text(
            re.sub(rf'"({sibling})(\[[^\]]*\])?==[^"]*"', rf'"\1\2=={new}"', text), encoding="utf-8"
        )
    (ROOT / "VERSION").write_text(new + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python scripts/set_version.py NEW_VERSION")
    set_version(sys.argv[1])
    remaining = problems()
    if remaining:
        raise SystemExit("\n".join(remaining))
    print(f"all packages at {sys.argv[1]}; now run: uv lock")
