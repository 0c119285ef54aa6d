"""The Python examples in the READMEs are executed, against the fake server, so they stay true."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from llmhub_runtime import parse_runtime_yaml
from llmhub_testing import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[3]
READMES = [ROOT / "README.md", ROOT / "packages" / "llmhub-runtime" / "README.md"]
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(language: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for readme in READMES:
        for index, match in enumerate(FENCE.finditer(readme.read_text(encoding="utf-8"))):
            if match.group(1) == language:
                found.append((f"{readme.relative_to(ROOT)}#{index}", match.group(2)))
    return found


PYTHON_BLOCKS = _blocks("python")
YAML_BLOCKS = _blocks("yaml")


def test_readmes_have_examples() -> None:
    assert len(PYTHON_BLOCKS) >= 4
    assert YAML_BLOCKS


@pytest.mark.parametrize(("where", "code"), PYTHON_BLOCKS, ids=[w for w, _ in PYTHON_BLOCKS])
def test_python_example_runs(where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with FakeOpenAIServer(api_key="sk-readme-example-key") as server:
        (tmp_path / "llmhub.yaml").write_text(
            "project: readme\nenv: test\n"
            "providers:\n"
            f"  openai: {{env_key: README_OPENAI_KEY, api_base: '{server.base_url}', max_retries: 0}}\n"
            "roles:\n"
            "  llm.inference: {provider: openai, model: gpt-test, mode: chat, params: {temperature: 0.7}}\n"
            "  llm.embedding: {provider: openai, model: embed-test, mode: embedding}\n",
            encoding="utf-8",
        )
        monkeypatch.setenv("README_OPENAI_KEY", "sk-readme-example-key")
        monkeypatch.chdir(tmp_path)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, where, "exec"), {"__name__": "__readme__"})  # noqa: S102 - our own docs
        assert server.requests, f"{where} made no call"
        assert out.getvalue().strip(), f"{where} printed nothing"
        assert "sk-readme-example-key" not in out.getvalue()


@pytest.mark.parametrize(("where", "text"), YAML_BLOCKS, ids=[w for w, _ in YAML_BLOCKS])
def test_yaml_example_is_a_valid_runtime_config(where: str, text: str) -> None:
    config = parse_runtime_yaml(text, source=where)
    assert config.roles


def test_llmhub_testing_readme_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """llmhub-testing's README shows the fake server behind a hub; its tests lack the runtime."""
    readme = ROOT / "packages" / "llmhub-testing" / "README.md"
    blocks = [
        m.group(2) for m in FENCE.finditer(readme.read_text(encoding="utf-8")) if m.group(1) == "python"
    ]
    assert blocks
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for code in blocks:
        exec(compile(code, str(readme), "exec"), {"__name__": "__readme__"})  # noqa: S102 - our own docs
