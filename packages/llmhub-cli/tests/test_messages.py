"""The smaller message problems a newcomer hit: help placeholders, duplicate search rows, a failed
refresh, ``error: error:``, ``local status`` saying nothing, and blank lines moved by role edits."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import pytest
import typer

from cli_helpers import run
from llmhub_cli._boundary import CliError, report
from llmhub_cli._output import Output
from llmhub_cli.main import app

_PLACEHOLDER = re.compile(r"\{[A-Za-z_]+\}|<(str|int|float|path|list\[[a-z]+\]|int range|float range)>")


def _commands() -> list[list[str]]:
    found: list[list[str]] = []

    def walk(command: object, path: list[str]) -> None:
        found.append(path)
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(typer.main.get_command(app), [])
    return found


def test_help_texts_show_plain_placeholders() -> None:
    commands = _commands()
    assert ["spec", "migrate"] in commands
    assert len(commands) > 20
    for path in commands:
        result = run(*path, "--help")
        if path[:1] == ["local"] and "needs the llmhub-local package" in result.stderr:
            continue  # checked in test_local_integration (tests_cli_local session)
        assert result.exit_code == 0, (path, result.output)
        assert not _PLACEHOLDER.search(result.stdout), (path, _PLACEHOLDER.search(result.stdout))
    add_role = run("add-role", "--help").stdout
    assert "Usage: llmhub add-role [OPTIONS] NAME" in add_role
    assert "--prefer TEXT" in add_role
    assert "--fallbacks N" in add_role
    assert "--cost [low|medium|high]" in add_role


def test_catalog_search_lists_each_callable_model_once() -> None:
    result = run("catalog", "search", "gpt 4.1", "-n", "100", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["models"]
    targets = [(row["provider"], row["model"], row.get("api_base")) for row in rows]
    assert len(targets) == len(set(targets))
    assert ("azureopenai", "gpt-4.1", None) in targets


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unreachable_sources(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api.json"
    for name in ("MODELS_DEV", "ARENA", "LITELLM", "GENAI_PRICES"):
        monkeypatch.setenv(f"LLMHUB_CATALOG_{name}_URL", url)


def test_a_failed_refresh_says_the_cache_was_kept(unreachable_sources: None) -> None:
    from llmhub_catalog import bundled_snapshot_path
    from llmhub_catalog.cache import cache_path, write_cache
    from llmhub_catalog.snapshot import read_snapshot

    write_cache(read_snapshot(bundled_snapshot_path()).payload)
    before = cache_path().read_bytes()
    human = run("catalog", "refresh", "--timeout", "3")
    assert human.exit_code == 1
    assert "error: catalog refresh failed:" in human.stderr
    assert f"the cached catalog was kept unchanged ({cache_path()}, version " in human.stderr
    machine = run("catalog", "refresh", "--timeout", "3", "-f", "json")
    assert machine.exit_code == 1
    data = json.loads(machine.stdout)
    assert data["ok"] is False
    assert data["cache_kept"] is True
    assert "Connect" in data["error"] or "refused" in data["error"]
    assert cache_path().read_bytes() == before


def test_a_failed_refresh_without_a_cache_says_the_bundled_catalog_stays(unreachable_sources: None) -> None:
    result = run("catalog", "refresh", "--timeout", "3", "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["cache_kept"] is False
    assert "the bundled catalog stays in use" in result.stderr


def test_error_prefix_is_printed_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert report(CliError("error: Error: the server did not start")) == 1
    Output().error("error: port 8080 is taken")
    err = capsys.readouterr().err
    assert "error: the server did not start" in err
    assert "error: port 8080 is taken" in err
    assert "error: error" not in err.lower()


SPEC = """\
project: demo
providers:
  openai: {env_key: OPENAI_API_KEY}

roles:
  llm.chat:
    kind: chat
    description: Chat.

  llm.embed:
    kind: embedding
    description: Embeddings.

defaults:
  providers: [openai]
"""


def test_add_role_then_rm_role_gives_the_file_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "llmhub.spec.yaml"
    path.write_text(SPEC)
    assert run("add-role", "llm.new", "--cost", "high").exit_code == 0
    added = path.read_text()
    # The new role is separated like the others, and the blank line before defaults stays there.
    assert "description: Embeddings.\n\n  llm.new:\n" in added
    assert "preferences: {cost: high}\n\ndefaults:\n" in added
    assert run("add-role", "llm.other", "--cost", "low").exit_code == 0
    assert "preferences: {cost: high}\n\n  llm.other:\n" in path.read_text()
    assert run("rm-role", "llm.other", "--yes").exit_code == 0
    assert path.read_text() == added
    assert run("rm-role", "llm.new", "--yes").exit_code == 0
    assert path.read_text() == SPEC


def test_comments_around_the_last_role_stay_where_they_belong(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "llmhub.spec.yaml"
    original = SPEC.replace(
        "    description: Embeddings.\n\ndefaults:",
        "    description: Embeddings.   # vectors\n\n# shared settings\ndefaults:",
    )
    path.write_text(original)
    assert run("add-role", "llm.new").exit_code == 0
    added = path.read_text()
    expected = (
        "    description: Embeddings.   # vectors\n\n"
        "  llm.new:\n    kind: chat\n\n# shared settings\ndefaults:"
    )
    assert expected in added
    assert run("rm-role", "llm.new", "--yes").exit_code == 0
    assert path.read_text() == original
