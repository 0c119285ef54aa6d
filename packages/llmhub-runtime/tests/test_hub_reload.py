"""``LLMHub.reload()``: a rewritten llmhub.yaml takes effect; a broken one changes nothing."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from hub_helpers import ENV_KEY, SECRET_KEY, MakeHub, role, user, write_yaml
from llmhub_runtime import ConfigError, EnvVarMissingError, LLMHub, LLMHubRuntimeError
from llmhub_testing import FakeOpenAIServer


@pytest.fixture
def config_file(tmp_path: Path, server: FakeOpenAIServer, clean_env: pytest.MonkeyPatch) -> Path:
    clean_env.setenv(ENV_KEY, SECRET_KEY)
    return write_yaml(tmp_path / "llmhub.yaml", server.base_url, "model-a")


def test_reload_switches_model(config_file: Path, server: FakeOpenAIServer) -> None:
    hub = LLMHub(config_path=config_file)
    assert hub.completion("chat", user("x")).model == "model-a"
    write_yaml(config_file, server.base_url, "model-b")
    assert hub.completion("chat", user("x")).model == "model-a"  # nothing changes until reload()
    config = hub.reload()
    assert config.roles["chat"].model == "model-b"
    assert hub.config is config
    assert hub.completion("chat", user("x")).model == "model-b"
    assert asyncio.run(hub.acompletion("chat", user("x"))).model == "model-b"
    assert [r.model for r in server.requests] == ["model-a", "model-a", "model-b", "model-b"]
    assert hub.config_path == config_file


def test_reload_adds_roles(config_file: Path, server: FakeOpenAIServer) -> None:
    hub = LLMHub(config_path=config_file)
    write_yaml(
        config_file,
        server.base_url,
        "model-a",
        extra_role="  embed: {provider: openai, model: embedder, mode: embedding}\n",
    )
    hub.reload()
    assert hub.embedding("embed", "x").model == "embedder"


@pytest.mark.parametrize(
    ("broken", "field"),
    [
        ("project: tests\nroles: [unclosed\n", ""),
        (
            "project: tests\nenv: test\nproviders: {openai: {}}\n"
            "roles:\n  chat: {provider: openai, model: m, mode: chatt}\n",
            "roles.chat.mode",
        ),
    ],
)
def test_broken_file_keeps_the_old_config(
    config_file: Path, server: FakeOpenAIServer, broken: str, field: str
) -> None:
    hub = LLMHub(config_path=config_file)
    old = hub.config
    config_file.write_text(broken, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        hub.reload()
    assert str(config_file) in str(info.value)
    assert info.value.line is not None
    if field:
        assert field in str(info.value)
    assert hub.config is old
    assert hub.completion("chat", user("still")).model == "model-a"
    assert server.requests[-1].body["temperature"] == 0.5


def test_deleted_file_keeps_the_old_config(config_file: Path) -> None:
    hub = LLMHub(config_path=config_file)
    config_file.unlink()
    with pytest.raises(ConfigError, match="not found"):
        hub.reload()
    assert hub.completion("chat", user("x")).model == "model-a"


def test_strict_env_reload(
    config_file: Path, server: FakeOpenAIServer, clean_env: pytest.MonkeyPatch
) -> None:
    hub = LLMHub(config_path=config_file, strict_env=True)
    config_file.write_text(
        config_file.read_text(encoding="utf-8").replace(ENV_KEY, "LLMHUB_TEST_UNSET_KEY"), encoding="utf-8"
    )
    with pytest.raises(EnvVarMissingError, match="LLMHUB_TEST_UNSET_KEY"):
        hub.reload()
    assert hub.completion("chat", user("x")).model == "model-a"


def test_reload_needs_a_file(make_hub: MakeHub) -> None:
    hub = make_hub({"chat": role("openai", "m")})
    with pytest.raises(LLMHubRuntimeError, match="config_path"):
        hub.reload()


def test_reload_while_calls_are_running(config_file: Path, server: FakeOpenAIServer) -> None:
    hub = LLMHub(config_path=config_file)
    errors: list[BaseException] = []
    models: list[str] = []
    stop = threading.Event()

    def caller() -> None:
        try:
            while not stop.is_set():
                models.append(hub.completion("chat", user("x")).model)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=caller) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for i in range(10):
            write_yaml(config_file, server.base_url, f"model-{i}")
            hub.reload()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert errors == []
    assert models
    assert set(models) <= {"model-a"} | {f"model-{i}" for i in range(10)}
    assert hub.completion("chat", user("x")).model == "model-9"
