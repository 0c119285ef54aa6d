"""With llmhub-local installed: ``llmhub local`` is mounted and local models are generate candidates.

Runs in the ``tests_cli_local`` nox session (llmhub installed with its ``local`` extra); in the
plain CLI session llmhub-local is absent and this module is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("llmhub_local", reason="llmhub-local is not installed (see the tests_cli_local session)")

from cli_helpers import run

SPEC = """\
project: offline-notes
providers:
  llamacpp: {}
  openai: {env_key: OPENAI_API_KEY}
roles:
  notes.chat:
    description: Answers questions about the user's notes.
    preferences: {cost: high, providers: [llamacpp]}
    requires: {open_weights: true}
    fallbacks: 0
  notes.embed:
    kind: embedding
    allow: [llamacpp]
    fallbacks: 0
"""


@pytest.fixture
def local_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "local-home"
    monkeypatch.setenv("LLMHUB_LOCAL_HOME", str(home))
    return home


def test_local_commands_are_mounted() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "\n  local " in result.stdout
    sub = run("local", "--help")
    assert sub.exit_code == 0, sub.output
    assert "Usage: llmhub local" in sub.stdout


def test_generate_selects_registered_local_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_home: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text(SPEC, encoding="utf-8")
    result = run("generate", "--dry-run", "--format", "json", "--explain")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    roles = {r["role"]: r for r in data["explain"]["roles"]}
    assert roles["notes.chat"]["primary"] == "llamacpp/smollm2-135m-instruct"
    assert roles["notes.embed"]["primary"] == "llamacpp/all-minilm-l6-v2"
    assert "gemma3-270m" not in json.dumps(roles["notes.chat"]["top_candidates"])  # a base model: never chat
    assert "api_base: http://127.0.0.1:" in data["yaml"]  # the local server's address


def test_hosted_only_specs_ignore_local_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, local_home: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text(SPEC.replace("  llamacpp: {}\n", ""), encoding="utf-8")
    spec = (tmp_path / "llmhub.spec.yaml").read_text().replace(", providers: [llamacpp]", "")
    spec = spec.replace("    allow: [llamacpp]\n", "")
    (tmp_path / "llmhub.spec.yaml").write_text(spec, encoding="utf-8")
    result = run("generate", "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "llamacpp" not in json.loads(result.stdout)["yaml"]
    assert not local_home.exists()  # nothing was created for a project that uses no local model


def test_local_commands_print_json_and_refuse_path_keys(local_home: Path, tmp_path: Path) -> None:
    result = run("local", "models", "--format", "json")
    assert result.exit_code == 0, result.output
    ids = {row["model_id"] for row in json.loads(result.stdout)}
    assert "smollm2-135m-instruct" in ids
    status = run("local", "status", "--format", "json")
    assert status.exit_code == 0, status.output
    assert json.loads(status.stdout) == []
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("precious")
    for key in ("../../victim", str(victim)):
        bad = run("local", "env", "provision", key)
        assert bad.exit_code == 1
        assert "invalid environment key" in bad.stderr
        assert "Traceback" not in bad.output
    assert (victim / "keep.txt").read_text() == "precious"
    assert sorted(p.name for p in victim.iterdir()) == ["keep.txt"]


def test_doctor_reports_provisioning_leftovers(
    local_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text(SPEC, encoding="utf-8")
    clean = run("doctor", "--format", "json")
    assert "local leftovers" not in clean.stdout
    old = local_home / ".envs" / ".tmp" / "llamacpp-cpu-0123456789ab.old"
    old.mkdir(parents=True)
    result = run("doctor", "--format", "json")
    assert "local leftovers" in result.stdout, result.output
    assert str(old) in result.stdout


def test_local_help_shows_plain_placeholders() -> None:
    import re

    for path in (
        ["local", "start"],
        ["local", "env", "test"],
        ["local", "logs"],
        ["local", "model", "smoke"],
    ):
        result = run(*path, "--help")
        assert result.exit_code == 0, result.output
        assert not re.search(r"\{[A-Za-z_]+\}|<(str|int|float|path|list\[[a-z]+\])>", result.stdout), (
            result.stdout
        )


def test_local_status_says_when_no_server_runs(local_home: Path) -> None:
    result = run("local", "status")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "no local server is running" in result.stderr
    assert json.loads(run("local", "status", "-f", "json").stdout) == []
