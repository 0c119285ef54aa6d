"""SP1: the ``llmhub.spec.yaml`` schema and parser.

One schema, used by the generator, the CLI and the exported JSON Schema. Preference levels mean
"how much this matters": ``cost: high`` = cheapness matters a lot, ``cost: low`` = cost hardly
matters (the reference code had it backwards). Unknown keys are errors with their line (a typo
must not be ignored silently), except keys starting with ``x-``, which are allowed anywhere and
left for other tools.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
)

from llmhub_catalog.providers import ANYLLM_PROVIDERS
from llmhub_generator.errors import SpecError
from llmhub_runtime import LLMMode
from llmhub_runtime.errors import ConfigProblem
from llmhub_runtime.models import RESERVED_PARAMS, ConfigModel, ProviderConfig
from llmhub_runtime.schema import allow_extension_keys
from llmhub_runtime.yamldoc import (
    YamlDocument,
    format_field_path,
    load_yaml_text,
    read_yaml_file,
    validation_problems,
)

__all__ = [
    "SPEC_FILENAME",
    "ForceSpec",
    "Level",
    "LoadedSpec",
    "Modality",
    "Preferences",
    "Requirements",
    "RoleSpec",
    "Spec",
    "SpecDefaults",
    "SpecProvider",
    "load_spec",
    "parse_spec",
    "parse_spec_yaml",
    "spec_json_schema",
]

SPEC_FILENAME = "llmhub.spec.yaml"
Modality = Literal["text", "image", "audio", "video", "pdf"]


class Level(StrEnum):
    """How much a preference matters."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class _SpecModel(ConfigModel):
    # Same rules as llmhub.yaml (unknown keys rejected, ``x-`` keys ignored); aliases accepted.
    model_config = ConfigDict(populate_by_name=True)


class SpecProvider(ProviderConfig):
    """A candidate provider (keyed by its any-llm id): the runtime's provider settings, plus
    ``enabled``.

    Attributes:
        env_key: Environment variable that holds the API key (copied into llmhub.yaml).
        api_base: Endpoint of a self-hosted or local server.
        enabled: ``false`` keeps the entry but never selects it.
        timeout: Per-request timeout (seconds) copied into llmhub.yaml.
        max_retries: SDK retries copied into llmhub.yaml.
    """

    enabled: bool = True


class Preferences(_SpecModel):
    """Soft preferences: each level says how much the dimension weighs in the score.

    ``providers`` lists preferred providers, best first (a bonus, not a filter; use ``allow``
    for a hard restriction).
    """

    quality: Level | None = None
    cost: Level | None = None
    latency: Level | None = None
    providers: list[str] | None = None


class Requirements(_SpecModel):
    """Hard requirements. ``None`` means "not stated": the needs interpreter may infer it from the
    description; an explicit value is never overridden."""

    tools: bool | None = None
    structured_output: bool | None = None
    reasoning: bool | None = None
    attachments: bool | None = None
    open_weights: bool | None = None
    context_min: int | None = Field(default=None, ge=0)
    output_min: int | None = Field(default=None, ge=0)
    modalities_in: list[Modality] | None = None
    modalities_out: list[Modality] | None = None
    multilingual: bool | None = None


class ForceSpec(_SpecModel):
    """Pin a role to one model; always honoured (with a warning if the catalog lacks it)."""

    provider: str = Field(min_length=1)
    model: str = Field(min_length=1)


