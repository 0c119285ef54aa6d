"""BaseLLMRunner behaviour shared by every backend, exercised through a deterministic fake."""

from __future__ import annotations

from pathlib import Path

import pytest
from any_llm.types.completion import ChatCompletion, ChatCompletionChunk

from fake_runner import FakeRunner
from llmhub_local import (
    LLMConfigError,
    LLMInferenceError,
    LLMInitializationError,
    UnsupportedOperationError,
)


@pytest.fixture
def runner(tmp_path: Path) -> FakeRunner:
    model = tmp_path / "fake.gguf"
    model.write_bytes(b"x")
    return FakeRunner({"model": str(model), "max_tokens": 6, "temperature": 0})


def test_generate_and_stream_agree(runner: FakeRunner) -> None:
    text = runner.generate_text("Q:")
    assert text == "Paris is the capital of France"
    assert "".join(runner.generate_text_streaming("Q:")) == text
    assert runner.run("Q:") == text
    assert "".join(runner.run("Q:", stream=True)) == text


def test_overrides_and_stop(runner: FakeRunner) -> None:
    assert runner.generate_text("Q:", max_tokens=2) == "Paris is"
    assert runner.generate_text("Q:", max_tokens=10, stop=[" END"]) == "Paris is the capital of France."
    assert "".join(runner.generate_text_streaming("Q:", max_tokens=10, stop=["capital"])) == "Paris is the "


def test_unknown_or_invalid_parameters(runner: FakeRunner) -> None:
    with pytest.raises(LLMConfigError, match="unknown generation parameter"):
        runner.generate_text("Q:", temprature=1)
    with pytest.raises(LLMConfigError, match="max_tokens"):
        runner.generate_text("Q:", max_tokens=0)
    with pytest.raises(LLMConfigError, match="prompt must be a string"):
        runner.generate_text(["Q:"])  # type: ignore[arg-type]


def test_chat_completion_shape(runner: FakeRunner) -> None:
    reply = runner.create_chat_completion([{"role": "user", "content": "Capital of France?"}])
    assert isinstance(reply, ChatCompletion)
    assert reply.object == "chat.completion"
    assert reply.model == "fake.gguf"
    assert reply.choices[0].message.role == "assistant"
    assert reply.choices[0].message.content == "Paris is the capital of France"
    assert reply.choices[0].finish_reason == "length"
    assert reply.usage is not None
    assert reply.usage.completion_tokens == 6


def test_chat_stream_shape(runner: FakeRunner) -> None:
    chunks = list(runner.create_chat_completion_streaming([{"role": "user", "content": "Hi"}], max_tokens=20))
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    assert len({c.id for c in chunks}) == 1
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].usage is not None
    text = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert (
        text
        == runner.create_chat_completion([{"role": "user", "content": "Hi"}], max_tokens=20)
        .choices[0]
        .message.content
    )


def test_system_prompt_is_prepended(tmp_path: Path) -> None:
    model = tmp_path / "fake.gguf"
    model.write_bytes(b"x")
    runner = FakeRunner({"model": str(model), "system_prompt": "Be brief."})
    runner.create_chat_completion([{"role": "user", "content": "Hi"}])
    assert runner.last_prompt == "system: Be brief.\nuser: Hi"
    runner.create_chat_completion([{"role": "system", "content": "Own"}, {"role": "user", "content": "Hi"}])
    assert runner.last_prompt == "system: Own\nuser: Hi"


def test_bad_messages(runner: FakeRunner) -> None:
    with pytest.raises(LLMConfigError, match="non-empty list"):
        runner.create_chat_completion([])
    with pytest.raises(LLMConfigError, match=r"messages\[0\]\.role"):
        runner.create_chat_completion([{"role": "robot", "content": "x"}])
    with pytest.raises(LLMConfigError, match="take text parts only"):
        runner.create_chat_completion([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}])


def test_json_output_needs_backend_support(runner: FakeRunner) -> None:
    with pytest.raises(UnsupportedOperationError, match="cannot constrain output to JSON"):
        runner.create_chat_completion(
            [{"role": "user", "content": "x"}], response_format={"type": "json_object"}
        )
    with pytest.raises(LLMConfigError, match=r"response_format\.type"):
        runner.create_chat_completion([{"role": "user", "content": "x"}], response_format={"type": "xml"})


def test_embeddings_unsupported_by_default(runner: FakeRunner) -> None:
    with pytest.raises(UnsupportedOperationError, match="does not produce embeddings"):
        runner.create_embedding("hello")
    with pytest.raises(LLMConfigError, match="input must be"):
        runner.create_embedding([])


def test_backend_failures_are_wrapped(runner: FakeRunner) -> None:
    boom = RuntimeError("kv cache full")
    runner.fail_on_generate = boom
    with pytest.raises(LLMInferenceError, match="RuntimeError: kv cache full") as info:
        runner.generate_text("Q:")
    assert info.value.__cause__ is boom
    with pytest.raises(LLMInferenceError, match="streaming generation failed"):
        list(runner.generate_text_streaming("Q:"))
    with pytest.raises(LLMInferenceError, match="chat completion failed"):
        runner.create_chat_completion([{"role": "user", "content": "x"}])


def test_load_failure_is_an_initialization_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "fake.gguf"
    model.write_bytes(b"x")
    monkeypatch.setattr(FakeRunner, "fail_on_load", OSError("bad magic"))
    with pytest.raises(LLMInitializationError, match=r"could not load .* OSError: bad magic"):
        FakeRunner({"model": str(model)})


def test_unload_reload_and_context_manager(runner: FakeRunner) -> None:
    assert runner.memory_usage().model_bytes == 1024
    assert runner.memory_usage().process_rss_bytes > 0
    runner.unload()
    runner.unload()  # twice is fine
    assert not runner.is_loaded
    assert runner.memory_usage().model_bytes == 0
    assert runner.generate_text("Q:", max_tokens=1) == "Paris"  # loads again on use
    assert runner.is_loaded
    runner.reload(temperature=0.5)
    assert runner.config.temperature == 0.5
    assert runner.is_loaded
    with runner as same:
        assert same is runner
    assert not runner.is_loaded
