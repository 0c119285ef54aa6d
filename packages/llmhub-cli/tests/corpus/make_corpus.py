"""Write the bad-input corpus: one file per case under <kind>/, and <kind>/expect.toml.

Run from anywhere: ``python packages/llmhub-cli/tests/corpus/make_corpus.py``. The files it writes
are committed (change a case here and rerun, not by hand); ``test_corpus.py`` checks that every
file has an expectation and every expectation a file.

Each case is a mutation of a valid file whose position the script knows, so the expected line
and field come from here, not from running llmhub. Expectations (``expect.toml``)::

    [case_name]
    exit = 1                 # exit code of the commands that read the file (0: accepted)
    line = 12                # the line the message must name (omitted: no line applies)
    field = "roles.a.kind"   # the field path the message must name (omitted: none applies)
    text = "is not one of"   # a fragment of the message

File-system situations (``fs/cases.toml``) cannot be files in git (pipes, links, huge files,
directories in place of files): they are described there and built by the test.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

# --------------------------------------------------------------------------- specs

SPEC = """\
project: corpus
env: dev
providers:
  openai:
    env_key: OPENAI_API_KEY
  anthropic:
    env_key: ANTHROPIC_API_KEY
roles:
  llm.inference:
    kind: chat
    description: Answers user questions.
    preferences:
      quality: high
      cost: medium
      providers: [openai, anthropic]
    requires:
      tools: true
      context_min: 32000
    mode_params:
      temperature: 0.2
    fallbacks: 2
  llm.embedding:
    kind: embedding
    description: Embeds documents.
defaults:
  providers: [openai]
"""

RUNTIME = """\
project: corpus
env: dev
providers:
  openai:
    env_key: OPENAI_API_KEY
  anthropic:
    env_key: ANTHROPIC_API_KEY
roles:
  llm.inference:
    provider: openai
    model: gpt-4.1
    mode: chat
    params:
      temperature: 0.2
    fallbacks:
      - provider: anthropic
        model: claude-sonnet-4-5
  llm.embedding:
    provider: openai
    model: text-embedding-3-small
    mode: embedding
defaults:
  provider: openai
  model: gpt-4.1-mini
  mode: chat
"""

REGISTRY = """\
models:
  my-chat:
    base_model: smollm2-135m-instruct
    model_type: instruct
    port: 10500
    params:
      context_length: 2048
  my-embedder:
    base_model: all-minilm-l6-v2
    model_type: embedding
