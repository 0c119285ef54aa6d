"""Per-call latency of ``LLMHub`` against the honest baselines, sync and async, plain and streaming.

What is measured
    The wall time (``time.perf_counter_ns``) of one call, for N sequential calls per variant,
    against one local OpenAI-compatible fake server (``llmhub_testing.FakeOpenAIServer``).
    The server runs in a **separate process** (a ``python -c`` child that starts it and prints its
    URL), so its request handling does not share the client's GIL: what differs between variants
    is client-side overhead only. The machine this was written on has 2 cores: one for the
    client, one for the server.

Variants (all send the same model, messages, ``temperature`` and ``max_tokens``; all use
``max_retries=0``, which only matters on a failure)
    hub          ``LLMHub.completion`` / ``acompletion`` on a role bound to provider ``openai``
                 with ``api_base`` pointing at the server, ``env_key`` naming a variable that holds
                 a dummy key, and ``max_retries: 0``.
    AnyLLM       a reused ``AnyLLM.create("openai", api_key=..., api_base=...)`` instance's
                 ``.completion`` / ``.acompletion``: the baseline the hub wraps (target: hub is at
                 most 5% slower).
    raw openai   a reused ``openai.OpenAI`` / ``openai.AsyncOpenAI`` client's
                 ``chat.completions.create``: the floor (target: hub at most 1.5x). Note that
                 any-llm's sync API runs every call on its own background event loop thread over
                 ``AsyncOpenAI``, so the sync gap to raw openai is mostly any-llm's, not the hub's;
                 the AnyLLM row shows how much.
    module-level ``any_llm.completion(model=..., provider="openai", api_base=..., api_key=...)``
                 (``acompletion`` for async): what a naive wrapper does. It builds a new provider
                 client, and so a new HTTP connection, on every call, so it runs N/10 calls.
    Streaming rows time a whole stream, from the call until the last chunk has been consumed
    (``hub.stream_completion`` / ``astream_completion`` vs the AnyLLM instance's stream vs the raw
    openai stream). The hub asks for usage on streams by default, so the baselines ask for it too
    (``stream_options={"include_usage": True}``): every variant receives the same chunks.

Method
    Every variant is warmed up first (clients built, connections open, code paths hot). Then the
    variants run in R rounds (default 20) of N/R calls each, in an order that rotates every round,
    so that drifting machine load affects all of them alike. Reported: p10, median and p90 of all
    calls per variant, and ratios of medians; the ratio in brackets is the median of the per-round
    ratios, a check that is insensitive to load changing between rounds. On a busy machine the
    p10 column is the least disturbed estimate of each variant's own cost.

Targets (printed as PASS/MISS, never asserted; the exit code is 0 either way)
    hub / AnyLLM instance <= 1.05 and hub / raw openai <= 1.5, for each of sync, async, sync
    stream and async stream. module-level / hub is printed for information.

Run: ``uv run --all-packages --group dev python bench/bench_runtime_calls.py [--quick | --n N]``
(``--quick`` = 200 calls per variant; the default is 2000).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from _common import ServerProcess

if TYPE_CHECKING:
    from any_llm.types.completion import ChatCompletionMessage
    from openai.types.chat import ChatCompletionMessageParam

ROLE = "llm.bench"
MODEL = "bench-model"
ENV_KEY = "LLMHUB_BENCH_OPENAI_KEY"
DUMMY_KEY = "sk-bench-0000000000000000"
MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "ping"}]
ANYLLM_MESSAGES: list[dict[str, Any] | ChatCompletionMessage] = [{"role": "user", "content": "ping"}]
OPENAI_MESSAGES: list[ChatCompletionMessageParam] = [{"role": "user", "content": "ping"}]
TEMPERATURE = 0.0
MAX_TOKENS = 16
# What the hub asks for on streams by default (typed Any: any-llm and openai type it differently).
USAGE: Any = {"include_usage": True}
MODULE_LEVEL_DIVISOR = 10

# Runs in the server process: start the fake server, print its URL, serve until stdin closes.
TARGETS: dict[str, float] = {"hub/anyllm": 1.05, "hub/openai": 1.5}


# ---------------------------------------------------------------------------- server process


def write_config(directory: Path, base_url: str) -> Path:
    """An ``llmhub.yaml`` with one chat role on provider ``openai`` pointed at ``base_url``."""
    path = directory / "llmhub.yaml"
    path.write_text(
        "project: bench\n"
        "env: bench\n"
        "providers:\n"
        f"  openai: {{env_key: {ENV_KEY}, api_base: '{base_url}', max_retries: 0}}\n"
        "roles:\n"
        f"  {ROLE}:\n"
        f"    provider: openai\n"
        f"    model: {MODEL}\n"
        "    mode: chat\n"
        f"    params: {{temperature: {TEMPERATURE}, max_tokens: {MAX_TOKENS}}}\n",
        encoding="utf-8",
    )
    return path


# ---------------------------------------------------------------------------- measurement


@dataclass
class Variant:
    """One way of making the call; ``call`` or ``acall`` performs exactly one call."""

    key: str
    label: str
    call: Callable[[], object] | None = None
    acall: Callable[[], Awaitable[object]] | None = None
    divisor: int = 1
    samples: list[int] = field(default_factory=list)
    round_medians: list[float] = field(default_factory=list)

    @property
    def median_us(self) -> float:
        return statistics.median(self.samples) / 1000.0

    def quantile_us(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] / 1000.0


def _rotations(variants: Sequence[Variant], rounds: int) -> list[list[Variant]]:
    k = len(variants)
    return [[variants[(r + i) % k] for i in range(k)] for r in range(rounds)]


def _calls_per_round(variant: Variant, n: int, rounds: int) -> int:
    return max(1, n // rounds // variant.divisor)


def run_sync(variants: Sequence[Variant], n: int, rounds: int, warmup: int) -> None:
    """Warm up, then time ``n`` calls per variant in ``rounds`` rotating rounds."""
    for i in range(warmup):
        for v in variants:
            if i < max(2, warmup // v.divisor):
                assert v.call is not None
                v.call()
    for order in _rotations(variants, rounds):
        for v in order:
            call = v.call
            assert call is not None
            gc.collect()
            times: list[int] = []
            for _ in range(_calls_per_round(v, n, rounds)):
                t0 = time.perf_counter_ns()
                call()
                times.append(time.perf_counter_ns() - t0)
            v.samples.extend(times)
            v.round_medians.append(statistics.median(times))


async def run_async(variants: Sequence[Variant], n: int, rounds: int, warmup: int) -> None:
    """Async :func:`run_sync`: every call awaited in turn on the running loop."""
    for i in range(warmup):
        for v in variants:
            if i < max(2, warmup // v.divisor):
                assert v.acall is not None
                await v.acall()
    for order in _rotations(variants, rounds):
        for v in order:
            acall = v.acall
            assert acall is not None
            gc.collect()
            times: list[int] = []
            for _ in range(_calls_per_round(v, n, rounds)):
                t0 = time.perf_counter_ns()
                await acall()
                times.append(time.perf_counter_ns() - t0)
            v.samples.extend(times)
            v.round_medians.append(statistics.median(times))


# ---------------------------------------------------------------------------- report


@dataclass
class Outcome:
    name: str
    ratio: float
    target: float

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target


def report(title: str, variants: Sequence[Variant], outcomes: list[Outcome]) -> None:
    """Print the table for one group and its ratios; append target checks to ``outcomes``."""
    print(f"\n{title}")
    print(f"  {'variant':<46} {'calls':>6} {'p10 µs':>9} {'median µs':>10} {'p90 µs':>9}")
    for v in variants:
        print(
            f"  {v.label:<46} {len(v.samples):>6} {v.quantile_us(0.1):>9.1f} {v.median_us:>10.1f} "
            f"{v.quantile_us(0.9):>9.1f}"
        )
    by_key = {v.key: v for v in variants}
    hub = by_key["hub"]

    def ratio_line(num: Variant, den: Variant, name: str, target: float | None) -> None:
        ratio = num.median_us / den.median_us
        paired = statistics.median(a / b for a, b in zip(num.round_medians, den.round_medians, strict=True))
        delta = num.median_us - den.median_us
        line = f"  {name:<30} {ratio:6.3f}  [{paired:6.3f}]  ({delta:+8.1f} µs)"
        if target is not None:
            outcome = Outcome(f"{title}: {name}", ratio, target)
            outcomes.append(outcome)
            line += f"  target <= {target:.2f}  {'PASS' if outcome.ok else 'MISS'}"
        print(line)

    print("  ratios of medians [median of per-round ratios]:")
    ratio_line(hub, by_key["anyllm"], "hub / AnyLLM instance", TARGETS["hub/anyllm"])
    ratio_line(hub, by_key["openai"], "hub / raw openai", TARGETS["hub/openai"])
    ratio_line(by_key["anyllm"], by_key["openai"], "AnyLLM instance / raw openai", None)
    if "module" in by_key:
        ratio_line(by_key["module"], hub, "module-level any_llm / hub", None)


# ---------------------------------------------------------------------------- the variants


def sync_groups(base_url: str, config: Path) -> tuple[list[Variant], list[Variant]]:
    """(completion variants, streaming variants) for the sync API."""
    import any_llm
    import openai
    from any_llm import AnyLLM

    from llmhub_runtime import LLMHub

    hub = LLMHub(config_path=config)
    llm = AnyLLM.create("openai", api_key=DUMMY_KEY, api_base=base_url, max_retries=0)
    raw = openai.OpenAI(base_url=base_url, api_key=DUMMY_KEY, max_retries=0)

    def hub_call() -> object:
        return hub.completion(ROLE, MESSAGES)

    def anyllm_call() -> object:
        return llm.completion(
            model=MODEL, messages=ANYLLM_MESSAGES, temperature=TEMPERATURE, max_tokens=MAX_TOKENS
        )

    def openai_call() -> object:
        return raw.chat.completions.create(
            model=MODEL, messages=OPENAI_MESSAGES, temperature=TEMPERATURE, max_tokens=MAX_TOKENS
        )

    def module_call() -> object:
        return any_llm.completion(
            model=MODEL,
            provider="openai",
            messages=ANYLLM_MESSAGES,
            api_base=base_url,
            api_key=DUMMY_KEY,
            client_args={"max_retries": 0},
            temperature=TEMPERATURE,
            max_tokens=MAX_TOKENS,
        )

    def hub_stream() -> object:
        count = 0
        for _ in hub.stream_completion(ROLE, MESSAGES):
            count += 1
        return count

    def anyllm_stream() -> object:
        count = 0
        for _ in llm.completion(
            model=MODEL,
            messages=ANYLLM_MESSAGES,
            temperature=TEMPERATURE,
            max_tokens=MAX_TOKENS,
            stream=True,
            stream_options=USAGE,
        ):
            count += 1
        return count

    def openai_stream() -> object:
        count = 0
        for _ in raw.chat.completions.create(
            model=MODEL,
            messages=OPENAI_MESSAGES,
            temperature=TEMPERATURE,
            max_tokens=MAX_TOKENS,
            stream=True,
            stream_options=USAGE,
        ):
            count += 1
        return count

    completion = [
        Variant("hub", "hub.completion", call=hub_call),
        Variant("anyllm", "AnyLLM instance .completion", call=anyllm_call),
        Variant("openai", "raw openai.OpenAI chat.completions.create", call=openai_call),
        Variant(
            "module",
            f"any_llm.completion (module-level, N/{MODULE_LEVEL_DIVISOR})",
            call=module_call,
            divisor=MODULE_LEVEL_DIVISOR,
        ),
    ]
    stream = [
        Variant("hub", "hub.stream_completion (to last chunk)", call=hub_stream),
        Variant("anyllm", "AnyLLM instance .completion(stream=True)", call=anyllm_stream),
        Variant("openai", "raw openai.OpenAI stream=True", call=openai_stream),
    ]
    return completion, stream


async def async_groups(base_url: str, config: Path) -> tuple[list[Variant], list[Variant], Callable[[], Any]]:
    """(completion variants, streaming variants, async closer) for the async API, on this loop."""
    import any_llm
    import openai
    from any_llm import AnyLLM

    from llmhub_runtime import LLMHub

    hub = LLMHub(config_path=config)
    llm = AnyLLM.create("openai", api_key=DUMMY_KEY, api_base=base_url, max_retries=0)
    raw = openai.AsyncOpenAI(base_url=base_url, api_key=DUMMY_KEY, max_retries=0)

    async def hub_call() -> object:
        return await hub.acompletion(ROLE, MESSAGES)

    async def anyllm_call() -> object:
        return await llm.acompletion(
            model=MODEL, messages=ANYLLM_MESSAGES, temperature=TEMPERATURE, max_tokens=MAX_TOKENS
        )

    async def openai_call() -> object:
        return await raw.chat.completions.create(
            model=MODEL, messages=OPENAI_MESSAGES, temperature=TEMPERATURE, max_tokens=MAX_TOKENS
        )

    async def module_call() -> object:
        return await any_llm.acompletion(
            model=MODEL,
            provider="openai",
            messages=ANYLLM_MESSAGES,
            api_base=base_url,
            api_key=DUMMY_KEY,
            client_args={"max_retries": 0},
            temperature=TEMPERATURE,
            max_tokens=MAX_TOKENS,
        )

    async def hub_stream() -> object:
        count = 0
        async for _ in hub.astream_completion(ROLE, MESSAGES):
            count += 1
        return count

    async def anyllm_stream() -> object:
        count = 0
        stream = await llm.acompletion(
            model=MODEL,
            messages=ANYLLM_MESSAGES,
            temperature=TEMPERATURE,
            max_tokens=MAX_TOKENS,
            stream=True,
            stream_options=USAGE,
        )
        async for _ in stream:
            count += 1
        return count

    async def openai_stream() -> object:
        count = 0
        stream = await raw.chat.completions.create(
            model=MODEL,
            messages=OPENAI_MESSAGES,
            temperature=TEMPERATURE,
            max_tokens=MAX_TOKENS,
            stream=True,
            stream_options=USAGE,
        )
        async for _ in stream:
            count += 1
        return count

    completion = [
        Variant("hub", "hub.acompletion", acall=hub_call),
        Variant("anyllm", "AnyLLM instance .acompletion", acall=anyllm_call),
        Variant("openai", "raw openai.AsyncOpenAI chat.completions.create", acall=openai_call),
        Variant(
            "module",
            f"any_llm.acompletion (module-level, N/{MODULE_LEVEL_DIVISOR})",
            acall=module_call,
            divisor=MODULE_LEVEL_DIVISOR,
        ),
    ]
    stream = [
        Variant("hub", "hub.astream_completion (to last chunk)", acall=hub_stream),
        Variant("anyllm", "AnyLLM instance .acompletion(stream=True)", acall=anyllm_stream),
        Variant("openai", "raw openai.AsyncOpenAI stream=True", acall=openai_stream),
    ]
    return completion, stream, raw.close


def _check_streams(variants: Sequence[Variant]) -> str:
    counts = {v.label: v.call() if v.call is not None else None for v in variants}
    if len(set(counts.values())) != 1:
        raise RuntimeError(f"the stream variants disagree on the number of chunks: {counts}")
    return f"{next(iter(counts.values()))} chunks per stream"


async def _acheck_streams(variants: Sequence[Variant]) -> str:
    counts = {v.label: await v.acall() if v.acall is not None else None for v in variants}
    if len(set(counts.values())) != 1:
        raise RuntimeError(f"the stream variants disagree on the number of chunks: {counts}")
    return f"{next(iter(counts.values()))} chunks per stream"


# ---------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the report; always returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=2000, help="calls per variant (default 2000)")
    parser.add_argument("--quick", action="store_true", help="N=200")
    parser.add_argument("--rounds", type=int, default=20, help="rotating rounds (default 20)")
    # `uvx nox -s bench -- <options>` passes the same options to every bench script.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"(ignoring options meant for another benchmark: {' '.join(unknown)})", file=sys.stderr)
    n: int = 200 if args.quick else args.n
    rounds: int = max(1, min(args.rounds, n))
    warmup = max(20, n // 20)
    os.environ[ENV_KEY] = DUMMY_KEY
    outcomes: list[Outcome] = []

    started = time.perf_counter()
    with ServerProcess() as server, tempfile.TemporaryDirectory(prefix="llmhub-bench-") as tmp:
        config = write_config(Path(tmp), server.base_url)
        print("llmhub runtime: per-call latency, hub vs any-llm vs raw openai")
        print(
            f"python {platform.python_version()}, any-llm-sdk {version('any-llm-sdk')}, "
            f"openai {version('openai')}, llmhub-runtime {version('llmhub-runtime')}, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        print(
            f"N={n} sequential calls per variant in {rounds} rotating rounds (module-level: "
            f"N/{MODULE_LEVEL_DIVISOR}), {warmup} warm-up calls each; fake server in pid {server.proc.pid} "
            f"at {server.base_url}"
        )

        completion, stream = sync_groups(server.base_url, config)
        stream_note = _check_streams(stream)
        run_sync(completion, n, rounds, warmup)
        report("sync completion", completion, outcomes)
        run_sync(stream, n, rounds, warmup)
        report(f"sync stream, whole stream ({stream_note})", stream, outcomes)

        async def async_part() -> None:
            acompletion, astream, close = await async_groups(server.base_url, config)
            note = await _acheck_streams(astream)
            await run_async(acompletion, n, rounds, warmup)
            report("async completion", acompletion, outcomes)
            await run_async(astream, n, rounds, warmup)
            report(f"async stream, whole stream ({note})", astream, outcomes)
            await close()

        asyncio.run(async_part())

    print("\nsummary")
    for o in outcomes:
        print(f"  {'PASS' if o.ok else 'MISS'}  {o.name} = {o.ratio:.3f} (<= {o.target})")
    elapsed = time.perf_counter() - started
    print(
        f"  {sum(o.ok for o in outcomes)}/{len(outcomes)} targets met; {elapsed:.0f} s in all; "
        f"load average now {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
