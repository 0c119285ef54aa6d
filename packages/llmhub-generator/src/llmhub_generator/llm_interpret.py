"""SP2, LLM-assisted: ask a model what a role needs.

The model is reached through :class:`llmhub_runtime.LLMHub`, either as the role ``llm.generator``
of an existing ``llmhub.yaml`` or as ``--generator-model provider:model`` (which may be a local
model server listed in the spec's providers). It gets the role's spec as JSON and must answer
with a JSON object of :class:`Suggestion` fields (``response_format`` ``json_object``). An answer
that is not valid JSON or breaks the schema is sent back once with the validation error; if the
second answer fails too, or the call fails, the heuristic interpreter is used and a warning
recorded. Answers are cached on disk by the hash of (role spec, model), so a re-run gives the
same needs without calling the model again: generation stays deterministic.

The spec's explicit fields always win over the model's suggestions (see ``build_need``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmhub_generator.interpret import HeuristicInterpreter, build_need
from llmhub_generator.needs import ARENA_CATEGORIES, Inference, RoleNeed
from llmhub_generator.spec import Level, Modality, Spec
from llmhub_runtime import LLMHub, parse_runtime_config

__all__ = ["GENERATOR_ROLE", "LLMInterpreter", "NeedsCache", "Suggestion", "default_cache_dir"]

logger = logging.getLogger("llmhub_generator")

#: The llmhub.yaml role that interprets specs in LLM-assisted mode.
GENERATOR_ROLE = "llm.generator"

_SYSTEM_PROMPT = """You help choose LLMs for application roles. You receive one role of a spec as JSON.
Answer with ONE JSON object and nothing else, using only these optional keys:
  "tools": bool (the role calls tools/functions), "structured_output": bool (must emit JSON),
  "reasoning": bool (needs a reasoning model), "attachments": bool (reads files such as PDFs),
  "context_min": int (minimum context window in tokens),
  "modalities_in": list of "text"|"image"|"audio"|"video"|"pdf",
  "quality", "cost", "latency": "low"|"medium"|"high" (how much each matters; cost high = must be cheap),
  "arena_category": one of CATEGORIES,
  "multilingual": bool (content in several languages),
  "reason": short string.
Leave out anything the role does not imply.""".replace("CATEGORIES", ", ".join(ARENA_CATEGORIES))


class Suggestion(BaseModel):
    """What the model may suggest about a role (every field optional; unknown keys rejected)."""

    model_config = ConfigDict(extra="forbid")

    tools: bool | None = None
    structured_output: bool | None = None
    reasoning: bool | None = None
    attachments: bool | None = None
    context_min: int | None = Field(default=None, ge=0, le=10_000_000)
    modalities_in: list[Modality] | None = None
    quality: Level | None = None
    cost: Level | None = None
    latency: Level | None = None
    arena_category: Literal[ARENA_CATEGORIES] | None = None  # type: ignore[valid-type]
    multilingual: bool | None = None
    reason: str | None = None

    def values(self) -> dict[str, Any]:
        """The suggested fields, in the types ``build_need`` expects."""
        out = self.model_dump(exclude_none=True, exclude={"reason"})
        if "modalities_in" in out:
            out["modalities_in"] = tuple(out["modalities_in"])
        for level in ("quality", "cost", "latency"):
            if level in out:
                out[level] = Level(out[level])
        return out


def default_cache_dir() -> Path:
    """``$LLMHUB_CACHE_DIR/needs``, else the user cache dir's ``llmhub/needs``."""
    override = os.environ.get("LLMHUB_CACHE_DIR")
    if override:
        return Path(override) / "needs"
    import platformdirs

    return Path(platformdirs.user_cache_dir("llmhub", appauthor=False)) / "needs"


