"""Cold-start cost of ``llmhub_runtime`` against any-llm's, and the size of what it installs.

Part 1 - cold start (fresh interpreter per run)
    Each case runs as ``python -c <code>`` in a new process, R times (default 7), the cases
    interleaved in an order that rotates every run, after one warm-up run each (which also writes
    the ``.pyc`` files, so that every timed run finds them, as an installed package would).
    Two numbers per case, medians over the runs: **wall** is the whole process, from spawn to
    exit, as the parent sees it (interpreter start-up included; ``python -c pass`` shows that
    floor); **in-process** is the time of the measured statements alone, taken inside the child
    with ``time.perf_counter_ns``, which leaves the identical interpreter start-up out.

    Cases: ``import any_llm`` (the baseline), ``import llmhub_runtime``, ``import llmhub_runtime``
    plus ``LLMHub(config_path=...)`` (loads a one-role ``llmhub.yaml``), and the whole path to a
    first answer: import + ``LLMHub(...)`` + one ``hub.completion`` vs import any_llm +
    ``AnyLLM.create("openai", ...)`` + one ``.completion``, both against the same fake
    OpenAI-compatible server (``llmhub_testing.FakeOpenAIServer``), which runs in a
    process of its own for the whole benchmark.

    ``llmhub_runtime`` imports any-llm only on its first call, so the bare import ratio is
    expected to be well under 1; the first-call ratio is the one that shows the runtime's real
    start-up cost over any-llm's.

    Targets (printed as PASS/MISS, never asserted): import llmhub_runtime / import any_llm <= 1.10
    (in-process), and the same bound on the first-call path; cold ``LLMHub(config_path)`` / bare
    ``import llmhub_runtime`` <= 1.3 (wall: a process that builds a hub against one that only
    imports the package), with ``from llmhub_runtime import LLMHub`` shown as a second baseline.

Part 2 - installed size of the runtime's dependency closure
    Builds the ``llmhub-runtime`` wheel (``uv build --package llmhub-runtime --wheel``), installs it
    alone into a fresh venv (``uv venv`` + ``uv pip install <wheel>``, resolved from the index as a
    user's ``pip install`` would be; no bytecode compiled), and sums the size of site-packages:
    the total, and per distribution from its installed file list (``importlib.metadata``, run by
    the venv's own interpreter). The baseline is ``any-llm-sdk`` alone, at the version the runtime
    venv resolved, installed the same way. The venvs live in a temporary directory (uv's cache
    makes rebuilding them take about a second); they are not kept under ``bench/`` because
    ``mypy bench`` would then crawl them.

Run: ``uv run --all-packages --group dev python bench/bench_runtime_import.py [--runs R] [--no-size]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from _common import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
ROLE = "llm.bench"
MODEL = "bench-model"
ENV_KEY = "LLMHUB_BENCH_OPENAI_KEY"
DUMMY_KEY = "sk-bench-0000000000000000"
TARGET = 1.10
CONSTRUCT_TARGET = 1.3

# Each case prints the in-process time (ns) of its measured statements. sys.argv = [-c, config, url].
_T0 = "import time\nt0 = time.perf_counter_ns()\n"
_T1 = "print(time.perf_counter_ns() - t0)\n"
_MESSAGES = '[{"role": "user", "content": "ping"}]'
CASES: dict[str, tuple[str, str]] = {
    "pass": ("python -c pass", "pass\n"),
    "any_llm": ("import any_llm", _T0 + "import any_llm\n" + _T1),
    "runtime": ("import llmhub_runtime", _T0 + "import llmhub_runtime\n" + _T1),
    "runtime_class": (
        "from llmhub_runtime import LLMHub",
        _T0 + "from llmhub_runtime import LLMHub\n" + _T1,
    ),
    "runtime_config": (
        "import llmhub_runtime + LLMHub(config_path)",
        _T0 + "import sys\nimport llmhub_runtime\nllmhub_runtime.LLMHub(config_path=sys.argv[1])\n" + _T1,
    ),
    "runtime_call": (
        "llmhub: import + LLMHub(...) + 1st completion",
        _T0
        + "import sys\nimport llmhub_runtime\n"
        + "hub = llmhub_runtime.LLMHub(config_path=sys.argv[1])\n"
        + f"hub.completion({ROLE!r}, {_MESSAGES})\n"
        + _T1,
    ),
    "any_llm_call": (
        "any_llm: import + AnyLLM.create + 1st completion",
        _T0
        + "import os, sys\nimport any_llm\n"
        + f"llm = any_llm.AnyLLM.create('openai', api_key=os.environ[{ENV_KEY!r}], api_base=sys.argv[2], "
        + "max_retries=0)\n"
        + f"llm.completion(model={MODEL!r}, messages={_MESSAGES}, temperature=0.0, max_tokens=16)\n"
        + _T1,
    ),
}

SIZE_PROBE = r"""
import importlib.metadata as md, json, os, sysconfig
site = sysconfig.get_paths()["purelib"]
dists = []
for dist in md.distributions():
    size = 0
    for f in dist.files or []:
        try:
            size += os.lstat(dist.locate_file(f)).st_size
        except OSError:
            pass
    dists.append([dist.metadata["Name"], dist.version, size])
