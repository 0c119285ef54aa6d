"""Benchmark: loading the bundled catalog, against reading its raw JSON, and filtering it.

Run with ``uv run --all-packages python bench/bench_catalog.py``. Every cold measurement is a
fresh Python process; the baseline (``import json`` + reading and parsing the raw snapshot file,
a bare ``json.load`` of the same file) and the catalog load are run interleaved, one after the
other in each round, and the medians are compared, so the ratio shows what the catalog adds
(package import, sha256 check, row checks) under the same machine load. The target is a cold
``load_catalog('bundled')`` under 150 ms. Prints numbers, never asserts.

The child processes run with bytecode writing allowed (``PYTHONDONTWRITEBYTECODE`` removed from
their environment) and one warm-up run first, so, as for an installed package, modules are loaded
from ``.pyc`` files: otherwise every run would recompile pydantic and the packages from source,
and that compile time (over 100 ms here) would swamp what is being measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import load_note

BASELINE = """
import time
t0 = time.perf_counter()
import json
from pathlib import Path
data = Path({path!r}).read_bytes()
payload = json.loads(data.partition(b"\\n")[2])
print((time.perf_counter() - t0) * 1000)
"""

LOAD = """
import time
t0 = time.perf_counter()
from llmhub_catalog import load_catalog
catalog = load_catalog("bundled")
t1 = time.perf_counter()
records = catalog.records
t2 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t0) * 1000)
"""


# Children may write and then use .pyc files (see the module docstring).
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _run(code: str) -> list[float]:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_ENV
    ).stdout
    return [float(x) for x in out.split()]


def _process_start(runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True, env=_ENV)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per cold measurement")
    parser.add_argument("--filter-runs", type=int, default=200, help="filter calls to time")
    args = parser.parse_args()

    from llmhub_catalog import bundled_snapshot_path, load_catalog

    path = str(bundled_snapshot_path())
    print(load_note("bench_catalog"))
    _run(LOAD)  # warm the OS file cache and the .pyc files once, outside the measurement
    baselines: list[float] = []
    loads: list[list[float]] = []
    for _ in range(args.runs):  # interleaved: baseline and load see the same load
        baselines.append(_run(BASELINE.format(path=path))[0])
        loads.append(_run(LOAD))
    baseline = statistics.median(baselines)
    load_ms = statistics.median(x[0] for x in loads)
    records_ms = statistics.median(x[1] for x in loads)
    start_ms = _process_start(args.runs)

    catalog = load_catalog("bundled")
    catalog.filter()  # build records and the filter index once, as any real caller would
    timings = []
    found = 0
    for _ in range(args.filter_runs):
        t0 = time.perf_counter()
        found = len(
            catalog.filter(
                kind="chat",
                provider=["openai", "anthropic", "gemini", "mistral"],
                capabilities=["tool_call"],
                modalities_in=["text"],
                min_context=64_000,
                max_price=10.0,
            )
        )
        timings.append((time.perf_counter() - t0) * 1000)
    filter_ms = statistics.median(timings)

    size_mb = Path(path).stat().st_size / 1e6
    print(
        f"catalog: {len(catalog)} models, version {catalog.version}, sha256 {catalog.sha256[:16]}..., "
        f"file {size_mb:.2f} MB"
    )
    rows = [
        ("python -c pass (process start, reference)", start_ms, ""),
        ("baseline: import json + read + parse raw snapshot", baseline, f"median of {args.runs} processes"),
        ("cold load_catalog('bundled'), import included", load_ms, f"ratio {load_ms / baseline:.2f}x"),
        (f"cold load + build all {len(catalog)} records", records_ms, f"ratio {records_ms / baseline:.2f}x"),
    ]
    for label, value, note in rows:
        print(f"{label:<52} {value:9.1f} ms  {note}")
    label = f"filter the catalog for one role ({found} matches)"
    print(f"{label:<52} {filter_ms:9.3f} ms  median of {args.filter_runs} calls")


if __name__ == "__main__":
    main()
