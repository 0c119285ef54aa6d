"""Smoke tests with JSON reports in seed 002's shapes: ``env test``, ``model smoke``, ``tools smoke``.

Each returns a dict whose ``status`` is ``PASS`` or ``FAIL`` and whose ``errors`` say what
failed; the CLI prints it as JSON and exits 0 only on PASS. A smoke test that starts a server
stops it again; one that finds the server already running leaves it running.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from llmhub_local.errors import ToolCallError
from llmhub_local.serving.manager import LocalManager, probe_health
from llmhub_local.serving.state_store import ServerRecord, ServerStatus
from llmhub_runtime.errors import LLMHubError

__all__ = ["env_test", "model_smoke", "tools_smoke"]

_ENV_PROBE = """
import json, platform
info = {"python_version": platform.python_version(), "torch_version": None, "cuda_available": False}
try:
    import torch
    info["torch_version"] = torch.__version__
    info["cuda_available"] = bool(torch.cuda.is_available())
except ImportError:
    pass
try:
    import llama_cpp
    info["llama_cpp_version"] = llama_cpp.__version__
    info["cuda_available"] = info["cuda_available"] or bool(llama_cpp.llama_supports_gpu_offload())
except ImportError:
    pass
import llmhub_local
print(json.dumps(info))
"""


def env_test(manager: LocalManager, env_key: str) -> dict[str, Any]:
    """Check that a provisioned environment's interpreter runs and imports its backend."""
    report: dict[str, Any] = {
        "env_key": env_key,
        "status": "FAIL",
        "python_path": None,
        "torch_version": None,
        "cuda_available": False,
        "errors": [],
    }
    record = manager.store.get_env(env_key)
    if record is None or record.status != "READY" or not record.python_path:
        state = "not provisioned" if record is None else f"{record.status}: {record.last_error or ''}".strip()
        report["errors"].append(
            f"environment {env_key} is {state} (run: llmhub local env provision {env_key})"
        )
        return report
    report["python_path"] = record.python_path
    if not Path(record.python_path).exists():
        report["errors"].append(f"{record.python_path} does not exist")
        return report
    try:
        done = subprocess.run(
            [record.python_path, "-c", _ENV_PROBE], capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        report["errors"].append(f"the interpreter did not run: {e}")
        return report
    if done.returncode != 0:
        report["errors"].append((done.stderr.strip() or done.stdout.strip())[-800:])
        return report
    info = json.loads(done.stdout.strip().splitlines()[-1])
    # Only a torch environment's torch is its own: a llama.cpp environment that can see a torch
    # installed elsewhere (system site-packages) must not report that one.
    report["torch_version"] = info.get("torch_version") if env_key.startswith("torch") else None
    report["cuda_available"] = bool(info.get("cuda_available"))
    backend_missing = env_key.startswith("llamacpp") and "llama_cpp_version" not in info
    backend_missing |= env_key.startswith("torch") and info.get("torch_version") is None
    if backend_missing:
        report["errors"].append(f"the backend of {env_key} is not importable in {record.python_path}")
    report["status"] = "FAIL" if report["errors"] else "PASS"
    return report


def _post(
    base_url: str, path: str, body: dict[str, Any], api_key: str | None, timeout: float
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    response = httpx.post(base_url + path, json=body, headers=headers, timeout=timeout)
    response.raise_for_status()
    document: dict[str, Any] = response.json()
    return document


@contextmanager
def _server(
    manager: LocalManager, model_id: str, report: dict[str, Any], api_key: str | None
) -> Iterator[ServerRecord | None]:
    existing = manager.store.get_server(model_id)
    manager.store.reconcile()
    existing = manager.store.get_server(model_id)
    already = existing is not None and existing.status == ServerStatus.RUNNING
    try:
        record = existing if already and existing is not None else manager.start(model_id, api_key=api_key)
    except LLMHubError as e:
        report["errors"].append(f"server did not start: {e}")
        yield None
        return
    report["server_started"] = True
    try:
        yield record
    finally:
        if not already:
            manager.stop(model_id)


def model_smoke(
    manager: LocalManager, model_id: str, *, api_key: str | None = None, timeout: float = 120.0
) -> dict[str, Any]:
    """Start (or reuse) the model's server, check /health and one generation."""
    report: dict[str, Any] = {
        "model_id": model_id,
        "status": "FAIL",
        "server_started": False,
        "health_ok": False,
        "generate_ok": False,
        "errors": [],
    }
    with _server(manager, model_id, report, api_key) as record:
        if record is None or record.base_url is None:
            return report
        report["health_ok"] = probe_health(record.base_url)
        if not report["health_ok"]:
            report["errors"].append(f"{record.base_url.removesuffix('/v1')}/health did not answer ok")
        entry = manager.registry.get(model_id)
        try:
            if entry.model_type == "embedding":
                out = _post(
                    record.base_url, "/embeddings", {"model": model_id, "input": "hello"}, api_key, timeout
                )
                report["generate_ok"] = bool(out["data"][0]["embedding"])
            else:
                body = {
                    "model": model_id,
                    "messages": [{"role": "user", "content": "Say hello."}],
                    "max_tokens": 8,
                    "temperature": 0,
                }
                out = _post(record.base_url, "/chat/completions", body, api_key, timeout)
                report["generate_ok"] = bool((out["choices"][0]["message"].get("content") or "").strip())
            if not report["generate_ok"]:
                report["errors"].append("the model returned nothing")
        except (OSError, ValueError, KeyError, IndexError, httpx.HTTPError) as e:
            report["errors"].append(f"generation failed: {e}")
    report["status"] = (
        "PASS" if not report["errors"] and report["generate_ok"] and report["health_ok"] else "FAIL"
    )
    return report


def tools_smoke(
    manager: LocalManager,
    model_id: str,
    *,
    prompt: str = "What is 42 * 17? Use the calculator.",
    api_key: str | None = None,
    timeout: float = 120.0,
) -> dict[str, Any]:
    """The model produces a strict JSON tool call (grammar-constrained on llama.cpp), which is
    validated against the schema and executed by the built-in calculator."""
    from llmhub_local.runners.config import BackendType
    from llmhub_local.serving.tools import (
        CALCULATOR,
        calculate,
        constrained_schema,
        execute_tool_call,
        parse_tool_call,
        render_tool_prompt,
    )

    report: dict[str, Any] = {
        "model_id": model_id,
        "status": "FAIL",
        "server_started": False,
        "tool_server_ok": False,
        "tool_call_detected": False,
        "tool_executed": False,
        "errors": [],
    }
    try:
        report["tool_server_ok"] = calculate("2+2") == 4
    except ToolCallError as e:
        report["errors"].append(f"the calculator tool failed its self-test: {e}")
    tools = [CALCULATOR]
    with _server(manager, model_id, report, api_key) as record:
        if record is None or record.base_url is None:
            return report
        backend = manager.registry.get(model_id).model_config_for().backend or BackendType.LLAMA_CPP
        body: dict[str, Any] = {
            "model": model_id,
            "messages": [{"role": "user", "content": render_tool_prompt(prompt, tools, backend)}],
            "max_tokens": 96,
            "temperature": 0,
        }
        if backend is BackendType.LLAMA_CPP:  # grammar-constrained decoding: only a valid call can come out
            schema = constrained_schema(tools)
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "tool_call", "schema": schema},
            }
        try:
            out = _post(record.base_url, "/chat/completions", body, api_key, timeout)
            text = out["choices"][0]["message"].get("content") or ""
        except (OSError, ValueError, KeyError, IndexError, httpx.HTTPError) as e:
            report["errors"].append(f"the chat request failed: {e}")
            return report
        try:
            call = parse_tool_call(text, tools)
            report["tool_call_detected"] = True
            result = execute_tool_call(call, tools)
            report["tool_executed"] = True
            report["errors"] += [] if result is not None else ["the tool returned nothing"]
        except ToolCallError as e:
            report["errors"].append(f"{e} (model said: {text[:200]!r})")
    passed = report["tool_server_ok"] and report["tool_call_detected"] and report["tool_executed"]
    report["status"] = "PASS" if passed and not report["errors"] else "FAIL"
    return report
