"""``StreamReset``: the chunk a ``restart`` stream sends when it starts the answer over.

Importing this module imports any-llm's chunk type (any-llm itself): import it where you consume
streams with the ``restart`` policy, not at the start of a service that needs to start fast.
"""

from __future__ import annotations

from typing import Any

from any_llm.types.completion import ChatCompletionChunk

__all__ = ["StreamReset"]


class StreamReset(ChatCompletionChunk):
    """Discard every chunk received so far: the answer starts again from another target.

    Sent in the stream itself, under the ``restart`` stream policy, when the target that was
    answering failed after some of its chunks had been delivered. The chunks that follow are a
    complete answer from the next target. It is a ``ChatCompletionChunk`` with no choices (code
    that skips chunks without choices, as for the final usage chunk, reads on safely), so check
    for it with ``isinstance(chunk, StreamReset)``::

        text = []
        for chunk in hub.stream_completion("llm.chat", messages, stream_policy="restart"):
            if isinstance(chunk, StreamReset):
                text.clear()
            elif chunk.choices and chunk.choices[0].delta.content:
                text.append(chunk.choices[0].delta.content)

    Attributes:
        failed_provider: Provider of the target whose stream broke.
        failed_model: Model of that target.
        chunks_discarded: How many chunks of that target's stream had been delivered.
        reason: What broke it (the exception's type and text, keys scrubbed).
    """

    failed_provider: str
    failed_model: str
    chunks_discarded: int
    reason: str

    @classmethod
    def build(cls, provider: str, model: str, chunks: int, reason: str) -> StreamReset:
        """A reset marker for a stream of ``provider``/``model`` broken after ``chunks`` chunks."""
        fields: dict[str, Any] = {
            "id": "llmhub-stream-reset",
            "choices": [],
            "created": 0,
            "model": model,
            "object": "chat.completion.chunk",
        }
        return cls(
            **fields, failed_provider=provider, failed_model=model, chunks_discarded=chunks, reason=reason
        )