class RoleSpec(_SpecModel):
    """What one role needs.

    Attributes:
        kind: chat | embedding | image | audio | tool | other (becomes the runtime ``mode``).
        description: Free text; the needs interpreter reads it.
        preferences: Soft preferences (merged over ``defaults.preferences``).
        requires: Hard requirements.
        force: A pinned provider/model.
        mode_params: Call parameters copied into llmhub.yaml (temperature, max_tokens...).
        fallbacks: How many backup models to emit (default 2).
        allow: Only these providers or ``provider/model`` glob patterns may be chosen.
        deny: These providers or ``provider/model`` patterns are never chosen (``block`` is
            accepted as another name).
        infer: ``false`` turns off inference from the description for this role: only what the
            spec states (and the defaults) counts.
        allow_previews: Preview, experimental and ``-latest`` ids may be chosen like stable ids
            (by default they are used only when no stable id qualifies, with a warning).
    """

    kind: LLMMode = LLMMode.CHAT
    description: str = ""
    preferences: Preferences = Field(default_factory=Preferences)
    requires: Requirements = Field(default_factory=Requirements)
    force: ForceSpec | None = None
    mode_params: dict[str, Any] = Field(default_factory=dict)
    fallbacks: int = Field(default=2, ge=0, le=10)
    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list, validation_alias=AliasChoices("deny", "block"))
    infer: bool = True
    allow_previews: bool = False


class SpecDefaults(_SpecModel):
    """Settings every role inherits unless it says otherwise.

    Attributes:
        providers: Providers candidates may come from when a role has no ``allow`` list
            (default: every enabled provider).
        preferences: Preference levels for roles that leave them unset.
    """

    providers: list[str] | None = None
    preferences: Preferences = Field(default_factory=Preferences)


class Spec(_SpecModel):
    """A whole ``llmhub.spec.yaml``."""

    project: str = Field(min_length=1)
    env: str = "dev"
    providers: dict[str, SpecProvider]
    roles: dict[str, RoleSpec]
    defaults: SpecDefaults = Field(default_factory=SpecDefaults)

    @field_validator("providers", "roles", mode="before")
    @classmethod
    def _empty_entries(cls, value: Any) -> Any:
        # ``openai:`` or ``llm.x:`` with nothing under it means "all defaults".
        if isinstance(value, Mapping):
            return {k: ({} if v is None else v) for k, v in value.items()}
        return value

    def enabled_providers(self) -> list[str]:
        """Provider ids that may be selected, in the file's order."""
        return [name for name, provider in self.providers.items() if provider.enabled]


@dataclass(frozen=True)
class LoadedSpec:
    """A parsed spec with what later steps need to report on it.

    Attributes:
        spec: The validated spec.
        source: File name used in messages.
        sha256: Hash of the file's text (recorded in llmhub.yaml's ``meta`` to detect changes).
        document: The YAML document with positions, for messages that point into the file.
    """

    spec: Spec
    source: str
    sha256: str
    document: YamlDocument | None

    def line_of(self, *path: str | int) -> int | None:
        """Line of ``path`` in the file, when known."""
        return self.document.locate(path)[0] if self.document is not None else None


def load_spec(path: str | os.PathLike[str]) -> LoadedSpec:
    """Read and validate ``llmhub.spec.yaml``.

    Raises:
        SpecError: Unreadable file, invalid YAML, or an invalid spec (every problem, with lines).
    """
    document = read_yaml_file(path, empty_hint="project, providers and roles", error=SpecError)
    return _validate(document, hashlib.sha256(document.text.encode("utf-8")).hexdigest())


def parse_spec_yaml(text: str, *, source: str = SPEC_FILENAME) -> LoadedSpec:
    """Validate spec content given as text (``source`` names it in messages)."""
    document = load_yaml_text(text, source=source, empty_hint="project, providers and roles", error=SpecError)
    return _validate(document, hashlib.sha256(text.encode("utf-8")).hexdigest())


def parse_spec(data: Mapping[str, Any], *, source: str = "<spec>") -> Spec:
    """Validate spec data already in memory (no line numbers available)."""
    document = YamlDocument(data=dict(data), root=None, source=source)
    return _validate(document, "").spec


