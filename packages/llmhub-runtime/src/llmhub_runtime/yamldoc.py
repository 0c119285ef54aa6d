"""YAML documents that remember where each key sits, and validation errors that say so.

Shared by every LLMHub file format (``llmhub.yaml`` here; ``llmhub.spec.yaml`` in the generator):
a file is read with ruamel.yaml's round-trip loader (which builds only plain data, whatever tags
the file carries, and records line/column of every key), converted to plain dicts and lists for
pydantic, and any pydantic ``ValidationError`` is turned into :class:`ConfigProblem` objects that
name the line and field path. ruamel.yaml is imported on first use.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from llmhub_runtime.errors import ConfigError, ConfigProblem

__all__ = [
    "FieldPath",
    "YamlDocument",
    "describe_value",
    "format_field_path",
    "load_yaml_text",
    "read_yaml_file",
    "validation_problems",
]

FieldPath = tuple[str | int, ...]
_MISSING = object()
# Core-schema tags of plain data; anything else (!!python/..., !!binary, custom !tags) is refused.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


def format_field_path(path: Sequence[str | int]) -> str:
    """Render a field path as ``roles.llm.inference.fallbacks[0].provider``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def describe_value(value: Any) -> str:
    """A short description of a YAML value for error messages ("a list", "a string ('x')")."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return type(value).__name__


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML mapping: plain ``data`` for validation, ``root`` nodes for positions.

    ``root`` is ``None`` for data that did not come from text (nothing can be located then);
    ``text`` is the text it was parsed from.
    """

    data: dict[str, Any]
    root: Any
    source: str
    text: str = ""

    def locate(self, path: Sequence[str | int]) -> tuple[int | None, int | None]:
        """1-based (line, column) of the deepest part of ``path`` present in the document."""
        node = self.root
        position = _pos_of(node)
        for part in path:
            if isinstance(node, Mapping):
                match = next((k for k in node if str(k) == str(part)), _MISSING)
                if match is _MISSING:
                    break
                position = _key_pos(node, match)
                node = node[match]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                try:
                    line, col = node.lc.item(part)  # type: ignore[attr-defined]
                    position = (line + 1, col + 1)
                except (AttributeError, KeyError, TypeError):
                    pass
                node = node[part]
            else:
                break
        return position

    def problem(self, path: Sequence[str | int], message: str) -> ConfigProblem:
        """A :class:`ConfigProblem` at ``path``, located in this document."""
        return ConfigProblem(format_field_path(path), message, *self.locate(path))


def read_yaml_file(
    path: str | os.PathLike[str], *, empty_hint: str = "", error: type[ConfigError] = ConfigError
) -> YamlDocument:
    """Read a YAML file whose top level must be a mapping.

    Raises:
        ConfigError (or ``error``): missing, unreadable, non-UTF-8, invalid YAML, not a mapping.
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error([ConfigProblem("", "file not found")], source) from None
    except IsADirectoryError:
        raise error([ConfigProblem("", "is a directory, not a file")], source) from None
    except PermissionError:
        raise error([ConfigProblem("", "permission denied")], source) from None
    except UnicodeDecodeError as e:
        raise error(
            [ConfigProblem("", f"not valid UTF-8 text (bad byte at offset {e.start})")], source
        ) from None
    except OSError as e:
        raise error([ConfigProblem("", f"cannot be read: {e.strerror or e}")], source) from None
    return load_yaml_text(text, source=source, empty_hint=empty_hint, error=error)


def load_yaml_text(
    text: str, *, source: str, empty_hint: str = "", error: type[ConfigError] = ConfigError
) -> YamlDocument:
    """Parse YAML text whose top level must be a mapping (see :func:`read_yaml_file`)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        root = YAML(typ="rt").load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise error([ConfigProblem("", _yaml_error_text(e), line, column)], source) from None
    except YAMLError as e:
        raise error([ConfigProblem("", f"invalid YAML: {e}")], source) from None
    except RecursionError:
        raise error([ConfigProblem("", "YAML nesting is too deep")], source) from None
    if root is None:
        hint = f" (expected {empty_hint})" if empty_hint else ""
        raise error([ConfigProblem("", f"the file is empty{hint}")], source)
    if not isinstance(root, Mapping):
        raise error(
            [ConfigProblem("", f"expected a mapping at the top level, got {describe_value(root)}", 1, 1)],
            source,
        )
    data = _Converter(source, error).plain(root, ())
    return YamlDocument(data=data, root=root, source=source, text=text)


def validation_problems(
    exc: ValidationError, model: type[BaseModel], document: YamlDocument | None = None
) -> list[ConfigProblem]:
    """Turn a pydantic ``ValidationError`` for ``model`` into located, readable problems."""
    problems: list[ConfigProblem] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False):
        loc: FieldPath = tuple(err["loc"])
        message = _message(err, loc, model)
        field = format_field_path(loc)
        if (field, message) in seen:
            continue
        seen.add((field, message))
        line, column = document.locate(loc) if document is not None else (None, None)
        problems.append(ConfigProblem(field, message, line, column))
    return problems


