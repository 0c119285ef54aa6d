"""Fuzzing the spec parser: random edits of a valid llmhub.spec.yaml in random encodings, read from
disk, and random spec-shaped data. The outcome is a spec or a ``SpecError`` naming the file; any
other exception fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmhub_generator.errors import SpecError
from llmhub_generator.spec import LoadedSpec, load_spec, parse_spec
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
  openai: {env_key: OPENAI_API_KEY}
  anthropic:
    env_key: ANTHROPIC_API_KEY
    enabled: true
roles:
  llm.inference:
    kind: chat
    description: Answers questions; must be reliable.
    preferences: {quality: high, cost: medium, providers: [anthropic, openai]}
    requires: {tools: true, context_min: 64000, modalities_in: [text]}
    force: {provider: openai, model: gpt-4.1}
    mode_params: {temperature: 0.7}
    fallbacks: 2
    x-notes: kept
  llm.embedding:
    kind: embedding
    description: Embeds.
defaults: {providers: [openai], preferences: {latency: medium}}
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
    assert isinstance(error, SpecError)
    message = str(error)
    assert message.startswith(str(path)), message
    for leak in ("Traceback", "pydantic", "ruamel", "<unicode string>", "CommentedMap"):
        assert leak not in message, message


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(), st.text(max_size=10),
    st.sampled_from(["chat", "embedding", "low", "high", "openai", "anthropic", "gpt-4.1", "x-a"]),
)  # fmt: skip
NESTED = st.recursive(
    SCALARS,
    lambda c: st.one_of(
        st.lists(c, max_size=3),
        st.dictionaries(st.sampled_from(["kind", "description", "preferences", "requires", "force",
                                         "mode_params", "fallbacks", "quality", "providers", "model",
                                         "provider", "allow", "deny", "x-n", "zzz"]), c, max_size=4),
    ),
    max_leaves=15,
)  # fmt: skip


def test_the_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.spec.yaml"
    path.write_text(VALID)
    assert set(load_spec(path).spec.roles) == {"llm.inference", "llm.embedding"}


@SETTINGS
@given(raw=mutated_file(VALID))
def test_edited_spec_loads_or_is_a_spec_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "llmhub.spec.yaml"
    path.write_bytes(raw)
    try:
        loaded = load_spec(path)
    except Exception as error:
        _assert_clean(error, path)
    else:
        assert isinstance(loaded, LoadedSpec)


@SETTINGS
@given(roles=st.dictionaries(st.text(max_size=8), NESTED, max_size=3), providers=NESTED)
def test_spec_shaped_data_is_a_spec_or_a_spec_error(roles: dict[str, object], providers: object) -> None:
    data = {"project": "p", "providers": providers, "roles": roles}
    outcome: object
    try:
        outcome = parse_spec(data, source="data.yaml")
    except Exception as error:
        outcome = error
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, SpecError), f"{type(outcome).__name__}: {outcome}"
        assert str(outcome).startswith("data.yaml")
