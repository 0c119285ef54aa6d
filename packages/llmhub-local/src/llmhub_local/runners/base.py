"""``BaseLLMRunner``: the interface every backend implements, and what they share.

A backend implements a handful of private hooks (load, release, complete, stream, chat, embed);
the base class does the rest the same way for every backend: parameter defaults and overrides,
message and ``response_format`` validation, the system prompt, OpenAI-shaped results built from
any-llm's types, error wrapping (anything unexpected from a backend becomes
:class:`LLMInferenceError` ``from`` the original), lazy loading, ``reload()``/``unload()`` and
context-manager use.

Runners are not safe to call from several threads at once (llama.cpp and a torch model keep
per-call state); a lock serializes calls so that concurrent use is slow rather than wrong.
"""

from __future__ import annotations

import abc
import gc
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Self

from llmhub_local.errors import (
    LLMConfigError,
    LLMInferenceError,
    LLMInitializationError,
    UnsupportedOperationError,
)
from llmhub_local.runners.config import BackendType, DeviceType, ModelConfig
from llmhub_local.runners.model_store import ResolvedModel, resolve_model
from llmhub_runtime.errors import LLMHubError

if TYPE_CHECKING:
    from any_llm.types.completion import ChatCompletion, ChatCompletionChunk, CreateEmbeddingResponse

__all__ = [
    "BaseLLMRunner",
    "Generation",
    "GenerationParams",
    "MemoryUsage",
    "StreamPiece",
    "process_rss_bytes",
]

FinishReason = Literal["stop", "length"]


@dataclass(frozen=True)
class GenerationParams:
    """Sampling parameters of one call (the config's defaults with the call's overrides)."""

    max_tokens: int
    temperature: float
    top_p: float
    top_k: int
    repeat_penalty: float
    stop: tuple[str, ...]
    seed: int | None
    #: Log-probabilities of the output tokens with this many alternatives each (None: none).
    logprobs: int | None = None
    #: Set from another thread to end the generation at its next token (e.g. the client left).
    cancel: threading.Event | None = field(default=None, compare=False)

    @property
    def greedy(self) -> bool:
        """Temperature 0 means always pick the most likely token."""
        return self.temperature == 0.0


@dataclass(frozen=True)
class Generation:
    """A finished generation as a backend reports it."""

    text: str
    finish_reason: FinishReason
    prompt_tokens: int
    completion_tokens: int
    #: OpenAI chat ``logprobs`` (``{"content": [...]}``) when they were asked for.
    logprobs: dict[str, Any] | None = None


@dataclass(frozen=True)
class StreamPiece:
    """One streamed piece; the last one has ``finish_reason`` and the token counts set."""

    text: str
    finish_reason: FinishReason | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class MemoryUsage:
    """Memory figures of a runner.

    Attributes:
        process_rss_bytes: Resident set size of the whole process now.
        model_bytes: Bytes of the loaded weights (0 when unloaded).
        device: Where the weights live.
    """

    process_rss_bytes: int
    model_bytes: int
    device: DeviceType


def process_rss_bytes() -> int:
    """Current resident set size of this process (psutil: right on Linux, macOS and Windows)."""
    import psutil

    return int(psutil.Process().memory_info().rss)


_OVERRIDABLE = frozenset({"max_tokens", "temperature", "top_p", "top_k", "repeat_penalty", "stop", "seed"})


