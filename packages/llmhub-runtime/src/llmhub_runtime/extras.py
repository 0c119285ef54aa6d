"""Which any-llm extras the providers of an llmhub.yaml need, and which are missing here.

any-llm-sdk itself brings the ``openai`` and ``anthropic`` SDKs; most other providers need an
extra (``pip install "any-llm-sdk[mistral]"``). :func:`needed_extras` answers from any-llm-sdk's
published metadata (so the generator writes the same answer on every machine);
:func:`missing_extras` asks any-llm whether the provider's SDK imports in this environment.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ANY_LLM_DISTRIBUTION", "MissingExtra", "missing_extras", "needed_extras", "pip_command"]

ANY_LLM_DISTRIBUTION = "any-llm-sdk"
_EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class MissingExtra:
    """A provider whose SDK is not importable here.

    Attributes:
        provider: The any-llm provider id.
        requirement: What to install, e.g. ``any-llm-sdk[mistral]``.
        reason: The import error any-llm recorded (which module is missing).
    """

    provider: str
    requirement: str
    reason: str


@functools.cache
def _extras_with_packages() -> frozenset[str]:
    """any-llm-sdk's extras that install something (not ``all``, which only names the others)."""
    from importlib.metadata import PackageNotFoundError, requires

    try:
        requirements = requires(ANY_LLM_DISTRIBUTION) or []
    except PackageNotFoundError:  # pragma: no cover - any-llm-sdk is a dependency
        return frozenset()
    found: set[str] = set()
    for requirement in requirements:
        marker = _EXTRA_MARKER.search(requirement)
        name = _NAME.match(requirement)
        if marker is None or name is None:
            continue
        if name.group(1).lower().replace("_", "-") == ANY_LLM_DISTRIBUTION:
            continue  # e.g. all = any-llm-sdk[every, other, extra]
        found.add(marker.group(1))
    return frozenset(found)


def needed_extras(providers: Iterable[str]) -> list[str]:
    """``any-llm-sdk[<provider>]`` for each of ``providers`` whose extra installs packages (sorted)."""
    extras = _extras_with_packages()
    return sorted({f"{ANY_LLM_DISTRIBUTION}[{p}]" for p in providers if p in extras})


def missing_extras(providers: Iterable[str]) -> list[MissingExtra]:
    """The providers among ``providers`` whose SDK does not import in this environment.

    Only providers that need an extra (see :func:`needed_extras`) are checked, so a file whose
    providers come with any-llm-sdk itself (openai, anthropic, OpenAI-compatible endpoints) is
    checked without importing any-llm. For the others, any-llm and the provider's module (not its
    client) are imported; unknown provider ids are skipped (the config validation reports those).
    """
    extras = _extras_with_packages()
    candidates = sorted({p for p in providers if p in extras})
    if not candidates:
        return []
    from any_llm import AnyLLM
    from any_llm.exceptions import UnsupportedProviderError

    missing = []
    for provider in candidates:
        try:
            cls = AnyLLM.get_provider_class(provider)
        except (UnsupportedProviderError, ImportError, AttributeError):
            cls = None  # an unknown id: reported by config validation, not here
        error = getattr(cls, "MISSING_PACKAGES_ERROR", None)
        if error is not None:
            missing.append(MissingExtra(provider, f"{ANY_LLM_DISTRIBUTION}[{provider}]", str(error)))
    return missing


def pip_command(requirements: Iterable[str]) -> str:
    """One ``pip install`` line for ``requirements`` (``any-llm-sdk[a]`` + ``[b]`` -> ``[a,b]``)."""
    names = sorted({r.split("[", 1)[1].rstrip("]") for r in requirements if "[" in r})
    return f'pip install "{ANY_LLM_DISTRIBUTION}[{",".join(names)}]"'
