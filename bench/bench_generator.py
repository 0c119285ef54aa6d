"""Generator speed: 50 roles against the full bundled catalog, heuristic mode.

Measures, in one run:
* ``load``: ``load_catalog("bundled")`` plus building its records (the baseline the generator
  cannot avoid), median of several repetitions in this process after a warm-up;
* ``generate``: ``generate(spec_with_50_roles, catalog)`` on the already loaded catalog;
* ``cold``: both together in a fresh process (what ``llmhub generate`` pays), median of 5.

Prints time per role and the ratio generate / load. Target: the whole 50-role run under 1 s.
Never asserts.

Run: ``uv run --all-packages --group dev python bench/bench_generator.py``
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

ROLES = 50
REPEATS = 7
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


def _cold_run() -> float:
    code = (
        "import time; t=time.perf_counter(); "
        "from llmhub_catalog import load_catalog; from llmhub_generator import generate, parse_spec_yaml; "
        "import sys; generate(parse_spec_yaml(sys.stdin.read()), load_catalog('bundled')); "
        "print(time.perf_counter()-t)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=spec_text(), capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def main() -> None:
    """Run and print the benchmark."""
    from llmhub_catalog import load_catalog
    from llmhub_generator import generate, parse_spec_yaml

    loaded = parse_spec_yaml(spec_text())
    warm = load_catalog("bundled").records  # warm-up (imports, page cache)
    assert warm
    load_times, gen_times = [], []
    for _ in range(REPEATS):
        start = time.perf_counter()
        catalog = load_catalog("bundled")
        _ = catalog.records
        load_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = generate(loaded, catalog)
        gen_times.append(time.perf_counter() - start)
    cold = [_cold_run() for _ in range(5)]
    load_ms = statistics.median(load_times) * 1000
    gen_ms = statistics.median(gen_times) * 1000
    cold_ms = statistics.median(cold) * 1000
    print(f"machine load average: {os.getloadavg()[0]:.2f} (2 cores)")
    print(f"catalog: {len(catalog.records)} records, version {catalog.version}")
    print(f"roles generated: {len(result.config.roles)}")
    print(f"load catalog (warm, median of {REPEATS}):   {load_ms:8.1f} ms")
    print(f"generate {ROLES} roles (median of {REPEATS}):   {gen_ms:8.1f} ms  = {gen_ms / ROLES:.2f} ms/role")
    print(f"ratio generate / load:                {gen_ms / load_ms:8.2f}")
    print(f"cold process (import+load+generate):  {cold_ms:8.1f} ms (median of 5)")
    total = load_ms + gen_ms
    print(
        f"target: whole {ROLES}-role run < 1000 ms -> {total:.0f} ms warm, {cold_ms:.0f} ms cold: "
        f"{'PASS' if cold_ms < 1000 else 'MISS'}"
    )


if __name__ == "__main__":
    main()
