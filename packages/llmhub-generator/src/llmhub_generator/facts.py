"""The facts a choice rests on, per candidate: quality measure, price, latency proxy, lifecycle.

Everything the scores, the Pareto check and ``--explain`` read about a model is computed here
once per candidate, with the basis of each fact, so that an unknown is never mistaken for a
known value.

**Quality measure.** Chat roles are judged on an Arena rating: the role's Arena category
(``coding``, ``vision``...) when some eligible candidate is rated in it, else ``overall``. A model
with no rating in that category is *unrated* for the role. Embedding roles are judged on the
catalog's MTEB average (``multilingual`` when the role needs it, else ``en``); a model without
that average is unrated. The rating's 95% interval comes with it (MTEB averages have none).

**Price.** The blended price ``(3 input + output) / 4`` in $ per 1M tokens; unknown when the input
price is unknown. A price of 0 is a confirmed free model (the catalog stores an unconfirmed $0 as
unknown).

**Latency proxy** (there is no public latency data set), in *units*, lower is faster::

    units = size + reasoning - hardware        (at least 0.5)

* ``size``: 1 small (a name marking a small/speed-tuned model: mini, nano, flash, lite, haiku,
  small, tiny, micro, instant, turbo, fast, air, or under 15B parameters), 3 large (opus, ultra,
  large, 70B and up, or a blended price above $5), else 2 when the price or name places it
  (medium), 3 when nothing does (unknown counts as large: unknown is never best).
* ``reasoning``: 0 for models that do not reason, 1 for optional reasoning (thinking can be
  turned down), 2 for always-reasoning models (every answer waits for hidden reasoning tokens).
  A reasoning model whose mode the catalog does not know counts as ``always``. When the role's
  latency preference is ``high`` (or its ``max_tokens`` is below :data:`SMALL_MAX_TOKENS`) and
  the model accepts a reasoning effort, the generator emits the lowest effort and the reasoning
  units drop to 0 (``none``/``minimal`` effort) or by half.
* ``hardware``: 1 for providers that serve on fast inference hardware (Groq, Cerebras,
  SambaNova), else 0.

Embedding models all get 1 unit (their latency hardly differs by model).

**Budget risk.** An always-reasoning model that cannot be turned down to ``none``/``minimal``
effort, on a role whose ``max_tokens`` is below :data:`SMALL_MAX_TOKENS` (below half of it when a
``low`` effort is emitted), may spend the whole budget on hidden reasoning and return an empty
answer: it ranks after every candidate without
that risk (and is warned about when chosen anyway).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from llmhub_catalog.models import ModelRecord
from llmhub_generator.needs import RoleNeed
from llmhub_generator.spec import Level

__all__ = [
    "FAST_HARDWARE_PROVIDERS",
    "LOW_EFFORTS",
    "SMALL_MAX_TOKENS",
    "CandidateFacts",
    "LatencyProxy",
    "QualityMeasure",
    "candidate_facts",
    "is_unstable_id",
    "latency_proxy",
    "quality_category",
    "reasoning_mode",
]

#: any-llm providers that serve models on fast inference hardware (LPU / wafer-scale / RDU).
FAST_HARDWARE_PROVIDERS = frozenset({"groq", "cerebras", "sambanova"})
#: Reasoning effort values that switch reasoning (almost) off.
LOW_EFFORTS = frozenset({"none", "minimal"})
#: Below this ``max_tokens``, hidden reasoning can eat the whole answer budget.
SMALL_MAX_TOKENS = 1024
#: Effort values any-llm accepts for ``reasoning_effort``.
ANYLLM_EFFORTS = frozenset({"none", "minimal", "low", "medium", "high", "xhigh", "max"})

_SMALL = re.compile(
    r"(?:^|[-_./:\s])(?:mini|nano|flash|lite|haiku|small|tiny|micro|instant|turbo|fast|air|"
    r"(?:[1-9]|1[0-4])(?:\.\d+)?b|a[1-9]b)(?=$|[-_./:\s])",
    re.IGNORECASE,
)
_LARGE = re.compile(
    r"(?:^|[-_./:\s])(?:opus|ultra|large|max|(?:[7-9]\d|[1-9]\d{2,})(?:\.\d+)?b)(?=$|[-_./:\s])",
    re.IGNORECASE,
)
_UNSTABLE = re.compile(r"(?:^|[-_.])(?:preview|exp|experimental|latest)(?=$|[-_.])", re.IGNORECASE)


@dataclass(frozen=True)
class QualityMeasure:
    """A candidate's quality for a role.

    Attributes:
        value: Arena rating or MTEB average; ``None`` when unrated for the role.
        lower, upper: The 95% interval (equal to ``value`` when the source gives none).
        votes: Arena votes behind the rating.
        source: ``arena:<category>``, ``mteb:<en|multilingual>`` or ``unrated``.
    """

    value: float | None
    lower: float | None
    upper: float | None
    votes: int | None
    source: str

    @property
    def rated(self) -> bool:
        """Whether the candidate has a quality value for the role."""
        return self.value is not None


@dataclass(frozen=True)
class LatencyProxy:
    """The latency proxy of a candidate (see the module docstring)."""

    units: float
    size: str  # small | medium | large | unknown
    reasoning: str  # none | optional | always
    reasoning_basis: str
    fast_hardware: bool
    effort: str | None  # the reasoning_effort the generator emits, if any
    budget_risk: bool = False

    @property
    def label(self) -> str:
        """``fast`` / ``medium`` / ``slow``."""
        if self.units <= 1.5:
            return "fast"
        if self.units <= 3:
            return "medium"
        return "slow"

    @property
    def basis(self) -> str:
        """One line saying what the units are made of."""
        parts = [f"size {self.size}", f"reasoning {self.reasoning} ({self.reasoning_basis})"]
        if self.effort is not None:
            parts.append(f"reasoning_effort {self.effort}")
        if self.fast_hardware:
            parts.append("fast-hardware provider")
        if self.budget_risk:
            parts.append(f"reasoning may use up max_tokens < {SMALL_MAX_TOKENS}")
        return ", ".join(parts)


@dataclass(frozen=True)
class CandidateFacts:
    """Everything the selection knows about one candidate for one role."""

    record: ModelRecord
    quality: QualityMeasure
    price: float | None
    latency: LatencyProxy
    preference_rank: int  # 0 = first preferred provider; len(preferred) = not preferred
    unstable: bool  # preview / experimental / -latest id

    @property
    def key(self) -> str:
        """The catalog id."""
        return self.record.id


def quality_category(need: RoleNeed, records: list[ModelRecord]) -> str:
    """The Arena category (or ``mteb:<set>``) the role's candidates are judged on."""
    if need.catalog_kind == "embedding":
        return "mteb:multilingual" if need.multilingual else "mteb:en"
    category = need.arena_category
    if category != "overall" and any(r.arena is not None and category in r.arena.ratings for r in records):
        return f"arena:{category}"
    return "arena:overall"


