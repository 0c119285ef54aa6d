"""Fail unless our version is above every release PyPI has under each of our distribution names.

Usage: ``python scripts/check_pypi_versions.py [--index-url URL] [--version X.Y.Z]`` (the
``pypi_versions`` nox session, run by the release workflow before anything is published).

Other projects already published ``llmhub``, ``llmhub-runtime`` and ``llmhub-cli``. The README's
install-from-checkout commands ask for our exact version (``llmhub==X.Y.Z``) and every sibling pins
its siblings exactly, so as long as PyPI has no release of these names at or above our version, no
resolver can pick someone else's package instead of our wheels. This script checks exactly that,
through PyPI's JSON API (``GET {index}/{name}/json``; 404 means the name has no release).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INDEX = "https://pypi.org/pypi"
#: Names that are not ours but that a user may type (another project's ``llmhub-cli``): our
#: version must be above theirs as well, so that our docs' exact pins are never ambiguous.
EXTRA_NAMES = ("llmhub-cli",)


def our_distributions(root: Path = ROOT) -> list[str]:
    """The distribution names of the workspace members, plus :data:`EXTRA_NAMES`."""
    names = [
        tomllib.loads(manifest.read_text(encoding="utf-8"))["project"]["name"]
        for manifest in sorted((root / "packages").glob("*/pyproject.toml"))
    ]
    return names + [name for name in EXTRA_NAMES if name not in names]


def released_versions(payload: Mapping[str, Any]) -> list[str]:
    """Every version in a PyPI JSON API answer (yanked ones too: an exact pin can still get them)."""
    releases = payload.get("releases")
    if not isinstance(releases, Mapping):
        raise ValueError("the answer has no 'releases' mapping (not a PyPI JSON API document)")
    return [str(version) for version in releases]


def problems(ours: str, released: Mapping[str, Sequence[str]]) -> list[str]:
    """One line per distribution whose releases include a version at or above ``ours``."""
    from packaging.version import InvalidVersion, Version

    mine = Version(ours)
    found = []
    for name, versions in released.items():
        parsed = []
        for text in versions:
            try:
                parsed.append(Version(text))
            except InvalidVersion:
                continue  # legacy non-PEP 440 strings: no modern resolver selects them
        clashing = sorted(v for v in parsed if v >= mine)
        if clashing:
            listed = ", ".join(str(v) for v in clashing)
            found.append(f"{name}: PyPI already has {listed}; our {ours} must be greater")
    return found


def fetch_releases(names: Iterable[str], index_url: str, *, timeout: float = 20.0) -> dict[str, list[str]]:
    """The released versions of each name (empty list when the index has never heard of it)."""
    import httpx

    out: dict[str, list[str]] = {}
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for name in names:
            response = client.get(f"{index_url.rstrip('/')}/{name}/json")
            if response.status_code == 404:
                out[name] = []
                continue
            response.raise_for_status()
            out[name] = released_versions(response.json())
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Print what PyPI has per name and any clash; returns the exit code (1 on a clash)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--index-url", default=DEFAULT_INDEX, help="JSON API base (default: PyPI)")
    parser.add_argument("--version", default=None, help="our version (default: the VERSION file)")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    ours = args.version or (args.root / "VERSION").read_text(encoding="utf-8").strip()
    names = our_distributions(args.root)
    try:
        released = fetch_releases(names, args.index_url)
    except Exception as exc:  # noqa: BLE001 - any network/HTTP/JSON failure is reported, not hidden
        print(f"could not read releases from {args.index_url}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for name, versions in released.items():
        print(f"{name}: {', '.join(versions) if versions else 'no release'}")
    found = problems(ours, released)
    for line in found:
        print(line, file=sys.stderr)
    if not found:
        print(f"{ours} is above every release of {', '.join(names)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
