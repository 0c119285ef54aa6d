"""Real CPU contention for tests: busy-looping processes that stop by themselves (bounded)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_LOOP = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


@contextmanager
def burning_every_cpu(seconds: float = 30.0) -> Iterator[int]:
    """One busy-looping process per CPU for at most ``seconds``; yields the CPU count."""
    cpus = os.cpu_count() or 1
    procs = [subprocess.Popen([sys.executable, "-c", _LOOP.format(seconds=seconds)]) for _ in range(cpus)]
    try:
        yield cpus
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
