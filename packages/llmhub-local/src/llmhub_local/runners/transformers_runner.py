"""``TransformersRunner``: Hugging Face models through transformers + torch (extra ``[transformers]``).

torch and transformers are imported when a runner is created, never when this module is imported.

- Causal language models (``*ForCausalLM``) generate text and chat (the tokenizer's chat template,
  or ``ModelConfig.chat_template``). Generation is ``model.generate``; streaming runs it in a
  worker thread behind a ``TextIteratorStreamer``. ``static_cache=True`` asks generate for a
  pre-allocated static KV cache (``cache_implementation="static"``) and has torch compile the
  fixed-shape decode step, on the CPU too; the first call compiles (about a minute on 2 cores),
  and ``bench/bench_local_transformers.py`` reports whether it pays on the machine at hand.
- Encoder models (e.g. all-MiniLM-L6-v2) produce embeddings: mean pooling over the last hidden
  state with the attention mask, L2-normalized when the sentence-transformers folder says so.
- A ``.gguf`` file (``model`` pointing at it, or ``gguf_file`` inside a folder) is loaded through
  transformers' GGUF support, which dequantizes it (needs ``gguf`` and ``accelerate``; slow for
  big files: :meth:`export_pretrained` writes a folder that reloads in a second or two).
- JSON-constrained output is not offered by this backend (use llama.cpp).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from llmhub_local.errors import ContextLengthError, LLMInitializationError, UnsupportedOperationError
from llmhub_local.runners._deps import import_optional
from llmhub_local.runners._text import StopScanner
from llmhub_local.runners.base import BaseLLMRunner, FinishReason, Generation, GenerationParams, StreamPiece
from llmhub_local.runners.config import BackendType, DeviceType, DType, ModelConfig, QuantizationType
from llmhub_local.runners.devices import resolve_device

__all__ = ["TransformersRunner"]


class TransformersRunner(BaseLLMRunner):
    """Runs a Hugging Face model folder (or a GGUF file) with transformers on torch."""

    backend: ClassVar[BackendType] = BackendType.TRANSFORMERS
    supports_json_schema: ClassVar[bool] = False

    def __init__(self, config: ModelConfig | Any, *, load: bool = True) -> None:
        self._torch: Any = import_optional("torch")
        self._transformers: Any = import_optional("transformers")
        self._model: Any = None
        self._tokenizer: Any = None
        self._causal = False
        self._normalize_embeddings = False
        self._compile: Any = None
        super().__init__(config, load=load)

    @property
    def model(self) -> Any:
        """The underlying transformers model (loads it if needed)."""
        self.load()
        return self._model

    @property
    def tokenizer(self) -> Any:
        """The underlying tokenizer (loads it if needed)."""
        self.load()
        return self._tokenizer

    # -- lifecycle -----------------------------------------------------------------------------

    def _initialize_model(self) -> None:
        c, torch, tf = self._config, self._torch, self._transformers
        self._device = resolve_device(c.device, self.backend, torch)
        if c.threads is not None:
            torch.set_num_threads(c.threads)
        folder, gguf_file = self._locate()
        load_kwargs: dict[str, Any] = {**c.backend_options}
        if gguf_file is not None:
            import_optional("gguf")
            load_kwargs["gguf_file"] = gguf_file
        hf_config = tf.AutoConfig.from_pretrained(folder, **load_kwargs)
        self._causal = self._is_causal(hf_config)
        tokenizer = tf.AutoTokenizer.from_pretrained(folder, **load_kwargs)
        model_kwargs = {**load_kwargs, "dtype": self._torch_dtype()}
        quantization = self._quantization_config()
        if quantization is not None:
            model_kwargs["quantization_config"] = quantization
        auto = tf.AutoModelForCausalLM if self._causal else tf.AutoModel
        model = auto.from_pretrained(folder, **model_kwargs)
        if quantization is None:
            model = model.to(self._device.value)
        model.eval()
        if c.chat_template is not None:
            tokenizer.chat_template = c.chat_template
        if self._causal and tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._normalize_embeddings = _sentence_transformers_normalizes(Path(folder))
        self._model, self._tokenizer = model, tokenizer

    def _locate(self) -> tuple[str, str | None]:
        path = self.resolved_model.path
        if self._config.gguf_file is not None:
            if not (path / self._config.gguf_file).is_file():
                raise LLMInitializationError(
                    f"gguf_file {self._config.gguf_file!r} is not a file inside {str(path)!r}"
                )
            return str(path), self._config.gguf_file
        if path.is_file():
            if path.suffix.lower() != ".gguf":
                raise LLMInitializationError(
                    f"{str(path)!r} is a file; transformers loads a model folder or a .gguf file"
                )
            return str(path.parent), path.name
        return str(path), None

    def _is_causal(self, hf_config: Any) -> bool:
        known = self.resolved_model.known
        if known is not None and known.kind == "embedding":
            return False
        architectures = list(getattr(hf_config, "architectures", None) or [])
        if architectures:
            return any(
                a.endswith(("ForCausalLM", "LMHeadModel")) and not a.startswith("Bert") for a in architectures
            )
        modeling_auto = importlib.import_module("transformers.models.auto.modeling_auto")

        return bool(hf_config.model_type in modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES)

    def _torch_dtype(self) -> Any:
        torch = self._torch
        dtype = self._config.dtype
        if dtype is DType.AUTO:
            return torch.float32 if self._device is DeviceType.CPU else torch.float16
        return getattr(torch, dtype.value)

    def _quantization_config(self) -> Any:
        q = self._config.quantization
        if q is QuantizationType.NONE:
            return None
        if self._device is not DeviceType.CUDA:
            raise LLMInitializationError(
                f"{q.value} quantization in transformers runs on CUDA only (bitsandbytes); on "
                f"{self._device.value} use quantization 'none', or a quantized GGUF file with llama.cpp"
            )
        bnb_config = self._transformers.BitsAndBytesConfig
        if q is QuantizationType.INT4:
            return bnb_config(load_in_4bit=True, bnb_4bit_compute_dtype=self._torch.float16)
        return bnb_config(load_in_8bit=True)

    def _release_model(self) -> None:
        self._model = None
        self._tokenizer = None
        if self._device is DeviceType.CUDA:
            self._torch.cuda.empty_cache()

    def _model_bytes(self) -> int:
        model = self._model
        tensors = [*model.parameters(), *model.buffers()]
        return int(sum(t.numel() * t.element_size() for t in tensors))

    def export_pretrained(self, target: str | os.PathLike[str]) -> Path:
        """Save the loaded model and tokenizer as a folder (atomically: temp folder, then rename).

        Loading a GGUF file through transformers dequantizes it, which is slow; the folder
        written here reloads in a second or two.
        """
        from llmhub_runtime.atomic import atomic_directory

        self.load()
        destination = Path(target)
        with atomic_directory(destination) as tmp:
            with _dequantized_for_saving(self._model):
                self._model.save_pretrained(tmp)
            self._tokenizer.save_pretrained(tmp)
        return destination

    # -- generation ----------------------------------------------------------------------------

    def _require_causal(self, what: str) -> None:
        if not self._causal:
            raise UnsupportedOperationError(
                f"{self.model_name!r} is an encoder model: it produces embeddings, not {what}"
            )

    def _encode_prompt(self, prompt: str) -> Any:
        inputs = self._tokenizer(prompt, return_tensors="pt")
        n_prompt = int(inputs["input_ids"].shape[-1])
        window = self._context_window()
        if n_prompt >= window:
            raise ContextLengthError(
                f"the prompt has {n_prompt} tokens, more than the context window of {window} tokens of "
                f"{self.model_name!r}; shorten the messages (or raise context_length)",
                prompt_tokens=n_prompt,
                context_length=window,
            )
        return {k: v.to(self._device.value) for k, v in inputs.items()}

    def _context_window(self) -> int:
        """The configured context length, or the model's position limit when that is smaller."""
        limit = getattr(self._model.config, "max_position_embeddings", None)
        window = self._config.context_length
        return min(window, int(limit)) if isinstance(limit, int) and limit > 0 else window

    def _chat_prompt(self, messages: list[dict[str, Any]]) -> str:
        if not getattr(self._tokenizer, "chat_template", None):
            raise UnsupportedOperationError(
                f"{self.model_name!r} has no chat template; "
                "set ModelConfig.chat_template or use generate_text"
            )
        text: str = self._tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return text

    def _generate_kwargs(self, params: GenerationParams) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "max_new_tokens": params.max_tokens,
            "pad_token_id": self._tokenizer.pad_token_id,
            "repetition_penalty": params.repeat_penalty,
        }
        if params.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(
                do_sample=True, temperature=params.temperature, top_p=params.top_p, top_k=params.top_k or None
            )
            if params.seed is not None:
                self._torch.manual_seed(params.seed)
        if params.stop:
            kwargs.update(stop_strings=list(params.stop), tokenizer=self._tokenizer)
        if params.cancel is not None:
            kwargs["stopping_criteria"] = self._transformers.StoppingCriteriaList(
                [_cancel_criteria(params.cancel, self._torch, self._transformers)]
            )
        if self._config.static_cache:
            kwargs["cache_implementation"] = "static"
            kwargs["compile_config"] = self._compile_config()
        return kwargs

    def _compile_config(self) -> Any:
        """A compile config that also applies off-GPU.

        transformers compiles the fixed-shape decode step of a static cache by itself only on
        accelerators; ``_compile_all_devices`` (a private flag of ``CompileConfig``) extends it to
        the CPU. The first call pays the compilation (tens of seconds); later calls reuse it.
        """
        if self._compile is None:
            config = self._transformers.CompileConfig(fullgraph=False, dynamic=False)
            config._compile_all_devices = True
            self._compile = config
        return self._compile

    def _complete(self, prompt: str, params: GenerationParams) -> Generation:
        self._require_causal("text")
        inputs = self._encode_prompt(prompt)
        n_prompt = int(inputs["input_ids"].shape[-1])
        with self._torch.inference_mode():
            output = self._model.generate(**inputs, **self._generate_kwargs(params))
        new_tokens = output[0, n_prompt:]
        text = self._tokenizer.decode(new_tokens, skip_special_tokens=True)
        scanner = StopScanner(params.stop)
        kept = scanner.feed(text) + scanner.flush()
        n_new = int(new_tokens.shape[-1])
        ended_on_eos = n_new > 0 and int(new_tokens[-1]) in self._eos_ids()
        reason: FinishReason = (
            "stop" if scanner.stopped or ended_on_eos or n_new < params.max_tokens else "length"
        )
        return Generation(text=kept, finish_reason=reason, prompt_tokens=n_prompt, completion_tokens=n_new)

    def _complete_stream(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        self._require_causal("text")
        return self._stream(prompt, params)

    def _chat(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Generation:
        self._require_causal("chat completions")
        return self._complete(self._chat_prompt(messages), params)

    def _chat_stream(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Iterator[StreamPiece]:
        self._require_causal("chat completions")
        return self._stream(self._chat_prompt(messages), params)

    def _eos_ids(self) -> set[int]:
        ids = self._model.generation_config.eos_token_id
        if ids is None:
            ids = self._tokenizer.eos_token_id
        return set(ids) if isinstance(ids, list) else ({int(ids)} if ids is not None else set())

    def _stream(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        streamer = self._transformers.TextIteratorStreamer(
            self._tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600.0
        )
        inputs = self._encode_prompt(prompt)
        n_prompt = int(inputs["input_ids"].shape[-1])
        kwargs = {**inputs, **self._generate_kwargs(params), "streamer": streamer}
        result: dict[str, Any] = {}

        def work() -> None:
            try:
                with self._torch.inference_mode():
                    result["output"] = self._model.generate(**kwargs)
            except BaseException as e:  # noqa: BLE001 - handed to the consuming thread below
                result["error"] = e
                streamer.end()

        worker = threading.Thread(target=work, name="llmhub-local-generate", daemon=True)
        worker.start()
        scanner = StopScanner(params.stop)
        try:
            for text in streamer:
                safe = scanner.feed(text)
                if safe:
                    yield StreamPiece(text=safe)
        finally:
            worker.join()
        if "error" in result:
            raise result["error"]
        tail = scanner.flush()
        if tail:
            yield StreamPiece(text=tail)
        new_tokens = result["output"][0, n_prompt:]
        n_new = int(new_tokens.shape[-1])
        ended_on_eos = n_new > 0 and int(new_tokens[-1]) in self._eos_ids()
        reason: FinishReason = (
            "stop" if scanner.stopped or ended_on_eos or n_new < params.max_tokens else "length"
        )
        yield StreamPiece(text="", finish_reason=reason, prompt_tokens=n_prompt, completion_tokens=n_new)

    def _embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        if self._causal:
            raise UnsupportedOperationError(
                f"{self.model_name!r} is a causal language model; embeddings need an encoder model "
                "such as 'all-minilm-l6-v2'"
            )
        torch = self._torch
        batch = self._tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        batch = {k: v.to(self._device.value) for k, v in batch.items()}
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        if self._normalize_embeddings:
            pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
        vectors: list[list[float]] = pooled.float().cpu().tolist()
        return vectors, int(batch["attention_mask"].sum())


@contextlib.contextmanager
def _dequantized_for_saving(model: Any) -> Iterator[None]:
    """Let a model loaded from GGUF be saved as plain weights.

    transformers dequantizes GGUF tensors on load but keeps a "gguf" quantizer on the model,
    which makes ``save_pretrained`` refuse; the weights in memory are ordinary tensors, so the
    quantizer is detached while saving (and put back after).
    """
    quantizer = getattr(model, "hf_quantizer", None)
    method = getattr(getattr(quantizer, "quantization_config", None), "quant_method", None)
    if quantizer is None or str(getattr(method, "value", method)).lower() != "gguf":
        yield
        return
    config_quant = getattr(model.config, "quantization_config", None)
    model.hf_quantizer = None
    if config_quant is not None:
        del model.config.quantization_config
    try:
        yield
    finally:
        model.hf_quantizer = quantizer
        if config_quant is not None:
            model.config.quantization_config = config_quant


def _sentence_transformers_normalizes(folder: Path) -> bool:
    """Whether a sentence-transformers folder ends with a Normalize module."""
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(isinstance(m, dict) and str(m.get("type", "")).endswith("Normalize") for m in modules)


def _cancel_criteria(cancel: threading.Event, torch: Any, transformers: Any) -> Any:
    """A transformers ``StoppingCriteria`` that ends every sequence once ``cancel`` is set."""

    class CancelCriteria(transformers.StoppingCriteria):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full(
                (input_ids.shape[0],), cancel.is_set(), dtype=torch.bool, device=input_ids.device
            )

    return CancelCriteria()
