"""Generator speed: 50 roles against the full bundled catalog, heuristic mode, against a baseline.

The baseline is the generator as it was at :data:`BASELINE_COMMIT` (before the issue-11 choice
rules: Pareto check, intervals, latency proxy, fallback policy, richer explanation). Its source is
extracted with ``git archive`` into a temporary folder and imported instead of the working tree's
(``PYTHONPATH``), on the same catalog, runtime and interpreter, so the two differ only in the
generator's own code. Runs alternate (current, baseline, current, ...) in fresh processes; each
process reports:

* ``cold``: import + ``load_catalog("bundled")`` + the first ``generate`` (what ``llmhub
  generate`` pays);
* ``warm``: the median of further ``generate`` calls on the loaded catalog.

Prints medians over the rounds, the ratios current / baseline, and whether the whole 50-role run
stays well under 1 s. Never asserts. Needs git (it reads the baseline from the repository).

Run: ``uv run --all-packages --group dev python bench/bench_generator.py``
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from _common import load_note

ROOT = Path(__file__).resolve().parents[1]
#: The last commit before the issue-11 generator (today's main when the work started).
BASELINE_COMMIT = "ebd4a2e"
ROLES = 50
ROUNDS = 5
WARM_REPEATS = 5
KINDS = ["chat", "chat", "chat", "embedding", "tool"]
DESCRIPTIONS = [
    "Answers customer questions; must be reliable.",
    "Extracts invoice fields as JSON.",
    "Analyzes long documents step by step.",
    "Embeds support tickets for search.",
    "An agent that calls tools to manage orders.",
    "Writes and reviews code.",
    "Autocomplete in a real-time editor.",
    "Tags millions of messages in bulk.",
]
LEVELS = ["low", "medium", "high"]

WORKER = """
import json, statistics, sys, time
t0 = time.perf_counter()
from llmhub_catalog import load_catalog
from llmhub_generator import generate, parse_spec_yaml
spec = parse_spec_yaml(sys.stdin.read())
catalog = load_catalog("bundled")
result = generate(spec, catalog)
cold = time.perf_counter() - t0
warm = []
for _ in range(int(sys.argv[1])):
    t = time.perf_counter()
    generate(spec, catalog)
    warm.append(time.perf_counter() - t)
import llmhub_generator
print(json.dumps({"cold": cold, "warm": statistics.median(warm), "roles": len(result.config.roles),
                  "module": llmhub_generator.__file__}))
"""


def spec_text(roles: int = ROLES) -> str:
    """A spec with ``roles`` varied roles over six providers."""
    lines = ["project: bench", "providers:"]
    for provider in ("openai", "anthropic", "gemini", "mistral", "deepseek", "xai"):
        lines.append(f"  {provider}: {{env_key: {provider.upper()}_API_KEY}}")
    lines.append("roles:")
    for i in range(roles):
        kind = KINDS[i % len(KINDS)]
        description = DESCRIPTIONS[i % len(DESCRIPTIONS)] if kind != "embedding" else DESCRIPTIONS[3]
        lines.append(f"  role.{i:02d}:")
        lines.append(f"    kind: {kind}")
        lines.append(f"    description: {description}")
        quality, cost, latency = LEVELS[i % 3], LEVELS[(i // 3) % 3], LEVELS[(i // 9) % 3]
        lines.append(f"    preferences: {{quality: {quality}, cost: {cost}, latency: {latency}}}")
    return "\n".join(lines) + "\n"


def extract_baseline(target: Path) -> Path:
    """The baseline generator's ``src`` folder, extracted from git into ``target``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", BASELINE_COMMIT, "packages/llmhub-generator/src"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target / "packages" / "llmhub-generator" / "src"


def measure(spec: str, pythonpath: Path | None) -> dict[str, float]:
    """One fresh process: cold and warm times (seconds)."""
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    done = subprocess.run(
        [sys.executable, "-c", WORKER, str(WARM_REPEATS)],
        input=spec,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    data: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return data


def main() -> None:
    """Run and print the benchmark."""
    spec = spec_text()
    print(load_note("generator"))
    with tempfile.TemporaryDirectory() as tmp:
        baseline_src = extract_baseline(Path(tmp))
        current: list[dict[str, float]] = []
        baseline: list[dict[str, float]] = []
        for _ in range(ROUNDS):
            current.append(measure(spec, None))
            baseline.append(measure(spec, baseline_src))
    assert "llmhub-generator/src" not in str(current[0]["module"]) or tmp not in str(current[0]["module"])
    assert tmp in str(baseline[0]["module"]), "the baseline run did not import the baseline code"

    def med(runs: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in runs) * 1000

    cur_warm, base_warm = med(current, "warm"), med(baseline, "warm")
    cur_cold, base_cold = med(current, "cold"), med(baseline, "cold")
    print(f"{ROLES} roles, bundled catalog, {ROUNDS} interleaved rounds (fresh process each)")
    print(f"baseline: generator at {BASELINE_COMMIT} (git archive), same catalog and interpreter")
    print(
        f"warm generate, median of {WARM_REPEATS}:  current {cur_warm:7.1f} ms   "
        f"baseline {base_warm:7.1f} ms   ratio {cur_warm / base_warm:5.2f}   ({cur_warm / ROLES:.2f} ms/role)"
    )
    print(
        f"cold (import+load+generate):   current {cur_cold:7.1f} ms   baseline {base_cold:7.1f} ms   "
        f"ratio {cur_cold / base_cold:5.2f}"
    )
    warm_verdict = "PASS" if cur_warm < 1000 else "MISS"
    cold_verdict = "PASS" if cur_cold < 1000 else "MISS"
    print(
        f"target: {ROLES} roles well under 1000 ms -> generate {cur_warm:.0f} ms: {warm_verdict}; "
        f"whole cold process {cur_cold:.0f} ms: {cold_verdict} (baseline cold {base_cold:.0f} ms)"
    )
    print(load_note("generator, after"))


if __name__ == "__main__":
    main()