class NeedsCache:
    """One JSON file per (role spec, model) hash, written atomically; corrupt files are ignored."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str) -> dict[str, Any] | None:
        """The cached suggestion for ``key``, or None (missing or unreadable)."""
        from llmhub_runtime.errors import ConfigError
        from llmhub_runtime.readers import read_json_file

        path = self.directory / f"{key}.json"
        if not path.exists():
            return None
        try:
            # The shared reader: size and nesting limits (a deep file is not a RecursionError).
            data = read_json_file(path, max_bytes=1024 * 1024)
            return Suggestion.model_validate(data).model_dump(exclude_none=True)
        except (ConfigError, ValidationError):
            logger.warning("ignoring unreadable needs cache entry %s", path)
            return None

    def put(self, key: str, suggestion: Suggestion) -> None:
        """Store ``suggestion`` (best effort: a read-only cache dir only costs a re-ask later)."""
        from llmhub_runtime.atomic import atomic_write

        data = json.dumps(suggestion.model_dump(exclude_none=True, mode="json"), sort_keys=True)
        try:
            atomic_write(self.directory / f"{key}.json", data)
        except OSError as e:  # NotWritableError is one too
            logger.warning("could not write the needs cache in %s: %s", self.directory, e)


class LLMInterpreter:
    """Interpret roles with a model; falls back to the heuristic interpreter on failure."""

    def __init__(self, hub: LLMHub, label: str, cache: NeedsCache | None, role: str = GENERATOR_ROLE) -> None:
        self.hub = hub
        self.role = role
        self.label = label
        self.name = f"llm:{label}"
        self.cache = cache
        self.warnings: list[str] = []
        self._fallback = HeuristicInterpreter()

    @classmethod
    def from_options(
        cls,
        spec: Spec,
        *,
        generator_model: str | None,
        runtime_path: str | os.PathLike[str] | None,
        environ: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> LLMInterpreter | None:
        """Build from ``--generator-model provider:model`` or an llmhub.yaml with ``llm.generator``.

        Returns None when ``runtime_path`` has no ``llm.generator`` role.
        """
        cache = NeedsCache(cache_dir or default_cache_dir())
        if generator_model:
            provider, sep, model = generator_model.partition(":")
            if not sep or not provider or not model:
                raise ValueError(f"--generator-model must look like provider:model, got {generator_model!r}")
            settings = spec.providers.get(provider)
            provider_entry = (
                settings.model_dump(exclude_none=True, exclude={"enabled"}) if settings is not None else {}
            )
            config = parse_runtime_config(
                {
                    "project": spec.project,
                    "env": spec.env,
                    "providers": {provider: provider_entry},
                    "roles": {
                        GENERATOR_ROLE: {
                            "provider": provider,
                            "model": model,
                            "mode": "chat",
                            "params": {"temperature": 0},
                        }
                    },
                },
                source="--generator-model",
                check_provider_ids=False,
            )
            return cls(LLMHub(config_obj=config), generator_model, cache)
        assert runtime_path is not None
        hub = LLMHub(config_path=runtime_path)
        if GENERATOR_ROLE not in hub.config.roles:
            return None
        target = hub.config.roles[GENERATOR_ROLE]
        return cls(hub, f"{target.provider}:{target.model}", cache)

    def interpret(self, spec: Spec, role: str) -> RoleNeed:
        """The needs of ``role``, from the cache, the model, or (failing both) the heuristics."""
        role_json = json.dumps(spec.roles[role].model_dump(mode="json"), sort_keys=True)
        key = hashlib.sha256(f"{self.label}\n{role}\n{role_json}".encode()).hexdigest()
        cached = self.cache.get(key) if self.cache is not None else None
        if cached is not None:
            return self._need(spec, role, Suggestion.model_validate(cached))
        try:
            suggestion = self._ask(role, role_json)
        except Exception as e:  # noqa: BLE001 - any failure falls back to the heuristics, with a warning
            self.warnings.append(
                f"role {role!r}: the generator model {self.label} gave no usable answer ({_short(e)}); "
                "interpreted heuristically"
            )
            return self._fallback.interpret(spec, role)
        if self.cache is not None:
            self.cache.put(key, suggestion)
        return self._need(spec, role, suggestion)

    def _need(self, spec: Spec, role: str, suggestion: Suggestion) -> RoleNeed:
        values = suggestion.values()
        why = f"suggested by {self.label}" + (f": {suggestion.reason}" if suggestion.reason else "")
        inferences = [
            Inference(
                field=f,
                value=v.value if isinstance(v, Level) else (list(v) if isinstance(v, tuple) else v),
                reason=why,
            )
            for f, v in values.items()
        ]
        return build_need(spec, role, values, inferences, self.name)

    def _ask(self, role: str, role_json: str) -> Suggestion:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": _SYSTEM_PROMPT},
            {"role": "user", "content": f"Role {role}:\n{role_json}"},
        ]
        error: str | None = None
        for _attempt in range(2):
            response = self.hub.completion(
                self.role, messages, params_override={"response_format": {"type": "json_object"}}
            )
            content = response.choices[0].message.content or ""
            try:
                return Suggestion.model_validate(json.loads(_strip_fences(content)))
            except (ValueError, ValidationError) as e:
                error = _short(e)
                messages = [
                    *messages,
                    {"role": "assistant", "content": content},
                    {
                        "role": "user",
                        "content": f"That answer was invalid: {error}. Reply with the JSON object only.",
                    },
                ]
        raise _AnswerError(error or "invalid answer")


class _AnswerError(Exception):
    pass


def _strip_fences(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`")
        stripped = stripped.removeprefix("json").strip()
    return stripped


def _short(e: BaseException) -> str:
    text = str(e).replace("\n", " ")
    return text if len(text) <= 200 else text[:197] + "..."
