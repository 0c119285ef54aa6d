"""Build the OpenAI chat-completion / embedding shapes that any-llm returns.

Runners return any-llm's own types (subclasses of the ``openai`` SDK's), so a caller cannot tell
a local model from a hosted one. This module imports any-llm's types; only runners import it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any, Literal

from any_llm.types.completion import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    Choice,
    ChoiceDelta,
    ChunkChoice,
    CompletionUsage,
    CreateEmbeddingResponse,
    Embedding,
    Usage,
)

__all__ = ["FinishReason", "chat_chunk", "chat_completion", "completion_id", "embedding_response", "usage"]

FinishReason = Literal["stop", "length"]


def completion_id() -> str:
    """A fresh ``chatcmpl-...`` id."""
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def chat_completion(
    *,
    model: str,
    content: str,
    finish_reason: FinishReason,
    prompt_tokens: int,
    completion_tokens: int,
    id_: str | None = None,
    created: int | None = None,
    logprobs: dict[str, Any] | None = None,
) -> ChatCompletion:
    """One non-streaming chat completion."""
    return ChatCompletion(
        id=id_ or completion_id(),
        object="chat.completion",
        created=created if created is not None else int(time.time()),
        model=model,
        choices=[
            Choice.model_validate(
                {
                    "index": 0,
                    "message": ChatCompletionMessage(role="assistant", content=content),
                    "finish_reason": finish_reason,
                    "logprobs": logprobs,
                }
            )
        ],
        usage=CompletionUsage(
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            total_tokens=prompt_tokens + completion_tokens,
        ),
    )


def chat_chunk(
    *,
    id_: str,
    created: int,
    model: str,
    content: str | None = None,
    role: bool = False,
    finish_reason: FinishReason | None = None,
    usage: CompletionUsage | None = None,
) -> ChatCompletionChunk:
    """One streamed chunk: the role first, then content deltas, then the finish reason."""
    delta = ChoiceDelta(role="assistant" if role else None, content=content)
    return ChatCompletionChunk(
        id=id_,
        object="chat.completion.chunk",
        created=created,
        model=model,
        choices=[ChunkChoice(index=0, delta=delta, finish_reason=finish_reason)],
        usage=usage,
    )


def usage(prompt_tokens: int, completion_tokens: int) -> CompletionUsage:
    """Token counts in the OpenAI shape."""
    return CompletionUsage(
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        total_tokens=prompt_tokens + completion_tokens,
    )


def embedding_response(
    *, model: str, vectors: Sequence[Sequence[float]], prompt_tokens: int
) -> CreateEmbeddingResponse:
    """An embeddings response, one vector per input, in input order."""
    return CreateEmbeddingResponse(
        object="list",
        model=model,
        data=[Embedding(object="embedding", index=i, embedding=list(v)) for i, v in enumerate(vectors)],
        usage=Usage(prompt_tokens=prompt_tokens, total_tokens=prompt_tokens),
    )
