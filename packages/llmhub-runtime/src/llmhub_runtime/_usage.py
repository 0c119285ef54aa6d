"""Token usage, the model that answered, and the cost of an answer (for ``CallResult``)."""

from __future__ import annotations

from typing import Any

from llmhub_runtime.models import Prices, Usage

__all__ = ["UsageTracker", "cost_of", "usage_of"]

_PER_TOKEN = 1_000_000  # prices are per 1M tokens


def usage_of(response: Any) -> Usage | None:
    """The usage an any-llm response (or final stream chunk) reports, if any."""
    raw = getattr(response, "usage", None)
    if raw is None:
        return None
    prompt = getattr(raw, "prompt_tokens", None)
    if not isinstance(prompt, int):
        return None
    completion = getattr(raw, "completion_tokens", None)
    completion = completion if isinstance(completion, int) else 0
    total = getattr(raw, "total_tokens", None)
    details = getattr(raw, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", None) if details is not None else None
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=total if isinstance(total, int) else prompt + completion,
        cached_tokens=cached if isinstance(cached, int) else 0,
    )


def cost_of(usage: Usage | None, prices: Prices | None) -> float | None:
    """US dollars for ``usage`` at ``prices``; ``None`` when a needed price or the usage is unknown."""
    if usage is None or prices is None or prices.input is None:
        return None
    if usage.completion_tokens and prices.output is None:
        return None
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    cache_price = prices.cache_read if prices.cache_read is not None else prices.input
    dollars = (
        (usage.prompt_tokens - cached) * prices.input
        + cached * cache_price
        + usage.completion_tokens * (prices.output or 0.0)
    )
    return dollars / _PER_TOKEN


class UsageTracker:
    """Follows a stream's chunks: the model that answered and the last usage reported."""

    __slots__ = ("model", "usage")

    def __init__(self) -> None:
        self.model: str | None = None
        self.usage: Usage | None = None

    def see(self, chunk: Any) -> None:
        if self.model is None:
            model = getattr(chunk, "model", None)
            if isinstance(model, str) and model:
                self.model = model
        if getattr(chunk, "usage", None) is not None:
            self.usage = usage_of(chunk) or self.usage
