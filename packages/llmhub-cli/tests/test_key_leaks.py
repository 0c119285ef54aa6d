"""API keys never leak: hook payloads (their whole object graph), exceptions, DEBUG logs, the local
state store and the output of every CLI command are searched for distinctive fake keys.

The keys are set in the environment variables the configuration names (``env_key``). The fake
OpenAI server (llmhub-testing) checks the bearer token and, like a careless provider, echoes a
wrong key in full in its 401 answer, so a key has every chance to travel.

Object graphs are walked through attributes, mappings, sequences, sets and ``__slots__`` (httpx
headers included); frames, tracebacks, modules, classes and ``os.environ`` are not followed (they
hold the process's own environment, not something llmhub hands out).
"""

from __future__ import annotations

import collections
import logging
import os
import types
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
import typer

from cli_helpers import run
from llmhub_cli.main import app
from llmhub_runtime import CallContext, CallResult, LLMHub
from llmhub_testing import FakeOpenAIServer, refused_base_url

KEYS = {
    "LEAKTEST_OPENAI_KEY": "sk-leakcanary-openai-5d41402abc4b2a76b9719d911017c592",
    "LEAKTEST_LOCAL_KEY": "sk-leakcanary-local-7b8b965ad4bca0e41ab51de7b31363a1",
    "OPENAI_API_KEY": "sk-leakcanary-default-9e107d9d372bb6826bd81d3542a419d6",
    "ANTHROPIC_API_KEY": "sk-ant-leakcanary-e4d909c290d0fb1ca068ffaddf22cbd0",
}
WRONG = "sk-leakcanary-WRONG-0cc175b9c0f1b6a831c399e269772661"
SECRETS = (*KEYS.values(), WRONG)

_SKIP_TYPES = (types.ModuleType, type, types.FrameType, types.TracebackType, types.CodeType)


def find_secrets(root: object, secrets: tuple[str, ...] = SECRETS, limit: int = 300_000) -> list[str]:
    """Paths (``.attr``, ``[key]``) from ``root`` to every string or bytes holding a secret."""
    found: list[str] = []
    encoded = [s.encode() for s in secrets]
    seen: set[int] = set()
    queue: collections.deque[tuple[object, str]] = collections.deque([(root, "payload")])
    while queue and len(seen) < limit:
        obj, path = queue.popleft()
        if id(obj) in seen or obj is os.environ or isinstance(obj, _SKIP_TYPES):
            continue
        seen.add(id(obj))
        if isinstance(obj, str):
            if any(s in obj for s in secrets):
                found.append(path)
            continue
        if isinstance(obj, (bytes, bytearray, memoryview)):
            data = bytes(obj)
            if any(s in data for s in encoded):
                found.append(path)
            continue
        if isinstance(obj, (int, float, complex, bool)) or obj is None:
            continue
        if isinstance(obj, dict):
            for key, value in list(obj.items()):
                queue.append((key, f"{path}[key {key!r:.30}]"))
                queue.append((value, f"{path}[{key!r:.30}]"))
            continue
        if isinstance(obj, (list, tuple, set, frozenset, collections.deque)):
            queue.extend((item, f"{path}[{i}]") for i, item in enumerate(list(obj)))
            continue
        if hasattr(obj, "raw") and type(obj).__name__ == "Headers":  # httpx.Headers
            queue.append((list(obj.raw), f"{path}.raw"))
        if isinstance(obj, BaseException):
            queue.extend([(obj.args, f"{path}.args"), (obj.__cause__, f"{path}.__cause__")])
            queue.append((obj.__context__, f"{path}.__context__"))
        attributes = getattr(obj, "__dict__", None)
        if isinstance(attributes, dict):
            queue.extend((value, f"{path}.{name}") for name, value in list(attributes.items()))
        for klass in type(obj).__mro__:
            for name in getattr(klass, "__slots__", ()):
                if isinstance(name, str) and hasattr(obj, name):
                    queue.append((getattr(obj, name), f"{path}.{name}"))
    return found


def _assert_no_secret(where: str, *objects: object) -> None:
    for index, obj in enumerate(objects):
        leaks = find_secrets(obj)
        assert not leaks, f"{where} #{index}: a key is reachable at {leaks[:5]}"


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    return KEYS


def _runtime_yaml(primary: str, backup: str) -> str:
    return f"""\
project: leaks
env: dev
providers:
  openai: {{env_key: LEAKTEST_OPENAI_KEY, api_base: "{primary}", max_retries: 0}}
  llamacpp: {{env_key: LEAKTEST_LOCAL_KEY, api_base: "{backup}", max_retries: 0}}
roles:
  chat:
    provider: openai
    model: fake-chat
    mode: chat
    fallbacks:
      - {{provider: llamacpp, model: fake-chat}}
  embed: {{provider: openai, model: fake-embedding, mode: embedding}}
"""


