"""Migration from the earlier llmhub implementation: its specs and its ``LLMMode`` member names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import run

#: A spec as the earlier implementation documented them (its test fixtures have this shape).
EARLIER = """\
# An llmhub spec written for the earlier implementation
project: test-project
env: dev

providers:
  openai:
    enabled: true
    env_key: OPENAI_API_KEY
  anthropic:
    enabled: true
    env_key: ANTHROPIC_API_KEY

roles:
  llm.chat:
    kind: chat
    description: General purpose chat interface
    preferences:
      cost: low  # prefer cheaper models
      quality: high
      latency: low
      providers:
        - openai
        - anthropic
    mode_params: {}

  llm.reasoning:
    kind: chat
    description: Advanced reasoning tasks
    preferences:
      cost: medium
      quality: high
      reasoning: high
      provider_blocklist: [anthropic]
      model_denylist: [gpt-4o-mini]
    force_provider: openai   # pinned by the platform team
    force_model: gpt-4.1
    mode_params:
      temperature: 0.7

  llm.summary:
    kind: chat
    description: Short summaries
    preferences:
      reasoning: low
    force_provider: anthropic

  llm.embedding:
    kind: embedding
    description: Text embeddings
    preferences:
      cost: high
      providers:
        - openai

defaults:
  providers:
    - openai
    - anthropic
  cost: low
"""


@pytest.fixture
def earlier_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "llmhub.spec.yaml"
    path.write_text(EARLIER, encoding="utf-8")
    return path


def test_earlier_keys_get_an_error_that_names_the_migrate_command(earlier_spec: Path) -> None:
    result = run("spec", "validate")
    assert result.exit_code == 1
    assert (
        "llmhub.spec.yaml:35 roles.llm.reasoning.force_provider: 'force_provider' is a key of the earlier"
        in (result.stderr)
    )
    assert "run `llmhub spec migrate`" in result.stderr
    assert "unknown" not in result.stderr.lower()  # not the generic "unknown key" message
    generate = run("generate")
    assert generate.exit_code == 1
    assert "llmhub spec migrate" in generate.stderr


def test_migrate_rewrites_keys_flips_cost_and_keeps_comments(earlier_spec: Path) -> None:
    result = run("spec", "migrate", "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["migrated"] is True
    text = earlier_spec.read_text()
    assert "# An llmhub spec written for the earlier implementation" in text
    assert "force: {provider: openai, model: gpt-4.1} # pinned by the platform team" in text
    assert "force_provider" not in text
    assert "force_model" not in text
    assert "requires: {reasoning: true}" in text
    assert "deny: [anthropic, '*/gpt-4o-mini']" in text
    assert "allow: [anthropic]" in text  # a provider pinned without a model
    assert "reasoning: low" not in text  # dropped: there is no "some reasoning" preference
    # cost low <-> high, with a comment saying why; the original end-of-line comment stays.
    assert "cost: high # prefer cheaper models" in text
    assert text.count("the earlier format read 'cost: low' as 'keep costs low'") == 3
    assert "defaults:\n  providers:\n    - openai\n    - anthropic\n" in text
    assert "  preferences:\n    cost: high\n" in text
    assert any("roles.llm.embedding.preferences.cost: high -> low" in c for c in report["changes"])

    from llmhub_generator.spec import load_spec

    spec = load_spec(earlier_spec).spec
    assert spec.roles["llm.chat"].preferences.cost.value == "high"
    assert spec.roles["llm.embedding"].preferences.cost.value == "low"
    assert spec.roles["llm.reasoning"].force is not None
    assert (spec.roles["llm.reasoning"].force.provider, spec.roles["llm.reasoning"].force.model) == (
        "openai",
        "gpt-4.1",
    )
    assert spec.roles["llm.reasoning"].requires.reasoning is True
    assert spec.roles["llm.reasoning"].deny == ["anthropic", "*/gpt-4o-mini"]
    assert spec.roles["llm.summary"].allow == ["anthropic"]
    assert spec.defaults.preferences.cost is not None
    assert spec.defaults.preferences.cost.value == "high"
    assert run("generate").exit_code == 0


def test_migrate_twice_does_not_flip_back(earlier_spec: Path) -> None:
    assert run("spec", "migrate").exit_code == 0
    once = earlier_spec.read_text()
    again = run("spec", "migrate")
    assert again.exit_code == 0
    assert "migrated already" in again.stderr
    assert earlier_spec.read_text() == once


def test_dry_run_writes_nothing(earlier_spec: Path) -> None:
    result = run("spec", "migrate", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "force: {provider: openai, model: gpt-4.1}" in result.stdout
    assert earlier_spec.read_text() == EARLIER


def test_a_spec_in_this_format_is_refused(project_dir: Path) -> None:
    before = (project_dir / "llmhub.spec.yaml").read_text()
    result = run("spec", "migrate")
    assert result.exit_code == 1
    assert "already in this format" in result.stderr
    assert (project_dir / "llmhub.spec.yaml").read_text() == before


def test_a_migration_that_leaves_problems_writes_nothing(earlier_spec: Path) -> None:
    broken = EARLIER.replace("kind: embedding", "kind: embeddings")
    earlier_spec.write_text(broken)
    result = run("spec", "migrate")
    assert result.exit_code == 1
    assert "still invalid, so nothing was written" in result.stderr
    assert "roles.llm.embedding.kind" in result.stderr
    assert earlier_spec.read_text() == broken


def test_llm_mode_accepts_the_earlier_member_names() -> None:
    from llmhub_runtime import LLMMode

    assert LLMMode.chat is LLMMode.CHAT
    assert LLMMode.embedding is LLMMode.EMBEDDING
    assert LLMMode.tool is LLMMode.TOOL
    assert list(LLMMode.__members__) == ["CHAT", "EMBEDDING", "IMAGE", "AUDIO", "TOOL", "OTHER"]
    assert [m.value for m in LLMMode] == ["chat", "embedding", "image", "audio", "tool", "other"]


def test_cost_low_with_a_cheap_comment_is_not_silent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only keys this format knows, so it loads; the comment shows the author meant the old reading.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text(
        "project: p\nproviders:\n  openai: {env_key: OPENAI_API_KEY}\nroles:\n"
        "  llm.chat:\n    preferences:\n      cost: low  # prefer cheaper models\n"
        "  llm.other:\n    preferences: {cost: low}  # quality first, price is no concern\n"
    )
    validate = run("spec", "validate")
    assert validate.exit_code == 0, validate.output
    assert "warning: llmhub.spec.yaml:7 roles.llm.chat.preferences.cost: 'low' means cost hardly matters" in (
        validate.stderr
    )
    assert "llm.other" not in validate.stderr
    generate = run("generate", "--dry-run", "-f", "json")
    assert any("llmhub spec migrate" in w for w in json.loads(generate.stdout)["warnings"])
    assert run("spec", "migrate").exit_code == 0  # the fix it points to
    assert "warning" not in run("spec", "validate").stderr
