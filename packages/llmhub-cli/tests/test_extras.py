"""Providers whose any-llm extra is needed: recorded by generate, reported by doctor when missing."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from cli_helpers import EXAMPLES, run


@pytest.fixture
def rag_chat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    shutil.copy(EXAMPLES / "rag-chat" / "llmhub.spec.yaml", tmp_path / "llmhub.spec.yaml")
    return tmp_path


@pytest.fixture
def no_mistral_sdk(monkeypatch: pytest.MonkeyPatch) -> None:
    # `import mistralai` fails, and any-llm's mistral module is imported afresh and records it.
    monkeypatch.setitem(sys.modules, "mistralai", None)
    for name in [m for m in sys.modules if m.startswith("any_llm.providers.mistral")]:
        monkeypatch.delitem(sys.modules, name)


def test_generate_records_and_prints_the_extras_the_file_needs(rag_chat: Path, no_mistral_sdk: None) -> None:
    result = run("generate")
    assert result.exit_code == 0, result.output
    text = (rag_chat / "llmhub.yaml").read_text()
    meta_extras = text[text.index("  extras:") :].splitlines()[1]
    assert meta_extras.strip() == "- any-llm-sdk[mistral]"
    assert (
        'install: pip install "any-llm-sdk[mistral]" (not installed here: any-llm-sdk[mistral])'
        in result.stderr
    )
    data = json.loads(run("generate", "--dry-run", "-f", "json").stdout)
    assert data["extras"] == ["any-llm-sdk[mistral]"]


def test_a_file_whose_providers_need_no_extra_records_none(project_dir: Path) -> None:
    result = run("generate", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["extras"] == []  # the starter spec: openai and anthropic
    assert "extras:" not in (project_dir / "llmhub.yaml").read_text()
    assert "install:" not in result.stderr


def test_doctor_reports_a_missing_sdk_with_the_pip_command(rag_chat: Path, no_mistral_sdk: None) -> None:
    assert run("generate").exit_code == 0
    checks = {c["name"]: c for c in json.loads(run("doctor", "-f", "json").stdout)["checks"]}
    sdk = checks["sdk mistral"]
    assert sdk["status"] == "warn"
    # the roles with a mistral target in the generated file (which ones depends on the catalog)
    from llmhub_runtime import load_runtime_config

    config = load_runtime_config(rag_chat / "llmhub.yaml")
    roles = sorted(
        name
        for name, role in config.roles.items()
        if "mistral" in {role.provider, *(f.provider for f in role.fallbacks)}
    )
    assert roles
    assert f"any-llm-sdk[mistral] is not installed (roles: {', '.join(roles)})" in sdk["detail"]
    assert sdk["fix"] == 'pip install "any-llm-sdk[mistral]"'
    assert "sdk openai" not in checks  # ships with any-llm-sdk itself
