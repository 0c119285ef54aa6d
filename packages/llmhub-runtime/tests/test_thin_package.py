"""The runtime package ships runtime code only: the fake server lives in llmhub-testing."""

from __future__ import annotations

import subprocess
import sys


def test_no_test_server_in_the_runtime() -> None:
    code = (
        "import importlib.util, sys, llmhub_runtime\n"
        "sys.exit(importlib.util.find_spec('llmhub_runtime.testing') is not None"
        " or 'llmhub_testing' in sys.modules or 'uvicorn' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
