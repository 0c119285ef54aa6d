"""Local server throughput and latency under contention: llmhub-local vs ``python -m llama_cpp.server``.

Same model (SmolLM2-135M-Instruct GGUF), same threads and context, the same greedy 16-token chat
request, every server in its own process, called over HTTP by 1, 4 and 16 concurrent clients.
Measured twice: on the machine as it is ("quiet", whatever else runs on it) and with a bounded
CPU-burning background process (one busy-looping process per ``--burners``, stopped after the
measurement). Targets, interleaved round by round so that load drifts hit all of them alike:

- ``llmhub-local``: ``python -m llmhub_local.serving.serve`` as ``llmhub local start`` runs it:
  a bounded OpenMP spin (``GOMP_SPINCOUNT=1000``, see ``llmhub_local.runners._deps``) and
  adaptive threads (fewer while other processes keep cores busy: ``llmhub_local.runners.threads``);
- ``fixed threads``: the same without adaptive threads (``adaptive_threads: false``);
- ``PASSIVE, fixed thr``: fixed threads with ``OMP_WAIT_POLICY=PASSIVE`` (threads sleep at once:
  the first fix, slow on an idle machine);
- ``omp default, fixed``: fixed threads with libgomp's default wait policy, i.e. before any fix -
  it collapses under contention (OpenMP threads spinning between tokens);
- ``--variant LABEL:KEY=VALUE[,KEY=VALUE]``: more llmhub servers (environment variables, or
  ``param.NAME`` registry params) to explore;
- ``llama_cpp.server``: llama-cpp-python's own server as users run it (needs
  ``llama-cpp-python[server]``: fastapi, sse-starlette, pydantic-settings, starlette-context);
  with ``--baseline-passive`` it gets ``OMP_WAIT_POLICY=PASSIVE`` too, which isolates the cost
  of the servers themselves from the thread setting.

Both llmhub servers and llama_cpp.server load the model with the same llama.cpp weight-repacking
setting (see the llama.cpp runner: off on AMX CPUs, where ggml's AMX buffer crashes in VMs).
Prints requests/s and p50/p95 latency per point and the ratios llmhub-local / llama_cpp.server
(requests/s: higher is better; latency: lower is better). Nothing is asserted. Run in the
environment of ``nox -s local_gguf`` plus the server extras::

    LLMHUB_LOCAL_CACHE_DIR=.nox/llmhub-local-models .nox/uv-local-gguf/bin/python bench/bench_local_server.py
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from llmhub_local.runners.llama_cpp_runner import use_extra_buffers
from llmhub_local.runners.model_store import resolve_model
from llmhub_local.serving.ports import bind_listener

MESSAGES = [{"role": "user", "content": "Name three colours."}]
MODEL = "smollm2-135m-instruct"

#: llama_cpp.server with the runner's weight-repacking setting (the same Llama() the runner builds).
_LLAMA_SERVER = """
import runpy, sys
import llama_cpp.llama_cpp as bindings
if {off}:
    original = bindings.llama_model_default_params
    def patched():
        params = original()
        params.use_extra_bufts = False
        return params
    bindings.llama_model_default_params = patched
sys.argv = ["llama_cpp.server", *sys.argv[1:]]
runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
"""

_BURNER = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


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
    client = httpx.Client(base_url=base_url, timeout=900, limits=httpx.Limits(max_connections=64))
    body = {"model": model, "messages": MESSAGES, "max_tokens": max_tokens, "temperature": 0, "seed": 1}

    def call() -> None:
        response = client.post("/chat/completions", json=body)
        response.raise_for_status()

    return call


def _free_port() -> int:
    sock = bind_listener("127.0.0.1", None)
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def _wait_up(proc: subprocess.Popen[bytes], base: str, name: str) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}")
        try:
            if httpx.get(base + "/models", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{name} did not come up")


@contextmanager
def _serving(args: list[str], env: dict[str, str] | None, port: int, name: str) -> Iterator[str]:
    """Start a server process, wait until it answers on ``port``, yield its base URL, stop it."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_up(proc, base, name)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


