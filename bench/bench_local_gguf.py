"""llama.cpp: LlamaCppRunner vs raw ``llama_cpp.Llama`` on the same model, threads and prompt.

Reports prompt-processing and decode tokens/s, time to first token, their ratios
(runner / raw; target >= 0.97) and the memory-bandwidth bound of decode. Runs are interleaved
(the order alternates every round) and medians are reported. Nothing is asserted.

    uv run --no-sync python bench/bench_local_gguf.py [--model gemma3-270m] [--rounds 5]

Needs llmhub-local[gguf] and the model's extra (``nox -s local_gguf`` builds such an env in
.nox/uv-local-gguf).
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from _common import load_note, median, read_bandwidth_gbs

PROMPT = (
    "The history of the printing press begins in the fifteenth century, when Johannes Gutenberg "
    "combined movable metal type, oil-based ink and a wooden screw press. Within decades, printing "
    "shops had spread across Europe, books became cheaper, and ideas travelled faster than ever. "
    "Scholars, merchants and reformers all found new audiences. In the chapters that follow, we "
    "trace how this single invention changed science, religion, politics and daily life, and why"
)


def _timed_stream(chunks: Iterator[Any]) -> tuple[float, float, int]:
    """(time to first chunk, time of the last chunk, chunks) for a stream started just before."""
    start = time.perf_counter()
    first = last = start
    n = 0
    for _ in chunks:
        now = time.perf_counter()
        if n == 0:
            first = now
        last = now
        n += 1
    return first - start, last - start, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gemma3-270m", help="known model id or .gguf path")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=64, help="tokens to decode per run")
    parser.add_argument("--raw-first", action="store_true", help="create the raw Llama before the runner's")
    args = parser.parse_args()

    llama_cpp: Any = importlib.import_module("llama_cpp")

    from llmhub_local import LlamaCppRunner, ModelConfig

    print(load_note("start"))
    config = ModelConfig(
        model=args.model,
        threads=args.threads,
        context_length=1024,
        batch_size=512,
        temperature=0.0,
        top_k=1,
        max_tokens=args.tokens,
    )
    # Two identical raw Llama instances in one process measured up to ~7% apart here (the first one
    # created was slower), so --raw-first swaps the creation order to expose that bias.
    runner = LlamaCppRunner(config, load=False)
    path = str(runner.resolved_model.path)

    def make_raw() -> Any:
        return llama_cpp.Llama(
            model_path=path,
            n_ctx=1024,
            n_batch=512,
            n_threads=args.threads,
            n_threads_batch=args.threads,
            n_gpu_layers=0,
            verbose=False,
        )

    if args.raw_first:
        raw = make_raw()
        runner.load()
    else:
        runner.load()
        raw = make_raw()
    eos = raw.token_eos()
    sampling = {"temperature": 0.0, "top_k": 1, "top_p": 0.95, "repeat_penalty": 1.0}
    n_prompt = len(raw.tokenize(PROMPT.encode()))
    print(
        f"model {path}\n  {runner.memory_usage().model_bytes / 1e6:.0f} MB weights, {args.threads} threads, "
        f"prompt {n_prompt} tokens, decode {args.tokens} tokens, {args.rounds} rounds interleaved"
    )

    # Each round uses a fresh prompt prefix so neither side reuses its KV cache from the last round.
    def raw_pp(prompt: str) -> float:
        start = time.perf_counter()
        raw.create_completion(prompt, max_tokens=1, **sampling)
        return time.perf_counter() - start

    def runner_pp(prompt: str) -> float:
        start = time.perf_counter()
        runner.generate_text(prompt, max_tokens=1)
        return time.perf_counter() - start

    def raw_decode(prompt: str) -> tuple[float, float, int]:
        return _timed_stream(
            raw.create_completion(
                prompt, max_tokens=args.tokens, stream=True, logit_bias={eos: -1e9}, **sampling
            )
        )

    def runner_decode(prompt: str) -> tuple[float, float, int]:
        # The runner does not expose logit_bias; both sides count streamed pieces the same way.
        return _timed_stream(runner.generate_text_streaming(prompt))

    sides: dict[str, tuple[Callable[[str], float], Callable[[str], tuple[float, float, int]]]] = {
        "raw": (raw_pp, raw_decode),
        "runner": (runner_pp, runner_decode),
    }
    pp: dict[str, list[float]] = {k: [] for k in sides}
    ttft: dict[str, list[float]] = {k: [] for k in sides}
    decode: dict[str, list[float]] = {k: [] for k in sides}
    for name, (pp_fn, dec_fn) in sides.items():  # warm-up, not measured
        pp_fn(f"[warm {name}] {PROMPT}")
        dec_fn(f"[warm {name}] {PROMPT}")
    for r in range(args.rounds):
        order = list(sides) if r % 2 == 0 else list(reversed(sides))
        for name in order:
            pp_fn, dec_fn = sides[name]
            pp[name].append(n_prompt / pp_fn(f"[{r} pp] {PROMPT}"))
            first, last, n = dec_fn(f"[{r} dec] {PROMPT}")
            ttft[name].append(first)
            if n > 1:
                decode[name].append((n - 1) / (last - first))
    print(load_note("end"))

    print("\nmedians            raw        runner     ratio (runner/raw)")
    for label, data, fmt, higher_better in (
        ("prompt tok/s", pp, "{:9.1f}", True),
        ("decode tok/s", decode, "{:9.1f}", True),
        ("TTFT ms", {k: [x * 1000 for x in v] for k, v in ttft.items()}, "{:9.1f}", False),
    ):
        a, b = median(data["raw"]), median(data["runner"])
        ratio = b / a if higher_better else a / b
        print(
            f"{label:16} {fmt.format(a)}  {fmt.format(b)}   {ratio:6.3f}",
            "" if ratio >= 0.97 else "  (< 0.97)",
        )

    weights = runner.memory_usage().model_bytes
    bandwidth = read_bandwidth_gbs(args.threads)
    bound = bandwidth * 1e9 / weights
    best = max(median(decode["raw"]), median(decode["runner"]))
    print(
        f"\nmemory-bandwidth bound: {weights / 1e6:.0f} MB read per token, {bandwidth:.1f} GB/s measured "
        f"{args.threads}-thread read bandwidth -> {bound:.0f} tok/s; decode reached {best:.1f} tok/s "
        f"({100 * best / bound:.0f}% of the bound)"
    )
    runner.unload()


if __name__ == "__main__":
    main()
