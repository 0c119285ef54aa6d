"""LlamaCppRunner on the real default models (run by ``nox -s local_gguf``).

Greedy decoding (temperature 0) makes the output deterministic, so streamed and non-streamed
results are compared exactly. Nothing here asserts a wall-clock time.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cpu_burners import burning_every_cpu
from llmhub_local import (
    GenerationCancelledError,
    LlamaCppRunner,
    LLMRunnerFactory,
    ModelConfig,
    UnsupportedOperationError,
)
from llmhub_local.runners.base import process_rss_bytes

pytestmark = pytest.mark.backend_gguf

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    explicit = os.environ.get("LLMHUB_LOCAL_CACHE_DIR")
    return Path(explicit) if explicit else tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def smollm(cache_dir: Path) -> Iterator[LlamaCppRunner]:
    runner = LLMRunnerFactory.create_runner(
        {
            "llm": {
                "model": "smollm2-135m-instruct",
                "temperature": 0,
                "seed": 7,
                "threads": 1,  # robust when other processes share the 2 cores
                "max_tokens": 48,
                "context_length": 2048,
                "cache_dir": str(cache_dir),
            }
        }
    )
    assert isinstance(runner, LlamaCppRunner)
    yield runner
    runner.unload()


def test_chat_answers_sensibly(smollm: LlamaCppRunner) -> None:
    reply = smollm.create_chat_completion(QUESTION)
    content = reply.choices[0].message.content or ""
    assert "paris" in content.lower()
    assert reply.model == "smollm2-135m-instruct"
    assert reply.usage is not None
    assert reply.usage.prompt_tokens > 5
    assert reply.choices[0].finish_reason == "stop"


@pytest.mark.parametrize("max_tokens", [48, 5])  # ends by itself / cut at max_tokens
def test_streaming_chat_matches_non_streaming(smollm: LlamaCppRunner, max_tokens: int) -> None:
    messages = [{"role": "user", "content": "Name three colours."}]
    whole = smollm.create_chat_completion(messages, max_tokens=max_tokens)
    chunks = list(smollm.create_chat_completion_streaming(messages, max_tokens=max_tokens))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == whole.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == whole.choices[0].finish_reason
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0
    assert chunks[-1].usage == whole.usage  # the stream's counts are llama.cpp's own


def test_streaming_text_matches_non_streaming(smollm: LlamaCppRunner) -> None:
    prompt = "Once upon a time"
    assert "".join(smollm.generate_text_streaming(prompt, max_tokens=24)) == smollm.generate_text(
        prompt, max_tokens=24
    )


def test_generation_stops_when_cancelled(smollm: LlamaCppRunner) -> None:
    import threading

    ask = [{"role": "user", "content": "Count from one to twenty in words."}]
    full = smollm.create_chat_completion(ask, max_tokens=24)
    assert full.usage is not None
    assert full.usage.completion_tokens > 5
    cancel = threading.Event()
    cancel.set()  # already set: only end-of-sequence can be sampled
    cut = smollm.create_chat_completion(ask, max_tokens=24, cancel=cancel)
    assert cut.usage is not None
    assert cut.usage.completion_tokens <= 1
    assert smollm.create_chat_completion(ask, max_tokens=24).choices[0].message.content == (
        full.choices[0].message.content
    )  # a later call is unaffected


def test_max_tokens_is_respected(smollm: LlamaCppRunner) -> None:
    reply = smollm.create_chat_completion(
        [{"role": "user", "content": "Write a long story about a dragon."}], max_tokens=5
    )
    assert reply.usage is not None
    assert reply.usage.completion_tokens <= 5
    assert reply.choices[0].finish_reason == "length"


def test_stop_sequences(smollm: LlamaCppRunner) -> None:
    prompt = "1, 2, 3, 4, 5, 6,"
    free = smollm.generate_text(prompt, max_tokens=16)
    assert " 8," in free  # the model counts on; the stop below cuts it there
    stopped = smollm.generate_text(prompt, max_tokens=16, stop=[" 8,"])
    assert stopped == free[: free.index(" 8,")]
    assert "".join(smollm.generate_text_streaming(prompt, max_tokens=16, stop=[" 8,"])) == stopped


def test_json_schema_constrained_output_parses(smollm: LlamaCppRunner) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city", "country"],
    }
    reply = smollm.create_chat_completion(
        [{"role": "user", "content": "Give the capital of France as JSON with keys city and country."}],
        response_format={"type": "json_schema", "json_schema": {"name": "capital", "schema": schema}},
        max_tokens=64,
    )
    data = json.loads(reply.choices[0].message.content or "")
    assert set(data) >= {"city", "country"}
    assert all(isinstance(v, str) for v in data.values())
    anything = smollm.create_chat_completion(QUESTION, response_format={"type": "json_object"}, max_tokens=64)
    assert isinstance(json.loads(anything.choices[0].message.content or ""), dict)


class _SetsItselfAfter(threading.Event):
    """A cancel event that turns itself on the ``n``-th time it is checked (a client leaving
    after ``n`` tokens, without timing)."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.left, self.checks = n, 0

    def is_set(self) -> bool:
        self.checks += 1
        if self.checks >= self.left:
            self.set()
        return super().is_set()


