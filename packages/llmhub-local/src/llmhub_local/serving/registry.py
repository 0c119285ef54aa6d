"""The models registry: which local models exist and how to run them (seed 002's YAML file).

::

    models:
      my_model:
        base_model: smollm2-135m-instruct   # a known id, a .gguf file or a Hugging Face folder
        model_type: instruct                # instruct | base | embedding
        port: 10500                         # preferred port: a hint only, see llmhub_local.serving.ports
        backend: llama.cpp                  # optional: inferred from base_model
        env_key: llamacpp-cpu               # optional: resolved from the hardware and backend
        system_prompt: ""
        use_4bit: false                     # transformers on CUDA only
        adapter_dir: null                   # reserved: neither runner applies adapters yet
        params: {context_length: 4096, threads: 2, temperature: 0.2}   # any ModelConfig field

Every problem is reported with the file, line and field path (``models.my_model.port``) as a
:class:`~llmhub_local.errors.RegistryError`. The default models of
:data:`~llmhub_local.runners.model_store.KNOWN_MODELS` are always registered under their ids; an entry in
the file with the same id replaces the default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from llmhub_local.errors import LLMConfigError, RegistryError
from llmhub_local.runners.config import BackendType, ModelConfig
from llmhub_local.runners.model_store import KNOWN_MODELS, find_known_model
from llmhub_local.serving.envs import validate_env_key
from llmhub_runtime.errors import UnknownModelError

__all__ = ["MODEL_ID_PATTERN", "ModelEntry", "ModelType", "Registry", "RegistryFile", "load_registry"]

MODEL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"

ModelType = Literal["instruct", "base", "embedding"]


class ModelEntry(BaseModel):
    """One model of the registry (the seed's fields plus ``backend``, ``env_key`` and ``params``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_model: str = Field(min_length=1)
    adapter_dir: str | None = None
    model_type: ModelType = "instruct"
    port: int | None = Field(default=None, ge=1, le=65535)
    use_4bit: bool = False
    system_prompt: str = ""
    backend: BackendType | None = None
    env_key: Annotated[str, AfterValidator(validate_env_key)] | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @property
    def kind(self) -> Literal["chat", "completion", "embedding"]:
        """What the model is for, in the catalog's words."""
        return {"instruct": "chat", "base": "completion", "embedding": "embedding"}[self.model_type]  # type: ignore[return-value]

    def model_config_for(self, **overrides: Any) -> ModelConfig:
        """The runner configuration of this entry (``overrides`` win over ``params``).

        Raises:
            LLMConfigError: ``params`` hold an invalid or unknown ModelConfig field.
        """
        data: dict[str, Any] = {"model": self.base_model, **self.params, **overrides}
        if self.backend is not None:
            data.setdefault("backend", self.backend)
        if self.system_prompt:
            data.setdefault("system_prompt", self.system_prompt)
        if self.use_4bit:
            data.setdefault("quantization", "4bit")
        if self.model_type == "embedding" and self.inferred_backend is BackendType.LLAMA_CPP:
            data.setdefault("embedding", True)
        return ModelConfig.parse(data)

    @property
    def inferred_backend(self) -> BackendType | None:
        """The backend, from ``backend``, a known model id or a ``.gguf`` suffix (no file access)."""
        if self.backend is not None:
            return self.backend
        known = find_known_model(self.base_model)
        if known is not None:
            return known.backend
        if self.base_model.lower().endswith(".gguf"):
            return BackendType.LLAMA_CPP
        return None


class RegistryFile(BaseModel):
    """The registry file's top level."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    models: dict[str, ModelEntry] = Field(default_factory=dict)


@dataclass(frozen=True)
class Registry:
    """The registered models: the defaults plus the file's entries.

    Attributes:
        entries: model id -> entry.
        source: The file the entries came from (``None``: defaults only).
    """

    entries: Mapping[str, ModelEntry]
    source: str | None = None

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __contains__(self, model_id: object) -> bool:
        return isinstance(model_id, str) and self._key(model_id) is not None

    def _key(self, model_id: str) -> str | None:
        if model_id in self.entries:
            return model_id
        known = find_known_model(model_id)
        if known is not None and known.id in self.entries:
            return known.id
        return None

    def canonical_id(self, model_id: str) -> str:
        """The registered id for ``model_id`` (a default model's alias gives its id).

        Raises:
            UnknownModelError: ``model_id`` is not registered.
        """
        key = self._key(model_id)
        if key is None:
            raise UnknownModelError(model_id, where="in the models registry", known=sorted(self.entries))
        return key

    def get(self, model_id: str) -> ModelEntry:
        """The entry of ``model_id``.

        Raises:
            UnknownModelError: ``model_id`` is not registered.
        """
        return self.entries[self.canonical_id(model_id)]


def _default_entries() -> dict[str, ModelEntry]:
    types: dict[str, ModelType] = {"chat": "instruct", "completion": "base", "embedding": "embedding"}
    return {
        known.id: ModelEntry(base_model=known.id, model_type=types[known.kind], backend=known.backend)
        for known in KNOWN_MODELS.values()
    }


def load_registry(
    path: str | os.PathLike[str] | None = None, *, default_path: Path | None = None
) -> Registry:
    """Load the registry from ``path`` (must exist), else from ``default_path`` when it exists.

    Raises:
        RegistryError: the file is unreadable or invalid (file, line and field of each problem).
    """
    entries = _default_entries()
    chosen: Path | None = Path(path) if path is not None else default_path
    if chosen is None or (path is None and not chosen.exists()):
        return Registry(entries=entries)
    from llmhub_runtime.yamldoc import read_yaml_file, validation_problems

    source = os.fspath(chosen)
    document = read_yaml_file(chosen, empty_hint="a 'models:' mapping", error=RegistryError)
    try:
        parsed = RegistryFile.model_validate(document.data)
    except ValidationError as e:
        raise RegistryError(validation_problems(e, RegistryFile, document), source) from None

    problems = []
    for model_id, entry in parsed.models.items():
        where = ("models", model_id)
        if not re.match(MODEL_ID_PATTERN, model_id):
            problems.append(
                document.problem(where, "a model id must be 1-64 letters, digits, '.', '_' or '-'")
            )
        if entry.adapter_dir is not None:
            problems.append(
                document.problem(
                    (*where, "adapter_dir"),
                    "adapters are not supported yet by either runner; merge the adapter into the "
                    "weights (or export a GGUF) and point base_model at the result",
                )
            )
        if entry.use_4bit and entry.inferred_backend is BackendType.LLAMA_CPP:
            problems.append(
                document.problem(
                    (*where, "use_4bit"),
                    "use_4bit applies to the transformers backend; a GGUF file is quantized already",
                )
            )
        try:
            entry.model_config_for()
        except LLMConfigError as e:
            problems.append(document.problem((*where, "params"), str(e)))
    if problems:
        raise RegistryError(problems, source)
    entries.update(parsed.models)
    return Registry(entries=entries, source=source)
