"""Corrections to the source data: Arena matches, record fields, exclusions.

Two layers, same format (JSON, or YAML for user files):

* ``llmhub_catalog/data/overrides.json`` ships in the wheel and is applied by the normaliser, so
  the bundled snapshot and every live refresh already include it;
* a user file (``load_catalog(overrides=path)`` or the ``LLMHUB_CATALOG_OVERRIDES`` variable) is
  applied on top when a catalog is loaded.

::

    {
      "arena":   {"deepseek/deepseek-chat": "deepseek / deepseek-v3.2",   // catalog id -> Arena key
                  "*/some-model": null},                                   // null: never match
      "models":  {"openai/gpt-4o": {"status": "deprecated", "capabilities": {"tool_call": true}}},
      "exclude": ["openai/some-retired-model"]
    }

A key is a catalog id (``<catalog provider>/<model id>``); ``*`` as the provider part applies to
every provider. A key whose provider is unknown is an error (with the file and line); a key
whose model is not in the data is only logged, since models come and go.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from llmhub_catalog.arena import ArenaTable
from llmhub_catalog.errors import OverridesError
from llmhub_catalog.providers import ANYLLM_PROVIDERS
from llmhub_runtime.errors import ConfigProblem

__all__ = ["ModelPatch", "Overrides", "apply_overrides", "bundled_overrides", "load_overrides"]

logger = logging.getLogger("llmhub_catalog")


class _Patch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _CapabilitiesPatch(_Patch):
    tool_call: bool | None = None
    structured_output: bool | None = None
    reasoning: bool | None = None
    attachments: bool | None = None
    temperature: bool | None = None


_ModalityName = Literal["text", "image", "audio", "video", "pdf"]


class _ModalitiesPatch(_Patch):
    input: list[_ModalityName] | None = None
    output: list[_ModalityName] | None = None


class _LimitsPatch(_Patch):
    context: int | None = Field(default=None, ge=0)
    input: int | None = Field(default=None, ge=0)
    output: int | None = Field(default=None, ge=0)


class _PricesPatch(_Patch):
    input: float | None = Field(default=None, ge=0)
    output: float | None = Field(default=None, ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)
    reasoning: float | None = Field(default=None, ge=0)
    input_audio: float | None = Field(default=None, ge=0)
    output_audio: float | None = Field(default=None, ge=0)


class ModelPatch(_Patch):
    """Fields an override may set on a record (only the ones given are changed)."""

    provider: str | None = None
    model: str | None = None
    api_base: str | None = None
    name: str | None = None
    family: str | None = None
    kind: Literal["chat", "embedding", "image", "audio", "other"] | None = None
    status: Literal["active", "beta", "deprecated"] | None = None
    open_weights: bool | None = None
    knowledge_cutoff: str | None = None
    release_date: str | None = None
    capabilities: _CapabilitiesPatch | None = None
    modalities: _ModalitiesPatch | None = None
    limits: _LimitsPatch | None = None
    prices: _PricesPatch | None = None


class _OverridesFile(_Patch):
    arena: dict[str, str | None] = Field(default_factory=dict)
    models: dict[str, ModelPatch] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)


@dataclass(frozen=True)
class Overrides:
    """A parsed overrides file (or the merge of several; later ones win)."""

    arena: Mapping[str, str | None] = field(default_factory=dict)
    models: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    origin: str = ""

    def merged(self, other: Overrides) -> Overrides:
        """These overrides with ``other`` applied on top."""
        return Overrides(
            arena={**self.arena, **other.arena},
            models={**self.models, **other.models},
            exclude=tuple(dict.fromkeys((*self.exclude, *other.exclude))),
            origin=" + ".join(o for o in (self.origin, other.origin) if o),
        )

    @property
    def empty(self) -> bool:
        """True when there is nothing to apply."""
        return not (self.arena or self.models or self.exclude)


def _line_of(text: str, needle: str) -> int | None:
    for candidate in (json.dumps(needle), needle):
        position = text.find(candidate)
        if position >= 0:
            return text.count("\n", 0, position) + 1
    return None


def _located(origin: str) -> Callable[[Sequence[ConfigProblem], str | None], OverridesError]:
    """Turn the runtime reader's located problems into an :class:`OverridesError`."""

    def make(problems: Sequence[ConfigProblem], source: str | None) -> OverridesError:
        first = problems[0]
        where = source or origin
        return OverridesError(first.message, path=where, line=first.line, field=first.field or None)

    return make


def _parse_text(text: str, origin: str) -> Any:
    # The runtime's safe YAML/JSON readers: size, nesting and alias limits, only plain-data tags.
    if origin.endswith((".yaml", ".yml")):
        from llmhub_runtime.yamldoc import load_yaml_text

        if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
            return None  # an empty (or comments-only) overrides file overrides nothing
        return load_yaml_text(text, source=origin, error=_located(origin)).data
    from llmhub_runtime.readers import load_json_text

    return load_json_text(text, source=origin, error=_located(origin))


