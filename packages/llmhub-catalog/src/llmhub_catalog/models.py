"""The canonical model record: what the catalog knows about one provider/model.

Records are frozen pydantic v2 models. Data from outside (a live refresh, an extra source, user
overrides) is validated with :meth:`ModelRecord.model_validate`; the bundled snapshot, whose
sha256 is checked first, is turned into records with ``model_construct`` to keep loading fast.

Units: prices are US dollars per 1 million tokens; limits are tokens; dates are ISO strings as
models.dev writes them (``2025-04`` or ``2025-04-14``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ArenaRatings",
    "ArenaScore",
    "Capabilities",
    "EmbeddingInfo",
    "FieldConflict",
    "Limits",
    "Modalities",
    "Modality",
    "ModelKind",
    "ModelRecord",
    "ModelStatus",
    "MtebScore",
    "PriceTier",
    "Prices",
    "Provenance",
    "ReasoningMode",
    "Tiers",
]

#: A kind of content a model reads or writes.
Modality = Literal["text", "image", "audio", "video", "pdf"]
#: How a model reasons: ``always`` (every answer bills reasoning tokens), ``optional`` (a
#: parameter turns thinking on), ``none``.
ReasoningMode = Literal["always", "optional", "none"]


class ModelKind(StrEnum):
    """What a model is for. An embedding role only ever gets ``embedding`` models."""

    CHAT = "chat"
    EMBEDDING = "embedding"
    IMAGE = "image"
    AUDIO = "audio"
    OTHER = "other"


class ModelStatus(StrEnum):
    """Lifecycle status as published by the provider (via models.dev)."""

    ACTIVE = "active"
    BETA = "beta"
    DEPRECATED = "deprecated"


class _Record(BaseModel):
    # defer_build: the validation schema is built on first validation; bundled records are made
    # with model_construct and never need it, which keeps the first catalog access fast.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Capabilities(_Record):
    """What a model can do. Unknown is reported as False (a hard filter must not guess yes).

    Attributes:
        tool_call: Accepts tool/function definitions and emits tool calls.
        structured_output: Honours a JSON schema for its output.
        reasoning: Produces (and bills) reasoning/thinking tokens.
        attachments: Accepts file attachments (images, PDFs...).
        temperature: Accepts a ``temperature`` parameter (some reasoning models refuse it).
        reasoning_mode: ``always`` / ``optional`` / ``none``; ``None`` when no source says.
        reasoning_efforts: Accepted ``reasoning_effort`` values, lowest first; empty when the
            model takes no effort setting (or it is unknown).
    """

    tool_call: bool = False
    structured_output: bool = False
    reasoning: bool = False
    attachments: bool = False
    temperature: bool = True
    reasoning_mode: ReasoningMode | None = None
    reasoning_efforts: tuple[str, ...] = ()


class Modalities(_Record):
    """Content kinds a model reads (``input``) and writes (``output``)."""

    input: tuple[Modality, ...] = ("text",)
    output: tuple[Modality, ...] = ("text",)


class Limits(_Record):
    """Token limits. ``None`` when the source does not say.

    Attributes:
        context: Context window (prompt + completion).
        input: Largest prompt, when the provider caps it below the context window.
        output: Largest completion.
    """

    context: int | None = Field(default=None, ge=0)
    input: int | None = Field(default=None, ge=0)
    output: int | None = Field(default=None, ge=0)


class PriceTier(_Record):
    """Prices that apply once the prompt is longer than ``above_tokens`` (a long-context tier).

    Prices are US dollars per 1M tokens; ``None`` where the tier does not change that price.
    """

    above_tokens: int = Field(ge=0)
    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)


class Prices(_Record):
    """List prices in US dollars per 1M tokens.

    ``0`` means a source says the model is free; ``None`` means unknown (an unconfirmed ``$0``
    on a hosted provider is stored as ``None``). ``output`` is the *text* output price (reasoning
    tokens are billed as output unless ``reasoning`` says otherwise); image and audio output
    tokens have their own prices. Where a provider charges more above a context threshold, these
    are the base prices and ``long_context`` holds the higher tiers, lowest threshold first.
    """

    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)
    reasoning: float | None = Field(default=None, ge=0)
    input_audio: float | None = Field(default=None, ge=0)
    output_audio: float | None = Field(default=None, ge=0)
    output_image: float | None = Field(default=None, ge=0)
    long_context: tuple[PriceTier, ...] = ()

    @property
    def blended(self) -> float | None:
        """``(3 * input + output) / 4``: one number for a typical 3:1 input/output mix."""
        if self.input is None:
            return None
        return (3 * self.input + (self.output or 0.0)) / 4


class ArenaScore(_Record):
    """One LMArena rating (a Bradley-Terry/Elo-scale score) in one category.

    Attributes:
        rating: The score; differences matter, 400 points = 10:1 odds of winning.
        ci_lower: Lower bound of the 95% confidence interval.
        ci_upper: Upper bound of the 95% confidence interval.
        votes: Number of human votes behind the score.
        rank: Rank in the category as published (ties share a rank), when known.
    """

    rating: float
    ci_lower: float | None = None
    ci_upper: float | None = None
    votes: int | None = Field(default=None, ge=0)
    rank: int | None = Field(default=None, ge=1)


class ArenaRatings(_Record):
    """The LMArena entry matched to a model, with its ratings per category.

    Attributes:
        arena_id: The Arena table's model key (``"openai / gpt-4.1"``).
        display_name: The name Arena shows (may carry the variant rated, e.g. ``(High)``).
        match: How the entry was found: ``exact`` (same normalised id), ``normalized`` (after
            dropping dates, ``-latest``, ``-preview``, effort suffixes...) or ``override``.
        ratings: Category (``overall``, ``coding``, ``vision``...) -> score.
    """

    arena_id: str
    display_name: str
    match: Literal["exact", "normalized", "override"]
    ratings: dict[str, ArenaScore]

    @property
    def overall(self) -> ArenaScore | None:
        """The ``overall`` text rating, when the model has one."""
        return self.ratings.get("overall")


class MtebScore(_Record):
    """A published MTEB average for an embedding model.

    Attributes:
        score: The average score (0..100) as published.
        benchmark: Which average (``"MTEB(eng, v2)"``, ``"MMTEB (multilingual)"``...).
        date: When the score was published or read (ISO date).
        citation: Where it was published (leaderboard or model card URL).
    """

    score: float = Field(ge=0, le=100)
    benchmark: str
    date: str
    citation: str


class EmbeddingInfo(_Record):
    """What an embedding model returns.

    Attributes:
        dimensions: Default output vector size, when known.
        shortenable: Fewer dimensions can be requested (Matryoshka-style ``dimensions`` parameter).
        mteb: Published MTEB averages keyed ``"en"`` / ``"multilingual"``.
    """

    dimensions: int | None = Field(default=None, ge=1)
    shortenable: bool = False
    mteb: dict[str, MtebScore] = Field(default_factory=dict)


class Provenance(_Record):
    """Where one field's value came from: a source name and that source's data date (ISO)."""

    source: str
    date: str


class FieldConflict(_Record):
    """Sources disagreeing on one field by more than 1%.

    Attributes:
        field: Field path (``prices.input``, ``limits.context``, ``deprecation_date``...).
        values: Source name -> the value it gives.
        chosen: The source whose value the record keeps.
        rule: The merge rule that chose it (see the package README, "Merging sources").
    """

    field: str
    values: dict[str, float | int | str | None]
    chosen: str
    rule: str


class Tiers(_Record):
    """Derived 1..5 tiers; the formulas are in the package README (and :mod:`llmhub_catalog.tiers`).

    Every tier grows with the quantity it names: quality 5 = strongest, cost 5 = most expensive,
    latency 5 = slowest. The ``*_basis`` fields say what a tier was derived from, so a consumer
    can discount guesses: quality ``arena`` | ``family`` | ``default``; cost ``price`` |
    ``unknown``; latency is always a ``proxy`` (there is no public latency data set).
    """

    quality: int = Field(ge=1, le=5)
    cost: int = Field(ge=1, le=5)
    latency: int = Field(ge=1, le=5)
    quality_basis: Literal["arena", "family", "default"]
    cost_basis: Literal["price", "unknown"]
    latency_basis: Literal["proxy"] = "proxy"


class ModelRecord(_Record):
    """One model as reached through one provider.

    Attributes:
        id: Catalog id, ``"<catalog_provider>/<model>"`` (unique in a catalog).
        catalog_provider: The provider id in the catalog's source (models.dev's id, e.g.
            ``google``), or the extra source's provider id.
        provider: The **any-llm provider id** the model is called through (e.g. ``gemini``).
        model: The model id exactly as the provider's API expects it.
        api_base: Endpoint to pass to any-llm when the provider's default is not the right one.
        name: Display name.
        family: Model family (``gpt``, ``claude-sonnet``...) when known.
        kind: chat | embedding | image | audio | other.
        capabilities: See :class:`Capabilities`.
        modalities: See :class:`Modalities`.
        limits: See :class:`Limits`.
        prices: See :class:`Prices`.
        open_weights: The weights are published.
        knowledge_cutoff: Training data cutoff, when known.
        release_date: First release, when known.
        last_updated: Last change of the model, when known.
        status: active | beta | deprecated.
        deprecation_date: When the provider retires (or retired) the model, ISO date, if known.
        canonical: A key shared by every id naming the same model (aliases such as ``-latest``,
            undated ids, reseller and cloud copies); ``None`` when the record has no known alias.
        alias_of: The catalog id this record is an alias of (``None`` for the model itself).
        preview: A preview/experimental id (may change or vanish without notice).
        arena: The matched LMArena entry, if any.
        embedding: Output dimensions and MTEB averages (embedding models only).
        tiers: Derived quality/cost/latency tiers.
        source: Where the record came from (``models.dev`` or an extra source's name).
        provenance: Field path (``prices.input``) -> the source and date of its value.
        conflicts: Fields on which sources disagree by more than 1%, with each value.
        snapshot_date: The data date of the catalog the record was loaded from (set by the
            catalog); :attr:`deprecated` compares ``deprecation_date`` with it.
    """

    id: str = Field(min_length=3, pattern=r"^[^/]+/.+$")
    catalog_provider: str = Field(min_length=1)
    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)
    api_base: str | None = None
    name: str
    family: str | None = None
    kind: ModelKind
    capabilities: Capabilities = Field(default_factory=Capabilities)
    modalities: Modalities = Field(default_factory=Modalities)
    limits: Limits = Field(default_factory=Limits)
    prices: Prices = Field(default_factory=Prices)
    open_weights: bool = False
    knowledge_cutoff: str | None = None
    release_date: str | None = None
    last_updated: str | None = None
    status: ModelStatus = ModelStatus.ACTIVE
    deprecation_date: str | None = None
    canonical: str | None = None
    alias_of: str | None = None
    preview: bool = False
    arena: ArenaRatings | None = None
    embedding: EmbeddingInfo | None = None
    tiers: Tiers
    source: str = "models.dev"
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    conflicts: tuple[FieldConflict, ...] = ()
    snapshot_date: str | None = None

    @property
    def deprecated(self) -> bool:
        """True when the provider has deprecated the model, or its deprecation date has passed.

        "Passed" is judged against the catalog's data date (:attr:`snapshot_date`), not the
        clock, so the same catalog always gives the same answer.
        """
        if self.status is ModelStatus.DEPRECATED:
            return True
        if self.deprecation_date and self.snapshot_date:
            return self.deprecation_date[:10] <= self.snapshot_date[:10]
        return False

    @property
    def same_model_key(self) -> str:
        """``canonical`` or ``model``: equal for two ids that name the same model."""
        return self.canonical or self.model
