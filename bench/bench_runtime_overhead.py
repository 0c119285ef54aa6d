"""The hub's own cost per call, without network noise.

Loopback latency varies by hundreds of microseconds on a shared 2-core machine, which hides a
wrapper's cost. Here the provider's transport is replaced by a coroutine that returns a canned
``ChatCompletion`` (any-llm's ``_acompletion`` for the openai provider), so both variants run
exactly the same any-llm code path and differ only by the hub:

* ``hub.acompletion`` / ``hub.completion`` (role resolution, key lookup, client pool, fallback
  loop, no hooks; and once with both hooks set);
* a reused ``AnyLLM`` instance's ``acompletion`` / ``completion`` with the same params.

Prints the median per-call time of each (20 rounds of 500 calls, interleaved), the difference
(the hub's overhead in microseconds) and the ratio hub / AnyLLM instance. With the transport
stubbed the denominator is only any-llm's own per-call work (~100 us), so this ratio is a strict
upper bound of the end-to-end one; ``bench_runtime_calls.py`` measures that over loopback HTTP
(target <= 1.05). Never asserts.

Run: ``uv run --all-packages --group dev python bench/bench_runtime_overhead.py``
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

ROUNDS = 20
CALLS = 500
MESSAGES = [{"role": "user", "content": "hi"}]


def _setup() -> tuple[Any, Any, Any]:
    from any_llm import AnyLLM
    from any_llm.providers.openai.base import BaseOpenAIProvider
    from any_llm.types.completion import ChatCompletion

    from llmhub_runtime import LLMHub, parse_runtime_config

    os.environ["LLMHUB_BENCH_KEY"] = "sk-bench-0123456789"
    canned = ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "m",
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}
            ],
        }
    )

    async def no_io(self: Any, params: Any, **kwargs: Any) -> Any:
        return canned

    BaseOpenAIProvider._acompletion = no_io  # type: ignore[method-assign]
    base = "http://127.0.0.1:9/v1"
    config = parse_runtime_config(
        {
            "project": "bench",
            "env": "bench",
            "providers": {"openai": {"env_key": "LLMHUB_BENCH_KEY", "api_base": base, "max_retries": 0}},
            "roles": {
                "r": {"provider": "openai", "model": "m", "mode": "chat", "params": {"temperature": 0.1}}
            },
        }
    )
    hub = LLMHub(config_obj=config)
    hooked = LLMHub(config_obj=config, on_before_call=lambda c: None, on_after_call=lambda r: None)
    client = AnyLLM.create(
        "openai", api_key="sk-bench-0123456789", api_base=base, unified_exceptions=True, max_retries=0
    )
    return hub, hooked, client


def _median_us(samples: list[float]) -> float:
    return statistics.median(samples) / CALLS / 1000


async def _async_rounds(variants: dict[str, Callable[[], Awaitable[Any]]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in variants}
    for call in variants.values():  # warm-up
        for _ in range(200):
            await call()
    for _ in range(ROUNDS):
        for name, call in variants.items():
            start = time.perf_counter_ns()
            for _ in range(CALLS):
                await call()
            times[name].append(time.perf_counter_ns() - start)
    return {name: _median_us(samples) for name, samples in times.items()}


def _sync_rounds(variants: dict[str, Callable[[], Any]]) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in variants}
    for call in variants.values():
        for _ in range(100):
            call()
    for _ in range(ROUNDS):
        for name, call in variants.items():
            start = time.perf_counter_ns()
            for _ in range(CALLS // 5):
                call()
            times[name].append((time.perf_counter_ns() - start) * 5)
    return {name: _median_us(samples) for name, samples in times.items()}


def main() -> None:
    """Run and print."""
    hub, hooked, client = _setup()
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} (2 cores); {ROUNDS} rounds, interleaved; provider transport stubbed")
    results = asyncio.run(
        _async_rounds(
            {
                "AnyLLM instance .acompletion": lambda: client.acompletion(
                    model="m", messages=MESSAGES, temperature=0.1
                ),
                "hub.acompletion": lambda: hub.acompletion("r", MESSAGES),
                "hub.acompletion with both hooks": lambda: hooked.acompletion("r", MESSAGES),
            }
        )
    )
    sync = _sync_rounds(
        {
            "AnyLLM instance .completion": lambda: client.completion(
                model="m", messages=MESSAGES, temperature=0.1
            ),
            "hub.completion": lambda: hub.completion("r", MESSAGES),
        }
    )
    for label, table, base in (
        ("async", results, "AnyLLM instance .acompletion"),
        ("sync", sync, "AnyLLM instance .completion"),
    ):
        print(f"{label}:")
        for name, us in table.items():
            extra = (
                ""
                if name == base
                else f"   hub overhead {us - table[base]:+6.1f} us, ratio {us / table[base]:.3f}x"
            )
            print(f"  {name:34s} {us:8.1f} us/call{extra}")


if __name__ == "__main__":
    main()
