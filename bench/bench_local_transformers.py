"""transformers: TransformersRunner vs raw ``model.generate`` on the same model and dtype.

Reports decode tokens/s and time to first token for raw ``generate`` (dynamic KV cache), the
runner's default path, and the runner with ``static_cache=True`` (a pre-allocated static KV cache,
which is what lets torch compile a fixed-shape decode step), as ratios against raw generate.
Runs are interleaved and medians reported; nothing is asserted.

    uv run --no-sync python bench/bench_local_transformers.py [--model FOLDER] [--rounds 5]

Default model: SmolLM2-135M-Instruct, converted once from its GGUF into a transformers folder in
the llmhub-local cache (needs llmhub-local[transformers,smollm2]; ``nox -s local_transformers``
builds such an env in .nox/uv-local-transformers).
"""

from __future__ import annotations

import argparse
import importlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import load_note, median, read_bandwidth_gbs

MESSAGES = [{"role": "user", "content": "Write a short story about a lighthouse keeper who finds a map."}]


def default_model() -> Path:
    """SmolLM2 as a transformers folder, converted from the GGUF once (cached)."""
    from llmhub_local import ModelConfig, TransformersRunner
    from llmhub_local.runners.model_store import default_cache_dir, resolve_model

    gguf = resolve_model("smollm2-135m-instruct").path
    target = default_cache_dir() / "converted" / f"{gguf.stem}-transformers"
    if not (target / "config.json").exists():
        print(f"converting {gguf.name} to {target} (one time)")
        with TransformersRunner(ModelConfig(model=str(gguf))) as runner:
            runner.export_pretrained(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None, help="a transformers model folder")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=48, help="max new tokens per run")
    args = parser.parse_args()

    torch: Any = importlib.import_module("torch")
    transformers: Any = importlib.import_module("transformers")
    AutoModelForCausalLM, AutoTokenizer = transformers.AutoModelForCausalLM, transformers.AutoTokenizer  # noqa: N806

    from llmhub_local import ModelConfig, TransformersRunner

    torch.set_num_threads(args.threads)
    folder = args.model or default_model()
    print(load_note("start"))
    print(
        f"model {folder}\n  float32, {args.threads} threads, up to {args.tokens} new tokens, greedy, "
        f"{args.rounds} rounds interleaved"
    )

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    prompt = tokenizer.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True)
    inputs = tokenizer(prompt, return_tensors="pt")
    n_prompt = int(inputs["input_ids"].shape[-1])

    base = {"model": str(folder), "threads": args.threads, "temperature": 0.0, "max_tokens": args.tokens}
    runner = TransformersRunner(ModelConfig(**base))
    static = TransformersRunner(ModelConfig(**base, static_cache=True))

    def raw(max_new: int) -> tuple[float, int]:
        start = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                **inputs, max_new_tokens=max_new, do_sample=False, pad_token_id=tokenizer.eos_token_id
            )
        return time.perf_counter() - start, int(out.shape[-1]) - n_prompt

    def through(r: TransformersRunner) -> Callable[[int], tuple[float, int]]:
        def run(max_new: int) -> tuple[float, int]:
            start = time.perf_counter()
            reply: Any = r.create_chat_completion(MESSAGES, max_tokens=max_new)
            return time.perf_counter() - start, int(reply.usage.completion_tokens)

        return run

    sides = {"raw generate": raw, "runner": through(runner), "runner static_cache": through(static)}
    print("warming up (the static cache compiles on its first calls)...")
    for fn in sides.values():
        fn(args.tokens)
        fn(1)
    tps: dict[str, list[float]] = {k: [] for k in sides}
    ttft: dict[str, list[float]] = {k: [] for k in sides}
    counts: dict[str, int] = {}
    for r in range(args.rounds):
        names = list(sides)
        names = names[r % len(names) :] + names[: r % len(names)]  # rotate the order every round
        for name in names:
            t1, _ = sides[name](1)
            total, n = sides[name](args.tokens)
            ttft[name].append(t1)
            counts[name] = n
            if n > 1:
                tps[name].append((n - 1) / max(total - t1, 1e-9))  # decode rate after the first token
    print(load_note("end"))

    raw_tps, raw_ttft = median(tps["raw generate"]), median(ttft["raw generate"])
    print(f"\nmedians (prompt {n_prompt} tokens)   decode tok/s  ratio   TTFT ms  ratio   tokens")
    for name in sides:
        a, t = median(tps[name]), median(ttft[name])
        print(
            f"{name:28} {a:10.1f}  {a / raw_tps:6.3f}  {t * 1000:8.1f}  {raw_ttft / t:6.3f}   {counts[name]}"
        )

    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    bandwidth = read_bandwidth_gbs(args.threads)
    print(
        f"\nmemory-bandwidth bound: {weights / 1e6:.0f} MB of float32 weights per token, "
        f"{bandwidth:.1f} GB/s "
        f"-> {bandwidth * 1e9 / weights:.0f} tok/s"
    )


if __name__ == "__main__":
    main()
