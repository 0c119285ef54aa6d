"""``llmhub init`` and ``llmhub spec show|validate|schema``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run


def test_init_writes_a_valid_commented_spec_and_env_example(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("init", "--project", "shop")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # diagnostics only, on stderr
    text = (tmp_path / "llmhub.spec.yaml").read_text()
    assert text.startswith("# llmhub.spec.yaml")
    assert "project: shop" in text
    env = (tmp_path / ".env.example").read_text()
    assert "OPENAI_API_KEY=\n" in env
    assert "ANTHROPIC_API_KEY=\n" in env
    assert run("spec", "validate").exit_code == 0


def test_init_project_name_defaults_to_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "My App!"
    folder.mkdir()
    monkeypatch.chdir(folder)
    assert run("init").exit_code == 0
    assert "project: My-App\n" in (folder / "llmhub.spec.yaml").read_text()


def test_init_refuses_to_overwrite_without_force(project_dir: Path) -> None:
    spec = project_dir / "llmhub.spec.yaml"
    spec.write_text(spec.read_text() + "# mine\n")
    result = run("init")
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert "--force" in result.stderr
    assert spec.read_text().endswith("# mine\n")
    assert run("init", "--force").exit_code == 0
    assert not spec.read_text().endswith("# mine\n")


def test_init_keeps_existing_env_example_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env.example").write_text("OPENAI_API_KEY=put-yours-here\nOTHER=1\n")
    assert run("init").exit_code == 0
    env = (tmp_path / ".env.example").read_text()
    assert env.startswith("OPENAI_API_KEY=put-yours-here\nOTHER=1\n")
    assert env.count("OPENAI_API_KEY") == 1
    assert "ANTHROPIC_API_KEY=" in env


def test_spec_show_human_and_json(project_dir: Path) -> None:
    human = run("spec", "show")
    assert human.exit_code == 0
    assert "llm.inference" in human.stdout
    assert "OPENAI_API_KEY" in human.stdout
    data = json.loads(run("spec", "show", "--format", "json").stdout)
    assert data["source"] == "llmhub.spec.yaml"
    assert set(data["spec"]["roles"]) == {"llm.inference", "llm.embedding"}
    assert data["spec"]["roles"]["llm.embedding"]["kind"] == "embedding"
    assert len(data["sha256"]) == 64


BAD_SPEC = """\
project: demo
providers:
  openai: {env_key: OPENAI_API_KEY}
roles:
  llm.inference:
    kind: chatt
    prefrences: {quality: high}
"""


def test_spec_validate_reports_every_problem_with_lines(project_dir: Path) -> None:
    (project_dir / "llmhub.spec.yaml").write_text(BAD_SPEC)
    result = run("spec", "validate")
    assert result.exit_code == 1
    assert "llmhub.spec.yaml:6 roles.llm.inference.kind:" in result.stderr
    assert "llmhub.spec.yaml:7 roles.llm.inference.prefrences: unknown key 'prefrences'" in result.stderr
    assert "did you mean 'preferences'?" in result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(run("spec", "validate", "-f", "json").stdout)
    assert data["valid"] is False
    assert {(p["line"], p["field"]) for p in data["problems"]} >= {
        (6, "roles.llm.inference.kind"),
        (7, "roles.llm.inference.prefrences"),
    }


def test_spec_validate_ok_json(project_dir: Path) -> None:
    result = run("spec", "validate", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "source": "llmhub.spec.yaml",
        "valid": True,
        "problems": [],
        "warnings": [],
        "roles": 2,
    }


def test_spec_show_invalid_yaml_is_one_message(project_dir: Path) -> None:
    (project_dir / "llmhub.spec.yaml").write_text("project: demo\nroles: [\n")
    result = run("spec", "show")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: llmhub.spec.yaml:")
    assert "invalid YAML" in result.stderr


def test_spec_commands_without_a_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for args in (["spec", "show"], ["spec", "validate"], ["roles"], ["generate"], ["status"]):
        result = run(*args)
        assert result.exit_code == 1, args
        assert "no llmhub.spec.yaml found" in result.stderr
        assert "llmhub init" in result.stderr


def test_spec_schema_is_json_schema() -> None:
    result = run("spec", "schema")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert "roles" in schema["properties"]
