"""Fuzzing the runtime loader with whole files: random edits of a valid llmhub.yaml, in random
encodings, read from disk. Whatever the bytes, the outcome is a config or a ``ConfigError`` naming
the file; any other exception (``UnicodeDecodeError``, ``RecursionError``...) fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmhub_runtime import ConfigError, RuntimeConfig, load_runtime_config
from llmhub_runtime.errors import LLMHubError

SETTINGS = settings(
    max_examples=int(os.environ.get("LLMHUB_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VALID = """\
project: fuzz
env: dev
providers:
  openai: {env_key: OPENAI_API_KEY, timeout: 30}
  llamacpp:
    api_base: "http://127.0.0.1:8080/v1"
roles:
  llm.inference:
    provider: openai
    model: gpt-4.1
    mode: chat
    params: {temperature: 0.2, max_tokens: 100}
    fallbacks:
      - {provider: llamacpp, model: local, params: {}}
  llm.embedding: {provider: openai, model: text-embedding-3-small, mode: embedding}
defaults: {provider: openai, model: gpt-4.1-mini, mode: chat}
meta: {generator: fuzz}
"""

#: Pieces YAML gives meaning to, inserted at random points of a valid file: syntax errors, tags,
#: anchors and aliases, merge keys, tabs, NULs, BOMs, deep nesting and an alias bomb.
PIECES = [
    *"abc019 _-.:{}[],#&*!|>'\"%@`?~\n\t\\",
    "  ", "\n  ", ": ", "- ", "&a ", "*a", "<<: *a", "<<: {k: v}", "!!", "---\n", "...\n", "? ",
    "\x00", "\x85", "\ufeff", "\u00e9", "\ud7ff", "!!int ", "!!float ", "!!bool ", "!!str ", "!!binary ",
    "!!set ", "!!omap ", "!!python/object:os.system ", "!custom ", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n",
    "[" * 80, "{a: " * 70, "\n" + "".join("  " * i + f"k{i}:\n" for i in range(70)),
    "x-b: &b [" + ", ".join(["x"] * 10) + "]\nx-c: &c [" + ", ".join(["*b"] * 10) + "]\nx-d: &d ["
    + ", ".join(["*c"] * 10) + "]\nx-e: &e [" + ", ".join(["*d"] * 10) + "]\n"
    + "x-f: [" + ", ".join(["*e"] * 10) + "]\n",
    "&r {a: *r}", "9" * 400, "1e999", "0x", "null", "~", "true", "yes", "2024-13-45",
]  # fmt: skip
ENCODINGS = ["utf-8"] * 6 + ["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]


@st.composite
def mutated_file(draw: st.DrawFn, base: str) -> bytes:
    """``base`` after a few random insertions, deletions and line shuffles, in a random encoding."""
    text = base
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        operation = draw(st.sampled_from(["insert", "insert", "delete", "duplicate_line", "drop_line"]))
        if operation == "insert":
            text = text[:at] + draw(st.sampled_from(PIECES)) + text[at:]
        elif operation == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        else:
            lines = text.splitlines(keepends=True) or [""]
            index = draw(st.integers(0, len(lines) - 1))
            if operation == "duplicate_line":
                lines.insert(index, lines[index])
            else:
                del lines[index]
            text = "".join(lines)
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")


def _assert_clean(error: BaseException, path: Path) -> None:
    """A failure is one of the package's errors (under the LLMHubError root), naming the file."""
    assert isinstance(error, LLMHubError), f"{type(error).__name__}: {error}"
    assert isinstance(error, ConfigError)
    message = str(error)
    assert message.startswith(str(path)), message
    for leak in ("Traceback", "pydantic", "ruamel", "<unicode string>", "CommentedMap"):
        assert leak not in message, message


def test_the_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_text(VALID)
    assert set(load_runtime_config(path).roles) == {"llm.inference", "llm.embedding"}


@SETTINGS
@given(raw=mutated_file(VALID))
def test_edited_llmhub_yaml_loads_or_is_a_config_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_bytes(raw)
    try:
        config = load_runtime_config(path)
    except Exception as error:
        _assert_clean(error, path)
    else:
        assert isinstance(config, RuntimeConfig)