def test_hook_payloads_exceptions_and_debug_logs_hold_no_key(
    keys: dict[str, str], tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.DEBUG)
    before: list[CallContext] = []
    after: list[CallResult] = []
    errors: list[BaseException] = []
    with (
        FakeOpenAIServer(api_key=keys["LEAKTEST_OPENAI_KEY"]) as primary,
        FakeOpenAIServer(api_key=keys["LEAKTEST_LOCAL_KEY"]) as backup,
    ):
        config = tmp_path / "llmhub.yaml"
        config.write_text(_runtime_yaml(primary.base_url, backup.base_url))
        hub = LLMHub(config_path=config, on_before_call=before.append, on_after_call=after.append)
        messages = [{"role": "user", "content": "hello"}]
        assert hub.completion("chat", messages).choices
        primary.fail_next(500)  # retryable: the fallback answers, both attempts go to the hooks
        assert hub.completion("chat", messages).choices
        assert list(hub.stream_completion("chat", messages))
        assert hub.embedding("embed", "some text").data
        primary.fail_next(400)  # not retryable: raised as it is
        with pytest.raises(Exception) as bad_request:  # noqa: PT011 - any-llm's own error type
            hub.completion("chat", messages)
        errors.append(bad_request.value)
        # Every attempt really carried the keys (so there was something to leak).
        assert any(
            r.headers.get("authorization") == f"Bearer {keys['LEAKTEST_OPENAI_KEY']}"
            for r in primary.requests
        )
        assert any(
            r.headers.get("authorization") == f"Bearer {keys['LEAKTEST_LOCAL_KEY']}" for r in backup.requests
        )

        monkeypatch.setenv("LEAKTEST_OPENAI_KEY", WRONG)  # the server echoes a wrong key in full
        wrong = LLMHub(config_path=config, on_before_call=before.append, on_after_call=after.append)
        with pytest.raises(Exception) as unauthorized:  # noqa: PT011
            wrong.completion("chat", messages)
        errors.append(unauthorized.value)
        assert any(WRONG in r.headers.get("authorization", "") for r in primary.requests)

    assert len(after) >= 6
    assert any(not result.success for result in after)
    _assert_no_secret("hook before-call payload", *before)
    _assert_no_secret("hook after-call payload", *after)
    _assert_no_secret("exception", *errors)
    for error in errors:
        assert not any(s in f"{error!s} {error!r}" for s in SECRETS)
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + (record.exc_text or "")
        assert not any(s in text for s in SECRETS), f"log {record.name}: {text[:300]}"
    _assert_no_secret("hub", repr(hub), repr(wrong), str(hub.config))


SPEC = """\
project: leaks
providers:
  openai: {env_key: LEAKTEST_OPENAI_KEY}
  anthropic: {env_key: ANTHROPIC_API_KEY}
roles:
  chat: {kind: chat, description: Answers questions.}
  embed: {kind: embedding, description: Embeds text.}
"""


def _leaf_commands() -> set[str]:
    def walk(command: click.Command, prefix: tuple[str, ...]) -> Iterator[str]:
        sub = getattr(command, "commands", None)
        if sub:
            for name, child in sub.items():
                yield from walk(child, (*prefix, name))
        else:
            yield " ".join(prefix)

    return set(walk(typer.main.get_command(app), ()))


