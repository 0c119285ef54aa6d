"""The serving layer end to end on the real SmolLM2-135M-Instruct GGUF (``nox -s local_gguf``).

One module-scoped home: the ``llamacpp-cpu`` environment is provisioned from the cached
llama-cpp-python wheel, the server runs as a background process inside that environment's
interpreter, and the checks go through real clients: the ``openai`` SDK, the smoke tests, and
the runtime (llmhub.yaml role -> ``LLMHub.completion`` -> any-llm ``llamacpp`` -> this server).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmhub_local.serving import smoke
from llmhub_local.serving.envs import default_plan
from llmhub_local.serving.manager import LocalManager
from llmhub_local.serving.provision import Provisioner
from llmhub_local.serving.state_store import ServerRecord

pytestmark = pytest.mark.backend_gguf

MODEL = "smollm2-135m-instruct"


@pytest.fixture(scope="module")
def manager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalManager]:
    home = tmp_path_factory.mktemp("local-home")
    (home / "models.yaml").write_text(
        f"models:\n  {MODEL}:\n    base_model: {MODEL}\n    port: 18431\n"
        "    params: {threads: 1, context_length: 2048, max_tokens: 64}\n",
        encoding="utf-8",
    )
    mgr = LocalManager(home)
    yield mgr
    for record in mgr.store.list_servers():
        mgr.stop(record.model_id, grace=5)


@pytest.fixture(scope="module")
def env_ready(manager: LocalManager) -> str:
    key = manager.env_key_for(manager.registry.get(MODEL))
    assert key == "llamacpp-cpu"
    Provisioner(manager.paths, manager.store).provision(default_plan(key))
    return key


@pytest.fixture(scope="module")
def server(manager: LocalManager, env_ready: str) -> ServerRecord:
    return manager.start(MODEL, timeout=180)


def test_env_test_passes(manager: LocalManager, env_ready: str) -> None:
    report = smoke.env_test(manager, env_ready)
    assert report["status"] == "PASS", report
    assert set(report) == {"env_key", "status", "python_path", "torch_version", "cuda_available", "errors"}
    env = manager.store.get_env(env_ready)
    assert env is not None
    assert env.llama_cpp_version
    assert Path(env.constraints_path or "").read_text().count("llama-cpp-python==0.3.36") == 1


def test_server_runs_in_the_env_interpreter(manager: LocalManager, server: ServerRecord) -> None:
    env = manager.store.get_env("llamacpp-cpu")
    assert env is not None
    assert server.python_path == env.python_path
    assert server.port == 18431 or server.port is not None


def test_chat_and_stream_through_the_openai_sdk(server: ServerRecord) -> None:
    from openai import OpenAI

    client = OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    question = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    reply = client.chat.completions.create(model=MODEL, messages=question, temperature=0, max_tokens=16)  # type: ignore[arg-type]
    content = reply.choices[0].message.content or ""
    assert "paris" in content.lower()
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=question, temperature=0, max_tokens=16, stream=True
        )  # type: ignore[arg-type]
    )
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == content
    assert chunks[-1].choices[0].finish_reason in {"stop", "length"}


def test_model_smoke_passes(manager: LocalManager, server: ServerRecord) -> None:
    report = smoke.model_smoke(manager, MODEL)
    assert report == {
        "model_id": MODEL,
        "status": "PASS",
        "server_started": True,
        "health_ok": True,
        "generate_ok": True,
        "errors": [],
    }


def test_tools_smoke_passes_with_constrained_decoding(manager: LocalManager, server: ServerRecord) -> None:
    report = smoke.tools_smoke(manager, MODEL)
    assert report == {
        "model_id": MODEL,
        "status": "PASS",
        "server_started": True,
        "tool_server_ok": True,
        "tool_call_detected": True,
        "tool_executed": True,
        "errors": [],
    }, json.dumps(report)


def test_runtime_role_reaches_the_local_model(server: ServerRecord, tmp_path: Path) -> None:
    from llmhub_runtime import LLMHub

    config = tmp_path / "llmhub.yaml"
    config.write_text(
        "project: local\nenv: dev\n"
        f'providers:\n  llamacpp: {{api_base: "{server.base_url}"}}\n'
        "roles:\n  llm.inference:\n"
        f"    provider: llamacpp\n    model: {MODEL}\n    mode: chat\n"
        "    params: {temperature: 0, max_tokens: 16}\n",
        encoding="utf-8",
    )
    hub = LLMHub(config_path=config)
    question = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    reply = hub.completion("llm.inference", messages=question)
    assert "paris" in (reply.choices[0].message.content or "").lower()
    pieces = list(hub.stream_completion("llm.inference", messages=question))
    assert "paris" in "".join(p.choices[0].delta.content or "" for p in pieces if p.choices).lower()


def test_kill_9_then_status_says_dead(manager: LocalManager, server: ServerRecord) -> None:
    assert server.pid is not None
    os.kill(server.pid, 9)
    import time

    for _ in range(100):
        rows = {r["model_id"]: r for r in manager.status()}
        if rows[MODEL]["status"] == "DEAD":
            break
        time.sleep(0.05)
    assert rows[MODEL]["status"] == "DEAD"