"""


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line that contains ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise ValueError(f"{needle!r} not in the text")


def replace_line(text: str, needle: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    index = line_of(text, needle) - 1
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines[index] = indent + new + "\n"
    return "".join(lines)


def insert_after(text: str, needle: str, new: str) -> str:
    lines = text.splitlines(keepends=True)
    index = line_of(text, needle)
    lines.insert(index, new + "\n")
    return "".join(lines)


Case = dict[str, Any]


def case(content: str | bytes, exit: int = 1, **expect: Any) -> Case:
    return {"content": content, "exit": exit, **expect}


def value_cases(
    base: str, targets: list[tuple[str, str, str, list[tuple[str, str, str]]]]
) -> dict[str, Case]:
    """Cases replacing the value on the line holding ``needle`` (``key: value``) by each bad value.

    ``targets``: (short name, needle, field path, [(suffix, bad value, message fragment)]).
    """
    out: dict[str, Case] = {}
    for short, needle, field, bads in targets:
        key = needle.split(":")[0].strip()
        for suffix, bad, text in bads:
            content = replace_line(base, needle, f"{key}: {bad}")
            out[f"{short}_{suffix}"] = case(content, line=line_of(base, needle), field=field, text=text)
    return out


SYNTAX: list[tuple[str, str, str]] = [
    # (name, line appended after the needle line, message fragment)
    ("unclosed_flow_sequence", "bad: [a, b", "invalid YAML"),
    ("unclosed_flow_mapping", "bad: {a: 1", "invalid YAML"),
    ("unclosed_double_quote", 'bad: "abc', "invalid YAML"),
    ("unclosed_single_quote", "bad: 'abc", "invalid YAML"),
    ("tab_indent", "\tbad: 1", "invalid YAML"),
    ("stray_colon_value", "bad: a: b", "invalid YAML"),
    ("undefined_alias", "bad: *nowhere", "invalid YAML"),
    ("bad_anchor_char", "bad: &", "invalid YAML"),
    ("block_scalar_bad_indicator", "bad: |x", "invalid YAML"),
    ("second_document", "---\nproject: other", "invalid YAML"),
    ("bad_directive", "%FOO bar", "invalid YAML"),
    ("control_character", "bad: a\x07b", "unacceptable character"),
    ("reserved_indicator", "bad: @at", "invalid YAML"),
    ("backtick", "bad: `cmd`", "invalid YAML"),
    ("sequence_in_mapping", "- item", "invalid YAML"),
]

TAGS: list[tuple[str, str, str]] = [
    ("tag_python_object", "x-bad: !!python/object:os.system {}", "YAML tag !!python/object:os.system"),
    ("tag_python_name", "x-bad: !!python/name:os.system", "is not supported"),
    ("tag_python_apply", "x-bad: !!python/object/apply:os.system [echo]", "is not supported"),
    ("tag_binary", "x-bad: !!binary aGVsbG8=", "YAML tag !!binary is not supported"),
    ("tag_set", "x-bad: !!set {a, b}", "YAML tag !!set is not supported"),
    ("tag_omap", "x-bad: !!omap [a: 1]", "YAML tag !!omap is not supported"),
    ("tag_custom", "x-bad: !include other.yaml", "YAML tag !include is not supported"),
    ("tag_int_bad", "x-bad: !!int three", "is not a valid !!int"),
    ("tag_float_bad", "x-bad: !!float abc", "is not a valid !!float"),
    ("tag_bool_bad", "x-bad: !!bool maybe", "is not a valid !!bool"),
]


def document_cases(base: str, top_keys: str) -> dict[str, Case]:
    """Cases about the document as a whole: syntax, encodings, tags, aliases, limits, shape."""
    out: dict[str, Case] = {}
    after = base.splitlines()[3]  # a line inside the providers section
    for name, line, text in SYNTAX:
        content = insert_after(base, after, line) if not line.startswith(("---", "%")) else base + line + "\n"
        if line.startswith("%"):
            content = line + "\n" + base
        if name == "second_document":
            out[name] = case(content, text="expected a single document")
            continue
        out[name] = case(content, text=text)
    for name, line, text in TAGS:
        content = base + line + "\n"
        out[name] = case(content, line=base.count("\n") + 1, field="x-bad", text=text)
    out["empty_file"] = case("", text="the file is empty")
    out["only_comments"] = case("# nothing\n# here\n", text="the file is empty")
    out["only_whitespace"] = case("   \n\n  \n", text="the file is empty")
    out["top_level_list"] = case("- project\n- env\n", line=1, text="expected a mapping at the top level")
    out["top_level_scalar"] = case("just a string\n", line=1, text="expected a mapping at the top level")
    out["top_level_number"] = case("42\n", line=1, text="expected a mapping at the top level")
    out["top_level_null"] = case("~\n", text="the file is empty")
    first_key = base.split(":", 1)[0]
    out["duplicate_top_key"] = case(base + f"{first_key}: again\n", text="duplicate key")
    out["binary_garbage"] = case(bytes(range(256)) * 4, text="not valid UTF-8")
    second = base.splitlines()[1]
    out["latin1"] = case(
        base.replace(second, second + " # caf\u00e9", 1).encode("latin-1"), line=2, text="not valid UTF-8"
    )
    out["cp1252_quote"] = case(
        base.replace(second, second + " # \u201cquoted\u201d", 1).encode("cp1252"),
        line=2,
        text="not valid UTF-8",
    )
    out["utf16_no_bom"] = case(base.encode("utf-16-le"), line=1, text="without a byte order mark")
    out["utf32_no_bom"] = case(base.encode("utf-32-be"), line=1, text="without a byte order mark")
    out["nul_byte_mid"] = case(base.replace(second, second + " # \x00", 1), line=2, text="NUL characters")
    out["bom_utf16_lying"] = case(codecs.BOM_UTF16_LE + b"\x00\xd8abc", text="byte order mark")
    out["bom_then_garbage"] = case(codecs.BOM_UTF8 + b"project: \xff\xfe\n", line=1, text="not valid UTF-8")
    deep = "x-deep:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 80))
    out["deep_block_nesting"] = case(base + deep, text="nesting is too deep")
    out["deep_flow_nesting"] = case(
        base + "x-deep: " + "[" * 5000 + "]" * 5000 + "\n", text="nesting is too deep"
    )
    out["deep_flow_mapping"] = case(
        base + "x-deep: " + "{a: " * 300 + "1" + "}" * 300 + "\n", text="nesting is too deep"
    )
    bomb = ["x-lol:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    previous = "a"
    for name in "bcdefghi":
        bomb.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
        previous = name
    bomb_text = "\n".join(bomb) + "\n"
    out["alias_bomb_billion_laughs"] = case(
        bomb_text + base, line=1, field="x-lol", text="YAML aliases expand this document"
    )
    wide = "x-wide: &w [" + ", ".join(["x"] * 400) + "]\n" + "x-uses: [" + ", ".join(["*w"] * 400) + "]\n"
    out["alias_bomb_wide"] = case(base + wide, text="YAML aliases expand this document")
    out["recursive_alias_mapping"] = case(base + "x-loop: &l {self: *l}\n", text="recursive YAML alias")
    out["recursive_alias_list"] = case(base + "x-loop: &l [*l]\n", text="recursive YAML alias")
    out["complex_key"] = case(base + "? [a, b]\n: value\n", text="")
    out["merge_of_scalar"] = case(base + "x-m:\n  <<: 3\n", text="invalid YAML")
    out["unknown_top_key"] = case(
        base + "projcet: typo\n", line=base.count("\n") + 1, field="projcet", text="unknown key 'projcet'"
    )
    out["unknown_top_key_far"] = case(
        base + "zzz: 1\n", line=base.count("\n") + 1, field="zzz", text="unknown key 'zzz' (allowed"
    )
    for key in top_keys.split(","):
        out[f"missing_{key}"] = case(
            "\n".join(line for line in _without_block(base, key).splitlines()) + "\n",
            field=key,
            text=f"required field {key!r} is missing",
        )
    return out


def _without_block(text: str, key: str) -> str:
    """``text`` without the top-level ``key`` and its indented block."""
    lines = text.splitlines()
    out: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith(f"{key}:"):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out) + "\n"


def spec_cases() -> dict[str, Case]:
    base = SPEC
    out = document_cases(base, "project,providers,roles")
    out.pop("missing_roles")  # a spec without roles is valid (init writes one); see no_roles below
    out.update(
        value_cases(
            base,
            [
                (
                    "kind",
                    "kind: chat",
                    "roles.llm.inference.kind",
                    [
                        ("unknown", "chatt", "is not one of"),
                        ("number", "3", "is not one of"),
                        ("list", "[chat]", "is not one of"),
                        ("mapping", "{a: b}", "is not one of"),
                    ],
                ),
                (
                    "description",
                    "description: Answers",
                    "roles.llm.inference.description",
                    [
                        ("list", "[a, b]", "expected a string"),
                        ("mapping", "{a: b}", "expected a string"),
                        ("number", "12", "expected a string"),
                    ],
                ),
                (
                    "quality",
                    "quality: high",
                    "roles.llm.inference.preferences.quality",
                    [
                        ("unknown", "highest", "is not one of low, medium, high"),
                        ("number", "5", "is not one of"),
                        ("bool", "true", "is not one of"),
                    ],
                ),
                (
                    "cost",
                    "cost: medium",
                    "roles.llm.inference.preferences.cost",
                    [
                        ("unknown", "cheap", "is not one of"),
                        ("list", "[low]", "is not one of"),
                    ],
                ),
                (
                    "pref_providers",
                    "providers: [openai, anthropic]",
                    "roles.llm.inference.preferences.providers",
                    [
                        ("string", "openai", "expected a list"),
                        ("number", "3", "expected a list"),
                    ],
                ),
                (
                    "tools",
                    "tools: true",
                    "roles.llm.inference.requires.tools",
                    [
                        ("word", "sometimes", "expected true or false"),
                        ("list", "[true]", "expected true or false"),
                    ],
                ),
                (
                    "context_min",
                    "context_min: 32000",
                    "roles.llm.inference.requires.context_min",
                    [
                        ("text", "lots", "expected an integer"),
                        ("negative", "-5", "must be at least 0"),
                        ("float", "1.5", "expected an integer"),
                        ("unit", "32k", "expected an integer"),
                    ],
                ),
                (
                    "fallbacks",
                    "fallbacks: 2",
                    "roles.llm.inference.fallbacks",
                    [
                        ("negative", "-1", "must be at least 0"),
                        ("too_many", "50", "must be at most 10"),
                        ("text", "two", "expected an integer"),
                        ("list", "[a]", "expected an integer"),
                    ],
                ),
                (
                    "mode_params",
                    "mode_params:",
                    "roles.llm.inference.mode_params",
                    [
                        ("list", "[1, 2]", "expected a mapping"),
                    ],
                ),
                (
                    "project",
                    "project: corpus",
                    "project",
                    [
                        ("empty", "''", "must not be empty"),
                        ("list", "[a]", "expected a string"),
                        ("null", "~", "expected a string"),
                    ],
                ),
                ("env", "env: dev", "env", [("list", "[dev]", "expected a string")]),
                (
                    "env_key",
                    "env_key: OPENAI_API_KEY",
                    "providers.openai.env_key",
                    [
                        ("lowercase", "openai-key", ""),
                        ("secret", "sk-proj-abcdefghijklmnopqrstuvwxyz012345", ""),
                        ("list", "[A]", "expected a string"),
                    ],
                ),
            ],
        )
    )
    # Drop the value cases whose child lines would now be orphans (mode_params had a block).
    content = out["mode_params_list"]["content"]
    out["mode_params_list"]["content"] = content.replace("\n      temperature: 0.2", "")
    nested: list[tuple[str, str, str, str, str]] = [
        # (name, needle, inserted line, field, text)
        ("unknown_role_key", "kind: chat", "kindd: chat", "roles.llm.inference.kindd", "unknown key 'kindd'"),
        (
            "unknown_pref_key",
            "quality: high",
            "qualty: low",
            "roles.llm.inference.preferences.qualty",
            "did you mean",
        ),
        (
            "unknown_requires_key",
            "tools: true",
            "tool: true",
            "roles.llm.inference.requires.tool",
            "unknown key",
        ),
        (
            "unknown_provider_key",
            "env_key: OPENAI_API_KEY",
            "api_kye: x",
            "providers.openai.api_kye",
            "unknown key",
        ),
        ("api_key_in_spec", "env_key: OPENAI_API_KEY", "api_key: sk-secret", "providers.openai.api_key", ""),
        (
            "force_missing_model",
            "fallbacks: 2",
            "force: {provider: openai}",
            "roles.llm.inference.force.model",
            "required field 'model' is missing",
        ),
        (
            "force_unlisted_provider",
            "fallbacks: 2",
            "force: {provider: mistral, model: m}",
            "roles.llm.inference.force.provider",
            "not listed under providers",
        ),
        (
            "force_is_string",
            "fallbacks: 2",
            "force: openai/gpt-4.1",
            "roles.llm.inference.force",
            "expected a mapping",
        ),
        ("allow_not_list", "fallbacks: 2", "allow: openai/*", "roles.llm.inference.allow", "expected a list"),
        (
            "deny_unlisted_provider",
            "fallbacks: 2",
            "deny: [mistral/*]",
            "roles.llm.inference.deny[0]",
            "not listed under providers",
        ),
        (
            "reserved_param_model",
            "temperature: 0.2",
            "model: gpt-4",
            "roles.llm.inference.mode_params.model",
            "does not belong here",
        ),
        (
            "modality_unknown",
            "tools: true",
            "modalities_in: [smell]",
            "roles.llm.inference.requires.modalities_in[0]",
            "",
        ),
        ("duplicate_role_key", "kind: chat", "kind: embedding", "", "duplicate key"),
    ]
    for name, needle, line, field, text in nested:
        content = insert_after(base, needle, " " * _indent(base, needle) + line)
        expect: dict[str, Any] = {"line": line_of(base, needle) + 1, "text": text}
        if field:
            expect["field"] = field
        out[name] = case(content, **expect)
    out["role_is_list"] = case(
        base.replace(
            "  llm.embedding:\n    kind: embedding\n    description: Embeds documents.\n",
            "  llm.embedding: [kind, embedding]\n",
        ),
        line=line_of(base, "llm.embedding:"),
        field="roles.llm.embedding",
        text="expected a mapping",
    )
    out["role_is_string"] = case(
        base.replace(
            "  llm.embedding:\n    kind: embedding\n    description: Embeds documents.\n",
            "  llm.embedding: embedding\n",
        ),
        line=line_of(base, "llm.embedding:"),
        field="roles.llm.embedding",
        text="expected a mapping",
    )
    out["roles_is_list"] = case(
        base[: base.index("roles:")] + "roles:\n  - llm.inference\n" + base[base.index("defaults:") :],
        line=line_of(base, "roles:"),
        field="roles",
        text="expected a mapping",
    )
    out["providers_is_list"] = case(
        base.replace(
            "providers:\n  openai:\n    env_key: OPENAI_API_KEY\n  anthropic:\n    env_key: "
            "ANTHROPIC_API_KEY\n",
            "providers: [openai, anthropic]\n",
        ),
        line=3,
        field="providers",
        text="expected a mapping",
    )
    out["unknown_provider_id"] = case(
        base.replace(
            "  anthropic:\n    env_key: ANTHROPIC_API_KEY\n", "  anthropik:\n    env_key: X_KEY\n"
        ).replace("providers: [openai, anthropic]", "providers: [openai]"),
        line=6,
        field="providers.anthropik",
        text="not a provider id known to any-llm",
    )
    out["unlisted_preferred_provider"] = case(
        base.replace("providers: [openai, anthropic]", "providers: [openai, mistral]"),
        line=line_of(base, "providers: [openai, anthropic]"),
        field="roles.llm.inference.preferences.providers[1]",
        text="not listed under providers",
    )
    out["defaults_unlisted_provider"] = case(
        base.replace("  providers: [openai]\n", "  providers: [groq]\n"),
        line=base.count("\n"),
        field="defaults.providers[0]",
        text="not listed under providers",
    )
    out["no_enabled_provider"] = case(
        base.replace(
            "    env_key: OPENAI_API_KEY\n", "    env_key: OPENAI_API_KEY\n    enabled: false\n"
        ).replace("    env_key: ANTHROPIC_API_KEY\n", "    env_key: ANTHROPIC_API_KEY\n    enabled: false\n"),
        field="providers",
        text="no enabled provider",
    )
    out["enabled_is_word"] = case(
        base.replace("    env_key: OPENAI_API_KEY\n", "    env_key: OPENAI_API_KEY\n    enabled: perhaps\n"),
        line=6,
        field="providers.openai.enabled",
        text="expected true or false",
    )
    out["role_name_number"] = case(
        base.replace("  llm.embedding:", "  42:"), line=line_of(base, "llm.embedding:"), text=""
    )
    out["role_name_bool"] = case(base.replace("  llm.embedding:", "  true:"), text="")
    out["role_name_null"] = case(base.replace("  llm.embedding:", "  ~:"), text="")
    return out


def _indent(text: str, needle: str) -> int:
    line = text.splitlines()[line_of(text, needle) - 1]
    return len(line) - len(line.lstrip())


def runtime_cases() -> dict[str, Case]:
    base = RUNTIME
    out = document_cases(base, "project,env,providers,roles")
    out.update(
        value_cases(
            base,
            [
                (
                    "mode",
                    "mode: chat",
                    "roles.llm.inference.mode",
                    [
                        ("unknown", "chatt", "is not one of chat, embedding"),
                        ("number", "1", "is not one of"),
                        ("list", "[chat]", "is not one of"),
                    ],
                ),
                (
                    "model",
                    "model: gpt-4.1",
                    "roles.llm.inference.model",
                    [
                        ("empty", "''", "must not be empty"),
                        ("list", "[gpt]", "expected a string"),
                        ("mapping", "{name: gpt}", "expected a string"),
                    ],
                ),
                (
                    "provider",
                    "provider: openai",
                    "roles.llm.inference.provider",
                    [
                        ("unlisted", "mistral", "not listed under providers"),
                        ("empty", "''", "must not be empty"),
                        ("number", "7", "expected a string"),
                    ],
                ),
                (
                    "params",
                    "params:",
                    "roles.llm.inference.params",
                    [
                        ("list", "[1, 2]", "expected a mapping"),
                        ("string", "hot", "expected a mapping"),
                    ],
                ),
                (
                    "fallbacks",
                    "fallbacks:",
                    "roles.llm.inference.fallbacks",
                    [
                        ("string", "anthropic", "expected a list"),
                        ("mapping", "{provider: anthropic}", "expected a list"),
                    ],
                ),
                (
                    "env_key",
                    "env_key: OPENAI_API_KEY",
                    "providers.openai.env_key",
                    [
                        ("lowercase_dash", "openai-key", ""),
                        ("secret_value", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789", ""),
                        ("list", "[A, B]", "expected a string"),
                    ],
                ),
            ],
        )
    )
    for name in ("params_list", "params_string"):  # drop the orphaned child line
        out[name]["content"] = out[name]["content"].replace("\n      temperature: 0.2", "")
    for name in ("fallbacks_string", "fallbacks_mapping"):
        out[name]["content"] = out[name]["content"].replace(
            "\n      - provider: anthropic\n        model: claude-sonnet-4-5", ""
        )
    nested: list[tuple[str, str, str, str, str]] = [
        ("unknown_role_key_modle", "model: gpt-4.1", "modle: x", "roles.llm.inference.modle", "unknown key"),
        (
            "unknown_provider_key",
            "env_key: OPENAI_API_KEY",
            "api_bse: x",
            "providers.openai.api_bse",
            "unknown key",
        ),
        (
            "api_key_in_params",
            "temperature: 0.2",
            "api_key: sk-secret",
            "roles.llm.inference.params",
            "API keys do not belong in llmhub.yaml",
        ),
        ("stream_in_params", "temperature: 0.2", "stream: true", "roles.llm.inference.params", ""),
        (
            "api_base_not_url",
            "env_key: OPENAI_API_KEY",
            "api_base: not a url",
            "providers.openai.api_base",
            "",
        ),
        ("timeout_negative", "env_key: OPENAI_API_KEY", "timeout: -3", "providers.openai.timeout", ""),
        ("timeout_unit", "env_key: OPENAI_API_KEY", "timeout: 30s", "providers.openai.timeout", ""),
        (
            "max_retries_text",
            "env_key: OPENAI_API_KEY",
            "max_retries: many",
            "providers.openai.max_retries",
            "",
        ),
        (
            "fallback_unknown_key",
            "model: claude-sonnet-4-5",
            "paramz: {}",
            "roles.llm.inference.fallbacks[0].paramz",
            "unknown key",
        ),
        ("duplicate_role_key", "mode: chat", "mode: embedding", "", "duplicate key"),
    ]
    for name, needle, line, field, text in nested:
        content = insert_after(base, needle, " " * _indent(base, needle) + line)
        expect = {"line": line_of(base, needle) + 1, "text": text}
        if field:
            expect["field"] = field
        if name in ("api_key_in_params", "stream_in_params"):  # reported on the params mapping
            expect["line"] = line_of(base, "params:")
        out[name] = case(content, **expect)
    # env check and roles do not ask any-llm about provider ids (they stay fast); show and the API do.
    unknown_skip = ["env check", "roles"]
    out["unknown_anyllm_provider"] = case(
        base.replace(
            "  anthropic:\n    env_key: ANTHROPIC_API_KEY\n", "  google:\n    env_key: GEMINI_API_KEY\n"
        ).replace("provider: anthropic", "provider: google"),
        line=6,
        field="providers.google",
        text="any-llm calls it 'gemini'",
        skip=unknown_skip,
    )
    out["unknown_anyllm_provider_typo"] = case(
        base.replace("  anthropic:\n", "  antropic:\n").replace("provider: anthropic", "provider: antropic"),
        line=6,
        field="providers.antropic",
        text="did you mean 'anthropic'",
        skip=unknown_skip,
    )
    out["fallback_unlisted_provider"] = case(
        base.replace("      - provider: anthropic", "      - provider: groq"),
        line=line_of(base, "- provider: anthropic"),
        field="roles.llm.inference.fallbacks[0].provider",
        text="not listed under providers",
    )
    out["defaults_unlisted_provider"] = case(
        base.replace("  provider: openai\n  model: gpt-4.1-mini", "  provider: groq\n  model: gpt-4.1-mini"),
        line=line_of(base, "model: gpt-4.1-mini") - 1,
        field="defaults.provider",
        text="not listed under providers",
    )
    out["role_is_null"] = case(
        base.replace(
            "  llm.embedding:\n    provider: openai\n    model: text-embedding-3-small\n"
            "    mode: embedding\n",
            "  llm.embedding:\n",
        ),
        line=line_of(base, "llm.embedding:"),
        field="roles.llm.embedding",
        text="expected a mapping",
    )
    out["fallback_is_string"] = case(
        base.replace(
            "      - provider: anthropic\n        model: claude-sonnet-4-5", "      - anthropic/claude"
        ),
        line=line_of(base, "- provider: anthropic"),
        field="roles.llm.inference.fallbacks[0]",
        text="expected a mapping",
    )
    bomb = ["    params: &p0 {a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}"]
    out["alias_bomb_in_params"] = case(
        "x-b: &b ["
        + ", ".join(["x"] * 10)
        + "]\n"
        + "".join(
            f"x-b{i}: &b{i} [" + ", ".join([f"*b{i - 1}" if i > 1 else "*b"] * 10) + "]\n"
            for i in range(1, 7)
        )
        + base.replace("      temperature: 0.2", "      temperature: 0.2\n      junk: *b6"),
        text="YAML aliases expand this document",
    )
    del bomb
    return out


def registry_cases() -> dict[str, Case]:
    base = REGISTRY
    out = document_cases(base, "models")
    for name in list(out):
        if name.startswith(("missing_", "unknown_top_key")):
            del out[name]
    out.update(
        value_cases(
            base,
            [
                (
                    "model_type",
                    "model_type: instruct",
                    "models.my-chat.model_type",
                    [
                        ("unknown", "chatty", ""),
                        ("number", "3", ""),
                    ],
                ),
                (
                    "port",
                    "port: 10500",
                    "models.my-chat.port",
                    [
                        ("zero", "0", "must be at least 1"),
                        ("too_big", "70000", "must be at most 65535"),
                        ("text", "http", "expected an integer"),
                        ("list", "[1]", "expected an integer"),
                    ],
                ),
                (
                    "base_model",
                    "base_model: smollm2",
                    "models.my-chat.base_model",
                    [
                        ("empty", "''", "must not be empty"),
                        ("list", "[a]", "expected a string"),
                    ],
                ),
                (
                    "params",
                    "params:",
                    "models.my-chat.params",
                    [
                        ("list", "[1]", "expected a mapping"),
                    ],
                ),
            ],
        )
    )
    out["params_list"]["content"] = out["params_list"]["content"].replace("\n      context_length: 2048", "")
    nested: list[tuple[str, str, str, str, str]] = [
        ("unknown_entry_key", "port: 10500", "prot: 1", "models.my-chat.prot", "unknown key"),
        ("bad_backend", "port: 10500", "backend: tensorrt", "models.my-chat.backend", ""),
        ("bad_env_key_path", "port: 10500", "env_key: ../../etc", "models.my-chat.env_key", ""),
        ("bad_env_key_abs", "port: 10500", "env_key: /tmp/x", "models.my-chat.env_key", ""),
        ("adapter_dir", "port: 10500", "adapter_dir: /tmp/adapter", "models.my-chat.adapter_dir", "adapters"),
        ("use_4bit_gguf", "port: 10500", "use_4bit: true", "models.my-chat.use_4bit", ""),
        (
            "use_4bit_word",
            "port: 10500",
            "use_4bit: sure",
            "models.my-chat.use_4bit",
            "expected true or false",
        ),
        ("bad_param_name", "context_length: 2048", "contxt_length: 1", "models.my-chat.params", ""),
        ("bad_param_value", "context_length: 2048", "threads: many", "models.my-chat.params", ""),
    ]
    for name, needle, line, field, text in nested:
        content = insert_after(base, needle, " " * _indent(base, needle) + line)
        expect: dict[str, Any] = {"text": text, "field": field}
        if field.count(".") == 2 and not field.endswith(".params"):
            expect["line"] = line_of(base, needle) + 1
        out[name] = case(content, **expect)
    out["model_id_bad_chars"] = case(
        base.replace("my-embedder:", "my embedder!:"),
        text="a model id must be",
        line=line_of(base, "my-embedder:"),
    )
    out["model_id_too_long"] = case(base.replace("my-embedder:", "m" * 80 + ":"), text="a model id must be")
    out["models_is_list"] = case("models:\n  - my-chat\n", line=1, field="models", text="expected a mapping")
    out["entry_is_string"] = case(
        "models:\n  my-chat: smollm2\n", line=2, field="models.my-chat", text="expected a mapping"
    )
    out["entry_missing_base"] = case(
        "models:\n  my-chat:\n    port: 10500\n",
        field="models.my-chat.base_model",
        text="required field 'base_model' is missing",
    )
    out["unknown_top_key"] = case(
        base + "modles: {}\n", line=base.count("\n") + 1, field="modles", text="unknown key"
    )
    return out


# --------------------------------------------------------------------------- catalog caches


def _bundled_payload() -> dict[str, Any]:
    bundled = HERE.parents[2] / "llmhub-catalog/src/llmhub_catalog/data/catalog-snapshot.json"
    payload: dict[str, Any] = json.loads(bundled.read_bytes().partition(b"\n")[2])
    # A small cache keeps the corpus small: the first rows (and the Arena entries they link to).
    rows = payload["models"][:12]
    linked = {row["arena"]["arena_id"] for row in rows if row.get("arena")}
    payload["models"] = rows
    payload["arena"] = {
        **payload["arena"],
        "models": {k: v for k, v in payload["arena"]["models"].items() if k in linked},
    }
    table = payload.get("provenance")
    if isinstance(table, list):  # keep only the provenance entries the kept rows point at
        used = sorted({row["provenance"] for row in rows if isinstance(row.get("provenance"), int)})
        remap = {old: new for new, old in enumerate(used)}
        payload["provenance"] = [table[i] for i in used]
        for row in rows:
            if isinstance(row.get("provenance"), int):
                row["provenance"] = remap[row["provenance"]]
    payload["version"] = "2999-01-01"  # newer than the bundled snapshot, so auto mode prefers it
    return payload


def _cache_bytes(payload: Any, *, header: dict[str, Any] | None = None, body: bytes | None = None) -> bytes:
    if body is None:
        body = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
    head = {
        "llmhub_catalog": 1,
        "sha256": hashlib.sha256(body).hexdigest(),
        "version": "2999-01-01",
        "fetched_at": 4102444800,
    }
    head.update(header or {})
    return json.dumps(head).encode() + b"\n" + body


def cache_cases() -> dict[str, Case]:
    payload = _bundled_payload()
    good = _cache_bytes(payload)
    out: dict[str, Case] = {}

    def mutated(change: Callable[[dict[str, Any]], None]) -> bytes:
        copy = json.loads(json.dumps(payload))
        change(copy)
        return _cache_bytes(copy)

    def row(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
        def change(p: dict[str, Any]) -> None:
            node = p["models"][3]
            *parents, last = field.split(".")
            for part in parents:
                node = node[part]
            node[last] = value

        return change

    rows: list[tuple[str, str, Any, str]] = [
        ("price_text", "prices.input", "cheap", "models[3].prices.input"),
        ("price_list", "prices.output", [1], "models[3].prices.output"),
        ("context_text", "limits.context", "big", "models[3].limits.context"),
        ("capabilities_list", "capabilities", ["tools"], "models[3]"),
        ("capability_text", "capabilities.tool_call", "maybe", "models[3].capabilities.tool_call"),
        ("modalities_number", "modalities.input", 5, "models[3]"),
        ("modality_unknown", "modalities.input", ["smell"], "models[3].modalities.input"),
        ("kind_unknown", "kind", "hologram", "models[3]"),
        ("status_unknown", "status", "zombie", "models[3]"),
        ("id_number", "id", 17, "models[3].id"),
        ("provider_empty", "provider", "", "models[3].provider"),
        ("open_weights_text", "open_weights", "certainly", "models[3].open_weights"),
        ("arena_link_text", "arena", "gpt", "models[3].arena"),
        ("tiers_text", "tiers", "fast", "models[3]"),
        ("limits_null", "limits", None, "models[3]"),
        ("prices_list", "prices", [], "models[3]"),
        ("name_number", "name", 3.5, "models[3].name"),
    ]
    for name, field, value, where in rows:
        out[f"row_{name}"] = case(mutated(row(field, value)), field=where, text="")
    out["row_missing_kind"] = case(
        mutated(lambda p: p["models"][3].pop("kind")), field="models[3]", text="lacks kind"
    )
    out["row_not_object"] = case(
        mutated(lambda p: p["models"].__setitem__(3, "gpt")), field="models[3]", text="not an object"
    )
    out["models_empty"] = case(
        mutated(lambda p: p.__setitem__("models", [])), field="models", text="no model records"
    )
    out["models_not_list"] = case(mutated(lambda p: p.__setitem__("models", {})), field="models", text="")
    out["arena_not_object"] = case(mutated(lambda p: p.__setitem__("arena", [])), field="arena", text="")
    out["arena_entry_no_ratings"] = case(
        mutated(lambda p: p["arena"]["models"].__setitem__(next(iter(p["arena"]["models"])), {"name": "x"})),
        text="ratings",
    )
    out["arena_rating_short"] = case(
        mutated(
            lambda p: p["arena"]["models"].__setitem__(
                next(iter(p["arena"]["models"])), {"name": "x", "ratings": {"overall": [1]}}
            )
        ),
        text="a rating must be",
    )
    out["format_future"] = case(
        mutated(lambda p: p.__setitem__("format", 99)), field="format", text="unsupported payload format"
    )
    out["missing_sources"] = case(mutated(lambda p: p.pop("sources")), field="sources", text="missing field")
    out["checksum_mismatch"] = case(good[:-10] + b"0" * 10, text="sha256 mismatch")
    out["truncated"] = case(good[: len(good) // 2], text="sha256 mismatch")
    out["header_only"] = case(good.partition(b"\n")[0], line=1, text="not a catalog snapshot")
    out["header_not_json"] = case(
        b"garbage\n" + good.partition(b"\n")[2], line=1, text="not a catalog snapshot"
    )
    out["header_wrong_format"] = case(
        _cache_bytes(payload, header={"llmhub_catalog": 7}), line=1, text="not a catalog snapshot"
    )
    out["no_fetched_at"] = case(
        _cache_bytes(payload, header={"fetched_at": "yesterday"}),
        line=1,
        field="fetched_at",
        text="fetched_at",
    )
    out["body_not_json"] = case(_cache_bytes(None, body=b"{not json"), line=2, text="invalid JSON")
    out["body_not_object"] = case(_cache_bytes(None, body=b"[1, 2]"), line=2, text="not a JSON object")
    out["body_deep"] = case(_cache_bytes(None, body=b"[" * 50000 + b"]" * 50000), text="nesting is too deep")
    out["body_latin1"] = case(
        _cache_bytes(None, body='{"a": "caf\u00e9"}'.encode("latin-1")), text="not valid UTF-8"
    )
    out["empty"] = case(b"", line=1, text="not a catalog snapshot")
    out["binary"] = case(bytes(range(256)) * 8, text="")
    return out


# --------------------------------------------------------------------------- overrides

OVERRIDES = """\
models:
  openai/gpt-4.1:
    limits: {context: 1000000}
