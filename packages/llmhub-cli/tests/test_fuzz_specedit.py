"""Fuzzing the spec editor (``add-role`` / ``edit-role`` / ``rm-role``) through the real CLI.

Hypothesis builds specs that are odd but possible (anchors and aliases, merge keys, flow and block
styles, roles that are lists or scalars, comments, tabs, BOMs, other encodings, truncated text)
and random edit commands. Whatever happens, the command must end with exit 0, 1 or 2 and one
clean message: never a traceback or an "internal error" (an exception outside the error tree),
and a command that fails leaves the file byte for byte as it was. A command that succeeds leaves
a file that is still a valid spec.
"""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from llmhub_cli.main import app

BASE = """\
# a hand-written spec
project: demo
env: dev
providers:
  openai: {env_key: OPENAI_API_KEY}   # hosted
  anthropic:
    env_key: ANTHROPIC_API_KEY
roles:
  llm.inference:
    kind: chat
    description: Answers questions.
    preferences: {quality: high, providers: [openai]}
    requires:
      tools: true
    mode_params: {temperature: 0.2}
    force: {provider: openai, model: gpt-4.1}
  llm.embedding:
    kind: embedding
    description: Embeds.
"""

#: Replacements for the ``roles:`` section: shapes a person (or a bad merge) can produce.
ROLE_SECTIONS = [
    "roles: []",
    "roles: 3",
    "roles: ~",
    "roles: {}",
    "roles:\n  llm.inference: []",
    "roles:\n  llm.inference: plain text",
    "roles:\n  llm.inference:",
    "roles: &r\n  llm.inference: {kind: chat, description: d}\n  llm.other: *r",
    "roles:\n  llm.inference: &a {kind: chat, description: d, preferences: {quality: high}}\n  llm.b: *a",
    "roles:\n  <<: {llm.inference: {kind: chat, description: d}}",
    "roles:\n  llm.inference:\n    <<: {kind: chat}\n    description: d",
    "roles:\n  llm.inference: {kind: chat, description: d, preferences: [a, b]}",
    "roles:\n  llm.inference: {kind: chat, description: d, preferences: {providers: 3}}",
    "roles:\n  llm.inference: {kind: chat, description: d, mode_params: [1, 2]}",
    "roles:\n  llm.inference: {kind: chat, description: d, requires: text}",
    "roles:\n  llm.inference: {kind: chat, description: d, force: 3}",
    "roles:\n  llm.inference: {kind: chat, description: d, force: {provider: 1}}",
    "roles:\n  1: {kind: chat, description: d}\n  llm.inference: {kind: chat, description: d}",
    "roles:\n  ? [a, b]\n  : {kind: chat}",
    "roles:\n  null: {kind: chat}",
    "roles: !!set {a, b}",
    "roles:\n  llm.inference: !!binary aGVsbG8=",
    "roles:\n  llm.inference: {kind: chat, description: !custom d}",
    "roles: &x {a: *x}",
    "roles:\n- llm.inference",
    "roles:\n  llm.inference:\n      kind: chat\n      description: d\n      preferences:\n          - a",
    "roles:\n  llm.inference:\n    kind: chat\n    description: |\n      multi\n      line\n",
    "roles: {llm.inference: {kind: chat, description: d}, llm.embedding: {kind: embedding, description: e}}",
    "roles:\n  llm.inference: {kind: chat, description: d}\n  llm.inference: {kind: chat, description: e}",
    "roles:\n\tllm.inference: {kind: chat}",
    "roles:\n  llm.inference: {kind: chat, description: '" + "x" * 5000 + "'}",
    "roles:\n  llm.inference: {kind: chat, description: d, x-notes: " + "[" * 80 + "]" * 80 + "}",
]

NAMES = ["llm.inference", "llm.embedding", "llm.b", "llm.other", "1", "x.y"]
VALUES = ["0.5", "true", "[a, b", "{b: [1", "'", "null", "- a", "*a", "&a b", "!!python/none ''", "1e999", ""]
PATHS = [
    "preferences.quality",
    "preferences",
    "mode_params.temperature",
    "a.b.c",
    "",
    ".",
    "..",
    "force.model",
]


def _command(name: str) -> st.SearchStrategy[list[str]]:
    value = st.sampled_from(VALUES)
    return st.one_of(
        st.tuples(st.sampled_from(["temperature", "a", "", "x-y"]), value).map(
            lambda kv: ["edit-role", name, "--param", f"{kv[0]}={kv[1]}"]
        ),
        st.sampled_from(PATHS).map(lambda p: ["edit-role", name, "--unset", p]),
        st.sampled_from(NAMES).map(lambda new: ["edit-role", name, "--rename", new]),
        st.sampled_from(["openai:gpt-4.1", "nobody:x", ":x"]).map(
            lambda pin: ["edit-role", name, "--pin", pin]
        ),
        st.just(["edit-role", name, "--unpin", "--quality", "low", "--prefer", "anthropic"]),
        value.map(lambda v: ["edit-role", name, "--require", f"context_min={v}"]),
        value.map(lambda v: ["edit-role", name, "--require", f"modalities_in={v}", "--description", v]),
        st.just(["add-role", name, "--kind", "embedding", "--description", "new"]),
        value.map(lambda v: ["add-role", name, "--param", f"t={v}"]),
        st.just(["rm-role", name, "--yes"]),
        st.just(["roles", "--format", "json"]),
    )


commands = st.sampled_from(NAMES).flatmap(_command)


@st.composite
def spec_bytes(draw: st.DrawFn) -> bytes:
    text = BASE
    if draw(st.booleans()):
        section = draw(st.sampled_from(ROLE_SECTIONS))
        text = text[: text.index("roles:")] + section + "\n"
    if draw(st.integers(0, 3)) == 0:  # cut, duplicate or insert at a random point
        at = draw(st.integers(0, len(text)))
        piece = draw(
            st.sampled_from(["", ":", "- ", "\t", "&a ", "*a", "{", "'", "\n  ", "\ufeff", "#", "!!int "])
        )
        end = at + draw(st.integers(0, 8))
        text = text[:at] + piece + text[end:]
    encoding = draw(st.sampled_from(["utf-8"] * 6 + ["utf-8-sig", "utf-16", "latin-1"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8")


@settings(
    max_examples=int(os.environ.get("LLMHUB_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(raw=spec_bytes(), steps=st.lists(commands, min_size=1, max_size=3))
def test_spec_editor_fails_only_with_clean_messages(
    tmp_path: Path, raw: bytes, steps: list[list[str]]
) -> None:
    spec = tmp_path / "llmhub.spec.yaml"
    spec.write_bytes(raw)
    for args in steps:
        before = spec.read_bytes()
        result = CliRunner().invoke(app, ["--root", str(tmp_path), *args], prog_name="llmhub")
        output = result.output
        shown = f"{args} on {before[:300]!r}:\n{output[-600:]}"
        assert result.exit_code in (0, 1, 2), shown
        assert result.exception is None or isinstance(result.exception, SystemExit), shown
        assert "internal error" not in output, shown
        assert "Traceback" not in output, shown
        if result.exit_code != 0:
            assert spec.read_bytes() == before, shown
            assert output.strip(), shown
        elif args[0] == "roles":
            json.loads(result.stdout)
        else:
            _assert_still_valid(spec)


def _assert_still_valid(spec: Path) -> None:
    from llmhub_generator.spec import load_spec

    load_spec(spec)  # a successful edit never leaves an invalid spec behind
    raw = spec.read_bytes()
    assert not raw.startswith(codecs.BOM_UTF16_LE) or raw.decode("utf-16")  # encoding kept or UTF-8
