"""``llmhub catalog show|search|refresh``, ``doctor``, ``status`` and ``path``."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import hand_edit_params, run


def test_catalog_show_filters(project_dir: Path) -> None:
    result = run("catalog", "show", "--provider", "openai", "--kind", "embedding", "-f", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["catalog"]["models"] > 100
    assert len(data["catalog"]["sha256"]) == 64
    models = data["models"]
    assert models
    assert all(m["provider"] == "openai" and m["kind"] == "embedding" for m in models)
    assert {"id", "context", "price_input", "tiers"} <= set(models[0])
    human = run("catalog", "show", "-p", "anthropic", "-k", "chat")
    assert human.exit_code == 0
    assert "anthropic/claude" in human.stdout
    assert "model(s)" in human.stdout


def test_catalog_show_details(project_dir: Path) -> None:
    data = json.loads(run("catalog", "show", "-p", "openai", "-k", "chat", "--details", "-f", "json").stdout)
    assert {"capabilities", "modalities", "limits", "prices", "tiers"} <= set(data["models"][0])
    human = run("catalog", "show", "-p", "openai", "-k", "chat", "--details")
    assert "capabilities" in human.stdout
    assert "tool_call" in human.stdout
    deprecated = json.loads(run("catalog", "show", "--include-deprecated", "-f", "json").stdout)
    active = json.loads(run("catalog", "show", "-f", "json").stdout)
    assert len(deprecated["models"]) >= len(active["models"])


def test_catalog_show_unknown_provider() -> None:
    result = run("catalog", "show", "--provider", "nobody")
    assert result.exit_code == 1
    assert "no models for provider(s) nobody" in result.stderr
    assert "openai" in result.stderr


def test_catalog_search() -> None:
    data = json.loads(run("catalog", "search", "gpt 4.1", "-f", "json").stdout)
    assert data["models"]
    assert all("gpt" in m["id"] and "4.1" in m["id"] for m in data["models"])
    limited = json.loads(run("catalog", "search", "claude", "--limit", "2", "-f", "json").stdout)
    assert len(limited["models"]) == 2
    embedding = json.loads(run("catalog", "search", "embed", "--kind", "embedding", "-f", "json").stdout)
    assert all(m["kind"] == "embedding" for m in embedding["models"])
    human = run("catalog", "search", "sonnet", "--details")
    assert human.exit_code == 0
    assert "sonnet" in human.stdout
    none = run("catalog", "search", "zzz-no-such-model")
    assert none.exit_code == 1
    assert "no model matches" in none.stderr
    assert run("catalog", "search", "  ").exit_code == 2


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_catalog_refresh_failure_is_one_message(monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api.json"
    monkeypatch.setenv("LLMHUB_CATALOG_MODELS_DEV_URL", url)
    monkeypatch.setenv("LLMHUB_CATALOG_ARENA_URL", url)
    result = run("catalog", "refresh", "--timeout", "5")
    assert result.exit_code == 1
    assert result.stderr.count("error:") >= 1
    assert "Traceback" not in result.stderr
    assert "refreshing the catalog" in result.stderr


def test_status(project_dir: Path) -> None:
    missing = json.loads(run("status", "-f", "json").stdout)
    assert missing["runtime_state"] == "missing"
    assert run("generate").exit_code == 0
    current = json.loads(run("status", "-f", "json").stdout)
    assert current["runtime_state"] == "up to date"
    assert set(current["roles"]) == {"llm.inference", "llm.embedding"}
    assert "up to date" in run("status").stdout
    assert run("edit-role", "llm.inference", "--cost", "low").exit_code == 0
    assert json.loads(run("status", "-f", "json").stdout)["runtime_state"] == "stale (spec changed)"
    path = project_dir / "llmhub.yaml"
    hand_edit_params(path, "llm.embedding", {"x": 1})
    assert json.loads(run("status", "-f", "json").stdout)["runtime_state"] == "hand-edited"
    path.write_text("roles: [\n")
    assert json.loads(run("status", "-f", "json").stdout)["runtime_state"] == "invalid"


def test_doctor_lists_failures_with_fixes(project_dir: Path) -> None:
    result = run("doctor")
    assert result.exit_code == 1
    assert "runtime: no llmhub.yaml" in result.stdout
    assert "fix: run `llmhub generate`" in result.stdout
    assert "OPENAI_API_KEY is not set" in result.stdout
    data = json.loads(run("doctor", "-f", "json").stdout)
    statuses = {c["name"]: c["status"] for c in data["checks"]}
    assert statuses["spec"] == "ok"
    assert statuses["runtime"] == "fail"
    assert data["ok"] is False
    assert "catalog" in statuses
    assert "llmhub-local" in statuses


def test_doctor_passes_on_a_healthy_project(generated: Path) -> None:
    env = {"OPENAI_API_KEY": "sk-secret-value-1", "ANTHROPIC_API_KEY": "sk-secret-value-2"}
    result = run("doctor", env=env)
    assert result.exit_code == 0, result.output
    assert "sk-secret" not in result.output
    data = json.loads(run("doctor", "-f", "json", env=env).stdout)
    assert data["ok"] is True
    assert {c["name"]: c["status"] for c in data["checks"]}["runtime in sync"] == "ok"


def test_doctor_reports_spec_problems_and_local_servers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    port = _closed_port()
    (tmp_path / "llmhub.spec.yaml").write_text(
        f'project: p\nproviders:\n  llamacpp: {{api_base: "http://127.0.0.1:{port}/v1"}}\nroles:\n'
        "  a: {force: {provider: llamacpp, model: m}}\n"
    )
    data = json.loads(run("doctor", "-f", "json").stdout)
    checks = {c["name"]: c for c in data["checks"]}
    assert checks["server llamacpp"]["status"] == "fail"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        listening = server.getsockname()[1]
        (tmp_path / "llmhub.spec.yaml").write_text(
            (tmp_path / "llmhub.spec.yaml").read_text().replace(str(port), str(listening))
        )
        data = json.loads(run("doctor", "-f", "json").stdout)
        assert {c["name"]: c["status"] for c in data["checks"]}["server llamacpp"] == "ok"
    (tmp_path / "llmhub.spec.yaml").write_text("project: p\nroles: {a: {kind: chatt}}\n")
    bad = run("doctor")
    assert bad.exit_code == 1
    assert "llmhub spec validate" in bad.stdout
    (tmp_path / "llmhub.spec.yaml").unlink()
    assert "run `llmhub init`" in run("doctor").stdout


def test_path(project_dir: Path) -> None:
    data = json.loads(run("path", "-f", "json").stdout)
    assert set(data) == {"root", "spec", "runtime", "env-example", "catalog-cache"}
    assert Path(data["spec"]) == (project_dir / "llmhub.spec.yaml").resolve()
    assert Path(run("path", "runtime").stdout.strip()) == (project_dir / "llmhub.yaml").resolve()
    assert json.loads(run("path", "spec", "-f", "json").stdout) == {"spec": data["spec"]}
    assert "catalog-cache" in run("path").stdout
    assert run("path", "nothing").exit_code == 2


def test_path_outside_a_project_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("path")
    assert result.exit_code == 0
    assert "llmhub init" in result.stderr


def _models_dev_document(count: int) -> dict[str, object]:
    """A models.dev api.json with ``count`` chat models over openai, anthropic and google."""
    models = {
        f"test-model-{i:04d}": {
            "id": f"test-model-{i:04d}",
            "name": f"Test model {i}",
            "family": "test",
            "attachment": False,
            "reasoning": False,
            "tool_call": True,
            "structured_output": True,
            "temperature": True,
            "modalities": {"input": ["text"], "output": ["text"]},
            "open_weights": False,
            "cost": {"input": 0.1 + i / 1000, "output": 0.4},
            "limit": {"context": 128_000, "output": 16_384},
        }
        for i in range(count)
    }
    ids = sorted(models)
    return {
        provider: {
            "id": provider,
            "name": provider.title(),
            "env": [f"{provider.upper()}_API_KEY"],
            "models": {m: models[m] for m in ids[i::3]},
        }
        for i, provider in enumerate(("openai", "anthropic", "google"))
    }


def test_catalog_refresh_downloads_validates_and_caches(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import http.server
    import threading

    arena = {
        "ratings": {
            "date": "2026-11-01",
            "tasks": {
                "overall": [["openai / test-model-0001", "Test model 1", 1300.0, 1290.0, 1310.0, 900, 1]]
            },
        }
    }
    litellm = {
        "test-model-0000": {
            "litellm_provider": "openai",
            "mode": "chat",
            "input_cost_per_token": 1.5e-06,
            "output_cost_per_token": 6e-06,
            "deprecation_date": "2026-01-31",
        }
    }
    genai_prices = [
        {
            "id": "openai",
            "models": [
                {
                    "id": "t1",
                    "match": {"equals": "test-model-0000"},
                    "prices": {"input_mtok": 1.5, "output_mtok": 6, "cache_read_mtok": 0.15},
                }
            ],
        }
    ]
    bodies = {
        "/api.json": json.dumps(_models_dev_document(1100)).encode(),
        "/arena.json": json.dumps(arena).encode(),
        "/litellm.json": json.dumps(litellm).encode(),
        "/genai.json": json.dumps(genai_prices).encode(),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bodies[self.path]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        monkeypatch.setenv("LLMHUB_CATALOG_MODELS_DEV_URL", f"{base}/api.json")
        monkeypatch.setenv("LLMHUB_CATALOG_ARENA_URL", f"{base}/arena.json")
        monkeypatch.setenv("LLMHUB_CATALOG_LITELLM_URL", f"{base}/litellm.json")
        monkeypatch.setenv("LLMHUB_CATALOG_GENAI_PRICES_URL", f"{base}/genai.json")
        result = run("catalog", "refresh", "--timeout", "10", "--format", "json")
        diffed = run("catalog", "diff", "--format", "json")  # bundled snapshot -> the new cache
    finally:
        server.shutdown()
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["catalog"]["models"] == 1100
    # The cached record was merged from all three price sources and is deprecated by litellm's date.
    from llmhub_catalog import load_snapshot
    from llmhub_catalog.cache import cache_path

    record = load_snapshot(cache_path()).get("openai/test-model-0000")
    assert record.deprecated
    assert record.provenance["deprecation_date"].source == "litellm"
    assert record.prices.input == 1.5
    assert {"models_dev", "litellm", "genai_prices"} <= {p.source for p in record.provenance.values()}
    changes = json.loads(diffed.stdout)
    assert "openai/test-model-0000" in changes["added"]
    assert changes["new"]["models"] == 1100
    steps = (
        "/api.json", "/arena.json", "/litellm.json", "/genai.json",
        "normalising", "validating 1100 models", "writing the cache",
    )  # fmt: skip
    for step in steps:
        assert step in result.stderr, step  # progress, one line per step when not on a terminal
    assert list(Path(os.environ["LLMHUB_CATALOG_CACHE_DIR"]).glob("*.json"))


def test_catalog_show_one_model_gives_sources_and_conflicts(bundled_catalog: Any) -> None:
    record = next(r for r in bundled_catalog.records if r.conflicts and r.provenance)
    human = run("catalog", "show", record.id)
    assert human.exit_code == 0, human.output
    assert "sources disagree" in human.stdout
    assert record.conflicts[0].field in human.stdout
    data = json.loads(run("catalog", "show", record.id, "-f", "json").stdout)["models"][0]
    assert data["id"] == record.id
    assert data["conflicts"][0]["rule"] == record.conflicts[0].rule
    assert set(data["provenance"]) == set(record.provenance)
    missing = run("catalog", "show", "openai/no-such-model")
    assert missing.exit_code != 0
    assert "no-such-model" in missing.stderr
    assert "Traceback" not in missing.output


def test_catalog_diff_between_two_snapshot_files(tmp_path: Path) -> None:
    import copy

    from llmhub_catalog import bundled_snapshot_path
    from llmhub_catalog.snapshot import read_snapshot, write_snapshot

    payload = copy.deepcopy(dict(read_snapshot(bundled_snapshot_path()).payload))
    rows = payload["models"]
    active = [r for r in rows if r["status"] == "active" and r["prices"].get("input")]
    gone, repriced, retired = active[0], active[1], active[2]
    old = {**payload, "models": rows}
    write_snapshot(tmp_path / "old.json", old)
    new_rows = [dict(r) for r in rows if r["id"] != gone["id"]]
    for row in new_rows:
        if row["id"] == repriced["id"]:
            row["prices"] = {**row["prices"], "input": row["prices"]["input"] * 2}
        if row["id"] == retired["id"]:
            row["status"] = "deprecated"
    write_snapshot(tmp_path / "new.json", {**payload, "models": new_rows})

    result = run("catalog", "diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"), "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["removed"] == [gone["id"]]
    assert data["added"] == []
    assert data["deprecated"] == [retired["id"]]
    assert [(c["id"], c["field"]) for c in data["repriced"]] == [(repriced["id"], "input")]
    human = run("catalog", "diff", str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    assert f"- {gone['id']}" in human.stdout
    assert "## Repriced ($ per 1M tokens): 1" in human.stdout
    broken = tmp_path / "broken.json"
    broken.write_text("not a snapshot\n{}", encoding="utf-8")
    bad = run("catalog", "diff", str(broken), str(tmp_path / "new.json"))
    assert bad.exit_code != 0
    assert "broken.json" in bad.stderr
    assert "Traceback" not in bad.output
