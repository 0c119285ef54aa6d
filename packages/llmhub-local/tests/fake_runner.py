"""A deterministic in-process runner for the fast suite: it "generates" a fixed script of words."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from llmhub_local import BackendType, BaseLLMRunner, Generation, GenerationParams, StreamPiece
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
        self.last_prompt = prompt
        scanner = StopScanner(params.stop)
        used = 0
        for word in SCRIPT[: params.max_tokens]:
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
