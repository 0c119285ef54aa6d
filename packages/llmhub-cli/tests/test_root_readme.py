"""The repository README's quickstart command does what the README says, offline."""

from __future__ import annotations

import re
import shlex

from cli_helpers import EXAMPLES, REPO, run


def _quickstart_command() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Run the main job**") :]
    command = re.search(r"```bash\n(.*?)\n```", section, re.DOTALL)
    assert command is not None
    words = shlex.split(command.group(1))
    assert words[:3] == ["uv", "run", "llmhub"], words
    return words[3:]


def test_main_job_command_prints_the_golden_file_and_explains(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(REPO)
    result = run(*_quickstart_command())
    assert result.exit_code == 0, result.output
    golden = (EXAMPLES / "rag-chat" / "llmhub.yaml").read_text(encoding="utf-8")
    assert golden in result.stdout  # exactly what generate would write
    for role in ("rag.answer", "rag.embedding", "rag.query_rewrite"):
        assert role in result.output
    assert "top candidates" in result.output
    assert "rejected" in result.output