#: Each built-in llmhub server variant: environment and extra registry params. A variable set to
#: "" is set, so the server leaves the thread settings alone (libgomp reads "" as its default).
VARIANTS: dict[str, dict[str, str]] = {
    "llmhub-local": {},
    "fixed threads": {"param.adaptive_threads": "false"},
    "PASSIVE, fixed thr": {"OMP_WAIT_POLICY": "PASSIVE", "param.adaptive_threads": "false"},
    "omp default, fixed": {"OMP_WAIT_POLICY": "", "param.adaptive_threads": "false"},
}
_OMP_DEFAULT = "omp default, fixed"
_THREAD_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """``LABEL:KEY=VALUE[,KEY=VALUE]`` -> (label, settings); a key ``param.NAME`` is a registry
    param of the model (e.g. ``param.adaptive_threads=false``), any other an environment variable."""
    label, sep, assignments = text.partition(":")
    env: dict[str, str] = {}
    for item in filter(None, assignments.split(",")):
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise argparse.ArgumentTypeError(f"--variant {text!r}: expected KEY=VALUE, got {item!r}")
        env[name] = value
    if not sep or not label:
        raise argparse.ArgumentTypeError(f"--variant {text!r}: expected LABEL:KEY=VALUE[,KEY=VALUE]")
    return label, env


@contextmanager
def llmhub_server(home: Path, threads: int, ctx: int, settings: dict[str, str]) -> Iterator[str]:
    params = {k.removeprefix("param."): v for k, v in settings.items() if k.startswith("param.")}
    overrides = {k: v for k, v in settings.items() if not k.startswith("param.")}
    extra = "".join(f", {k}: {v}" for k, v in params.items())
    registry = home / "models.yaml"
    registry.write_text(
        f"models:\n  bench:\n    base_model: {MODEL}\n"
        f"    params: {{threads: {threads}, context_length: {ctx}, temperature: 0{extra}}}\n",
        encoding="utf-8",
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in _THREAD_VARIABLES} | overrides
    args = [sys.executable, "-m", "llmhub_local.serving.serve", "bench", "--home", str(home)]
    args += ["--registry", str(registry), "--port", str(port), "--max-queue", "256"]
    with _serving(args, env, port, "llmhub-local") as base:
        yield base


@contextmanager
def llama_cpp_server(
    model_path: str, threads: int, ctx: int, *, passive: bool = False
) -> Iterator[str | None]:
    missing = [
        m
        for m in ("fastapi", "uvicorn", "sse_starlette", "pydantic_settings", "starlette_context")
        if importlib.util.find_spec(m) is None
    ]
    if missing:
        print(
            f"llama_cpp.server skipped: missing {', '.join(missing)} (pip install 'llama-cpp-python[server]')"
        )
        yield None
        return
    port = _free_port()
    code = _LLAMA_SERVER.format(off=not use_extra_buffers())
    args = [sys.executable, "-c", code, "--model", model_path, "--n_threads", str(threads)]
    args += ["--n_threads_batch", str(threads), "--n_ctx", str(ctx), "--host", "127.0.0.1"]
    args += ["--port", str(port), "--model_alias", "bench"]
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"} if passive else None
    with _serving(args, env, port, "llama_cpp.server") as base:
        yield base