def spec_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of ``llmhub.spec.yaml``, for editors."""
    schema = Spec.model_json_schema(mode="validation")
    allow_extension_keys(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://llmhub.dev/schemas/llmhub.spec.yaml.json",
        "title": "llmhub.spec.yaml (what each role needs)",
        **schema,
    }


def _validate(document: YamlDocument, sha256: str) -> LoadedSpec:
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as e:
        raise SpecError(
            _with_migration_hints(validation_problems(e, Spec, document), document), document.source
        ) from None
    problems = [document.problem(path, message) for path, message in _reference_problems(spec)]
    if problems:
        raise SpecError(problems, document.source)
    located = document if document.root is not None else None
    return LoadedSpec(spec=spec, source=document.source, sha256=sha256, document=located)


def _with_migration_hints(problems: list[ConfigProblem], document: YamlDocument) -> list[ConfigProblem]:
    """Keys of the earlier spec format get a message naming ``llmhub spec migrate``, not "unknown"."""
    from llmhub_generator.legacy import MIGRATE_COMMAND, earlier_format_keys

    earlier = earlier_format_keys(document.data)
    if not earlier:
        return problems
    fields = {format_field_path(key.path) for key in earlier}
    hinted = [
        document.problem(
            key.path,
            f"{key.path[-1]!r} is a key of the earlier llmhub spec format (here: {key.replacement}); "
            f"run `{MIGRATE_COMMAND}` to rewrite this spec (it also flips cost levels, whose meaning "
            "changed)",
        )
        for key in earlier
    ]
    return hinted + [p for p in problems if p.field not in fields]


def _reference_problems(spec: Spec) -> list[tuple[tuple[str | int, ...], str]]:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    known = sorted(ANYLLM_PROVIDERS)
    for name in spec.providers:
        if name not in ANYLLM_PROVIDERS:
            message = f"{name!r} is not a provider id known to any-llm"
            close = difflib.get_close_matches(name.lower(), known, n=1, cutoff=0.6)
            hint = {
                "google": "gemini",
                "vertex": "vertexai",
                "llama.cpp": "llamacpp",
                "llama-cpp": "llamacpp",
            }
            if name.lower() in hint:
                message += f" (any-llm calls it {hint[name.lower()]!r})"
            elif close:
                message += f" (did you mean {close[0]!r}?)"
            problems.append((("providers", name), message))
    if not spec.enabled_providers():
        problems.append(
            (("providers",), "no enabled provider: at least one provider must have enabled: true")
        )
    listed = ", ".join(spec.providers) or "none"

    def check_listed(path: tuple[str | int, ...], provider: str, what: str) -> None:
        if provider not in spec.providers:
            problems.append((path, f"{what} {provider!r} is not listed under providers (listed: {listed})"))

    for i, provider in enumerate(spec.defaults.providers or []):
        check_listed(("defaults", "providers", i), provider, "provider")
    for i, provider in enumerate(spec.defaults.preferences.providers or []):
        check_listed(("defaults", "preferences", "providers", i), provider, "preferred provider")
    for role_name, role in spec.roles.items():
        base: tuple[str | int, ...] = ("roles", role_name)
        for i, provider in enumerate(role.preferences.providers or []):
            check_listed((*base, "preferences", "providers", i), provider, "preferred provider")
        if role.force is not None:
            check_listed((*base, "force", "provider"), role.force.provider, "forced provider")
        for field_name, patterns in (("allow", role.allow), ("deny", role.deny)):
            for i, pattern in enumerate(patterns):
                provider = pattern.split("/", 1)[0]
                if not any(ch in provider for ch in "*?[") and provider not in spec.providers:
                    problems.append(
                        (
                            (*base, field_name, i),
                            f"pattern {pattern!r} names provider {provider!r}, which is not listed "
                            f"under providers (listed: {listed})",
                        )
                    )
        for key in role.mode_params:
            if key in RESERVED_PARAMS:
                problems.append(
                    ((*base, "mode_params", key), f"{key!r} does not belong here: {RESERVED_PARAMS[key]}")
                )
    return problems
