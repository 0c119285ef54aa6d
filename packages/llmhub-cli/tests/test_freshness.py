"""One freshness rule for `generate --check`, `runtime diff` and `doctor`, naming what changed.

Local models reach the catalog as an extra source named ``llmhub-local`` (the CLI passes
llmhub-local's ``LocalModelsSource`` to ``load_catalog(extra_sources=...)`` when the spec enables
llamacpp); here a real :class:`llmhub_catalog.StaticSource` under that name plays its part, so
these tests run without llmhub-local installed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cli_helpers import run
from llmhub_catalog import StaticSource
from llmhub_cli import _freshness

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
"""


def _model(name: str, port: int = 8080) -> dict[str, object]:
    return {
        "provider": "llamacpp",
        "model": name,
        "name": name,
        "kind": "chat",
        "api_base": f"http://127.0.0.1:{port}/v1",
        "open_weights": True,
        "prices": {"input": 0, "output": 0},
        "limits": {"context": 8192},
    }


class _LocalModels:
    """Stands in for llmhub-local's registry: the models the CLI's local source contributes."""

    def __init__(self, models: list[dict[str, object]]) -> None:
        self.models = models

    def sources(self) -> list[StaticSource]:
        return [StaticSource("llmhub-local", self.models)]


_local = _LocalModels([])


@pytest.fixture
def local_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "llmhub.spec.yaml").write_text(SPEC, encoding="utf-8")
    models = [_model("smollm2-135m-instruct")]
    # The CLI still decides (spec enables llamacpp) whether local models join the catalog; only
    # where they come from is replaced, so the real local home (when installed) is never read.
    monkeypatch.setattr(_local, "models", models)
    monkeypatch.setattr(_freshness, "local_sources", _local.sources)
    return models


def _reregister(models: list[dict[str, object]]) -> None:
    _local.models = models


def _same_both_sides(text: str) -> list[str]:
    return [m.group(0) for m in re.finditer(r"(\S+) -> (\S+)", text) if m.group(1) == m.group(2)]


def _three_views() -> tuple[list[str], list[str], list[str]]:
    check = json.loads(run("generate", "--check", "-f", "json").stdout)["reasons"]
    diff = json.loads(run("runtime", "diff", "-f", "json").stdout)["reasons"]
    doctor = json.loads(run("doctor", "-f", "json").stdout)["checks"]
    in_sync = [c["detail"] for c in doctor if c["name"] == "runtime in sync" and c["status"] == "warn"]
    return check, diff, in_sync


def test_all_three_agree_right_after_generate(local_models: list[dict[str, object]]) -> None:
    assert run("generate").exit_code == 0
    assert "parts" in Path("llmhub.yaml").read_text()  # the catalog was more than the snapshot
    assert _three_views() == ([], [], [])
    doctor = json.loads(run("doctor", "-f", "json").stdout)["checks"]
    assert {c["name"]: c["status"] for c in doctor}["runtime in sync"] == "ok"


def test_a_local_model_change_is_named_the_same_way_everywhere(local_models: list[dict[str, object]]) -> None:
    assert run("generate").exit_code == 0
    _reregister([_model("smollm2-135m-instruct", port=9191)])  # its server moved
    check, diff, doctor = _three_views()
    expected = [
        "the local models registered with llmhub-local changed: "
        "changed llamacpp/smollm2-135m-instruct (settings or server address)"
    ]
    assert check == diff == doctor == expected
    human = run("generate", "--check")
    assert human.exit_code == 1
    assert _same_both_sides(human.stderr) == []
    assert "fix: run `llmhub generate`" in human.stderr

    _reregister([_model("smollm2-135m-instruct"), _model("qwen-tiny")])
    assert _three_views()[0] == [
        "the local models registered with llmhub-local changed: added llamacpp/qwen-tiny"
    ]
    _reregister([])
    assert _three_views()[0] == [
        "the local models registered with llmhub-local changed: removed llamacpp/smollm2-135m-instruct"
    ]


def test_catalog_version_change_names_both_versions(local_models: list[dict[str, object]]) -> None:
    assert run("generate").exit_code == 0
    path = Path("llmhub.yaml")
    text = path.read_text()
    version = re.search(r"^    version: '?([^'\n]+)'?$", text, re.M)
    assert version is not None
    snapshot = re.search(r"^      snapshot: (\S+)$", text, re.M)
    assert snapshot is not None
    text = text.replace(version.group(0), "    version: '2025-01-01'")
    text = text.replace(snapshot.group(0), "      snapshot: " + "a" * 64)
    text = re.sub(r"^    sha256: \S+$", "    sha256: " + "b" * 64, text, flags=re.M)
    path.write_text(text)
    check, diff, doctor = _three_views()
    assert check == diff == doctor == [f"the catalog data changed (version 2025-01-01 -> {version.group(1)})"]


def test_hand_edit_advice_matches_what_generate_accepts(local_models: list[dict[str, object]]) -> None:
    assert run("generate").exit_code == 0
    path = Path("llmhub.yaml")
    path.write_text(path.read_text().replace("env: dev", "env: prod"))
    check = run("generate", "--check")
    assert check.exit_code == 1
    assert "edited by hand" in check.stderr
    assert "fix: move the edit into llmhub.spec.yaml, then run `llmhub generate --force`" in check.stderr
    refused = run("generate")  # what plain generate says agrees: it needs --force
    assert refused.exit_code != 0
    assert "--force" in refused.output
    assert run("generate", "--force").exit_code == 0
    assert run("generate", "--check").exit_code == 0
