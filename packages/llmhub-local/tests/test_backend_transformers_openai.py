"""End to end: the all-MiniLM-L6-v2 embedding model behind LocalModelServer (transformers backend).

The official ``openai`` client asks for embeddings in ``float`` and in ``base64`` (its default) and
gets the vectors the runner computes (and that sentence-transformers computes, see
``test_backend_transformers.py``); any-llm's ``llamacpp`` provider and an LLMHub embedding role
reach the same server. Chat on an embedding model is a 400 in OpenAI's shape. Runs in
``nox -s local_transformers`` (marker ``backend_transformers``).
"""

from __future__ import annotations

import base64
import math
import struct
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from openai import OpenAI

from llmhub_local import LLMRunnerFactory
from llmhub_local.serving.server import LocalModelServer

pytestmark = pytest.mark.backend_transformers

MODEL = "all-minilm-l6-v2"
TEXTS = ["A cat sits on the mat.", "A kitten rests on a rug.", "Stock markets fell sharply today."]


@pytest.fixture(scope="module")
def server() -> Iterator[LocalModelServer]:
    runner = LLMRunnerFactory.create_runner({"model": MODEL})
    with LocalModelServer(runner, model_id=MODEL) as srv:
        yield srv
    runner.unload()


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_embeddings_float_and_base64_with_the_openai_client(server: LocalModelServer) -> None:
    client = OpenAI(base_url=server.base_url, api_key="unused", max_retries=0, timeout=120)
    floats = client.embeddings.create(model=MODEL, input=TEXTS, encoding_format="float")
    vectors = [d.embedding for d in floats.data]
    assert [len(v) for v in vectors] == [384, 384, 384]
    assert [d.index for d in floats.data] == [0, 1, 2]
    # Meaning, not noise: the two sentences about a cat are closer than either is to the markets.
    assert _cosine(vectors[0], vectors[1]) > _cosine(vectors[0], vectors[2]) + 0.2
    default = client.embeddings.create(model=MODEL, input=TEXTS)  # the SDK asks for base64
    for ours, decoded in zip(vectors, (d.embedding for d in default.data), strict=True):
        # Two calls: torch's CPU kernels may differ in the last bits between them (the exact float32
        # round trip is pinned down in test_server_openai.py).
        assert decoded == pytest.approx(ours, abs=1e-5)
    raw = httpx.post(
        f"{server.base_url}/embeddings", json={"input": TEXTS[0], "encoding_format": "base64"}, timeout=60
    ).json()
    assert struct.unpack("<384f", base64.b64decode(raw["data"][0]["embedding"])) == pytest.approx(
        vectors[0], abs=1e-5
    )
    assert raw["usage"]["prompt_tokens"] > 0
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}])
    assert set(info.value.response.json()["error"]) == {"message", "type", "param", "code"}


def test_any_llm_and_llmhub_embed_through_it(server: LocalModelServer, tmp_path: Path) -> None:
    import any_llm

    from llmhub_runtime import LLMHub

    direct = any_llm.embedding(model=MODEL, inputs=TEXTS, provider="llamacpp", api_base=server.base_url)
    assert [len(d.embedding) for d in direct.data] == [384, 384, 384]
    config = tmp_path / "llmhub.yaml"
    config.write_text(
        "project: local\nenv: dev\n"
        f'providers:\n  llamacpp: {{api_base: "{server.base_url}"}}\n'
        f"roles:\n  llm.embedding:\n    provider: llamacpp\n    model: {MODEL}\n    mode: embedding\n",
        encoding="utf-8",
    )
    embedded = LLMHub(config_path=config).embedding("llm.embedding", input=TEXTS)
    assert len(embedded.data) == len(direct.data)
    for hub_item, direct_item in zip(embedded.data, direct.data, strict=True):
        assert hub_item.embedding == pytest.approx(direct_item.embedding, abs=1e-5)