exclude:
  - openai/gpt-3.5-turbo
"""


def overrides_cases() -> dict[str, Case]:
    base = OVERRIDES
    out: dict[str, Case] = {}
    for name, extra, text in [
        ("unknown_section", "modles: {}\n", ""),
        ("bad_catalog_id", "arena:\n  gpt-4.1: x\n", "is not a catalog id"),
        ("unknown_provider", "", "unknown provider"),
        ("exclude_not_list", "", ""),
        ("tag_python", "x: !!python/object:os.system {}\n", "is not supported"),
        ("alias_bomb", "", "YAML aliases expand"),
        ("deep", "x: " + "[" * 5000 + "]" * 5000 + "\n", "nesting is too deep"),
        ("syntax", "models: {a: [1\n", "invalid YAML"),
    ]:
        content = base + extra
        if name == "unknown_provider":
            content = base.replace("openai/gpt-3.5-turbo", "nobody/x")
        if name == "exclude_not_list":
            content = base.replace("exclude:\n  - openai/gpt-3.5-turbo\n", "exclude: openai/gpt-3.5-turbo\n")
        if name == "alias_bomb":
            lines = ["x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
            for i, n in enumerate("bcdefgh"):
                prev = "a" if i == 0 else "bcdefgh"[i - 1]
                lines.append(f"x-{n}: &{n} [" + ", ".join([f"*{prev}"] * 10) + "]")
            content = "\n".join(lines) + "\n" + base
        if name == "exclude_not_list" and "exclude: openai" not in content:
            raise AssertionError(name)
        out[name + ".yaml"] = case(content, text=text)
    out["latin1.yaml"] = case(base.replace("models", "mod\u00e8ls").encode("latin-1"), text="not valid UTF-8")
    out["utf16_no_bom.json"] = case(json.dumps({"models": {}}).encode("utf-16-le"), text="NUL")
    out["not_json.json"] = case("{models: 1}", line=1, text="invalid JSON")
    out["deep.json"] = case("[" * 50000 + "]" * 50000, text="nesting is too deep")
    out["model_patch_unknown_field.json"] = case(
        json.dumps({"models": {"openai/gpt-4.1": {"contxt": 1}}}, indent=1), text=""
    )
    out["model_patch_bad_type.json"] = case(
        json.dumps({"models": {"openai/gpt-4.1": {"limits": {"context": "big"}}}}, indent=1), text=""
    )
    out["unknown_anyllm_provider.json"] = case(
        json.dumps({"models": {"openai/gpt-4.1": {"provider": "nobody"}}}, indent=1),
        text="unknown any-llm provider",
    )
    out["top_list.json"] = case("[1, 2]", text="")
    out["empty_binary.json"] = case(b"\x00\x01\x02", text="NUL")
    return out


# --------------------------------------------------------------------------- .env.example


def env_example_cases() -> dict[str, Case]:
    return {
        "latin1": case("# cl\u00e9s\nOPENAI_API_KEY=\n".encode("latin-1"), line=1, text="not valid UTF-8"),
        "utf16_no_bom": case("OPENAI_API_KEY=\n".encode("utf-16-le"), text="without a byte order mark"),
        "binary": case(bytes(range(256)), text="not valid UTF-8"),
        "nul_byte": case("OPENAI_API_KEY=\x00\n", text="NUL characters"),
        # Decoded, and nothing to add: accepted and left as it is.
        "bom_utf16": case(
            codecs.BOM_UTF16_LE + "OPENAI_API_KEY=\nANTHROPIC_API_KEY=\n".encode("utf-16-le"), exit=0, text=""
        ),
    }


# --------------------------------------------------------------------------- local state store


def state_cases(folder: Path) -> dict[str, Case]:
    """SQLite state stores: the bytes of each database are made here with the real sqlite3."""
    out: dict[str, Case] = {}

    def database(build: Callable[[sqlite3.Connection], None]) -> bytes:
        path = folder / ".tmp-state.db"
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path)
        build(conn)
        conn.commit()
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
        data = path.read_bytes()
        path.unlink()
        return data

    out["garbage"] = case(b"this is not a database\n" * 50, text="not a usable SQLite database")
    out["binary"] = case(bytes(range(256)) * 16, text="not a usable SQLite database")
    out["yaml_text"] = case(REGISTRY, text="not a usable SQLite database")
    header = database(lambda c: c.execute("CREATE TABLE t (x)"))
    out["truncated_header"] = case(header[:50], text="")
    out["zeroed_page"] = case(
        header[:100] + b"\x00" * (len(header) - 100), text="not a usable SQLite database"
    )
    out["future_schema"] = case(database(lambda c: c.execute("PRAGMA user_version = 999")), text="newer")
    out["foreign_tables"] = case(
        database(lambda c: c.execute("CREATE TABLE models (something_else TEXT)")), text="did not create"
    )
    out["empty_file"] = case(b"", exit=0, text="", writes=True)  # a new store is created in it
    return out


# --------------------------------------------------------------------------- writing


def _encode(content: str | bytes) -> bytes:
    return content if isinstance(content, bytes) else content.encode("utf-8")


def _toml_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string is a JSON string


def write_kind(kind: str, suffix: str, cases: dict[str, Case]) -> int:
    folder = HERE / kind
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    lines = [f"# Expectations for corpus/{kind}/ (written by make_corpus.py; edit that script instead).", ""]
    for name in sorted(cases):
        spec = cases[name]
        filename = name if "." in name else f"{name}{suffix}"
        (folder / filename).write_bytes(_encode(spec["content"]))
        lines.append(f'["{filename}"]')
        for key in ("exit", "line", "field", "text", "skip", "writes"):
            if key in spec:
                lines.append(f"{key} = {_toml_value(spec[key])}")
        lines.append("")
    (folder / "expect.toml").write_text("\n".join(lines), encoding="utf-8")
    return len(cases)


FS_SITUATIONS: dict[str, tuple[str, ...]] = {
    # target -> situations the test builds in place of the file (see test_corpus.FS_BUILDERS)
    "spec": ("directory", "fifo", "dangling_symlink", "symlink_loop", "dev_null", "huge_error_last_line"),
    "runtime": ("directory", "fifo", "dangling_symlink", "symlink_loop", "dev_null", "huge_x_keys"),
    "registry": ("directory", "fifo", "dangling_symlink", "dev_null", "huge_x_keys", "missing"),
    "cache": ("directory", "fifo", "dangling_symlink", "dev_null", "sparse_huge"),
    "overrides": ("directory", "fifo", "missing", "dev_null"),
    "env_example": ("directory", "fifo", "dev_null"),
    "state": ("directory", "home_is_file"),
}
FS_TEXT = {
    "directory": "is a directory",
    "fifo": "not a regular file",
    "dangling_symlink": "file not found",
    "symlink_loop": "",
    "dev_null": "not a regular file",
    "huge_error_last_line": "too large",
    "huge_x_keys": "too large",
    "sparse_huge": "too large",
    "missing": "",
    "home_is_file": "",
}


FS_TEXT_FOR = {
    ("cache", "dangling_symlink"): "no cached catalog",
    ("state", "directory"): "",
    ("overrides", "missing"): "file not found",
    ("registry", "missing"): "file not found",
}


def write_fs() -> int:
    folder = HERE / "fs"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    lines = ["# File-system situations, built by test_corpus.py (written by make_corpus.py).", ""]
    count = 0
    for target, situations in FS_SITUATIONS.items():
        for situation in situations:
            lines += [
                f'["{target}-{situation}"]',
                f'target = "{target}"',
                f'make = "{situation}"',
                "exit = 1",
            ]
            text = FS_TEXT_FOR.get((target, situation), FS_TEXT[situation])
            lines += [f"text = {json.dumps(text)}", ""]
            count += 1
    (folder / "cases.toml").write_text("\n".join(lines), encoding="utf-8")
    return count


def main() -> int:
    counts = {
        "spec": write_kind("spec", ".yaml", spec_cases()),
        "runtime": write_kind("runtime", ".yaml", runtime_cases()),
        "registry": write_kind("registry", ".yaml", registry_cases()),
        "cache": write_kind("cache", ".json", cache_cases()),
        "overrides": write_kind("overrides", "", overrides_cases()),
        "env_example": write_kind("env_example", ".env", env_example_cases()),
    }
    state_folder = HERE / "state"
    state_folder.mkdir(exist_ok=True)
    counts["state"] = write_kind("state", ".db", state_cases(state_folder))
    counts["fs"] = write_fs()
    total = sum(counts.values())
    print(json.dumps({**counts, "total": total}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