def _quality(record: ModelRecord, measure: str) -> QualityMeasure:
    source, _, key = measure.partition(":")
    if source == "mteb":
        info = record.embedding
        mteb = info.mteb.get(key) if info is not None else None
        if mteb is None:
            return QualityMeasure(None, None, None, None, "unrated")
        return QualityMeasure(mteb.score, mteb.score, mteb.score, None, measure)
    arena = record.arena
    score = arena.ratings.get(key) if arena is not None else None
    if score is None:
        return QualityMeasure(None, None, None, None, "unrated")
    lower = score.ci_lower if score.ci_lower is not None else score.rating
    upper = score.ci_upper if score.ci_upper is not None else score.rating
    return QualityMeasure(
        score.rating, min(lower, score.rating), max(upper, score.rating), score.votes, measure
    )


def reasoning_mode(record: ModelRecord) -> tuple[str, str]:
    """``(mode, basis)``: the catalog's reasoning mode, or a pessimistic guess from the flag."""
    mode = record.capabilities.reasoning_mode
    if mode is not None:
        return mode, "catalog"
    if not record.capabilities.reasoning:
        return "none", "catalog: not a reasoning model"
    return "always", "mode unknown, assumed always"


def lowest_effort(record: ModelRecord) -> str | None:
    """The lowest reasoning effort the model accepts, when any-llm can pass it."""
    efforts = record.capabilities.reasoning_efforts
    if efforts and efforts[0] in ANYLLM_EFFORTS:
        return efforts[0]
    return None


@functools.lru_cache(maxsize=16_384)
def _size_class(model: str, name: str, blended: float | None) -> tuple[str, float]:
    # Cached: a pure function of strings, called for every candidate of every role.
    if _SMALL.search(model) or _SMALL.search(name):
        return "small", 1.0
    if _LARGE.search(model) or _LARGE.search(name) or (blended is not None and blended > 5.0):
        return "large", 3.0
    if blended is not None:
        return "medium", 2.0
    return "unknown", 3.0


def latency_proxy(record: ModelRecord, need: RoleNeed) -> LatencyProxy:
    """The latency proxy of ``record`` for ``need`` (documented in the module docstring)."""
    if record.kind == "embedding":
        return LatencyProxy(1.0, "n/a", "none", "embedding model", False, None)
    size, size_units = _size_class(record.model, record.name, record.prices.blended)
    mode, basis = reasoning_mode(record)
    reasoning_units = {"none": 0.0, "optional": 1.0, "always": 2.0}[mode]
    effort = None
    max_tokens = need.params.get("max_tokens")
    small_budget = isinstance(max_tokens, int) and max_tokens < SMALL_MAX_TOKENS
    if (
        mode != "none"
        and (need.latency is Level.HIGH or small_budget)
        and "reasoning_effort" not in need.params
    ):
        effort = lowest_effort(record)
        if effort is not None:
            reasoning_units = 0.0 if effort in LOW_EFFORTS else reasoning_units / 2
    written = need.params.get("reasoning_effort")
    final_effort = effort if effort is not None else (written if isinstance(written, str) else None)
    # A low (not none/minimal) effort still reasons, with a smaller appetite: half the threshold.
    limit = SMALL_MAX_TOKENS if final_effort is None else SMALL_MAX_TOKENS // 2
    risk = (
        isinstance(max_tokens, int)
        and max_tokens < limit
        and mode == "always"
        and final_effort not in LOW_EFFORTS
    )
    fast = record.provider in FAST_HARDWARE_PROVIDERS
    units = max(0.5, size_units + reasoning_units - (1.0 if fast else 0.0))
    return LatencyProxy(units, size, mode, basis, fast, effort, risk)


def is_unstable_id(record: ModelRecord) -> bool:
    """A preview/experimental id or a moving alias (``-latest``): may change without notice."""
    return record.preview or _unstable_name(record.model)


@functools.lru_cache(maxsize=16_384)
def _unstable_name(model: str) -> bool:
    return bool(_UNSTABLE.search(model))


def candidate_facts(record: ModelRecord, need: RoleNeed, measure: str) -> CandidateFacts:
    """The facts of one candidate, judged on ``measure`` (see :func:`quality_category`)."""
    preferred = need.preferred_providers
    rank = preferred.index(record.provider) if record.provider in preferred else len(preferred)
    return CandidateFacts(
        record=record,
        quality=_quality(record, measure),
        price=record.prices.blended,
        latency=latency_proxy(record, need),
        preference_rank=rank,
        unstable=is_unstable_id(record),
    )