total = sum(os.lstat(os.path.join(r, f)).st_size for r, _, fs in os.walk(site) for f in fs)
print(json.dumps({"site": site, "total": total, "dists": dists}))
"""


# ---------------------------------------------------------------------------- part 1


@dataclass
class Case:
    key: str
    label: str
    code: str
    wall_ns: list[int] = field(default_factory=list)
    inproc_ns: list[int] = field(default_factory=list)

    def run(self, args: Sequence[str], env: dict[str, str]) -> None:
        t0 = time.perf_counter_ns()
        done = subprocess.run(
            [sys.executable, "-c", self.code, *args], env=env, capture_output=True, text=True, check=False
        )
        wall = time.perf_counter_ns() - t0
        if done.returncode != 0:
            raise RuntimeError(f"case {self.label!r} failed:\n{done.stderr}")
        self.wall_ns.append(wall)
        if done.stdout.strip():
            self.inproc_ns.append(int(done.stdout.split()[-1]))

    @property
    def wall_ms(self) -> float:
        return statistics.median(self.wall_ns) / 1e6

    @property
    def inproc_ms(self) -> float | None:
        return statistics.median(self.inproc_ns) / 1e6 if self.inproc_ns else None


def write_config(directory: Path, base_url: str) -> Path:
    path = directory / "llmhub.yaml"
    path.write_text(
        "project: bench\nenv: bench\nproviders:\n"
        f"  openai: {{env_key: {ENV_KEY}, api_base: '{base_url}', max_retries: 0}}\n"
        f"roles:\n  {ROLE}:\n    provider: openai\n    model: {MODEL}\n    mode: chat\n"
        "    params: {temperature: 0.0, max_tokens: 16}\n",
        encoding="utf-8",
    )
    return path


def import_time_by_package(env: dict[str, str], limit: int = 6) -> list[tuple[str, float]]:
    """Where ``import llmhub_runtime`` spends its time: self ms summed per top-level package.

    One run of ``python -X importtime``; indicative only.
    """
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import llmhub_runtime"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, _, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(self_us) / 1000.0
    return sorted(totals.items(), key=lambda r: -r[1])[:limit]


def loaded_after_import(env: dict[str, str]) -> list[str]:
    probe = (
        "import sys, llmhub_runtime\n"
        "print(' '.join(m for m in ('pydantic', 'ruamel.yaml', 'any_llm', 'openai', 'anthropic', 'httpx', "
        "'rich') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


def cold_start(runs: int) -> list[tuple[str, float, float]]:
    """Part 1; returns (name, ratio, target) for the targets."""
    env = dict(os.environ)
    env[ENV_KEY] = DUMMY_KEY
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cases = {key: Case(key, label, code) for key, (label, code) in CASES.items()}
    order = list(cases.values())
    with ServerProcess() as server, tempfile.TemporaryDirectory(prefix="llmhub-bench-") as tmp:
        config = write_config(Path(tmp), server.base_url)
        args = [str(config), server.base_url]
        for case in order:  # warm-up: writes .pyc files, proves every case works
            case.run(args, env)
            case.wall_ns.clear()
            case.inproc_ns.clear()
        for r in range(runs):
            for i in range(len(order)):
                order[(r + i) % len(order)].run(args, env)

    print(f"\ncold start: fresh interpreter per run, median of {runs} interleaved runs")
    print(f"  {'case':<50} {'wall ms':>9} {'in-process ms':>14}")
    for case in order:
        inproc = case.inproc_ms
        print(f"  {case.label:<50} {case.wall_ms:>9.1f} {'-' if inproc is None else f'{inproc:.1f}':>14}")

    def ms(key: str) -> float:
        value = cases[key].inproc_ms
        assert value is not None
        return value

    outcomes: list[tuple[str, float, float]] = []
    print("  ratios (in-process; wall in brackets):")

    def ratio(num: str, den: str, name: str, target: float | None) -> None:
        value = ms(num) / ms(den)
        wall = cases[num].wall_ms / cases[den].wall_ms
        line = f"  {name:<50} {value:6.3f}  [{wall:6.3f}]"
        if target is not None:
            outcomes.append((name, value, target))
            line += f"  target <= {target:.2f}  {'PASS' if value <= target else 'MISS'}"
        print(line)

    ratio("runtime", "any_llm", "import llmhub_runtime / import any_llm", TARGET)
    ratio("runtime_config", "any_llm", "import + LLMHub(config) / import any_llm", None)
    # Issue 12's target: constructing a hub from a file costs little over importing the runtime
    # (it used to import any-llm to check provider ids: about 7x). Wall time (a service's cold
    # start, interpreter included) is the measure here; in-process, the bare import loads only the
    # error classes, so that ratio mostly shows what pydantic and ruamel.yaml cost.
    value = cases["runtime_config"].wall_ms / cases["runtime"].wall_ms
    outcomes.append(("cold LLMHub(config_path) / import llmhub_runtime (wall)", value, CONSTRUCT_TARGET))
    print(
        f"  {'cold LLMHub(config_path) / import llmhub_runtime':<50} "
        f"{ms('runtime_config') / ms('runtime'):6.3f}  [{value:6.3f}]"
        f"  target (wall) <= {CONSTRUCT_TARGET:.2f}  {'PASS' if value <= CONSTRUCT_TARGET else 'MISS'}"
    )
    ratio(
        "runtime_config", "runtime_class", "LLMHub(config) + import / from llmhub_runtime import LLMHub", None
    )
    ratio("runtime_call", "any_llm_call", "first call: llmhub / any_llm", TARGET)
    loaded = " ".join(loaded_after_import(env)) or "(none of those listed)"
    print(f"  modules loaded by `import llmhub_runtime`: {loaded}")
    print(
        "  `import llmhub_runtime` by package (-X importtime, self ms, one run): "
        + ", ".join(f"{name} {ms:.1f}" for name, ms in import_time_by_package(env))
    )
    return outcomes


# ---------------------------------------------------------------------------- part 2


@dataclass
class Closure:
    site: str
    total: int
    dists: list[tuple[str, str, int]]


def _uv() -> str:
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is not on PATH")
    return uv


def _install(venv: Path, requirement: str) -> Closure:
    """A fresh venv holding ``requirement`` and its closure, measured by the venv's own Python."""
    python = venv / "bin" / "python"
    for command in (
        [_uv(), "venv", "--quiet", "--python", sys.executable, str(venv)],
        [_uv(), "pip", "install", "--quiet", "--python", str(python), requirement],
    ):
        subprocess.run(command, capture_output=True, text=True, check=True)
    done = subprocess.run([str(python), "-I", "-c", SIZE_PROBE], capture_output=True, text=True, check=True)
    data = json.loads(done.stdout)
    dists = [(str(n), str(v), int(s)) for n, v, s in data["dists"]]
    return Closure(str(data["site"]), int(data["total"]), dists)


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def closure_size() -> None:
    """Part 2: build the wheel, install it alone, print the closure's size and top distributions."""
    print("\ninstalled size of the llmhub-runtime wheel's dependency closure")
    with tempfile.TemporaryDirectory(prefix="llmhub-bench-size-") as tmp_name:
        tmp = Path(tmp_name)
        build = subprocess.run(
            [_uv(), "build", "--quiet", "--package", "llmhub-runtime", "--wheel", "-o", str(tmp / "dist")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        wheels = sorted((tmp / "dist").glob("llmhub_runtime-*.whl"))
        if build.returncode != 0 or len(wheels) != 1:
            print(f"  skipped: the wheel did not build\n{build.stderr}")
            return
        wheel = wheels[0]
        try:
            runtime = _install(tmp / "venv-runtime", str(wheel))
            anyllm = next(v for n, v, _ in runtime.dists if n.lower() == "any-llm-sdk")
            baseline = _install(tmp / "venv-any-llm", f"any-llm-sdk=={anyllm}")
        except subprocess.CalledProcessError as e:
            print(f"  skipped: installing failed (no index access?)\n{e.stderr}")
            return
        wheel_kb = wheel.stat().st_size / 1e3

    dists = sorted(runtime.dists, key=lambda d: -d[2])
    print(f"  {wheel.name} ({wheel_kb:.0f} kB) installed alone into a fresh venv (no .pyc compiled):")
    print(f"  {len(dists)} distributions, site-packages {_mb(runtime.total)}")
    print("  top 10 distributions by installed size:")
    for name, ver, size in dists[:10]:
        print(f"    {name + ' ' + ver:<36} {_mb(size):>9}  {100 * size / runtime.total:5.1f}%")
    base_names = {n.lower() for n, _, _ in baseline.dists}
    extra = ", ".join(f"{n} {v} ({s / 1e3:.0f} kB)" for n, v, s in dists if n.lower() not in base_names)
    print(
        f"  baseline any-llm-sdk=={anyllm} alone: {len(baseline.dists)} distributions, "
        f"{_mb(baseline.total)}; llmhub-runtime closure / baseline = {runtime.total / baseline.total:.3f}"
    )
    print(f"  beyond the baseline: {extra or 'nothing'}")


# ---------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    """Run both parts and print the report; always returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per case (default 7)")
    parser.add_argument("--quick", action="store_true", help="5 runs per case")
    parser.add_argument("--no-size", action="store_true", help="skip the installed-size part")
    # `uvx nox -s bench -- <options>` passes the same options to every bench script.
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        print(f"(ignoring options meant for another benchmark: {' '.join(unknown)})", file=sys.stderr)
    runs: int = 5 if args.quick else max(1, args.runs)

    started = time.perf_counter()
    print("llmhub runtime: cold start and install size, vs any-llm")
    print(
        f"python {platform.python_version()}, any-llm-sdk {version('any-llm-sdk')}, "
        f"llmhub-runtime {version('llmhub-runtime')}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    outcomes = cold_start(runs)
    if not args.no_size:
        closure_size()

    print("\nsummary")
    for name, value, target in outcomes:
        print(f"  {'PASS' if value <= target else 'MISS'}  {name} = {value:.3f} (<= {target})")
    elapsed = time.perf_counter() - started
    print(f"  {sum(v <= t for _, v, t in outcomes)}/{len(outcomes)} targets met; {elapsed:.0f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
