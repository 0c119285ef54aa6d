"""Runner configuration: :class:`ModelConfig`, :class:`BackendType`, :class:`DeviceType`.

A configuration is a frozen pydantic model, strict about what it accepts: an unknown key is an
error (a typo such as ``temprature`` never goes unnoticed) and every value is range-checked.
It can be written as a mapping in the seed's shape (``{"llm": {"backend": "llama.cpp",
"model_path": ...}}``) or flat, and parsed with :meth:`ModelConfig.parse`, which turns pydantic's
errors into one :class:`~llmhub_local.errors.LLMConfigError` naming each field.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Self

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from llmhub_local.errors import LLMConfigError

__all__ = [
    "DEFAULT_CONTEXT_LENGTH",
    "DEFAULT_MAX_TOKENS",
    "DEFAULT_TEMPERATURE",
    "DEFAULT_TOP_P",
    "BackendType",
    "DType",
    "DeviceType",
    "ModelConfig",
    "QuantizationType",
]

DEFAULT_CONTEXT_LENGTH = 2048
DEFAULT_MAX_TOKENS = 512
DEFAULT_TEMPERATURE = 0.7
DEFAULT_TOP_P = 0.95


class BackendType(StrEnum):
    """The inference library a runner uses."""

    LLAMA_CPP = "llama.cpp"
    TRANSFORMERS = "transformers"

    @classmethod
    def _missing_(cls, value: object) -> BackendType | None:
        # Accept the spellings people actually type: "llama_cpp", "llamacpp", "LLAMA.CPP", "hf".
        if isinstance(value, str):
            key = value.strip().lower().replace("_", "").replace("-", "").replace(".", "")
            return {
                "llamacpp": cls.LLAMA_CPP,
                "gguf": cls.LLAMA_CPP,
                "transformers": cls.TRANSFORMERS,
                "hf": cls.TRANSFORMERS,
                "huggingface": cls.TRANSFORMERS,
            }.get(key)
        return None


class DeviceType(StrEnum):
    """Where the model runs. ``auto`` is resolved from what torch / llama.cpp report."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"


class QuantizationType(StrEnum):
    """Load-time weight quantization for the transformers backend (bitsandbytes; CUDA only).

    GGUF files are quantized when they are written, so llama.cpp takes only ``none`` here.
    """

    NONE = "none"
    INT8 = "8bit"
    INT4 = "4bit"


class DType(StrEnum):
    """Weight/activation dtype for the transformers backend (``auto``: float32 on CPU)."""

    AUTO = "auto"
    FLOAT32 = "float32"
    BFLOAT16 = "bfloat16"
    FLOAT16 = "float16"


