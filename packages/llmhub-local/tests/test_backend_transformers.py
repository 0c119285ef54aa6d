"""TransformersRunner on a tiny locally built model, MiniLM embeddings and SmolLM2 from its GGUF.

Run by ``nox -s local_transformers``. Greedy decoding makes outputs deterministic, so streamed
and non-streamed text are compared exactly. Nothing here asserts a wall-clock time.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmhub_local import (
    LLMInitializationError,
    LLMRunnerFactory,
    ModelConfig,
    TransformersRunner,
    UnsupportedOperationError,
)
from llmhub_local.runners.base import process_rss_bytes
from llmhub_local.runners.model_store import resolve_model

pytestmark = pytest.mark.backend_transformers

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    explicit = os.environ.get("LLMHUB_LOCAL_CACHE_DIR")
    return Path(explicit) if explicit else tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tiny_model import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("tiny") / "tiny-llama")


@pytest.fixture(scope="session")
def tiny(tiny_folder: Path) -> Iterator[TransformersRunner]:
    runner = LLMRunnerFactory.create_runner({"model": str(tiny_folder), "temperature": 0, "max_tokens": 12})
    assert isinstance(runner, TransformersRunner)
    yield runner
    runner.unload()


# -- structure, on the tiny model ------------------------------------------------------------------


def test_tiny_generation_streams_the_same_text(tiny: TransformersRunner) -> None:
    text = tiny.generate_text("the quick brown")
    assert text
    assert "".join(tiny.generate_text_streaming("the quick brown")) == text


def test_tiny_generation_stops_when_cancelled(tiny: TransformersRunner) -> None:
    import threading

    full = tiny.create_chat_completion([{"role": "user", "content": "one two"}], max_tokens=12)
    assert full.usage is not None
    cancel = threading.Event()
    cancel.set()  # already set: the generation ends at its first token
    cut = tiny.create_chat_completion([{"role": "user", "content": "one two"}], max_tokens=12, cancel=cancel)
    assert cut.usage is not None
    assert cut.usage.completion_tokens < full.usage.completion_tokens
    assert cut.usage.completion_tokens <= 1


def test_tiny_prompt_over_the_context_is_a_context_length_error(tiny_folder: Path) -> None:
    from llmhub_local.errors import ContextLengthError

    runner = LLMRunnerFactory.create_runner({"model": str(tiny_folder), "context_length": 16})
    with pytest.raises(ContextLengthError) as info:
        runner.create_chat_completion([{"role": "user", "content": "one two three four five " * 10}])
    assert info.value.context_length == 16
    assert (info.value.prompt_tokens or 0) > 16
    runner.unload()


def test_tiny_max_tokens_and_usage(tiny: TransformersRunner) -> None:
    reply = tiny.create_chat_completion([{"role": "user", "content": "one two"}], max_tokens=7)
    assert reply.usage is not None
    assert reply.usage.completion_tokens <= 7
    assert reply.usage.prompt_tokens > 3
    chunks = list(
        tiny.create_chat_completion_streaming([{"role": "user", "content": "one two"}], max_tokens=7)
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == reply.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == reply.choices[0].finish_reason
    assert chunks[-1].usage == reply.usage


def test_tiny_stop_sequences(tiny: TransformersRunner) -> None:
    free = tiny.generate_text("paris is", max_tokens=16)
    stop = free[len(free) // 2 : len(free) // 2 + 2]
    assert stop.strip()
    expected = free[: free.index(stop)]
    assert tiny.generate_text("paris is", max_tokens=16, stop=[stop]) == expected
    assert "".join(tiny.generate_text_streaming("paris is", max_tokens=16, stop=[stop])) == expected


def test_tiny_static_cache_gives_the_same_greedy_text(tiny_folder: Path, tiny: TransformersRunner) -> None:
    with TransformersRunner(
        ModelConfig(model=str(tiny_folder), temperature=0, max_tokens=10, static_cache=True)
    ) as fast:
        assert fast.generate_text("one two three") == tiny.generate_text("one two three", max_tokens=10)


def test_tiny_sampling_is_reproducible_with_a_seed(tiny: TransformersRunner) -> None:
    a = tiny.generate_text("the", temperature=1.0, seed=123)
    b = tiny.generate_text("the", temperature=1.0, seed=123)
    assert a == b


def test_tiny_unsupported_operations(tiny: TransformersRunner) -> None:
    with pytest.raises(UnsupportedOperationError, match="cannot constrain output to JSON"):
        tiny.create_chat_completion(QUESTION, response_format={"type": "json_object"})
    with pytest.raises(UnsupportedOperationError, match="embeddings need an encoder model"):
        tiny.create_embedding("hello")


def test_tiny_quantization_needs_cuda(tiny_folder: Path) -> None:
    with pytest.raises(LLMInitializationError, match="4bit quantization in transformers runs on CUDA only"):
        TransformersRunner(ModelConfig(model=str(tiny_folder), device="cpu", quantization="4bit"))


def test_tiny_memory_reload_unload(tiny_folder: Path) -> None:
    runner = TransformersRunner({"model": str(tiny_folder), "temperature": 0, "max_tokens": 5})
    params = sum(p.numel() * p.element_size() for p in runner.model.parameters())
    assert runner.memory_usage().model_bytes >= params
    first = runner.generate_text("one")
    runner.reload()
    assert runner.generate_text("one") == first
    runner.unload()
    assert runner.memory_usage().model_bytes == 0
    assert runner.generate_text("one") == first  # loads again on use


# -- embeddings, on all-MiniLM-L6-v2 ---------------------------------------------------------------


@pytest.fixture(scope="session")
def minilm(cache_dir: Path) -> Iterator[TransformersRunner]:
    runner = LLMRunnerFactory.create_runner({"model": "all-minilm-l6-v2", "cache_dir": str(cache_dir)})
    assert isinstance(runner, TransformersRunner)
    yield runner
    runner.unload()


def _cos(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_minilm_embeddings(minilm: TransformersRunner) -> None:
    texts = ["A cat sits on the mat.", "A kitten is sitting on a rug.", "Stock markets fell sharply today."]
    out = minilm.create_embedding(texts)
    vectors = [e.embedding for e in out.data]
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert all(math.isclose(math.sqrt(_cos(v, v)), 1.0, rel_tol=1e-5) for v in vectors)
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2]) + 0.2
    assert out.usage.prompt_tokens > 10
    with pytest.raises(UnsupportedOperationError, match="encoder model"):
        minilm.create_chat_completion(QUESTION)


def test_minilm_matches_sentence_transformers(minilm: TransformersRunner) -> None:
    st = pytest.importorskip("sentence_transformers")
    texts = ["Local models are first-class.", "short"]
    reference = st.SentenceTransformer(str(minilm.resolved_model.path), device="cpu").encode(texts)
    ours = [e.embedding for e in minilm.create_embedding(texts).data]
    worst = max(
        abs(float(r) - o)
        for row_r, row_o in zip(reference, ours, strict=True)
        for r, o in zip(row_r, row_o, strict=True)
    )
    assert worst < 1e-5


# -- a real chat model: SmolLM2's GGUF, converted once per cache ------------------------------------


@pytest.fixture(scope="session")
def smollm_folder(cache_dir: Path) -> Path:
    """SmolLM2 loaded (dequantized) from its GGUF once, saved as a folder that reloads fast."""
    gguf = resolve_model("smollm2-135m-instruct", cache_dir).path
    target = cache_dir / "converted" / f"{gguf.stem}-transformers"
    if not (target / "config.json").exists():
        with TransformersRunner(ModelConfig(model=str(gguf), cache_dir=cache_dir)) as runner:
            runner.export_pretrained(target)
    return target


def test_smollm_from_gguf_answers(smollm_folder: Path) -> None:
    with TransformersRunner(ModelConfig(model=str(smollm_folder), temperature=0, max_tokens=24)) as runner:
        reply = runner.create_chat_completion(QUESTION)
        content = reply.choices[0].message.content or ""
        assert "paris" in content.lower()
        streamed = runner.create_chat_completion_streaming(QUESTION)
        assert "".join(c.choices[0].delta.content or "" for c in streamed) == content
        before_unload = process_rss_bytes()
        model_bytes = runner.memory_usage().model_bytes
        assert model_bytes > 100_000_000
    assert before_unload - process_rss_bytes() > model_bytes // 4