# --------------------------------------------------------------------------- internals


def _yaml_error_text(e: Any) -> str:
    from ruamel.yaml.constructor import DuplicateKeyError

    if isinstance(e, DuplicateKeyError):
        problem = str(e.problem or "").strip()
        return f"invalid YAML: {problem}" if problem else "invalid YAML: duplicate key"
    parts = [str(p).strip() for p in (e.context, e.problem) if p]
    return "invalid YAML: " + ("; ".join(parts) if parts else "syntax error")


class _Converter:
    """ruamel round-trip objects -> dicts, lists and builtin scalars.

    Shared anchors are converted once (an alias bomb stays linear); a recursive alias and any
    explicit non-standard tag are rejected with their location.
    """

    def __init__(self, source: str, error: type[ConfigError]) -> None:
        self.source = source
        self.error = error
        self.memo: dict[int, Any] = {}
        self.active: set[int] = set()

    def fail(self, path: FieldPath, message: str, position: tuple[int | None, int | None]) -> ConfigError:
        return self.error([ConfigProblem(format_field_path(path), message, *position)], self.source)

    def plain(self, node: Any, path: FieldPath) -> Any:
        tag_value = getattr(getattr(node, "tag", None), "value", None)
        if tag_value is not None and str(tag_value) not in _PLAIN_TAGS:
            raise self.fail(path, f"YAML tag {tag_value} is not supported", _pos_of(node))
        if isinstance(node, (set, frozenset, bytes)):
            raise self.fail(path, f"unsupported YAML value of type {type(node).__name__}", (None, None))
        if not isinstance(node, (Mapping, list)):
            return _scalar(node)
        key = id(node)
        if key in self.active:
            raise self.fail(path, "recursive YAML alias is not supported", _pos_of(node))
        if key in self.memo:
            return self.memo[key]
        self.active.add(key)
        try:
            result: Any
            if isinstance(node, Mapping):
                result = {}
                for k, v in node.items():
                    plain_key = None if isinstance(k, (Mapping, list, tuple)) else _scalar(k)
                    if plain_key is None or not isinstance(plain_key, (str, int, float, bool)):
                        raise self.fail(path, f"mapping key {k!r} must be a plain scalar", _key_pos(node, k))
                    result[plain_key] = self.plain(v, (*path, str(plain_key)))
            else:
                result = [self.plain(v, (*path, i)) for i, v in enumerate(node)]
            self.memo[key] = result
            return result
        finally:
            self.active.discard(key)


def _scalar(value: Any) -> Any:
    # ruamel subclasses str/int/float to remember formatting; hand pydantic the builtin types.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value


def _pos_of(node: Any) -> tuple[int | None, int | None]:
    lc = getattr(node, "lc", None)
    if lc is None or getattr(lc, "line", None) is None:
        return None, None
    return lc.line + 1, lc.col + 1


def _key_pos(node: Any, key: Any) -> tuple[int | None, int | None]:
    try:
        line, col = node.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return _pos_of(node)
    return line + 1, col + 1


def _message(err: Any, loc: FieldPath, model: type[BaseModel]) -> str:
    kind: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"required field {loc[-1] if loc else '?'!r} is missing"
    if kind == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
        allowed = allowed_keys(model, loc[:-1])
        if allowed:
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
            message += f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
        return message
    if kind in {"enum", "literal_error"}:
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"{value!r} is not one of {expected}"
    if kind in {"model_type", "dict_type", "model_attributes_type"}:
        return f"expected a mapping, got {describe_value(value)}"
    if kind == "list_type":
        return f"expected a list, got {describe_value(value)}"
    if kind == "string_type":
        return f"expected a string, got {describe_value(value)}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"expected true or false, got {describe_value(value)}"
    if kind in {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}:
        wanted = "an integer" if kind.startswith("int") else "a number"
        return f"expected {wanted}, got {describe_value(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        relation, bound = {
            "greater_than": ("greater than", ctx.get("gt")),
            "greater_than_equal": ("at least", ctx.get("ge")),
            "less_than": ("less than", ctx.get("lt")),
            "less_than_equal": ("at most", ctx.get("le")),
        }[kind]
        return f"must be {relation} {bound}, got {value!r}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


def allowed_keys(model: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    """Field names (aliases where set) accepted at ``path`` inside ``model`` documents."""
    annotation: Any = model
    for part in path:
        annotation = _unwrap_optional(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = next(
                (f for name, f in annotation.model_fields.items() if (f.alias or name) == str(part)), None
            )
            if info is None:
                return []
            annotation = info.annotation
            continue
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is dict and len(args) == 2:
            annotation = args[1]
        elif origin in (list, tuple) and args:
            annotation = args[0]
        else:
            return []
    annotation = _unwrap_optional(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _unwrap_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation
