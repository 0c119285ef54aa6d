"""``LlamaCppRunner``: GGUF models through llama-cpp-python (extra ``llmhub-local[gguf]``).

llama_cpp is imported when a runner is created, never when this module is imported. Generation
calls go straight to ``llama_cpp.Llama`` (``create_completion`` / ``create_chat_completion``), so
the runner adds only the conversion to any-llm's types: ``bench/bench_local_gguf.py`` measures
that against raw ``Llama`` on the same model, threads and prompt.

Weight repacking ("extra buffer types") is turned off on CPUs that advertise AMX: ggml's AMX
buffer crashes (SIGSEGV in the first decode) on virtual machines that expose the AMX flags, and it
cannot be caught from Python. ``backend_options={"extra_buffers": True}`` turns it back on (or
``False`` off everywhere); ``$LLMHUB_LLAMA_EXTRA_BUFFERS=1|0`` does the same for every runner.

JSON-constrained output uses llama.cpp's grammar support through ``response_format``. Multimodal
(LLaVA-style) chat is not offered: the recommended wheel build turns it off
(``CMAKE_ARGS="-DLLAVA_BUILD=OFF"``), and only text content is accepted.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar, cast

from llmhub_local.errors import (
    ContextLengthError,
    GenerationCancelledError,
    LLMInitializationError,
    UnsupportedOperationError,
)
from llmhub_local.runners._deps import import_optional
from llmhub_local.runners.base import BaseLLMRunner, Generation, GenerationParams, StreamPiece
from llmhub_local.runners.config import BackendType, DeviceType, ModelConfig
from llmhub_local.runners.devices import resolve_device
from llmhub_local.runners.threads import ThreadGovernor

__all__ = ["EXTRA_BUFFERS_ENV", "LlamaCppRunner", "cpu_has_amx", "use_extra_buffers"]

EXTRA_BUFFERS_ENV = "LLMHUB_LLAMA_EXTRA_BUFFERS"


class LlamaCppRunner(BaseLLMRunner):
    """Runs a GGUF file with llama.cpp: completion, chat, streaming, JSON grammars, embeddings.

    Embeddings need ``embedding=True`` in the config (llama.cpp loads the model differently).
    ``threads=None`` uses every logical CPU (llama-cpp-python's own default is half of them).
    """

    backend: ClassVar[BackendType] = BackendType.LLAMA_CPP
    supports_json_schema: ClassVar[bool] = True

    def __init__(self, config: ModelConfig | Any, *, load: bool = True) -> None:
        self._llama_cpp: Any = import_optional("llama_cpp")
        self._llm: Any = None
        self._governor: ThreadGovernor | None = None
        self._threads_now = 0
        super().__init__(config, load=load)

    @property
    def llama(self) -> Any:
        """The underlying ``llama_cpp.Llama`` (loads the model if needed), for what the runner lacks."""
        self.load()
        return self._llm

    @property
    def supports_logprobs(self) -> bool:
        """Log-probabilities need the model loaded with ``backend_options={"logits_all": True}``."""
        return bool(self._config.backend_options.get("logits_all"))

    def _logprobs_hint(self) -> str:
        return (
            ": llama.cpp computes them only for a model loaded with backend_options "
            "{'logits_all': true} (which costs n_ctx x vocabulary floats of memory)"
        )

    def _translate_error(self, error: Exception, what: str) -> Any:
        match = _CONTEXT_EXCEEDED.search(str(error)) if isinstance(error, ValueError) else None
        if match is not None:
            prompt, window = int(match["tokens"]), int(match["window"])
            return ContextLengthError(
                f"the prompt has {prompt} tokens, more than the context window of {window} tokens of "
                f"{self.model_name!r}; shorten the messages (or raise context_length)",
                prompt_tokens=prompt,
                context_length=window,
            )
        return super()._translate_error(error, what)

    # -- lifecycle -----------------------------------------------------------------------------

    def _initialize_model(self) -> None:
        c = self._config
        path = self.resolved_model.path
        if not path.is_file():
            raise LLMInitializationError(f"llama.cpp needs a .gguf file, but {str(path)!r} is not a file")
        self._device = resolve_device(c.device, self.backend, self._llama_cpp)
        threads = c.threads or os.cpu_count() or 1
        kwargs: dict[str, Any] = {
            "model_path": str(path),
            "n_ctx": c.context_length,
            "n_batch": min(c.batch_size, c.context_length),
            "n_threads": threads,
            "n_threads_batch": threads,
            "n_gpu_layers": 0 if self._device is DeviceType.CPU else -1,
            "embedding": c.embedding,
            "verbose": c.verbose,
            **c.backend_options,
        }
        if c.seed is not None:
            kwargs["seed"] = c.seed
        extra_buffers = kwargs.pop("extra_buffers", None)
        if extra_buffers is None:
            extra_buffers = use_extra_buffers()
        with _model_params(self._llama_cpp, use_extra_bufts=bool(extra_buffers)):
            llm = self._llama_cpp.Llama(**kwargs)
        if c.chat_template is not None:
            llm.chat_handler = self._jinja_chat_handler(llm, c.chat_template)
        self._llm = llm
        self._threads_now = threads
        adaptive = c.adaptive_threads and self._device is DeviceType.CPU and threads > 1
        self._governor = ThreadGovernor(threads) if adaptive else None

    def _release_model(self) -> None:
        llm, self._llm = self._llm, None
        if llm is not None:
            with contextlib.suppress(AttributeError):
                llm.close()
            del llm

    def _model_bytes(self) -> int:
        try:
            return int(self._llama_cpp.llama_model_size(self._llm._model.model))
        except (AttributeError, TypeError):  # older/newer binding layouts: fall back to the file size
            return self.resolved_model.path.stat().st_size

    def _jinja_chat_handler(self, llm: Any, template: str) -> Any:
        llama_chat_format = importlib.import_module("llama_cpp.llama_chat_format")

        def token_text(token: int) -> str:
            return cast(bytes, llm.detokenize([token], special=True)).decode("utf-8", errors="ignore")

        formatter = llama_chat_format.Jinja2ChatFormatter(
            template=template,
            eos_token=token_text(llm.token_eos()),
            bos_token=token_text(llm.token_bos()),
        )
        return formatter.to_chat_handler()

    @property
    def threads_in_use(self) -> int:
        """The CPU threads llama.cpp uses now (fewer than configured while the machine is busy,
        with ``adaptive_threads``); 0 before the model is loaded."""
        return self._threads_now if self._llm is not None else 0

    def _fit_threads(self) -> None:
        """Before a generation: as many threads as the cores other processes leave free."""
        if self._governor is None:
            return
        wanted = self._governor.threads()
        if wanted != self._threads_now:
            self._llama_cpp.llama_set_n_threads(self._llm.ctx, wanted, wanted)
            self._threads_now = wanted

    # -- generation ----------------------------------------------------------------------------

    def _sampling(self, params: GenerationParams) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "top_k": params.top_k,
            "repeat_penalty": params.repeat_penalty,
            "stop": list(params.stop) or None,
        }
        if params.seed is not None:
            kwargs["seed"] = params.seed
        if params.cancel is not None:
            kwargs["logits_processor"] = self._llama_cpp.LogitsProcessorList([self._ender(params.cancel)])
        return kwargs

    def _ender(self, cancel: threading.Event) -> Any:
        """A logits processor that, once ``cancel`` is set, leaves only end-of-sequence possible."""
        eos = int(self._llm.token_eos())

        def process(input_ids: Any, scores: Any) -> Any:
            if cancel.is_set():
                scores[:] = -float("inf")
                scores[eos] = 0.0
            return scores

        return process

    def _complete(self, prompt: str, params: GenerationParams) -> Generation:
        self._fit_threads()
        out = self._llm.create_completion(prompt, **self._sampling(params))
        choice, usage = out["choices"][0], out["usage"]
        return Generation(
            text=choice["text"],
            finish_reason=_finish(choice.get("finish_reason")),
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
        )

    def _complete_stream(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        self._fit_threads()
        stream = self._llm.create_completion(prompt, stream=True, **self._sampling(params))
        return self._pieces(
            stream,
            prompt_tokens=len(self._llm.tokenize(prompt.encode("utf-8"))),
            key=lambda choice: choice.get("text"),
        )

    def _chat(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Generation:
        if schema is not None and params.cancel is not None and params.logprobs is None:
            return self._cancellable_constrained_chat(messages, params, schema)
        self._fit_threads()
        extra: dict[str, Any] = {}
        if params.logprobs is not None:
            extra = {"logprobs": True, "top_logprobs": params.logprobs}
        out = self._llm.create_chat_completion(
            messages, response_format=_response_format(schema), **self._sampling(params), **extra
        )
        choice, usage = out["choices"][0], out["usage"]
        return Generation(
            text=choice["message"].get("content") or "",
            finish_reason=_finish(choice.get("finish_reason")),
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
            logprobs=choice.get("logprobs") if params.logprobs is not None else None,
        )

    def _cancellable_constrained_chat(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any]
    ) -> Generation:
        """A JSON-constrained chat that stops when ``params.cancel`` is set.

        The end-of-sequence logits processor cannot end it (the grammar forbids the end before the
        JSON is complete, and an exception raised in a logits processor is swallowed by the C
        callback), so the answer is generated as a stream, checked between tokens, and abandoned.
        """
        cancel = params.cancel
        assert cancel is not None
        text: list[str] = []
        pieces = self._chat_stream(messages, replace(params, cancel=None), schema)
        try:
            for piece in pieces:
                if cancel.is_set():
                    raise GenerationCancelledError(
                        f"{self.model_name!r}: the JSON-constrained generation was cancelled after "
                        f"{len(text)} piece(s) of output; a partial constrained answer is not returned"
                    )
                text.append(piece.text)
                if piece.finish_reason is not None:
                    return Generation(
                        text="".join(text),
                        finish_reason=piece.finish_reason,
                        prompt_tokens=piece.prompt_tokens,
                        completion_tokens=piece.completion_tokens,
                    )
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()
        raise AssertionError("a llama.cpp stream ended without its final piece")  # pragma: no cover

    def _chat_stream(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Iterator[StreamPiece]:
        self._fit_threads()
        stream = self._llm.create_chat_completion(
            messages, response_format=_response_format(schema), stream=True, **self._sampling(params)
        )
        return self._pieces(
            stream, prompt_tokens=None, key=lambda choice: choice.get("delta", {}).get("content")
        )

    def _pieces(
        self, stream: Iterator[dict[str, Any]], *, prompt_tokens: int | None, key: Any
    ) -> Iterator[StreamPiece]:
        reason: str | None = None
        count = 0
        for chunk in stream:
            choice = chunk["choices"][0]
            text = key(choice)
            if text:
                count += 1
                yield StreamPiece(text=text)
            reason = choice.get("finish_reason") or reason
        if prompt_tokens is None:
            # The chat stream does not report usage; llama.cpp's context holds the prompt and the
            # output it evaluated - all but the last sampled token when the answer hit max_tokens.
            evaluated = count - 1 if reason == "length" and count else count
            prompt_tokens = max(int(self._llm.n_tokens) - evaluated, 0)
        yield StreamPiece(
            text="", finish_reason=_finish(reason), prompt_tokens=prompt_tokens, completion_tokens=count
        )

    def _embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        if not self._config.embedding:
            raise UnsupportedOperationError(
                f"{self.model_name!r} was loaded for generation; llama.cpp computes embeddings only for a "
                "model loaded with embedding=True in its ModelConfig"
            )
        self._fit_threads()
        out = self._llm.create_embedding(texts)
        vectors = [_pooled(item["embedding"]) for item in sorted(out["data"], key=lambda item: item["index"])]
        return vectors, int(out["usage"]["prompt_tokens"])


_CONTEXT_EXCEEDED = re.compile(
    r"Requested tokens \((?P<tokens>\d+)\) exceed context window of (?P<window>\d+)"
)


def cpu_has_amx() -> bool:
    """Whether this CPU advertises AMX tiles (Linux: ``/proc/cpuinfo``; elsewhere False)."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return "amx_tile" in line.split()
    except OSError:
        pass
    return False


def use_extra_buffers() -> bool:
    """The default for llama.cpp's weight repacking: ``$LLMHUB_LLAMA_EXTRA_BUFFERS``, else off with AMX."""
    explicit = os.environ.get(EXTRA_BUFFERS_ENV, "").strip().lower()
    if explicit in {"1", "true", "yes", "on"}:
        return True
    if explicit in {"0", "false", "no", "off"}:
        return False
    return not cpu_has_amx()


_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def _model_params(llama_cpp: Any, *, use_extra_bufts: bool) -> Iterator[None]:
    """Build ``Llama`` with ``use_extra_bufts`` set: ``Llama()`` takes no such argument, but reads
    ``llama_model_default_params()`` (looked up on the bindings module) when it loads."""
    bindings: Any = getattr(llama_cpp, "llama_cpp", None)
    original = getattr(bindings, "llama_model_default_params", None)
    if use_extra_bufts or original is None:
        yield
        return

    def patched() -> Any:
        params = original()
        if hasattr(params, "use_extra_bufts"):
            params.use_extra_bufts = False
        return params

    with _PARAMS_LOCK:
        bindings.llama_model_default_params = patched
        try:
            yield
        finally:
            bindings.llama_model_default_params = original


def _pooled(embedding: list[Any]) -> list[float]:
    """A model without a pooling type in its GGUF (e.g. a chat model) yields one vector per token:
    mean-pool those, as sentence embedders do."""
    if embedding and isinstance(embedding[0], list):
        n = len(embedding)
        return [sum(column) / n for column in zip(*embedding, strict=True)]
    return [float(x) for x in embedding]


def _finish(reason: Any) -> Any:
    return "length" if reason == "length" else "stop"


def _response_format(schema: dict[str, Any] | None) -> dict[str, Any] | None:
    if schema is None:
        return None
    return {"type": "json_object", "schema": schema} if schema else {"type": "json_object"}
