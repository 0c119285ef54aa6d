"""``llmhub runtime show|diff`` and ``llmhub env check|sync``."""

from __future__ import annotations

import json
from pathlib import Path

from cli_helpers import run


def test_runtime_show(generated: Path) -> None:
    human = run("runtime", "show")
    assert human.exit_code == 0
    assert "llm.inference" in human.stdout
    assert "OPENAI_API_KEY" in human.stdout
    data = json.loads(run("runtime", "show", "--format", "json").stdout)
    assert data["project"] == "demo"
    assert set(data["roles"]) == {"llm.inference", "llm.embedding"}
    assert data["roles"]["llm.embedding"]["mode"] == "embedding"
    assert data["generated"] is True
    assert data["hand_edited"] is False


def test_runtime_show_missing_or_invalid(project_dir: Path) -> None:
    missing = run("runtime", "show")
    assert missing.exit_code == 1
    assert "llmhub generate" in missing.stderr
    (project_dir / "llmhub.yaml").write_text(
        "project: x\nenv: dev\nproviders: {}\nroles:\n  a: {provider: openai}\n"
    )
    invalid = run("runtime", "show")
    assert invalid.exit_code == 1
    assert "llmhub.yaml:5 roles.a" in invalid.stderr


def test_runtime_diff(generated: Path) -> None:
    clean = json.loads(run("runtime", "diff", "-f", "json").stdout)
    assert clean == {
        "only_in_spec": [],
        "only_in_runtime": [],
        "changed": {},
        "spec_changed": False,
        "catalog_changed": False,
        "hand_edited": False,
        "reasons": [],
    }
    assert "no differences" in run("runtime", "diff").stdout
    assert run("runtime", "diff", "--exit-code").exit_code == 0
    assert run("add-role", "llm.new", "--cost", "high").exit_code == 0
    assert run("rm-role", "llm.embedding", "--yes").exit_code == 0
    assert run("edit-role", "llm.inference", "--quality", "low").exit_code == 0
    report = json.loads(run("runtime", "diff", "-f", "json").stdout)
    assert report["only_in_spec"] == ["llm.new"]
    assert report["only_in_runtime"] == ["llm.embedding"]
    assert report["spec_changed"] is True
    assert report["reasons"] == [
        "llmhub.spec.yaml changed since llmhub.yaml was generated (not generated yet: llm.new)"
        " (no longer in the spec: llm.embedding)"
    ]
    # what changes (model, fallbacks or params) depends on the catalog; that something does is the point
    assert set(report["changed"]["llm.inference"]) & {"model", "provider", "fallbacks", "params"}
    human = run("runtime", "diff")
    assert "+ llm.new" in human.stdout
    assert "- llm.embedding" in human.stdout
    assert "~ llm.inference" in human.stdout
    assert run("runtime", "diff", "--exit-code").exit_code == 1


def test_env_check_masks_values(generated: Path) -> None:
    missing = run("env", "check")
    assert missing.exit_code == 1
    assert "OPENAI_API_KEY" in missing.output
    assert "not set" in missing.stderr
    secret = "sk-live-SECRET-1234567890"
    env = {"OPENAI_API_KEY": secret, "ANTHROPIC_API_KEY": secret}
    ok = run("env", "check", env=env)
    assert ok.exit_code == 0, ok.output
    assert secret not in ok.output
    assert "1234" not in ok.output
    data = json.loads(run("env", "check", "-f", "json", env=env).stdout)
    assert all(v["set"] for v in data["variables"])
    assert data["missing"] == []
    assert secret not in json.dumps(data)


def test_env_check_uses_spec_before_generate(project_dir: Path) -> None:
    data = json.loads(run("env", "check", "-f", "json").stdout)
    assert data["source"] == "llmhub.spec.yaml"
    assert set(data["missing"]) == {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}


def test_env_check_local_provider_needs_no_key(tmp_path: Path, monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text(
        'project: p\nproviders:\n  llamacpp: {api_base: "http://127.0.0.1:9/v1"}\nroles:\n'
        "  a: {force: {provider: llamacpp, model: m}}\n"
    )
    result = run("env", "check", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["variables"][0]["status"] == "no key configured (local endpoint)"


def test_env_sync(generated: Path) -> None:
    env = generated / ".env.example"
    env.write_text("EXISTING=keep\n")
    preview = run("env", "sync", "--dry-run")
    assert preview.exit_code == 0
    assert preview.stdout.startswith("EXISTING=keep\n")
    assert "OPENAI_API_KEY=" in preview.stdout
    assert env.read_text() == "EXISTING=keep\n"
    assert run("env", "sync").exit_code == 0
    assert env.read_text() == preview.stdout
    again = run("env", "sync")
    assert again.exit_code == 0
    assert "already lists" in again.stderr
    env.unlink()
    assert run("env", "sync").exit_code == 0
    assert env.read_text().startswith("# Environment variables")


def test_runtime_show_refuses_an_unknown_provider_as_validate_does(project_dir: Path) -> None:
    text = (
        "project: x\nenv: dev\nproviders:\n  opnai: {env_key: OPENAI_API_KEY}\n"
        "roles:\n  a: {provider: opnai, model: gpt-4.1, mode: chat}\n"
    )
    (project_dir / "llmhub.yaml").write_text(text)
    shown = run("runtime", "show")
    assert shown.exit_code == 1
    assert "llmhub.yaml:4 providers.opnai: 'opnai' is not a provider id known to any-llm" in shown.stderr
    assert "did you mean 'openai'" in shown.stderr
    assert shown.stdout == ""
