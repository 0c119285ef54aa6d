"""A deterministic in-process runner for the fast suite: it "generates" a fixed script of words."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

from llmhub_local import BackendType, BaseLLMRunner, Generation, GenerationParams, StreamPiece
from llmhub_local.errors import ContextLengthError
from llmhub_local.runners._text import StopScanner

SCRIPT = ["Paris", " is", " the", " capital", " of", " France", ".", " END", " more", " words"]


class FakeRunner(BaseLLMRunner):
    """Emits SCRIPT word by word (one word = one token), honouring max_tokens and stop."""

    backend: ClassVar[BackendType] = BackendType.LLAMA_CPP
    loads = 0
    fail_on_load: ClassVar[Exception | None] = None
    fail_on_generate: Exception | None = None

    def _initialize_model(self) -> None:
        if self.fail_on_load is not None:
            raise self.fail_on_load
        type(self).loads += 1
        self.weights = bytearray(1024)
        self.last_prompt: str | None = None

    def _release_model(self) -> None:
        del self.weights

    def _model_bytes(self) -> int:
        return len(self.weights)

    def _pieces(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        if self.fail_on_generate is not None:
            raise self.fail_on_generate
        words = len(prompt.split())
        if words > self.config.context_length:
            raise ContextLengthError(
                f"the prompt has {words} tokens, more than the context of {self.config.context_length}",
                prompt_tokens=words,
                context_length=self.config.context_length,
            )
        self.last_prompt = prompt
        scanner = StopScanner(params.stop)
        used = 0
        for word in SCRIPT[: params.max_tokens]:
            if params.cancel is not None and params.cancel.is_set():
                break
            used += 1
            safe = scanner.feed(word)
            if safe:
                yield StreamPiece(safe)
            if scanner.stopped:
                break
        tail = scanner.flush()
        if tail:
            yield StreamPiece(tail)
        reason = "stop" if scanner.stopped or used < params.max_tokens else "length"
        yield StreamPiece("", finish_reason=reason, prompt_tokens=len(prompt.split()), completion_tokens=used)

    def _collect(self, prompt: str, params: GenerationParams) -> Generation:
        pieces = list(self._pieces(prompt, params))
        last = pieces[-1]
        assert last.finish_reason is not None
        return Generation(
            "".join(p.text for p in pieces), last.finish_reason, last.prompt_tokens, last.completion_tokens
        )

    def _complete(self, prompt: str, params: GenerationParams) -> Generation:
        return self._collect(prompt, params)

    def _complete_stream(self, prompt: str, params: GenerationParams) -> Iterator[StreamPiece]:
        return self._pieces(prompt, params)

    def _chat(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Generation:
        return self._collect(_render(messages), params)

    def _chat_stream(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Iterator[StreamPiece]:
        return self._pieces(_render(messages), params)


def _render(messages: list[dict[str, Any]]) -> str:
    return "\n".join(f"{m['role']}: {m['content']}" for m in messages)


def example_of(schema: Any) -> Any:
    """A value that satisfies ``schema`` (the subset the tool and JSON tests use): first choices."""
    if not isinstance(schema, dict):
        return {}
    if "anyOf" in schema:
        return example_of(schema["anyOf"][0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "object")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example_of(v) for k, v in props.items() if k in schema.get("required", props)}
    return {"string": "42*17", "integer": 7, "number": 1.5, "boolean": True, "array": []}.get(kind)


class SchemaRunner(FakeRunner):
    """A fake with constrained decoding: it answers with a JSON value that satisfies the schema.

    With ``anyOf`` it takes the first variant, unless the conversation says "no tool", then the
    last one (the server's "answer" variant of tool_choice auto).
    """

    supports_json_schema: ClassVar[bool] = True
    last_schema: dict[str, Any] | None = None
    last_messages: list[dict[str, Any]] | None = None

    def _constrained(self, messages: list[dict[str, Any]], schema: dict[str, Any] | None) -> str | None:
        type(self).last_schema = schema
        type(self).last_messages = messages
        if schema is None:
            return None
        if "anyOf" in schema and "no tool" in messages[-1]["content"]:
            return json.dumps(example_of(schema["anyOf"][-1]))
        return json.dumps(example_of(schema))

    def _chat(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Generation:
        text = self._constrained(messages, schema)
        if text is None:
            return super()._chat(messages, params, schema)
        return Generation(text, "stop", len(_render(messages).split()), len(text.split()))

    def _chat_stream(
        self, messages: list[dict[str, Any]], params: GenerationParams, schema: dict[str, Any] | None
    ) -> Iterator[StreamPiece]:
        text = self._constrained(messages, schema)
        if text is None:
            yield from super()._chat_stream(messages, params, schema)
            return
        half = len(text) // 2
        yield StreamPiece(text[:half])
        yield StreamPiece(text[half:])
        yield StreamPiece("", "stop", len(_render(messages).split()), 2)


class EmbeddingRunner(FakeRunner):
    """Embeds each text as [length, vowels, 0.25] (exact in float32)."""

    def _embed(self, texts: list[str]) -> tuple[list[list[float]], int]:
        vectors = [[float(len(t)), float(sum(c in "aeiou" for c in t)), 0.25] for t in texts]
        return vectors, sum(len(t.split()) for t in texts)