@contextmanager
def burners(count: int, seconds: float) -> Iterator[None]:
    """``count`` busy-looping processes that stop by themselves after ``seconds`` (bounded)."""
    procs = [subprocess.Popen([sys.executable, "-c", _BURNER.format(seconds=seconds)]) for _ in range(count)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--context", type=int, default=2048)
    parser.add_argument("--max-tokens", type=int, default=16)
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--requests", type=int, default=16, help="requests per measurement (>= clients)")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds (the median is kept)")
    parser.add_argument("--burners", type=int, default=1, help="CPU-burning processes for the contended run")
    parser.add_argument(
        "--baseline-passive",
        action="store_true",
        help="run llama_cpp.server with OMP_WAIT_POLICY=PASSIVE too (the same thread setting as ours)",
    )
    parser.add_argument(
        "--variant",
        type=parse_variant,
        action="append",
        default=[],
        help="another llmhub server: LABEL:KEY=VALUE[,KEY=VALUE] (e.g. spin3k:GOMP_SPINCOUNT=3000)",
    )
    parser.add_argument(
        "--omp-default-clients",
        type=int,
        nargs="*",
        default=[1, 4],
        help="client counts at which the before-the-fix server is measured (it is slow; none: left out)",
    )
    args = parser.parse_args()
    if importlib.util.find_spec("llama_cpp") is None:
        print("bench_local_server: skipped (llama_cpp is not installed; run it in the local_gguf env)")
        return
    model_path = str(resolve_model(MODEL).path)
    load_before = os.getloadavg()
    variants = dict(VARIANTS)
    if not args.omp_default_clients:
        del variants[_OMP_DEFAULT]
    variants.update(args.variant)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        targets: dict[str, Callable[[], None]] = {}
        for i, (label, overrides) in enumerate(variants.items()):
            home = Path(tmp, str(i))
            home.mkdir()
            base = stack.enter_context(llmhub_server(home, args.threads, args.context, overrides))
            targets[label] = http_caller(base, "bench", args.max_tokens)
        theirs = stack.enter_context(
            llama_cpp_server(model_path, args.threads, args.context, passive=args.baseline_passive)
        )
        if theirs is not None:
            targets["llama_cpp.server"] = http_caller(theirs, "bench", args.max_tokens)
        for call in targets.values():  # warm-up
            call()
        print(
            f"{MODEL}, {args.threads} thread(s), n_ctx {args.context}, "
            f"{args.max_tokens} tokens/request, "
            f"{args.requests} requests/point, {args.rounds} interleaved rounds (median), "
            f"{os.cpu_count()} CPUs, load average before {load_before[0]:.2f} {load_before[1]:.2f}, "
            f"llama_cpp.server with OMP_WAIT_POLICY {'PASSIVE' if args.baseline_passive else 'unset'}"
        )
        for label, overrides in variants.items():
            shown = ", ".join(f"{k}={v!r}" for k, v in overrides.items()) or "the server's own defaults"
            print(f"  {label}: {shown}")
        for condition, count in (("quiet", 0), (f"{args.burners} CPU burner(s)", args.burners)):
            seconds = 60.0 + 40.0 * len(args.clients) * len(targets) * args.rounds
            with burners(count, seconds):
                run_condition(condition, targets, args)
    print(f"load average after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")


def run_condition(condition: str, targets: dict[str, Callable[[], None]], args: argparse.Namespace) -> None:
    print(f"\n== {condition} (load {os.getloadavg()[0]:.2f})")
    print(
        f"{'clients':>7} {'target':<22} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'req/s vs llama.srv':>19} {'p50 vs':>7} {'p95 vs':>7}"
    )
    for clients in args.clients:
        n = max(args.requests, clients)
        samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, call in targets.items():
                if name == _OMP_DEFAULT and clients not in args.omp_default_clients:
                    continue
                samples[name].append(measure(call, clients, n))
        samples = {name: runs for name, runs in samples.items() if runs}
        rows = {
            name: tuple(statistics.median(s[i] for s in runs) for i in range(3))
            for name, runs in samples.items()
        }
        ref = rows.get("llama_cpp.server")
        for name, (rps, p50, p95) in rows.items():
            ratio = ""
            if ref is not None:
                ratio = f"{rps / ref[0]:18.2f}x {p50 / ref[1]:6.2f}x {p95 / ref[2]:6.2f}x"
            print(f"{clients:>7} {name:<22} {rps:7.2f} {p50 * 1e3:8.0f} {p95 * 1e3:8.0f} {ratio}")


if __name__ == "__main__":
    main()
