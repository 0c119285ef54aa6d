"""Local server throughput and latency vs the runner in-process and vs ``python -m llama_cpp.server``.

Same model (SmolLM2-135M-Instruct GGUF), same threads, same greedy 16-token chat request. For 1,
4 and 16 concurrent clients it reports requests/s and p50/p95 latency of:

- ``in-process``: threads calling ``runner.create_chat_completion`` directly (the honest floor:
  no HTTP, no JSON);
- ``llmhub-local``: the same runner behind ``LocalModelServer`` (background thread), called over
  HTTP with ``httpx`` from client threads;
- ``llama_cpp.server``: llama-cpp-python's own server in a subprocess (needs the
  ``llama-cpp-python[server]`` extras: fastapi, uvicorn, sse-starlette, pydantic-settings,
  starlette-context); skipped with a note when they are missing.

Ratios are printed against in-process and against llama_cpp.server. Nothing is asserted. Run in
the environment of ``nox -s local_gguf`` (plus the server extras)::

    LLMHUB_LOCAL_CACHE_DIR=.nox/llmhub-local-models .nox/uv-local-gguf/bin/python bench/bench_local_server.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from llmhub_local import LLMRunnerFactory
from llmhub_local.serving.ports import bind_listener
from llmhub_local.serving.server import LocalModelServer

MESSAGES = [{"role": "user", "content": "Name three colours."}]


def measure(call: Callable[[], None], clients: int, requests: int) -> tuple[float, float, float]:
    """(requests/s, p50 s, p95 s) of ``requests`` calls spread over ``clients`` threads."""
    latencies: list[float] = []
    lock = threading.Lock()

    def one(_: int) -> None:
        started = time.perf_counter()
        call()
        with lock:
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    return requests / elapsed, statistics.median(latencies), p95


def http_caller(base_url: str, model: str, max_tokens: int) -> Callable[[], None]:
    client = httpx.Client(base_url=base_url, timeout=600, limits=httpx.Limits(max_connections=64))
    body = {"model": model, "messages": MESSAGES, "max_tokens": max_tokens, "temperature": 0}

    def call() -> None:
        response = client.post("/chat/completions", json=body)
        response.raise_for_status()

    return call


def start_llama_cpp_server(model_path: str, threads: int) -> tuple[subprocess.Popen[bytes], str] | None:
    missing = [
        m
        for m in ("fastapi", "uvicorn", "sse_starlette", "pydantic_settings", "starlette_context")
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        print(
            f"llama_cpp.server skipped: missing {', '.join(missing)} (pip install 'llama-cpp-python[server]')"
        )
        return None
    sock = bind_listener("127.0.0.1", None)
    port = sock.getsockname()[1]
    sock.close()
    args = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        model_path,
        "--n_threads",
        str(threads),
        "--n_ctx",
        "2048",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--model_alias",
        "bench",
    ]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/models", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    print("llama_cpp.server did not come up; skipped")
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="smollm2-135m-instruct")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument(
        "--requests", type=int, default=16, help="requests per measurement (at least the clients)"
    )
    args = parser.parse_args()
    if importlib.util.find_spec("llama_cpp") is None:
        print("bench_local_server: skipped (llama_cpp is not installed; run it in the local_gguf env)")
        return

    runner = LLMRunnerFactory.create_runner(
        {"model": args.model, "threads": args.threads, "context_length": 2048, "temperature": 0, "seed": 1}
    )
    runner.create_chat_completion(MESSAGES, max_tokens=4)  # warm-up
    server = LocalModelServer(runner, model_id=args.model, max_queue=256).start()
    ours = http_caller(server.base_url, args.model, args.max_tokens)
    external = start_llama_cpp_server(str(runner.resolved_model.path), args.threads)
    theirs = http_caller(external[1], "bench", args.max_tokens) if external else None

    def in_process() -> None:
        runner.create_chat_completion(MESSAGES, max_tokens=args.max_tokens)

    print(
        f"model {args.model}, {args.threads} thread(s), {args.max_tokens} tokens/request, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'clients':>7} {'target':<17} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'vs in-proc':>10} {'vs llama.srv':>12}"
    )
    try:
        for clients in args.clients:
            n = max(args.requests, clients)
            rows = {"in-process": measure(in_process, clients, n), "llmhub-local": measure(ours, clients, n)}
            if theirs is not None:
                rows["llama_cpp.server"] = measure(theirs, clients, n)
            base = rows["in-process"][0]
            ref = rows.get("llama_cpp.server", (None,))[0]
            for name, (rps, p50, p95) in rows.items():
                vs_ref = f"{rps / ref:10.2f}x" if ref else f"{'-':>11}"
                print(
                    f"{clients:>7} {name:<17} {rps:7.2f} {p50 * 1e3:8.0f} {p95 * 1e3:8.0f} "
                    f"{rps / base:9.2f}x {vs_ref:>12}"
                )
    finally:
        server.stop()
        if external is not None:
            external[0].terminate()
            external[0].wait(timeout=30)
        runner.unload()


if __name__ == "__main__":
    main()
