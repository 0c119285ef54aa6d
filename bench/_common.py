"""Helpers shared by the benchmarks (not a benchmark itself: no ``bench_`` prefix).

* :func:`load_note`, :func:`median`: report machine load, summarise interleaved runs;
* :func:`read_bandwidth_gbs`: the memory-bandwidth bound of decode (local-model benches);
* :class:`ServerProcess`: ``FakeOpenAIServer`` in a child process, so that the server does not
  share the measured client's interpreter (runtime benches).
"""

from __future__ import annotations

import importlib
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["SERVER_CODE", "ServerProcess", "load_note", "median", "read_bandwidth_gbs"]


def load_note(label: str) -> str:
    """The 1-minute load average against the core count, with a warning when the machine is busy."""
    one, five, _ = os.getloadavg()
    cores = os.cpu_count() or 1
    note = f"[{label}] load average 1m={one:.2f} 5m={five:.2f} on {cores} cores"
    if one > 0.5 * cores:
        note += "  WARNING: machine is loaded; numbers below are pessimistic"
    return note


def median(values: Sequence[float]) -> float:
    """Median (the benchmarks interleave runs and report medians, which resist one-off stalls)."""
    return statistics.median(values) if values else float("nan")


def read_bandwidth_gbs(threads: int, megabytes: int = 512, repeats: int = 5) -> float:
    """Measured memory read bandwidth (GB/s) with ``threads`` threads summing disjoint slices.

    numpy releases the GIL in reductions, so the threads read in parallel; the best of a few
    repeats is reported (the bound is about what the hardware can do, not an average).
    """
    np: Any = importlib.import_module("numpy")  # a dependency of both backends

    data = np.ones(megabytes * 1024 * 1024 // 8, dtype=np.float64)
    slices = np.array_split(data, threads)
    best = 0.0
    for _ in range(repeats):
        workers = [threading.Thread(target=np.sum, args=(s,)) for s in slices]
        start = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - start
        best = max(best, data.nbytes / elapsed / 1e9)
    return best


PROMPT = (
    "The history of the printing press begins in the fifteenth century, when Johannes Gutenberg "
    "combined movable metal type, oil-based ink and a wooden screw press. Within decades, printing "
    "shops had spread across Europe, books became cheaper, and ideas travelled faster than ever. "
    "Scholars, merchants and reformers all found new audiences. In the chapters that follow, we "
    "trace how this single invention changed science, religion, politics and daily life, and why"
)


SERVER_CODE = """
import sys
from llmhub_testing import FakeOpenAIServer
server = FakeOpenAIServer().start()
print(server.base_url, flush=True)
sys.stdin.read()
server.stop()
"""

TARGETS: dict[str, float] = {"hub/anyllm": 1.05, "hub/openai": 1.5}


# ---------------------------------------------------------------------------- server process


class ServerProcess:
    """The fake OpenAI server, running in a child process of its own."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http"):
            self.close()
            raise RuntimeError(f"the fake server did not start (printed {line!r})")
        self.base_url = line

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
