"""What the CLI tests share: the repository's paths and ``run`` (one in-process CLI call)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from llmhub_cli.main import app

__all__ = ["EXAMPLES", "EXAMPLE_NAMES", "REPO", "Run", "hand_edit_params", "run"]

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
EXAMPLE_NAMES = ("rag-chat", "agent-tools", "local-first")


@dataclass
class Run:
    """The outcome of one CLI invocation."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run(*args: str, env: dict[str, str | None] | None = None, input: str | None = None) -> Run:
    """Invoke ``llmhub ARGS`` in-process (stdout and stderr kept apart)."""
    result = CliRunner().invoke(app, list(args), env=env, input=input, prog_name="llmhub")
    exception = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(result.exit_code, result.stdout, result.stderr, exception)


def hand_edit_params(path: Path, role: str, params: dict[str, object]) -> None:
    """Edit ``params`` of ``role`` in a generated llmhub.yaml as a person would, keeping the YAML
    valid whatever layout (flow or block) the generator chose for the role."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    yaml = YAML()
    yaml.width = 4096
    data = yaml.load(path.read_text())
    flow = CommentedMap(params)
    flow.fa.set_flow_style()
    data["roles"][role]["params"] = flow
    with path.open("w") as out:
        yaml.dump(data, out)
