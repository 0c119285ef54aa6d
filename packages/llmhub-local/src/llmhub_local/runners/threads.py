"""How many CPU threads a generation should use now: fewer while other processes keep cores busy.

llama.cpp splits every operation of a token across its threads and waits for all of them at a
barrier after each one. With as many threads as cores and another busy process on the machine,
some thread is always waiting for a core, and every barrier waits for it: on 2 cores with one
CPU-burning process, 2 threads made 2.6-3.7 answers/s and 1 thread 4.5 (an idle machine: 2
threads 7.5-8.9, 1 thread 4.5). :class:`ThreadGovernor` measures, between generations, how much
CPU the *other* processes used (the whole machine's busy time from ``/proc/stat`` via psutil, less
this process's own) and leaves them the cores they keep busy.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil

__all__ = ["CpuSample", "ThreadGovernor", "sample_cpu"]


@dataclass(frozen=True)
class CpuSample:
    """CPU time counters at one moment (seconds, summed over every CPU)."""

    #: Time every CPU spent on anything but idling or waiting for I/O.
    machine_busy: float
    #: All CPU time (busy + idle + iowait); its growth over a window is window x CPUs.
    machine_total: float
    #: This process's own CPU time (user + system, every thread).
    own: float


def sample_cpu() -> CpuSample:
    """The machine's and this process's CPU counters now (psutil; ``/proc/stat`` on Linux)."""
    times = psutil.cpu_times()
    fields = times._asdict()
    # guest time is already counted in user/nice on Linux; steal (a hypervisor running other
    # guests on our CPUs) counts as busy: those cycles are not ours to use.
    total = sum(fields.values()) - fields.get("guest", 0.0) - fields.get("guest_nice", 0.0)
    idle = fields.get("idle", 0.0) + fields.get("iowait", 0.0)
    own = os.times()
    return CpuSample(machine_busy=total - idle, machine_total=total, own=own.user + own.system)


class ThreadGovernor:
    """Chooses a thread count between 1 and ``maximum`` from the CPU other processes used lately.

    :meth:`threads` compares the counters with the previous call (at least ``window`` seconds
    ago; a sooner call keeps the last answer): the cores other processes kept busy, rounded to
    the nearest core, are left to them; with none busy the answer is ``maximum``. Thread-safe.

    Args:
        maximum: The thread count when nothing else runs (the configured ``threads``).
        cpus: Logical CPUs (default: ``os.cpu_count()``).
        window: Minimum seconds between two measurements.
        sample: Reads the counters (default :func:`sample_cpu`); tests pass their own.
        clock: Monotonic seconds (default ``time.monotonic``).
    """

    def __init__(
        self,
        maximum: int,
        *,
        cpus: int | None = None,
        window: float = 0.25,
        sample: Callable[[], CpuSample] = sample_cpu,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if maximum < 1:
            raise ValueError(f"maximum must be at least 1, not {maximum}")
        self.maximum = maximum
        self.cpus = max(1, cpus if cpus is not None else os.cpu_count() or 1)
        self.window = window
        self._sample = sample
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, CpuSample] | None = None
        self._threads = maximum
        #: Cores the other processes used over the last window (None before two samples).
        self.others: float | None = None

    def threads(self) -> int:
        """The thread count to use for the next generation."""
        with self._lock:
            now = self._clock()
            if self._last is not None and now - self._last[0] < self.window:
                return self._threads
            current = self._sample()
            if self._last is not None:
                self.others = others = _others(self._last[1], current, self.cpus)
                taken = int(others + 0.5)  # a core at least half used by others is theirs
                # Nothing taken: the configured count, even if it oversubscribes the CPUs.
                free = self.cpus - taken if taken else self.maximum
                self._threads = max(1, min(self.maximum, free))
            self._last = (now, current)
            return self._threads


def _others(before: CpuSample, after: CpuSample, cpus: int) -> float:
    """Cores (0..cpus) the other processes kept busy between two samples."""
    total = after.machine_total - before.machine_total
    if total <= 0:
        return 0.0
    others = (after.machine_busy - before.machine_busy) - (after.own - before.own)
    return min(float(cpus), max(0.0, others / total * cpus))
