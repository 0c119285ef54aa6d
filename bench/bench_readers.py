"""The safe YAML reader against raw ruamel.yaml on the same text (interleaved, medians).

Baseline: ``YAML(typ="rt").load(text)``, what a loader without checks does. Measured:
``llmhub_runtime.yamldoc.load_yaml_text`` (one parse, node checks for tags, recursive aliases,
alias expansion and depth, conversion to plain data). A ratio near 1 means the checks cost little
next to parsing; before the reader was shared, ``llmhub runtime show`` parsed each file four times.

Also timed: how long a file over the size limit takes to be refused (the 9 MB ``llmhub.yaml`` with
200,000 ``x-`` keys that used to run past 90 s), next to raw ruamel on a 1/20 slice of it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import load_note, median

HEAD = """\
project: bench
env: dev
providers:
  openai: {env_key: OPENAI_API_KEY}
  anthropic: {env_key: ANTHROPIC_API_KEY}
roles:
"""


def document(roles: int) -> str:
    lines = [HEAD]
    for i in range(roles):
        lines.append(
            f"  role.{i}:\n    provider: openai\n    model: gpt-4.1\n    mode: chat\n"
            f"    params: {{temperature: 0.2, max_tokens: 512}}\n"
            f"    fallbacks:\n      - {{provider: anthropic, model: claude-sonnet-4-5}}\n"
        )
    return "".join(lines)


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    from ruamel.yaml import YAML

    from llmhub_runtime.errors import ConfigError
    from llmhub_runtime.yamldoc import load_yaml_text, read_yaml_file

    print(load_note("bench_readers"))
    for roles in (5, 100, 1000):
        text = document(roles)
        ours: list[float] = []
        raw: list[float] = []

        def raw_load(t: str = text) -> object:
            return YAML(typ="rt").load(t)

        def our_load(t: str = text) -> object:
            return load_yaml_text(t, source="bench.yaml")

        for _ in range(7 if roles < 1000 else 3):  # interleaved
            raw.append(timed(raw_load))
            ours.append(timed(our_load))
        print(
            f"{len(text) / 1024:8.1f} KiB ({roles:4d} roles): raw ruamel {median(raw) * 1e3:8.1f} ms, "
            f"load_yaml_text {median(ours) * 1e3:8.1f} ms, ratio {median(ours) / median(raw):.2f}"
        )

    with tempfile.TemporaryDirectory() as folder:
        big = Path(folder) / "llmhub.yaml"
        keys = "".join(f"x-key{i:07d}: value number {i} with some padding\n" for i in range(200_000))
        big.write_text(document(2) + keys)
        slice_text = document(2) + keys[: len(keys) // 20]

        def refuse() -> None:
            with contextlib.suppress(ConfigError):
                read_yaml_file(big)

        refused = median([timed(refuse) for _ in range(5)])
        baseline = timed(lambda: YAML(typ="rt").load(slice_text))
        size = os.path.getsize(big) / 2**20
        print(
            f"{size:.1f} MiB llmhub.yaml with 200,000 x- keys: refused in {refused * 1e3:.2f} ms; raw ruamel "
            f"needs {baseline:.2f} s for 1/20 of it (ratio {refused / baseline:.1e})"
        )


if __name__ == "__main__":
    main()
