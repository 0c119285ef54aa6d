"""User overrides, bundled overrides, and extra model sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llmhub_catalog import (
    OverridesError,
    SourceError,
    StaticSource,
    load_catalog,
)
from llmhub_catalog.overrides import bundled_overrides
from llmhub_catalog.providers import catalog_provider_ids


def test_bundled_overrides_parse_and_are_applied() -> None:
    parsed = bundled_overrides(catalog_provider_ids())
    assert parsed.arena["*/mistral-large-latest"] == "mistral / mistral-large-3"
    record = load_catalog("bundled").get("mistral/mistral-large-latest")
    assert record.arena is not None
    assert record.arena.match == "override"


def test_user_overrides_patch_records(tmp_path: Path) -> None:
    path = tmp_path / "overrides.json"
    path.write_text(
        json.dumps(
            {
                "models": {"openai/gpt-4.1": {"status": "deprecated", "limits": {"context": 5000}}},
                "arena": {"openai/gpt-4o": None},
                "exclude": ["openai/gpt-4.1-mini"],
            }
        )
    )
    base = load_catalog("bundled", overrides=False)
    catalog = load_catalog("bundled", overrides=path)
    gpt = catalog.get("openai/gpt-4.1")
    assert gpt.deprecated
    assert gpt.limits.context == 5000
    assert gpt.limits.output == base.get("openai/gpt-4.1").limits.output  # partial patch
    assert catalog.get("openai/gpt-4o").arena is None
    assert catalog.get("openai/gpt-4o").tiers.quality_basis != "arena"
    assert "openai/gpt-4.1-mini" not in catalog
    assert catalog.sha256 == base.sha256
    assert catalog.fingerprint != base.fingerprint


def test_user_overrides_yaml_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "overrides.yaml"
    path.write_text("models:\n  '*/gpt-4.1':\n    kind: other\n")
    monkeypatch.setenv("LLMHUB_CATALOG_OVERRIDES", str(path))
    assert load_catalog("bundled").get("azure/gpt-4.1").kind.value == "other"


@pytest.mark.parametrize(
    ("text", "suffix", "message", "line"),
    [
        (
            '{\n  "models": {\n    "openia/gpt-4.1": {"kind": "chat"}\n  }\n}',
            ".json",
            "unknown provider 'openia'",
            3,
        ),
        (
            '{\n  "models": {\n    "openai/gpt-4.1": {"kind": "robot"}\n  }\n}',
            ".json",
            "models.openai/gpt-4.1.kind",
            3,
        ),
        ('{\n  "modles": {}\n}', ".json", "modles", 2),
        ('{\n  "models": {,}\n}', ".json", "invalid JSON", 2),
        ("models:\n  x/y: [\n", ".yaml", "invalid YAML", None),
        ('{"models": {"openai/gpt-4.1": {"provider": "openia"}}}', ".json", "unknown any-llm provider", 1),
    ],
)
def test_bad_overrides_are_clear_errors(
    tmp_path: Path, text: str, suffix: str, message: str, line: int | None
) -> None:
    path = tmp_path / f"overrides{suffix}"
    path.write_text(text)
    with pytest.raises(OverridesError) as excinfo:
        load_catalog("bundled", overrides=path)
    assert message in str(excinfo.value)
    assert str(path) in str(excinfo.value)
    if line is not None:
        assert excinfo.value.line == line


LOCAL_MODEL: dict[str, Any] = {
    "provider": "llamacpp",
    "model": "smollm2-135m-instruct",
    "name": "SmolLM2 135M Instruct",
    "kind": "chat",
    "api_base": "http://127.0.0.1:8080/v1",
    "open_weights": True,
    "prices": {"input": 0, "output": 0},
    "limits": {"context": 8192},
}


def test_extra_source_adds_models() -> None:
    catalog = load_catalog("bundled", extra_sources=[StaticSource("llmhub-local", [LOCAL_MODEL])])
    record = catalog.get("llamacpp/smollm2-135m-instruct")
    assert record.source == "llmhub-local"
    assert record.tiers.cost == 1
    assert record.tiers.quality_basis == "default"
    assert "llamacpp" in catalog.providers()
    assert catalog.filter(provider="llamacpp", kind="chat") == [record]
    assert catalog.fingerprint != catalog.sha256


def test_extra_sources_are_passed_per_call_only() -> None:
    # No global registry: a source given to one call does not leak into the next.
    source = StaticSource("test-source", [LOCAL_MODEL])
    assert "llamacpp/smollm2-135m-instruct" in load_catalog("bundled", extra_sources=[source])
    default = load_catalog("bundled", overrides=False)
    assert "llamacpp/smollm2-135m-instruct" not in default
    assert default.fingerprint_parts == {"snapshot": default.sha256}
    with pytest.raises(TypeError, match="is not a ModelSource"):
        load_catalog("bundled", extra_sources=[object()])  # type: ignore[list-item]


class _Broken:
    name = "broken"

    def models(self) -> list[Any]:
        raise RuntimeError("database is locked")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (_Broken(), "model source 'broken' failed: RuntimeError: database is locked"),
        (StaticSource("bad", [{**LOCAL_MODEL, "provider": "nope"}]), "unknown any-llm provider 'nope'"),
        (StaticSource("bad", [{**LOCAL_MODEL, "kind": "robot"}]), "invalid model"),
        (StaticSource("bad", [42]), "returned int"),
    ],
)
def test_bad_sources_are_clear_errors(source: Any, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        load_catalog("bundled", extra_sources=[source])


def test_fingerprint_parts_name_each_contribution(tmp_path: Path) -> None:
    plain = load_catalog("bundled", overrides=False, extra_sources=[])
    assert plain.fingerprint_parts == {"snapshot": plain.sha256}
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text("exclude: ['openai/gpt-4.1-mini']\n")
    moved = {**LOCAL_MODEL, "api_base": "http://127.0.0.1:9999/v1"}
    first = load_catalog(
        "bundled", overrides=overrides, extra_sources=[StaticSource("llmhub-local", [LOCAL_MODEL])]
    )
    second = load_catalog(
        "bundled", overrides=overrides, extra_sources=[StaticSource("llmhub-local", [moved])]
    )
    parts = first.fingerprint_parts
    assert parts["snapshot"] == plain.sha256
    assert len(parts["overrides"]) == 64
    assert list(parts["sources"]) == ["llmhub-local"]
    assert list(parts["sources"]["llmhub-local"]) == ["llamacpp/smollm2-135m-instruct"]
    # Only the changed record's digest moves; the rest of the parts stay, so a change can be named.
    other = second.fingerprint_parts
    assert other["snapshot"] == parts["snapshot"]
    assert other["overrides"] == parts["overrides"]
    assert other["sources"]["llmhub-local"] != parts["sources"]["llmhub-local"]
    assert first.fingerprint != second.fingerprint
