"""``llmhub roles``, ``add-role``, ``edit-role``, ``rm-role``: round-trip edits of the spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run

# A spec written by a person: comments everywhere, x- keys, unusual key order, quoted strings,
# and sequences indented with an offset.
HAND_WRITTEN = """\
# Team spec -- keep this comment
project: demo   # inline comment on project
env: dev
x-owner: platform  # extension key at the top
providers:
  anthropic: {env_key: ANTHROPIC_API_KEY}
  openai:
    env_key: OPENAI_API_KEY  # the key variable
roles:
  # the main chat role
  llm.inference:
    description: "Answers questions; quoted on purpose"
    kind: chat
    x-notes: keep me
    preferences:
      providers:
        - anthropic
        - openai
      quality: high
  llm.embedding:
    kind: embedding   # embeddings
defaults:
  preferences: {latency: medium}
# trailing comment
"""


@pytest.fixture
def hand_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "llmhub.spec.yaml"
    path.write_text(HAND_WRITTEN)
    return path


def test_roles_lists_roles_with_models_after_generate(generated: Path) -> None:
    data = json.loads(run("roles", "--format", "json").stdout)
    assert [r["role"] for r in data["roles"]] == ["llm.inference", "llm.embedding"]
    assert all(r["model"] and "/" in r["model"] for r in data["roles"])
    human = run("roles")
    assert human.exit_code == 0
    assert "llm.embedding" in human.stdout


def test_roles_before_generate(project_dir: Path) -> None:
    data = json.loads(run("roles", "-f", "json").stdout)
    assert [r["model"] for r in data["roles"]] == [None, None]
    assert "not generated" in run("roles").stdout


def test_add_role_keeps_everything_else_byte_for_byte(hand_spec: Path) -> None:
    result = run(
        "add-role",
        "llm.summarizer",
        "--description",
        "Summarises long threads.",
        "--cost",
        "high",
        "--quality",
        "medium",
        "--prefer",
        "openai",
        "--require",
        "context_min=64000",
        "--param",
        "temperature=0.2",
        "--param",
        "max_tokens=300",
        "--fallbacks",
        "1",
    )
    assert result.exit_code == 0, result.output
    text = hand_spec.read_text()
    head, _, tail = HAND_WRITTEN.partition("defaults:\n")
    assert text.startswith(head)  # every line before the new role is unchanged
    assert text.endswith("defaults:\n" + tail)
    added = text[len(head) : -len("defaults:\n" + tail)]
    assert added == (
        "  llm.summarizer:\n"
        "    kind: chat\n"
        "    description: Summarises long threads.\n"
        "    preferences: {quality: medium, cost: high, providers: [openai]}\n"
        "    requires: {context_min: 64000}\n"
        "    mode_params: {temperature: 0.2, max_tokens: 300}\n"
        "    fallbacks: 1\n"
    )
    data = json.loads(run("spec", "show", "-f", "json").stdout)
    role = data["spec"]["roles"]["llm.summarizer"]
    assert role["requires"]["context_min"] == 64000
    assert role["mode_params"] == {"temperature": 0.2, "max_tokens": 300}


def test_edit_role_changes_only_what_was_asked(hand_spec: Path) -> None:
    result = run(
        "edit-role",
        "llm.inference",
        "--quality",
        "medium",
        "--kind",
        "tool",
        "--param",
        "max_tokens=100",
        "--pin",
        "openai:gpt-4.1",
        "--description",
        "New text",
    )
    assert result.exit_code == 0, result.output
    text = hand_spec.read_text()
    expected = HAND_WRITTEN.replace("Answers questions; quoted on purpose", "New text")  # quoting kept
    expected = expected.replace("kind: chat\n    x-notes", "kind: tool\n    x-notes")
    expected = expected.replace(
        "      quality: high\n",
        "      quality: medium\n"
        "    mode_params: {max_tokens: 100}\n"
        "    force: {provider: openai, model: gpt-4.1}\n",
    )
    assert text == expected
    # and back: unpin and unset leave the file as it was apart from the other edits
    result = run("edit-role", "llm.inference", "--unpin", "--unset", "mode_params.max_tokens")
    assert result.exit_code == 0, result.output
    assert "force:" not in hand_spec.read_text()
    assert "mode_params" not in hand_spec.read_text()
    assert "# the main chat role" in hand_spec.read_text()
    assert "x-notes: keep me" in hand_spec.read_text()


def test_edit_role_rename_keeps_position(hand_spec: Path) -> None:
    assert run("edit-role", "llm.inference", "--rename", "llm.chat").exit_code == 0
    text = hand_spec.read_text()
    assert text.index("llm.chat:") < text.index("llm.embedding:")
    assert "llm.inference" not in text
    assert "# the main chat role" in text


def test_edit_role_errors(hand_spec: Path) -> None:
    before = hand_spec.read_text()
    unknown = run("edit-role", "llm.nope", "--cost", "low")
    assert unknown.exit_code == 1
    assert "no role 'llm.nope'" in unknown.stderr
    assert "llm.inference" in unknown.stderr
    nothing = run("edit-role", "llm.inference")
    assert nothing.exit_code == 1
    assert "nothing to change" in nothing.stderr
    invalid = run("edit-role", "llm.inference", "--require", "context_min=-5")
    assert invalid.exit_code == 1
    assert "nothing was written" in invalid.stderr
    assert "requires.context_min" in invalid.stderr
    bad_unset = run("edit-role", "llm.inference", "--unset", "preferences.nothing")
    assert bad_unset.exit_code == 1
    bad_pin = run("edit-role", "llm.inference", "--pin", "gpt-4.1")
    assert bad_pin.exit_code == 2
    bad_param = run("edit-role", "llm.inference", "--param", "temperature")
    assert bad_param.exit_code == 2
    assert run("edit-role", "llm.inference", "--rename", "llm.embedding").exit_code == 1
    assert run("edit-role", "llm.inference", "--prefer", "ollama").exit_code == 1
    assert hand_spec.read_text() == before


def test_add_role_errors(hand_spec: Path) -> None:
    before = hand_spec.read_text()
    exists = run("add-role", "llm.inference")
    assert exists.exit_code == 1
    assert "already exists" in exists.stderr
    assert "edit-role" in exists.stderr
    assert run("add-role", "bad name!").exit_code == 2
    assert run("add-role", "x", "--kind", "video").exit_code == 2
    assert run("add-role", "x", "--fallbacks", "99").exit_code == 2
    unknown_provider = run("add-role", "x", "--pin", "nobody:model")
    assert unknown_provider.exit_code == 1
    assert "not listed under providers" in unknown_provider.stderr
    assert hand_spec.read_text() == before


def test_add_role_to_empty_roles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text("project: p\nproviders: {openai: {}}\nroles: {}\n")
    assert run("add-role", "llm.x", "--kind", "embedding").exit_code == 0
    assert (tmp_path / "llmhub.spec.yaml").read_text() == (
        "project: p\nproviders: {openai: {}}\nroles:\n  llm.x:\n    kind: embedding\n"
    )


def test_rm_role(hand_spec: Path) -> None:
    refused = run("rm-role", "llm.embedding")  # no terminal: never waits for an answer
    assert refused.exit_code == 1
    assert "--yes" in refused.stderr
    assert "llm.embedding" in hand_spec.read_text()
    assert run("rm-role", "llm.nope", "--yes").exit_code == 1
    result = run("rm-role", "llm.embedding", "--yes")
    assert result.exit_code == 0, result.output
    text = hand_spec.read_text()
    assert "llm.embedding" not in text
    assert text.startswith(HAND_WRITTEN.partition("  llm.embedding:")[0])
    assert text.endswith("defaults:\n  preferences: {latency: medium}\n# trailing comment\n")


def test_rm_role_interactive_confirmation(hand_spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("llmhub_cli._prompt.interactive", lambda: True)
    declined = run("rm-role", "llm.embedding", input="n\n")
    assert declined.exit_code == 1
    assert "cancelled" in declined.stderr
    assert "llm.embedding" in hand_spec.read_text()
    accepted = run("rm-role", "llm.embedding", input="y\n")
    assert accepted.exit_code == 0
    assert "llm.embedding" not in hand_spec.read_text()


def test_edit_keeps_sequence_indentation_style(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (
        "project: p\nproviders:\n  openai: {}\n  anthropic: {}\nroles:\n  a:\n    kind: chat\n"
        "    allow:\n    - openai\n    - anthropic\n"
    )
    (tmp_path / "llmhub.spec.yaml").write_text(text)
    assert run("edit-role", "a", "--cost", "low").exit_code == 0
    assert (tmp_path / "llmhub.spec.yaml").read_text() == text + "    preferences: {cost: low}\n"


def test_edit_refuses_a_spec_that_is_not_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text("roles: [\n")
    result = run("add-role", "x")
    assert result.exit_code == 1
    assert "invalid YAML" in result.stderr
    (tmp_path / "llmhub.spec.yaml").write_text("- a\n")
    assert run("add-role", "x").exit_code == 1
