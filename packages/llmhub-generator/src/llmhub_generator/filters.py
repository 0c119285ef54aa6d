"""SP5: hard filters, applied in a fixed, documented order.

Each filter removes the records that cannot serve the role. The order matters for explanations
(the first filter that leaves nothing is "the constraint that emptied the candidate list") and for
relaxation (SP8): the *policy* filters come first and are never relaxed, the *requirement*
filters follow and may be relaxed in this order.

| # | filter | keeps a record when | relaxable |
|---|---|---|---|
| 1 | kind | its kind serves the role (embedding roles: embedding models; chat/tool: chat) | no |
| 2 | providers | its any-llm provider is enabled and allowed for the role | no |
| 3 | allow | it matches one ``allow`` pattern (when the role has any) | no |
| 4 | deny | it matches no ``deny`` pattern | no |
| 5 | available | its provider's API key variable is set (only with ``--only-available``) | no |
| 6 | tools | it can call tools (when required) | no |
| 7 | modalities | it reads/writes every required modality | no |
| 8 | deprecated | it is not deprecated (deprecated models are only ever used when pinned) | no |
| 9 | open_weights | its weights are open (when required) | yes |
| 10 | attachments | it accepts attachments (when required) | yes |
| 11 | structured_output | it honours a JSON schema (when required) | yes |
| 12 | reasoning | it is a reasoning model (when required) | yes |
| 13 | output_min | its output limit is at least ``output_min`` | yes |
| 14 | context_min | its context window is at least ``context_min`` | yes |
| 15 | stable | its id is not a preview, experimental or ``-latest`` id (unless ``allow_previews``) | yes |

The stable filter comes last so that a preview is used only when no stable id meets every other
requirement; relaxing it is recorded and warned about like any relaxation.

Patterns are ``provider`` or ``provider/model`` with shell-style wildcards (``openai/gpt-4*``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from llmhub_catalog.models import ModelRecord
from llmhub_generator.facts import is_unstable_id
from llmhub_generator.needs import RoleNeed

__all__ = ["FILTERS", "Filter", "FilterStep", "KindIndex", "apply_filters", "matches_pattern"]


@dataclass(frozen=True)
class Filter:
    """One hard filter."""

    name: str
    relaxable: bool
    applies: Callable[[RoleNeed, Collection[str] | None], bool]
    keep: Callable[[ModelRecord, RoleNeed, Collection[str] | None], bool]
    describe: Callable[[RoleNeed], str]


@dataclass(frozen=True)
class FilterStep:
    """What one filter did: how many records it saw and kept."""

    name: str
    constraint: str
    before: int
    after: int

    @property
    def removed(self) -> int:
        """Records the filter removed."""
        return self.before - self.after


def matches_pattern(record: ModelRecord, pattern: str) -> bool:
    """Whether ``record`` matches ``provider`` or ``provider/model`` (wildcards allowed)."""
    if "/" in pattern:
        return fnmatch.fnmatchcase(f"{record.provider}/{record.model}", pattern)
    return fnmatch.fnmatchcase(record.provider, pattern)


def _has_all(have: Sequence[str], need: Sequence[str]) -> bool:
    return all(m in have for m in need)


def _always(need: RoleNeed, available: Collection[str] | None) -> bool:
    return True


FILTERS: tuple[Filter, ...] = (
    Filter(
        "kind",
        False,
        _always,
        lambda r, n, a: r.kind == n.catalog_kind,
        lambda n: f"kind = {n.catalog_kind}",
    ),
    Filter(
        "providers",
        False,
        _always,
        lambda r, n, a: r.provider in n.providers,
        lambda n: f"providers in [{', '.join(n.providers)}]",
    ),
    Filter(
        "allow",
        False,
        lambda n, a: bool(n.allow),
        lambda r, n, a: any(matches_pattern(r, p) for p in n.allow),
        lambda n: f"allow [{', '.join(n.allow)}]",
    ),
    Filter(
        "deny",
        False,
        lambda n, a: bool(n.deny),
        lambda r, n, a: not any(matches_pattern(r, p) for p in n.deny),
        lambda n: f"deny [{', '.join(n.deny)}]",
    ),
    Filter(
        "available",
        False,
        lambda n, a: a is not None,
        lambda r, n, a: a is not None and r.provider in a,
        lambda n: "--only-available (provider API key set)",
    ),
    Filter(
        "tools",
        False,
        lambda n, a: n.tools,
        lambda r, n, a: r.capabilities.tool_call,
        lambda n: "tools required",
    ),
    Filter(
        "modalities",
        False,
        lambda n, a: n.modalities_in != ("text",) or n.modalities_out != ("text",),
        lambda r, n, a: (
            _has_all(r.modalities.input, n.modalities_in) and _has_all(r.modalities.output, n.modalities_out)
        ),
        lambda n: f"modalities in [{', '.join(n.modalities_in)}] out [{', '.join(n.modalities_out)}]",
    ),
    Filter(
        "deprecated",
        False,
        _always,
        lambda r, n, a: not r.deprecated,
        lambda n: "not deprecated",
    ),
    Filter(
        "open_weights",
        True,
        lambda n, a: n.open_weights,
        lambda r, n, a: r.open_weights,
        lambda n: "open weights required",
    ),
    Filter(
        "attachments",
        True,
        lambda n, a: n.attachments,
        lambda r, n, a: r.capabilities.attachments,
        lambda n: "attachments required",
    ),
    Filter(
        "structured_output",
        True,
        lambda n, a: n.structured_output,
        lambda r, n, a: r.capabilities.structured_output,
        lambda n: "structured output required",
    ),
    Filter(
        "reasoning",
        True,
        lambda n, a: n.reasoning,
        lambda r, n, a: r.capabilities.reasoning,
        lambda n: "reasoning required",
    ),
    Filter(
        "output_min",
        True,
        lambda n, a: n.output_min > 0,
        lambda r, n, a: (r.limits.output or 0) >= n.output_min,
        lambda n: f"output_min >= {n.output_min}",
    ),
    Filter(
        "context_min",
        True,
        lambda n, a: n.context_min > 0,
        lambda r, n, a: (r.limits.context or 0) >= n.context_min,
        lambda n: f"context_min >= {n.context_min}",
    ),
    Filter(
        "stable",
        True,
        lambda n, a: not n.allow_previews,
        lambda r, n, a: not is_unstable_id(r),
        lambda n: "stable ids (no preview, experimental or -latest)",
    ),
)


#: Records grouped by kind, then by any-llm provider (see ``CatalogView.by_kind``).
KindIndex = Mapping[str, Mapping[str, Sequence[ModelRecord]]]


def apply_filters(
    records: Sequence[ModelRecord],
    need: RoleNeed,
    available: Collection[str] | None,
    *,
    index: KindIndex | None = None,
) -> tuple[list[ModelRecord], list[FilterStep]]:
    """Apply :data:`FILTERS` in order; returns the survivors and what each filter did.

    ``available`` is the set of providers whose key is set (``None``: do not filter on it).
    Filters that do not apply to the role are skipped and not reported. ``index`` (the same
    ``records`` grouped by kind and provider) answers the first two filters, kind and providers,
    without visiting every record; the steps reported are the same.
    """
    steps: list[FilterStep] = []
    filters: Sequence[Filter] = FILTERS
    if index is not None:
        by_provider = index.get(need.catalog_kind, {})
        kind_count = sum(len(group) for group in by_provider.values())
        steps.append(FilterStep("kind", FILTERS[0].describe(need), len(records), kind_count))
        current = sorted(
            (r for provider in set(need.providers) for r in by_provider.get(provider, ())), key=lambda r: r.id
        )
        steps.append(FilterStep("providers", FILTERS[1].describe(need), kind_count, len(current)))
        filters = FILTERS[2:]
    else:
        current = list(records)
    for flt in filters:
        if not flt.applies(need, available):
            continue
        kept = [r for r in current if flt.keep(r, need, available)]
        steps.append(FilterStep(flt.name, flt.describe(need), len(current), len(kept)))
        current = kept
    return current, steps
