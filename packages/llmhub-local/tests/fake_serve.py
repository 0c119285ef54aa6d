"""``python fake_serve.py -m llmhub_local.serving.serve MODEL ...``: the real server process, fake runner.

The manager launches ``<interpreter> -m llmhub_local.serving.serve ...``; tests point ``interpreter`` at
a tiny shell script that runs this file instead, so the process, the store records, the signals
and the port allocation are all real and only the model is :class:`fake_runner.FakeRunner`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from llmhub_local.runners.config import BackendType
from llmhub_local.runners.factory import LLMRunnerFactory
from llmhub_local.serving.serve import main

if __name__ == "__main__":
    LLMRunnerFactory.RUNNERS[BackendType.LLAMA_CPP] = "fake_runner:FakeRunner"
    args = sys.argv[1:]
    if args[:2] == ["-m", "llmhub_local.serving.serve"]:
        args = args[2:]
    sys.exit(main(args))
