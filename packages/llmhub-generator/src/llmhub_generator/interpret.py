"""SP2: the needs interpreter, spec role -> :class:`RoleNeed`.

Two interpreters share one interface (:class:`NeedsInterpreter`):

* :class:`HeuristicInterpreter` (default; offline, no keys): explicit spec fields first, then the
  keyword rules of :data:`KEYWORD_RULES` on the role's description. A rule never overrides what
  the spec states; it only fills what the spec leaves unset.
* :class:`~llmhub_generator.llm_interpret.LLMInterpreter`: asks a model for the same inferences
  as JSON (see that module).

Both build the final ``RoleNeed`` with :func:`build_need`, so the resolution of defaults, provider
sets and explicit values is one piece of code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from llmhub_generator.needs import ARENA_CATEGORIES, Inference, RoleNeed
from llmhub_generator.spec import Level, RoleSpec, Spec
from llmhub_runtime import LLMMode

__all__ = [
    "KEYWORD_RULES",
    "HeuristicInterpreter",
    "KeywordRule",
    "NeedsInterpreter",
    "Suggestions",
    "build_need",
    "heuristic_suggestions",
]

#: Inferred values, keyed by RoleNeed field name (``quality``/``cost``/``latency`` hold Levels).
Suggestions = dict[str, Any]


class NeedsInterpreter(Protocol):
    """Turns the roles of a spec into RoleNeeds."""

    name: str

    def interpret(self, spec: Spec, role: str) -> RoleNeed:
        """The needs of ``role`` in ``spec``."""
        ...


@dataclass(frozen=True)
class KeywordRule:
    """If the description matches ``pattern`` (case-insensitive), suggest ``field = value``."""

    pattern: str
    field: str
    value: Any
    why: str

    def matches(self, text: str) -> re.Match[str] | None:
        return re.search(self.pattern, text, re.IGNORECASE)


#: The documented keyword rules, applied in order; the first rule that sets a field wins.
KEYWORD_RULES: tuple[KeywordRule, ...] = (
    KeywordRule(
        r"\breason|\banaly[sz]|\bmath|\bproof|\blogic|multi-step|step[- ]by[- ]step|\bplan(ning)?\b",
        "reasoning",
        True,
        "reasoning-heavy work",
    ),
    KeywordRule(
        r"\btools?\b|function[- ]call|\bagentic\b|\bcalls? (apis?|functions|tools)",
        "tools",
        True,
        "calls tools or functions",
    ),
    KeywordRule(
        r"\bjson\b|structured|\bschema\b|\bextract",
        "structured_output",
        True,
        "must return structured output",
    ),
    KeywordRule(
        r"\bimages?\b|\bphotos?\b|screenshot|\bvision\b|\bdiagrams?\b|\bscanned\b",
        "modalities_in",
        ("text", "image"),
        "reads images",
    ),
    # Narrow on purpose: "transcript" is text, and "brand voice" is not audio.
    KeywordRule(
        r"\baudio\b|\bspeech\b|\bspoken\b|\bvoice (notes?|messages?|memos?|recordings?|calls?|input)\b|"
        r"\btranscribes? (audio|speech|recordings?|calls|meetings|voice)",
        "modalities_in",
        ("text", "audio"),
        "reads audio",
    ),
    KeywordRule(r"\bpdfs?\b", "attachments", True, "reads PDF attachments"),
    KeywordRule(
        r"long (documents?|context|reports?|transcripts?)|entire (book|codebase|repository)|"
        r"whole (book|codebase|repository)|large (files|documents)|many documents",
        "context_min",
        128_000,
        "works on long inputs",
    ),
    KeywordRule(
        r"\bcode\b|\bcoding\b|\bprogram|\bsql\b|\bdebug|refactor",
        "arena_category",
        "coding",
        "judged on coding ability",
    ),
    KeywordRule(r"\bmath", "arena_category", "math", "judged on math ability"),
    KeywordRule(
        r"\bstor(y|ies)\b|creative|\bpoem|copywrit|marketing copy",
        "arena_category",
        "creative_writing",
        "judged on creative writing",
    ),
    KeywordRule(
        r"real[- ]?time|interactive|low[- ]latency|\bfast\b|autocomplete|chat ui|\blive\b",
        "latency",
        Level.HIGH,
        "latency-sensitive",
    ),
    KeywordRule(
        r"\bcheap|budget|high[- ]volume|\bbulk\b|\bbatch|cost[- ]sensitive|millions of",
        "cost",
        Level.HIGH,
        "cost-sensitive (volume)",
    ),
    KeywordRule(
        r"\baccura|\breliab|critical|high[- ]quality|\bbest\b|\blegal\b|\bmedical\b",
        "quality",
        Level.HIGH,
        "quality-critical",
    ),
    KeywordRule(
        r"multi-?lingual|cross-lingual|\b\d+ languages\b|many languages|\btranslat",
        "multilingual",
        True,
        "multilingual content",
    ),
)

_NOT_FOR_EMBEDDINGS = {
    "reasoning",
    "tools",
    "structured_output",
    "arena_category",
    "attachments",
}


def heuristic_suggestions(role: RoleSpec) -> tuple[Suggestions, list[Inference]]:
    """Apply :data:`KEYWORD_RULES` to a role's description (first matching rule per field)."""
    suggestions: Suggestions = {}
    inferences: list[Inference] = []
    text = role.description
    if not text or not role.infer:
        return suggestions, inferences
    for rule in KEYWORD_RULES:
        if rule.field in suggestions:
            continue
        if role.kind is LLMMode.EMBEDDING and rule.field in _NOT_FOR_EMBEDDINGS:
            continue
        match = rule.matches(text)
        if match:
            suggestions[rule.field] = rule.value
            inferences.append(
                Inference(
                    field=rule.field,
                    value=_plain(rule.value),
                    reason=f"description mentions {match.group(0)!r}: {rule.why}",
                    trigger=match.group(0),
                )
            )
    return suggestions, inferences


