"""The command examples in the package README run as written (except the networked ones)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from cli_helpers import EXAMPLES, run

README = Path(__file__).resolve().parents[1] / "README.md"
# Lines that need the network or a provider key are documented but not run here.
SKIP = ("llmhub catalog refresh", "llmhub test ")


def _commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split("  #")[0].strip()
            if line.startswith("llmhub ") and not line.startswith(SKIP):
                commands.append(shlex.split(line)[1:])
    return commands


def test_readme_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    commands = _commands()
    assert len(commands) >= 10
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "rag-chat" / "llmhub.spec.yaml", tmp_path / "llmhub.spec.yaml")
    for args in commands:
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