def _cli_runs(project: Path, server: FakeOpenAIServer, home: Path) -> list[tuple[str, list[str]]]:
    """(command, argv) for every command, with arguments that make each one do its work."""
    root = ["--root", str(project)]
    local = ["--home", str(home)]
    runs = [
        ("init", ["--root", str(project.parent / "fresh"), "init", "--project", "fresh"]),
        ("spec show", [*root, "spec", "show"]),
        ("spec validate", [*root, "spec", "validate"]),
        ("spec schema", [*root, "spec", "schema"]),
        ("spec migrate", [*root, "spec", "migrate", "--dry-run"]),
        ("generate", [*root, "generate", "--no-llm", "--force"]),
        ("generate", [*root, "generate", "--no-llm", "--dry-run", "--explain", "--format", "json"]),
        ("roles", [*root, "roles", "--format", "json"]),
        ("add-role", [*root, "add-role", "extra.role", "--description", "More."]),
        ("edit-role", [*root, "edit-role", "extra.role", "--quality", "high"]),
        ("rm-role", [*root, "rm-role", "extra.role", "--yes"]),
        ("runtime show", [*root, "runtime", "show"]),
        ("runtime show", [*root, "runtime", "show", "--format", "json"]),
        ("runtime diff", [*root, "runtime", "diff"]),
        ("env check", [*root, "env", "check"]),
        ("env check", [*root, "env", "check", "--format", "json"]),
        ("env sync", [*root, "env", "sync"]),
        ("status", [*root, "status", "--format", "json"]),
        ("doctor", [*root, "doctor"]),
        ("path", [*root, "path"]),
        ("catalog show", ["catalog", "show", "--provider", "openai"]),
        ("catalog search", ["catalog", "search", "gpt", "--details"]),
        ("catalog diff", ["catalog", "diff"]),
        ("catalog refresh", ["catalog", "refresh", "--timeout", "2"]),
        ("local serve", ["local", "serve", "no-such-model", *local]),
        ("local start", ["local", "start", "no-such-model", *local, "--api-key-env", "LEAKTEST_LOCAL_KEY"]),
        ("local stop", ["local", "stop", "no-such-model", *local]),
        ("local status", ["local", "status", *local, "--format", "json"]),
        ("local logs", ["local", "logs", "no-such-model", *local]),
        ("local models", ["local", "models", *local]),
        ("local env resolve", ["local", "env", "resolve", "smollm2-135m-instruct", *local]),
        ("local env list", ["local", "env", "list", *local]),
        ("local env provision", ["local", "env", "provision", "../escape", *local]),
        ("local env test", ["local", "env", "test", "no-such-env", *local]),
        ("local model smoke", ["local", "model", "smoke", "no-such-model", *local, "--api-key-env",
                               "LEAKTEST_LOCAL_KEY"]),
        ("local tools smoke", ["local", "tools", "smoke", "no-such-model", *local, "--api-key-env",
                               "LEAKTEST_LOCAL_KEY"]),
    ]  # fmt: skip
    # `llmhub test` calls the fake server: once with the right key, once with a wrong one it echoes.
    runs += [("test", [*root, "test", "--role", "chat", "--prompt", "hi", "--json"])]
    return runs


def test_every_cli_command_output_holds_no_key(
    keys: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    home = tmp_path / "local-home"
    project.mkdir()
    (project / "llmhub.spec.yaml").write_text(SPEC)
    monkeypatch.setenv("LLMHUB_LOCAL_HOME", str(home))
    for variable in ("MODELS_DEV", "ARENA", "LITELLM", "GENAI_PRICES"):  # refresh stays on loopback
        monkeypatch.setenv(f"LLMHUB_CATALOG_{variable}_URL", refused_base_url() + "/data.json")
    with FakeOpenAIServer(api_key=keys["LEAKTEST_OPENAI_KEY"]) as server:
        runs = _cli_runs(project, server, home)
        available = _leaf_commands()
        covered = {name for name, _ in runs}
        assert available <= covered, f"commands without a leak check: {sorted(available - covered)}"
        outputs: list[str] = []
        for name, argv in runs:
            if name not in available:
                continue  # `local ...` without llmhub-local installed
            if name == "test":
                (project / "llmhub.yaml").write_text(_runtime_yaml(server.base_url, refused_base_url()))
            result = run(*argv)
            output = result.stdout + result.stderr
            assert result.exception is None, f"{name}: {result.exception!r}\n{output}"
            assert "Traceback" not in output, f"{name}:\n{output}"
            outputs.append(output)
            assert not any(s in output for s in SECRETS), f"{name} printed a key:\n{output}"
        assert any("fake" in out or "echo" in out for out in outputs)  # `test` reached the server
        monkeypatch.setenv("LEAKTEST_OPENAI_KEY", WRONG)
        for debug in ("0", "1"):  # the failure, and its traceback under LLMHUB_DEBUG
            result = run(
                "--root",
                str(project),
                "test",
                "--role",
                "chat",
                "--prompt",
                "hi",
                env={"LLMHUB_DEBUG": debug},
            )
            output = result.stdout + result.stderr
            assert result.exit_code == 1, output
            assert "***" in output or "401" in output or "uthenticat" in output, output
            assert not any(s in output for s in SECRETS), (
                f"`llmhub test` with a wrong key printed it:\n{output}"
            )

    # Nothing llmhub wrote (llmhub.yaml, .env.example, the local state store, logs) holds a key.
    for folder in (project, home, tmp_path / "fresh"):
        for path in folder.rglob("*") if folder.exists() else ():
            if path.is_file():
                data = path.read_bytes()
                assert not any(s.encode() in data for s in SECRETS), f"{path} holds a key"