def build_need(
    spec: Spec,
    role_name: str,
    suggestions: Mapping[str, Any],
    inferences: list[Inference],
    interpreter: str,
) -> RoleNeed:
    """Resolve a role into a RoleNeed: the spec's explicit values, else ``suggestions``, else defaults.

    Inferences for fields the spec states explicitly are dropped (the spec wins); a role with
    ``infer: false`` takes no inference at all.
    """
    role = spec.roles[role_name]
    if not role.infer:
        suggestions, inferences = {}, []
    req = role.requires
    prefs = role.preferences
    defaults = spec.defaults.preferences
    explicit: dict[str, Any] = {
        "tools": req.tools,
        "structured_output": req.structured_output,
        "reasoning": req.reasoning,
        "attachments": req.attachments,
        "open_weights": req.open_weights,
        "context_min": req.context_min,
        "output_min": req.output_min,
        "modalities_in": tuple(req.modalities_in) if req.modalities_in is not None else None,
        "modalities_out": tuple(req.modalities_out) if req.modalities_out is not None else None,
        "multilingual": req.multilingual,
        "quality": prefs.quality,
        "cost": prefs.cost,
        "latency": prefs.latency,
    }
    values: dict[str, Any] = {}
    kept: list[Inference] = []
    for field, value in explicit.items():
        if value is not None:
            values[field] = value
        elif field in suggestions:
            values[field] = suggestions[field]
    for inference in inferences:
        if explicit.get(inference.field) is None:
            kept.append(inference)
    for level_field in ("quality", "cost", "latency"):
        if level_field not in values:
            values[level_field] = getattr(defaults, level_field) or Level.MEDIUM
    category = suggestions.get("arena_category", "overall")
    if "image" in values.get("modalities_in", ()) and category == "overall":
        category = "vision"
    if category not in ARENA_CATEGORIES:
        category = "overall"
    if role.kind is LLMMode.TOOL:
        values["tools"] = True

    enabled = spec.enabled_providers()
    allow_providers = {p.split("/", 1)[0] for p in role.allow}
    if role.allow and not any(any(ch in p for ch in "*?[") for p in allow_providers):
        providers = [p for p in enabled if p in allow_providers]
    elif spec.defaults.providers:
        providers = [p for p in spec.defaults.providers if p in enabled]
    else:
        providers = enabled
    preferred = prefs.providers if prefs.providers is not None else (defaults.providers or [])

    return RoleNeed(
        role=role_name,
        kind=role.kind,
        description=role.description,
        arena_category=category,
        providers=tuple(providers),
        preferred_providers=tuple(preferred),
        allow=tuple(role.allow),
        deny=tuple(role.deny),
        force=role.force,
        params=dict(role.mode_params),
        fallbacks=role.fallbacks,
        allow_previews=role.allow_previews,
        inferred=tuple(kept),
        interpreter=interpreter,
        **values,
    )


class HeuristicInterpreter:
    """The default interpreter: explicit fields, then :data:`KEYWORD_RULES`. Offline, deterministic."""

    name = "heuristic"

    def interpret(self, spec: Spec, role: str) -> RoleNeed:
        """The needs of ``role`` in ``spec``."""
        suggestions, inferences = heuristic_suggestions(spec.roles[role])
        return build_need(spec, role, suggestions, inferences, self.name)


def _plain(value: Any) -> Any:
    if isinstance(value, Level):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value
