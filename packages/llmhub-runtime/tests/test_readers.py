"""The one reader for YAML and JSON files: encodings, size, nesting and alias limits."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest

from llmhub_runtime import ConfigError, load_runtime_config, parse_runtime_yaml
from llmhub_runtime.readers import (
    MAX_TEXT_BYTES,
    decode_text,
    load_json_text,
    read_json_file,
    read_text_file,
)
from llmhub_runtime.yamldoc import MAX_YAML_DEPTH, MAX_YAML_VALUES, read_yaml_file

VALID = """\
project: p
env: dev
providers:
  openai: {env_key: OPENAI_API_KEY}
roles:
  llm.a: {provider: openai, model: gpt-4.1, mode: chat}
"""


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
        ("utf-32-le", codecs.BOM_UTF32_LE),
        ("utf-32-be", codecs.BOM_UTF32_BE),
    ],
)
def test_text_with_a_byte_order_mark_is_decoded(tmp_path: Path, encoding: str, bom: bytes) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_bytes(bom + VALID.replace("p\n", "caf\u00e9\n", 1).encode(encoding))
    config = load_runtime_config(path, check_provider_ids=False)
    assert config.project == "caf\u00e9"
    decoded = read_text_file(path)
    assert decoded.bom == bom
    assert not decoded.text.startswith("\ufeff")


def test_latin1_is_refused_with_line_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    raw = VALID.replace("env: dev", "env: d\u00e9v").encode("latin-1")
    path.write_bytes(raw)
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path, check_provider_ids=False)
    assert info.value.source == str(path)
    assert info.value.line == 2
    assert f"offset {raw.index(0xE9)}" in str(info.value)
    assert "not valid UTF-8" in str(info.value)


def test_utf16_without_bom_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    path.write_bytes(VALID.encode("utf-16-le"))
    with pytest.raises(ConfigError, match="UTF-16/UTF-32 without a byte order mark") as info:
        load_runtime_config(path, check_provider_ids=False)
    assert info.value.line == 1


def test_a_bom_that_lies_is_refused() -> None:
    with pytest.raises(ConfigError, match="starts with a UTF-16 byte order mark"):
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8", source="x.yaml")  # a lone surrogate


def test_too_large_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.yaml"
    with path.open("w") as handle:
        handle.write(VALID)
        handle.write("x-pad: " + "a" * MAX_TEXT_BYTES + "\n")
    with pytest.raises(ConfigError, match="too large") as info:
        load_runtime_config(path, check_provider_ids=False)
    assert info.value.source == str(path)
    with pytest.raises(ConfigError, match="too large"):
        parse_runtime_yaml(path.read_text(), check_provider_ids=False)


def test_special_files_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "llmhub.yaml"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer forever
    with pytest.raises(ConfigError, match="not a regular file"):
        read_yaml_file(fifo)
    with pytest.raises(ConfigError, match="is a directory"):
        read_yaml_file(tmp_path)
    with pytest.raises(ConfigError, match="file not found"):
        read_yaml_file(tmp_path / "missing.yaml")


def test_nesting_deeper_than_the_limit_is_refused_with_its_line() -> None:
    ok = "meta:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, MAX_YAML_DEPTH - 2))
    parse_runtime_yaml(VALID + ok, check_provider_ids=False)
    deep = "meta:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, MAX_YAML_DEPTH + 5))
    with pytest.raises(ConfigError, match="nesting is too deep") as info:
        parse_runtime_yaml(VALID + deep, check_provider_ids=False)
    assert info.value.line is not None
    assert info.value.line > VALID.count("\n")
    with pytest.raises(ConfigError, match="nesting is too deep"):
        parse_runtime_yaml("meta: " + "[" * 100_000 + "]" * 100_000, check_provider_ids=False)


def test_alias_bomb_in_params_is_refused_quickly() -> None:
    lines = ["x-a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"]
    previous = "a"
    for name in "bcdefgh":
        lines.append(f"x-{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
        previous = name
    text = "\n".join(lines) + "\n" + VALID.replace("mode: chat}", "mode: chat, params: {p: *h}}")
    with pytest.raises(ConfigError, match=f"more than {MAX_YAML_VALUES:,} values") as info:
        parse_runtime_yaml(text, check_provider_ids=False)
    # The first top-level entry that is too large on its own is named.
    assert info.value.field == "x-e"  # 1 + 10 * 11_111 values
    assert info.value.line == 5


def test_json_reader_limits(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"a": [1, 2, {"b": null}]}')
    assert read_json_file(path) == {"a": [1, 2, {"b": None}]}
    path.write_text('{"a": [1, 2,\n ]}')
    with pytest.raises(ConfigError, match="invalid JSON") as info:
        read_json_file(path)
    assert info.value.line == 2
    with pytest.raises(ConfigError, match="nesting is too deep"):
        load_json_text("[" * 100 + "]" * 100, source="x.json")
    with pytest.raises(ConfigError, match="nesting is too deep"):
        load_json_text("[" * 100_000 + "]" * 100_000, source="x.json")
    path.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        read_json_file(path)
    with pytest.raises(ConfigError, match="too large"):
        read_json_file(path, max_bytes=4)