def parse_overrides(text: str, origin: str, *, known_providers: Iterable[str] = ()) -> Overrides:
    """Parse and check overrides text. ``origin`` names the file in errors (its suffix picks YAML).

    Raises:
        OverridesError: Bad syntax, an unknown key or value, or a catalog id whose provider is not
            a catalog provider (``known_providers``) or ``*``.
    """
    data = _parse_text(text, origin)
    if data is None:
        data = {}
    try:
        parsed = _OverridesFile.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = ".".join(str(part) for part in error["loc"])
        last = next((str(p) for p in reversed(error["loc"]) if isinstance(p, str)), "")
        raise OverridesError(error["msg"], path=origin, line=_line_of(text, last), field=path) from exc
    providers = set(known_providers)
    for section, keys in (("arena", parsed.arena), ("models", parsed.models), ("exclude", parsed.exclude)):
        for key in keys:
            provider, slash, model = key.partition("/")
            if not slash or not model:
                raise OverridesError(
                    f"{key!r} is not a catalog id ('<provider>/<model>', provider may be '*')",
                    path=origin,
                    line=_line_of(text, key),
                    field=f"{section}.{key}",
                )
            if provider != "*" and provider not in providers:
                raise OverridesError(
                    f"unknown provider {provider!r}; catalog providers are models.dev ids such as "
                    "openai, anthropic, google, amazon-bedrock (see llmhub_catalog.ANYLLM_PROVIDERS)",
                    path=origin,
                    line=_line_of(text, key),
                    field=f"{section}.{key}",
                )
    for key, patch in parsed.models.items():
        if patch.provider is not None and patch.provider not in ANYLLM_PROVIDERS:
            raise OverridesError(
                f"unknown any-llm provider {patch.provider!r}",
                path=origin,
                line=_line_of(text, patch.provider),
                field=f"models.{key}.provider",
            )
    return Overrides(
        arena=dict(parsed.arena),
        models={k: v.model_dump(exclude_none=True) for k, v in parsed.models.items()},
        exclude=tuple(parsed.exclude),
        origin=origin,
    )


def load_overrides(path: str | Path, *, known_providers: Iterable[str]) -> Overrides:
    """Read a user overrides file (``.json``, ``.yaml`` or ``.yml``).

    Raises:
        OverridesError: The file cannot be read or is invalid (see :func:`parse_overrides`).
    """
    from llmhub_runtime.readers import read_text_file

    origin = str(path)
    text = read_text_file(path, error=_located(origin)).text  # size, encoding; never blocks on a pipe
    return parse_overrides(text, origin, known_providers=known_providers)


def bundled_overrides(known_providers: Iterable[str]) -> Overrides:
    """The overrides shipped inside the wheel (``llmhub_catalog/data/overrides.json``)."""
    resource = resources.files("llmhub_catalog").joinpath("data/overrides.json")
    return parse_overrides(
        resource.read_text(encoding="utf-8"),
        "llmhub_catalog/data/overrides.json",
        known_providers=known_providers,
    )


def _applies(key: str, row: Mapping[str, Any]) -> bool:
    provider, _, model = key.partition("/")
    return model == row["model"] and provider in ("*", row["catalog_provider"])


def _deep_update(target: MutableMapping[str, Any], patch: Mapping[str, Any]) -> None:
    for name, value in patch.items():
        if isinstance(value, Mapping) and isinstance(target.get(name), MutableMapping):
            _deep_update(target[name], value)
        else:
            target[name] = list(value) if isinstance(value, list) else value


def apply_overrides(
    rows: list[dict[str, Any]], overrides: Overrides, arena: ArenaTable | None
) -> list[dict[str, Any]]:
    """Apply overrides to record rows (the snapshot's JSON shape); return the rows kept.

    Rows are changed in place. Tiers are *not* recomputed here: the caller runs
    :func:`llmhub_catalog.tiers.apply_tiers` afterwards.
    """
    if overrides.empty:
        return rows
    used: set[str] = set()
    kept = []
    for row in rows:
        excluded = [key for key in overrides.exclude if _applies(key, row)]
        used.update(excluded)
        if excluded:
            continue
        for key, patch in overrides.models.items():
            if _applies(key, row):
                used.add(key)
                _deep_update(row, patch)
        for key, arena_id in overrides.arena.items():
            if _applies(key, row):
                used.add(key)
                if arena_id is None:
                    row["arena"] = None
                elif arena is not None and arena_id in arena.models:
                    row["arena"] = {"arena_id": arena_id, "match": "override"}
                else:
                    logger.warning(
                        "overrides (%s): Arena entry %r for %s is not in the Arena table",
                        overrides.origin,
                        arena_id,
                        key,
                    )
        kept.append(row)
    for key in sorted({*overrides.arena, *overrides.models, *overrides.exclude} - used):
        logger.info("overrides (%s): %s matches no model in this data", overrides.origin, key)
    return kept