def test_a_cancelled_json_constrained_generation_is_abandoned(smollm: LlamaCppRunner) -> None:
    """A grammar forbids ending early: a cancelled constrained answer raises, never returns broken JSON."""
    ask = [{"role": "user", "content": "List the planets of the solar system as a JSON object."}]
    fmt = {"type": "json_object"}
    whole = smollm.create_chat_completion(ask, response_format=fmt, max_tokens=48)
    assert whole.usage is not None
    assert whole.usage.completion_tokens > 8
    # A cancel event that is never set changes nothing (same greedy answer, same counts).
    kept = smollm.create_chat_completion(ask, response_format=fmt, max_tokens=48, cancel=threading.Event())
    assert kept.choices[0].message.content == whole.choices[0].message.content
    assert kept.choices[0].finish_reason == whole.choices[0].finish_reason
    assert kept.usage == whole.usage
    cancel = _SetsItselfAfter(4)
    with pytest.raises(GenerationCancelledError, match="cancelled after 3 piece"):
        smollm.create_chat_completion(ask, response_format=fmt, max_tokens=48, cancel=cancel)
    assert cancel.checks == 4  # stopped at the fourth token, not generated to the end
    after = smollm.create_chat_completion(ask, response_format=fmt, max_tokens=48)
    assert after.choices[0].message.content == whole.choices[0].message.content  # nothing left over


def test_chat_template_override(cache_dir: Path) -> None:
    template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "<|im_start|>assistant\n"
    )
    with LlamaCppRunner(
        ModelConfig(
            model="smollm2-135m-instruct",
            temperature=0,
            max_tokens=16,
            chat_template=template,
            threads=1,
            cache_dir=cache_dir,
        )
    ) as runner:
        reply = runner.create_chat_completion(QUESTION)
    assert "paris" in (reply.choices[0].message.content or "").lower()


def test_embeddings(cache_dir: Path, smollm: LlamaCppRunner) -> None:
    with pytest.raises(UnsupportedOperationError, match="embedding=True"):
        smollm.create_embedding("hello")
    with LlamaCppRunner(
        ModelConfig(model="smollm2-135m-instruct", embedding=True, threads=1, cache_dir=cache_dir)
    ) as runner:
        out = runner.create_embedding(["hello world", "bonjour"])
        dim = runner.llama.n_embd()
    assert [e.index for e in out.data] == [0, 1]
    assert all(len(e.embedding) == dim == 576 for e in out.data)
    assert out.usage.prompt_tokens > 0


def test_memory_reload_and_unload(cache_dir: Path) -> None:
    before = process_rss_bytes()
    runner = LlamaCppRunner(
        ModelConfig(
            model="smollm2-135m-instruct", temperature=0, max_tokens=8, threads=1, cache_dir=cache_dir
        )
    )
    first = runner.generate_text("The sky is")
    usage = runner.memory_usage()
    assert usage.model_bytes > 50_000_000
    assert usage.process_rss_bytes > before
    runner.reload()
    assert runner.generate_text("The sky is") == first
    loaded = process_rss_bytes()
    runner.unload()
    assert not runner.is_loaded
    assert runner.memory_usage().model_bytes == 0
    freed = loaded - process_rss_bytes()
    assert freed > usage.model_bytes // 2, (loaded, freed, usage)


def test_gemma_base_model_completes(cache_dir: Path) -> None:
    config = ModelConfig(model="gemma3-270m", temperature=0, max_tokens=12, threads=1, cache_dir=cache_dir)
    with LLMRunnerFactory.create_runner(config) as runner:
        text = runner.generate_text("The capital of France is")
        assert runner.memory_usage().model_bytes > 100_000_000
    assert text.strip()


@pytest.mark.parametrize("adaptive", [True, False])
def test_llama_cpp_uses_fewer_threads_while_other_processes_keep_the_cpus_busy(
    cache_dir: Path, adaptive: bool
) -> None:
    """With every CPU burning in other processes, the next generation runs on 1 thread (read back
    from llama.cpp's context), unless adaptive_threads is off."""
    import llama_cpp

    config = ModelConfig(
        model="smollm2-135m-instruct",
        temperature=0,
        threads=3,
        max_tokens=4,
        context_length=512,
        cache_dir=cache_dir,
        adaptive_threads=adaptive,
    )
    with LlamaCppRunner(config) as runner:
        runner.create_chat_completion(QUESTION)  # the first measurement
        assert runner.threads_in_use == 3
        with burning_every_cpu(30):
            time.sleep(1.0)
            reply = runner.create_chat_completion(QUESTION)
        assert reply.choices[0].message.content
        expected = 1 if adaptive else 3
        assert runner.threads_in_use == expected
        assert llama_cpp.llama_n_threads(runner.llama.ctx) == expected
        assert llama_cpp.llama_n_threads_batch(runner.llama.ctx) == expected
