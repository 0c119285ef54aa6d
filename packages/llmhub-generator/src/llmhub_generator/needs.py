"""SP3: ``RoleNeed``, the canonical description of what one role needs.

The needs interpreter (SP2) turns a :class:`~llmhub_generator.spec.RoleSpec` into a ``RoleNeed``;
everything after it (filters, weights, scores, relaxation) reads only ``RoleNeed``. Every field
is resolved: no "unset" values remain, so later steps never consult the spec again.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from llmhub_generator.spec import ForceSpec, Level, Modality
from llmhub_runtime import LLMMode

__all__ = ["ARENA_CATEGORIES", "Inference", "RoleNeed"]

#: Arena categories a role's quality can be judged by (``overall`` unless the role is about one).
ARENA_CATEGORIES = ("overall", "coding", "math", "creative_writing", "instruction_following", "vision")


class Inference(BaseModel):
    """One thing the interpreter inferred rather than read from the spec, and why.

    ``trigger`` is the text of the description that triggered a keyword rule (heuristic
    interpreter), ``None`` for the LLM interpreter's suggestions.
    """

    model_config = ConfigDict(frozen=True)

    field: str
    value: Any
    reason: str
    trigger: str | None = None


class RoleNeed(BaseModel):
    """What one role needs, fully resolved.

    Attributes:
        role: Role name.
        kind: The runtime mode (chat, embedding, ...). ``tool`` roles are served by chat models
            with tool calling.
        description: The spec's description (kept for explanations).
        quality, cost, latency: How much each dimension matters (role > defaults > ``medium``).
        arena_category: The Arena category that judges quality for this role.
        providers: Providers candidates may come from (enabled, then ``allow`` / defaults).
        preferred_providers: Preferred providers, best first (a score bonus).
        allow: ``provider`` or ``provider/model`` glob patterns; if non-empty, one must match.
        deny: Patterns that exclude a candidate.
        tools, structured_output, reasoning, attachments, open_weights: Required capabilities.
        context_min, output_min: Minimum context window / output length in tokens (0 = none).
        modalities_in, modalities_out: Content kinds the model must read / write.
        multilingual: Quality is judged on multilingual data (embedding roles: MTEB multilingual).
        allow_previews: Preview/experimental/``-latest`` ids compete with stable ids.
        force: A pinned provider/model, if any.
        params: Call parameters for llmhub.yaml.
        fallbacks: Number of backups to select.
        inferred: What the interpreter inferred and why (for ``--explain``).
        interpreter: Which interpreter produced this (``heuristic`` or ``llm:<provider>:<model>``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: str
    kind: LLMMode
    description: str = ""
    quality: Level = Level.MEDIUM
    cost: Level = Level.MEDIUM
    latency: Level = Level.MEDIUM
    arena_category: str = "overall"
    providers: tuple[str, ...]
    preferred_providers: tuple[str, ...] = ()
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    tools: bool = False
    structured_output: bool = False
    reasoning: bool = False
    attachments: bool = False
    open_weights: bool = False
    context_min: int = Field(default=0, ge=0)
    output_min: int = Field(default=0, ge=0)
    modalities_in: tuple[Modality, ...] = ("text",)
    modalities_out: tuple[Modality, ...] = ("text",)
    multilingual: bool = False
    allow_previews: bool = False
    force: ForceSpec | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    fallbacks: int = 2
    inferred: tuple[Inference, ...] = ()
    interpreter: str = "heuristic"

    @cached_property
    def catalog_kind(self) -> str:
        """The catalog ``kind`` that serves this role (``tool`` roles use chat models)."""
        if self.kind in (LLMMode.CHAT, LLMMode.TOOL):
            return "chat"
        return self.kind.value
