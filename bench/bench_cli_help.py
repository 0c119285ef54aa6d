"""Cold start of ``llmhub --help`` against the honest baseline, ``python -c "import typer"``.

What is measured
    Wall time of a fresh Python process, from spawn to exit, for:

    baseline   ``python -c "import typer"``: the least any typer CLI can cost.
    help       ``python -c "from llmhub_cli.main import main; main(['--help'])"``: the whole
               ``llmhub --help`` path (every command module imported, the help rendered).
    version    the same with ``--version``: the import cost with almost no rendering.

    The console-script wrapper is not used so that both sides start the same interpreter the same
    way; ``llmhub --help`` adds only the wrapper script on top of the ``help`` row.

Method
    R rounds (default 15); every round runs each variant once, in an order that rotates, so load
    drifting over the run hits all variants alike. Bytecode caches are warm (a first untimed run
    of each), which is what a user sees from the second call on. Reported: median and min per
    variant and the ratio of medians.

Target (printed as PASS/MISS, never asserted; the exit code is 0 either way)
    help / baseline <= 2.0.

Run: ``uv run --package llmhub python bench/bench_cli_help.py [--rounds N]``
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

VARIANTS: dict[str, str] = {
    "baseline (import typer)": "import typer",
    "llmhub --help": "from llmhub_cli.main import main; raise SystemExit(main(['--help']))",
    "llmhub --version": "from llmhub_cli.main import main; raise SystemExit(main(['--version']))",
}
TARGET = 2.0


def run_once(code: str) -> float:
    """Seconds from spawning a fresh interpreter running ``code`` until it exits."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    names = list(VARIANTS)
    for name in names:  # warm the bytecode caches; not timed
        run_once(VARIANTS[name])
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(args.rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(run_once(VARIANTS[name]))
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds, fresh process per run")
    print(f"{'variant':<26} {'median ms':>10} {'min ms':>8}")
    for name in names:
        print(
            f"{name:<26} {statistics.median(samples[name]) * 1000:>10.1f} {min(samples[name]) * 1000:>8.1f}"
        )
    base = statistics.median(samples[names[0]])
    for name in names[1:]:
        ratio = statistics.median(samples[name]) / base
        verdict = "PASS" if ratio <= TARGET else "MISS"
        print(f"{name} / baseline: {ratio:.2f}x (target <= {TARGET}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