class BaseLLMRunner(abc.ABC):
    """Abstract base class of the local model runners.

    Build one with :class:`~llmhub_local.runners.factory.LLMRunnerFactory` or directly
    (``LlamaCppRunner(config)``). The model loads in the constructor unless ``load=False``; a
    runner that was unloaded loads again on its next call.

    Class attributes declare what a backend can do; a method the backend or the model cannot
    serve raises :class:`UnsupportedOperationError`.
    """

    backend: ClassVar[BackendType]
    supports_json_schema: ClassVar[bool] = False

    def __init__(self, config: ModelConfig | Mapping[str, Any], *, load: bool = True) -> None:
        parsed = ModelConfig.parse(config)
        if parsed.backend is None:
            parsed = parsed.model_copy(update={"backend": self.backend})
        elif parsed.backend is not self.backend:
            raise LLMConfigError(
                f"{type(self).__name__} runs the {self.backend.value!r} backend, "
                f"but the configuration asks for {parsed.backend.value!r}; "
                "use LLMRunnerFactory.create_runner()"
            )
        self._config = parsed
        self._lock = threading.RLock()
        self._loaded = False
        self._resolved: ResolvedModel | None = None
        self._device = DeviceType.CPU
        if load:
            self.load()

    # -- state ---------------------------------------------------------------------------------

    @property
    def config(self) -> ModelConfig:
        """The validated configuration."""
        return self._config

    @property
    def is_loaded(self) -> bool:
        """Whether the weights are in memory."""
        return self._loaded

    @property
    def device(self) -> DeviceType:
        """The device the model runs on (resolved from ``auto`` at load time)."""
        return self._device

    @property
    def supports_logprobs(self) -> bool:
        """Whether chat completions can report token log-probabilities (``logprobs=``)."""
        return False

    @property
    def model_name(self) -> str:
        """The name reported as ``model`` in responses: the known id, else the file/folder name."""
        if self._resolved is not None and self._resolved.known is not None:
            return self._resolved.known.id
        return os.path.basename(self._config.model.rstrip("/\\")) or self._config.model

    @property
    def resolved_model(self) -> ResolvedModel:
        """Where the weights are on disk (resolves, and materializes a known model, on first use)."""
        if self._resolved is None:
            self._resolved = resolve_model(self._config.model, self._config.cache_dir)
        return self._resolved

    def load(self) -> None:
        """Load the model if it is not loaded.

        Raises:
            LLMInitializationError: the model cannot be loaded (the cause is chained).
            MissingDependencyError: the backend's extra is not installed.
        """
        with self._lock:
            if self._loaded:
                return
            try:
                self._initialize_model()
            except LLMHubError:
                raise
            except Exception as e:
                raise LLMInitializationError(
                    f"could not load {self._config.model!r} with {self.backend.value}: "
                    f"{type(e).__name__}: {e}"
                ) from e
            self._loaded = True

    def unload(self) -> None:
        """Free the model's memory. Safe to call twice; the next call loads it again."""
        with self._lock:
            if not self._loaded:
                return
            self._release_model()
            self._loaded = False
        gc.collect()

    def reload(self, **changes: Any) -> None:
        """Unload and load again, optionally with some configuration fields changed."""
        with self._lock:
            new_config = self._config.with_overrides(**changes) if changes else self._config
            self.unload()
            if new_config.model != self._config.model or new_config.cache_dir != self._config.cache_dir:
                self._resolved = None
            self._config = new_config
            self.load()

    def __enter__(self) -> Self:
        self.load()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.unload()

    def memory_usage(self) -> MemoryUsage:
        """Process RSS and the bytes of the loaded weights."""
        with self._lock:
            model_bytes = self._model_bytes() if self._loaded else 0
        return MemoryUsage(
            process_rss_bytes=process_rss_bytes(), model_bytes=model_bytes, device=self._device
        )

    # -- parameters ----------------------------------------------------------------------------

    def generation_params(self, **overrides: Any) -> GenerationParams:
        """The config's sampling defaults with per-call overrides (``None`` means "use default").

        Raises:
            LLMConfigError: an unknown parameter or an out-of-range value.
        """
        cancel = overrides.pop("cancel", None)
        if cancel is not None and not isinstance(cancel, threading.Event):
            raise LLMConfigError(f"cancel must be a threading.Event, not {type(cancel).__name__}")
        logprobs = overrides.pop("logprobs", None)
        if logprobs is not None:
            if isinstance(logprobs, bool) or not isinstance(logprobs, int) or not 0 <= logprobs <= 20:
                raise LLMConfigError(
                    f"logprobs must be an integer from 0 to 20 (alternatives per token), not {logprobs!r}"
                )
            if not self.supports_logprobs:
                raise UnsupportedOperationError(
                    f"{type(self).__name__} with {self.model_name!r} does not report log-probabilities"
                    + self._logprobs_hint()
                )
        unknown = sorted(set(overrides) - _OVERRIDABLE)
        if unknown:
            raise LLMConfigError(
                f"unknown generation parameter(s): {', '.join(unknown)} "
                f"(accepted: {', '.join(sorted(_OVERRIDABLE))})"
            )
        given = {k: v for k, v in overrides.items() if v is not None}
        c = self._config if not given else self._config.with_overrides(**given)
        return GenerationParams(
            max_tokens=c.max_tokens,
            temperature=c.temperature,
            top_p=c.top_p,
            top_k=c.top_k,
            repeat_penalty=c.repeat_penalty,
            stop=c.stop,
            seed=c.seed,
            logprobs=logprobs,
            cancel=cancel,
        )

    def _logprobs_hint(self) -> str:
        """What would make log-probabilities available (appended to the refusal)."""
        return ""

    # -- public API ----------------------------------------------------------------------------

    def run(self, prompt: str, *, stream: bool = False, **overrides: Any) -> str | Iterator[str]:
        """Seed-003 entry point: ``generate_text`` or, with ``stream=True``, its streaming form."""
        if stream:
            return self.generate_text_streaming(prompt, **overrides)
        return self.generate_text(prompt, **overrides)

    def generate_text(self, prompt: str, **overrides: Any) -> str:
        """Complete ``prompt`` (raw text, no chat template) and return the generated text."""
        return self._complete_checked(prompt, self.generation_params(**overrides)).text

    def generate_text_streaming(self, prompt: str, **overrides: Any) -> Iterator[str]:
        """Complete ``prompt`` piece by piece; the pieces join to what ``generate_text`` returns."""
        params = self.generation_params(**overrides)
        self._check_prompt(prompt)
        for piece in self._guarded_stream(lambda: self._complete_stream(prompt, params)):
            if piece.text:
                yield piece.text

    def create_chat_completion(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        response_format: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> ChatCompletion:
        """An OpenAI-shaped chat completion (any-llm's ``ChatCompletion``).

        Args:
            messages: OpenAI-style messages (text content only).
            response_format: ``{"type": "json_object"}`` or ``{"type": "json_schema", ...}`` to
                constrain the output where the backend supports it.
            **overrides: ``max_tokens``, ``temperature``, ``top_p``, ``top_k``,
                ``repeat_penalty``, ``stop``, ``seed``, ``logprobs`` (alternatives per token,
                0-20) where :attr:`supports_logprobs`, and ``cancel`` (a ``threading.Event``: when
                set, the generation ends at its next token - a server sets it when the client left).

        Raises:
            ContextLengthError: the prompt does not fit the context window.
            UnsupportedOperationError: ``logprobs`` or a ``response_format`` the backend lacks.
        """
        from llmhub_local.runners import _openai

        chat, params, schema = self._prepare_chat(messages, response_format, overrides)
        with self._lock:
            self.load()
            try:
                result = self._chat(chat, params, schema)
            except LLMHubError:
                raise
            except Exception as e:
                raise self._translate_error(e, "chat completion failed") from e
        return _openai.chat_completion(
            model=self.model_name,
            content=result.text,
            finish_reason=result.finish_reason,
            prompt_tokens=result.prompt_tokens,
            completion_tokens=result.completion_tokens,
            logprobs=result.logprobs,
        )

    def create_chat_completion_streaming(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        response_format: Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> Iterator[ChatCompletionChunk]:
        """The streaming form of :meth:`create_chat_completion` (any-llm's ``ChatCompletionChunk``).

        The first chunk carries the assistant role, the last one the finish reason and the usage.
        """
        from llmhub_local.runners import _openai

        chat, params, schema = self._prepare_chat(messages, response_format, overrides)
        id_, created = _openai.completion_id(), int(time.time())
        yield _openai.chat_chunk(id_=id_, created=created, model=self.model_name, role=True, content="")
        for piece in self._guarded_stream(lambda: self._chat_stream(chat, params, schema)):
            if piece.text:
                yield _openai.chat_chunk(id_=id_, created=created, model=self.model_name, content=piece.text)
            if piece.finish_reason is not None:
                yield _openai.chat_chunk(
                    id_=id_,
                    created=created,
                    model=self.model_name,
                    finish_reason=piece.finish_reason,
                    usage=_openai.usage(piece.prompt_tokens, piece.completion_tokens),
                )

    def create_embedding(self, input: str | Sequence[str]) -> CreateEmbeddingResponse:
        """Embed one text or a list of texts (any-llm's ``CreateEmbeddingResponse``).

        Raises:
            UnsupportedOperationError: the backend or the model does not produce embeddings.
        """
        from llmhub_local.runners import _openai

        texts = [input] if isinstance(input, str) else list(input)
        if not texts or not all(isinstance(t, str) for t in texts):
            raise LLMConfigError("input must be a string or a non-empty list of strings")
        with self._lock:
            self.load()
            try:
                vectors, tokens = self._embed(texts)
            except LLMHubError:
                raise
            except Exception as e:
                raise LLMInferenceError(f"embedding failed: {type(e).__name__}: {e}") from e
        return _openai.embedding_response(model=self.model_name, vectors=vectors, prompt_tokens=tokens)

    # -- helpers -------------------------------------------------------------------------------

    def _prepare_chat(
        self,
        messages: Sequence[Mapping[str, Any]],
        response_format: Mapping[str, Any] | None,
        overrides: Mapping[str, Any],
    ) -> tuple[list[dict[str, Any]], GenerationParams, dict[str, Any] | None]:
        from llmhub_local.runners._text import json_schema_of, normalize_messages

        params = self.generation_params(**overrides)
        schema = json_schema_of(response_format)
        if schema is not None and not self.supports_json_schema:
            raise UnsupportedOperationError(
                f"{type(self).__name__} cannot constrain output to JSON; "
                "drop response_format or use llama.cpp"
            )
        return normalize_messages(messages, self._config.system_prompt), params, schema

    @staticmethod
    def _check_prompt(prompt: str) -> None:
        if not isinstance(prompt, str):
            raise LLMConfigError(f"prompt must be a string, not {type(prompt).__name__}")

    def _complete_checked(self, prompt: str, params: GenerationParams) -> Generation:
        self._check_prompt(prompt)
        with self._lock:
            self.load()
            try:
                return self._complete(prompt, params)
            except LLMHubError:
                raise
            except Exception as e:
                raise self._translate_error(e, "text generation failed") from e

    def _guarded_stream(self, start: Any) -> Iterator[StreamPiece]:
        with self._lock:
            self.load()
            try:
                yield from start()
            except LLMHubError:
                raise
            except Exception as e:
                raise self._translate_error(e, "streaming generation failed") from e

    def _translate_error(self, error: Exception, what: str) -> LLMHubError:
        """The error to raise for an unexpected backend exception (a backend may recognise some)."""
        return LLMInferenceError(f"{what}: {type(error).__name__}: {error}")

    # -- backend hooks -------------------------------------------------------------------------

    @abc.abstractmethod
    def _initialize_model(self) -> None:
        """Import the backend, resolve the device and load the weights (set ``self._device``)."""

    @abc.abstractmethod
    def _release_model(self) -> None:
        """Drop every reference to the weights and backend state."""

    @abc.abstractmethod
    def _model_bytes(self) -> int:
        """Bytes of the loaded weights."""

    @abc.abstractmethod
    def _complete(self, prompt: str, params: GenerationParams) -> Generation:
        """Raw-text completion."""

    @abc.abstractmethod
    def _complete_stream(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        """Raw-text completion, streamed; the last piece carries the finish reason."""

    @abc.abstractmethod
    def _chat(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Generation:
        """Chat completion over validated messages, optionally constrained to a JSON schema."""

    @abc.abstractmethod
    def _chat_stream(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Iterator[StreamPiece]:
        """Chat completion, streamed; the last piece carries the finish reason."""

    def _embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        """Embeddings for ``texts`` and the number of tokens read; default: unsupported."""
        raise UnsupportedOperationError(
            f"{type(self).__name__} with {self.model_name!r} does not produce embeddings"
        )