class ModelConfig(BaseModel):
    """Everything a runner needs to load a model and generate with it.

    Attributes:
        model: A path to a model file/folder (``.gguf`` file for llama.cpp, a ``save_pretrained``
            folder for transformers) or a known model id such as ``smollm2-135m-instruct``
            (see :data:`llmhub_local.runners.model_store.KNOWN_MODELS`). ``model_path`` is accepted as an
            alias, as in seed 003.
        backend: ``llama.cpp`` or ``transformers``; inferred from the model when left out.
        device: ``auto`` | ``cpu`` | ``cuda`` | ``mps``.
        context_length: Context window in tokens (prompt + generated).
        threads: CPU threads for generation (llama.cpp ``n_threads``, torch intra-op threads);
            ``None`` leaves the library's choice.
        adaptive_threads: llama.cpp on CPU only: before each generation, use fewer than
            ``threads`` while other processes keep cores busy (measured from the machine's CPU
            time since the previous generation; see :mod:`llmhub_local.runners.threads`).
            ``False``: always ``threads``.
        batch_size: Prompt-processing batch (llama.cpp ``n_batch``).
        temperature, max_tokens, top_p, top_k, repeat_penalty, stop, seed: Sampling defaults; each
            call can override them. ``temperature=0`` means greedy decoding.
        chat_template: A Jinja chat template that replaces the model's own.
        system_prompt: Prepended as a system message when a chat has none.
        quantization: ``none`` | ``8bit`` | ``4bit`` (transformers only, where bitsandbytes runs).
        dtype: Weights dtype for transformers.
        static_cache: transformers only: decode with a pre-allocated static KV cache and a
            torch-compiled decode step. The first call compiles (about a minute on 2 CPU cores);
            whether later calls are faster depends on the machine (see the README and bench/).
        embedding: llama.cpp only: load the model in embedding mode.
        gguf_file: transformers only: load (and dequantize) this GGUF file inside ``model``.
        cache_dir: Where known models are materialized (default: the user cache dir).
        backend_options: Extra keyword arguments passed as they are to ``llama_cpp.Llama`` or
            ``from_pretrained`` (an escape hatch; prefer the typed fields).
        verbose: Let the backend log to stderr.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False, populate_by_name=True)

    model: str = Field(min_length=1, validation_alias=AliasChoices("model", "model_path"))
    backend: BackendType | None = None
    device: DeviceType = DeviceType.AUTO
    context_length: int = Field(default=DEFAULT_CONTEXT_LENGTH, ge=16, le=1_048_576)
    threads: int | None = Field(default=None, ge=1, le=1024)
    adaptive_threads: bool = True
    batch_size: int = Field(default=512, ge=1, le=65_536)
    temperature: float = Field(default=DEFAULT_TEMPERATURE, ge=0.0, le=2.0)
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=1)
    top_p: float = Field(default=DEFAULT_TOP_P, gt=0.0, le=1.0)
    top_k: int = Field(default=40, ge=0)
    repeat_penalty: float = Field(default=1.0, gt=0.0)
    stop: tuple[str, ...] = ()
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    chat_template: str | None = None
    system_prompt: str | None = None
    quantization: QuantizationType = QuantizationType.NONE
    dtype: DType = DType.AUTO
    static_cache: bool = False
    embedding: bool = False
    gguf_file: str | None = None
    cache_dir: Path | None = None
    backend_options: dict[str, Any] = Field(default_factory=dict)
    verbose: bool = False

    @field_validator("stop", mode="before")
    @classmethod
    def _stop_as_tuple(cls, value: Any) -> Any:
        if isinstance(value, str):
            return (value,)
        return value

    @field_validator("stop")
    @classmethod
    def _stop_not_empty(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not s for s in value):
            raise ValueError("stop sequences must be non-empty strings")
        return value

    @field_validator("backend_options")
    @classmethod
    def _options_are_not_typed_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        reserved = {
            "model_path",
            "n_ctx",
            "n_threads",
            "n_batch",
            "seed",
            "verbose",
            "embedding",
            "chat_format",
            "device_map",
            "torch_dtype",
            "dtype",
            "quantization_config",
        }
        clash = sorted(reserved & set(value))
        if clash:
            raise ValueError(
                f"{', '.join(clash)} must be set through the typed ModelConfig fields "
                "(context_length, threads, batch_size, seed, device, dtype, quantization...), "
                "not backend_options"
            )
        return value

    @model_validator(mode="after")
    def _backend_specific(self) -> Self:
        if self.backend is BackendType.LLAMA_CPP:
            if self.quantization is not QuantizationType.NONE:
                raise ValueError(
                    "quantization applies to the transformers backend only; a GGUF file is "
                    "quantized when it is written (pick a Q4/Q8 file instead)"
                )
            if self.gguf_file is not None:
                raise ValueError("gguf_file applies to the transformers backend; for llama.cpp set model")
            if self.static_cache:
                raise ValueError("static_cache applies to the transformers backend only")
        if self.backend is BackendType.TRANSFORMERS and self.embedding:
            raise ValueError(
                "embedding mode applies to llama.cpp; transformers embeds with any encoder model"
            )
        return self

    @classmethod
    def parse(cls, data: Mapping[str, Any] | ModelConfig) -> ModelConfig:
        """Build a config from a mapping (flat, or seed-shaped ``{"llm": {...}}``).

        Raises:
            LLMConfigError: listing every invalid or unknown field with its path.
        """
        if isinstance(data, ModelConfig):
            return data
        if not isinstance(data, Mapping):
            raise LLMConfigError(f"a model configuration must be a mapping, not {type(data).__name__}")
        section: Any = data
        prefix = ""
        if set(data) == {"llm"}:
            section, prefix = data["llm"], "llm."
            if not isinstance(section, Mapping):
                raise LLMConfigError(f"llm: must be a mapping, not {type(section).__name__}")
        try:
            return cls.model_validate(dict(section))
        except ValidationError as e:
            raise LLMConfigError(_render_validation_error(e, prefix)) from e

    def with_overrides(self, **changes: Any) -> ModelConfig:
        """A validated copy with some fields changed."""
        return ModelConfig.parse({**self.model_dump(exclude_unset=False), **changes})


def _render_validation_error(error: ValidationError, prefix: str) -> str:
    lines = ["invalid model configuration:"]
    for item in error.errors(include_url=False):
        loc = ".".join(str(p) for p in item["loc"]) or "<config>"
        if item["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see ModelConfig for the accepted fields)"
        elif item["type"] == "missing":
            message = "field required"
        else:
            message = str(item["msg"]).removeprefix("Value error, ")
        lines.append(f"  {prefix}{loc}: {message}")
    return "\n".join(lines)
