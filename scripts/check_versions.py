"""Fail unless every package has the version in VERSION and pins its siblings to exactly it.

Run by the ``lint`` nox session. ``scripts/set_version.py NEW`` is the one place to bump.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def problems() -> list[str]:
    """Every inconsistency between VERSION, the packages' versions and their sibling pins."""
    expected = (ROOT / "VERSION").read_text().strip()
    found: list[str] = []
    manifests = sorted((ROOT / "packages").glob("*/pyproject.toml"))
    names = {tomllib.loads(m.read_text())["project"]["name"] for m in manifests}
    for manifest in manifests:
        project = tomllib.loads(manifest.read_text())["project"]
        own_name = project["name"]
        rel = manifest.relative_to(ROOT)
        if project["version"] != expected:
            found.append(f"{rel}: version {project['version']} != VERSION {expected}")
        requirements = list(project.get("dependencies", []))
        for extra in project.get("optional-dependencies", {}).values():
            requirements.extend(extra)
        for requirement in requirements:
            match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", requirement)
            if not match or match.group(1) not in names or match.group(1) == own_name:
                continue  # not a sibling (an extra that refers to its own package needs no pin)
            if match.group(3).strip() != f"=={expected}":
                found.append(f"{rel}: sibling requirement {requirement!r} must be pinned =={expected}")
    sibling = "|".join(re.escape(n) for n in sorted(names))
    for readme in [ROOT / "README.md", *sorted((ROOT / "packages").glob("*/README.md"))]:
        for match in re.finditer(rf'"({sibling})(\[[^\]]*\])?==([^"]*)"', readme.read_text(encoding="utf-8")):
            if match.group(3) != expected:
                found.append(
                    f"{readme.relative_to(ROOT)}: install command pins {match.group(0)}, not {expected}"
                )
    return found


def main() -> int:
    """Print the problems; exit 1 if there are any."""
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print("versions consistent")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
