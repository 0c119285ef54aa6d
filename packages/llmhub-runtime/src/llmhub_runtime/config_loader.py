"""Load and validate ``llmhub.yaml``.

Every failure becomes a :class:`~llmhub_runtime.errors.ConfigError` whose message names the file,
the line and the field path of each problem, e.g.::

    llmhub.yaml:14 roles.llm.inference.mode: 'chatt' is not one of chat, embedding, image, audio, tool, other

YAML is read with ruamel.yaml's round-trip loader, which constructs only plain data (no Python
objects, whatever tags the file carries) and remembers where every key sits; the data is then
converted to plain dicts and lists before pydantic sees it. ruamel.yaml is imported on first use
so that ``import llmhub_runtime`` stays cheap.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from llmhub_runtime.errors import ConfigError, ConfigProblem
from llmhub_runtime.models import DEFER_REFERENCE_CHECK, LLMMode, RuntimeConfig

__all__ = [
    "format_field_path",
    "load_runtime_config",
    "parse_runtime_config",
    "parse_runtime_yaml",
    "supported_provider_ids",
]

FieldPath = tuple[str | int, ...]


def load_runtime_config(path: str | os.PathLike[str], *, check_provider_ids: bool = True) -> RuntimeConfig:
    """Read, parse and validate an ``llmhub.yaml`` file.

    Args:
        path: The file to read.
        check_provider_ids: Reject provider ids that the installed any-llm does not know. This
            imports any-llm (about a second the first time in a process).

    Raises:
        ConfigError: The file is missing, unreadable, not YAML, or not a valid configuration.
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem("", "file not found")], source) from None
    except IsADirectoryError:
        raise ConfigError([ConfigProblem("", "is a directory, not a file")], source) from None
    except PermissionError:
        raise ConfigError([ConfigProblem("", "permission denied")], source) from None
    except UnicodeDecodeError as e:
        line = e.object[: e.start].count(b"\n") + 1
        raise ConfigError(
            [ConfigProblem("", f"not valid UTF-8 text (bad byte at offset {e.start})", line)], source
        ) from None
    except OSError as e:
        raise ConfigError([ConfigProblem("", f"cannot be read: {e.strerror or e}")], source) from None
    return parse_runtime_yaml(text, source=source, check_provider_ids=check_provider_ids)


def parse_runtime_yaml(
    text: str, *, source: str = "<string>", check_provider_ids: bool = True
) -> RuntimeConfig:
    """Parse and validate ``llmhub.yaml`` content given as a string.

    ``source`` is the name used in error messages.
    """
    data, root = _load_yaml(text, source)
    return _validate(data, root, source, check_provider_ids)


def parse_runtime_config(
    data: Mapping[str, Any], *, source: str | None = None, check_provider_ids: bool = True
) -> RuntimeConfig:
    """Validate configuration data that is already in memory (no line numbers are available).

    Raises:
        ConfigError: The data is not a valid configuration.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(
            [ConfigProblem("", f"expected a mapping at the top level, got {_describe(data)}")], source
        )
    return _validate(data, None, source, check_provider_ids)


def supported_provider_ids() -> frozenset[str]:
    """Provider ids the installed any-llm accepts (imports any-llm on first use)."""
    from any_llm import AnyLLM

    return frozenset(AnyLLM.get_supported_providers())


def format_field_path(path: Sequence[str | int]) -> str:
    """Render a field path as ``roles.llm.inference.fallbacks[0].provider``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --------------------------------------------------------------------------- YAML reading


def _load_yaml(text: str, source: str) -> tuple[Any, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    yaml = YAML(typ="rt")
    document = None
    try:
        # Refuse unsupported tags and recursive aliases on the bare nodes, before anything is built.
        document = yaml.compose(text)
        refused = _node_problem(document)
        if refused is not None:
            path, mark, message = refused
            problem = ConfigProblem(format_field_path(path), message, mark.line + 1, mark.column + 1)
            raise ConfigError([problem], source)
        root = yaml.load(text)
    except ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        column = e.position - text.rfind("\n", 0, e.position)
        message = f"invalid YAML: unacceptable character #x{e.character:04x}: {e.reason}"
        raise ConfigError([ConfigProblem("", message, line, column)], source) from None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        content = text.rstrip()
        if mark is not None and mark.index >= len(content):
            # The file ended inside a quote or bracket: point at where it began, or at the last line.
            begin = e.context_mark
            mark = begin if begin is not None and begin.index < len(content) else None
            if mark is None:
                line, column = content.count("\n") + 1, len(content) - content.rfind("\n")
        message = _yaml_error_text(e)
        if mark is not None:
            line, column = mark.line + 1, mark.column + 1
        raise ConfigError([ConfigProblem("", message, line, column)], source) from None
    except YAMLError as e:
        raise ConfigError([ConfigProblem("", f"invalid YAML: {e}")], source) from None
    except RecursionError:
        raise ConfigError([ConfigProblem("", "YAML nesting is too deep")], source) from None
    except (ValueError, IndexError, KeyError, TypeError):
        # How ruamel fails on an explicitly tagged scalar of the wrong type (``!!int abc``).
        raise ConfigError([_bad_tagged_scalar(yaml, document)], source) from None
    if root is None:
        raise ConfigError(
            [ConfigProblem("", "the file is empty (expected project, env, providers, roles)")], source
        )
    if not isinstance(root, Mapping):
        start = document.start_mark  # after any leading comments
        message = f"expected a mapping at the top level, got {_describe(root)}"
        raise ConfigError([ConfigProblem("", message, start.line + 1, start.column + 1)], source)
    data = _to_plain(root, (), source, {}, set())
    return data, root


def _yaml_error_text(e: Any) -> str:
    from ruamel.yaml.constructor import DuplicateKeyError

    if isinstance(e, DuplicateKeyError):
        problem = str(e.problem or "")
        return f"invalid YAML: {problem.strip()}" if problem else "invalid YAML: duplicate key"
    context = str(e.context or "").strip()
    begin, end = e.context_mark, e.problem_mark
    if context and begin is not None and end is not None and begin.line != end.line:
        context += f" (from line {begin.line + 1})"  # where an unclosed quote or bracket began
    parts = [p for p in (context, str(e.problem or "").strip()) if p]
    return "invalid YAML: " + ("; ".join(parts) if parts else "syntax error")


def _node_problem(document: Any) -> tuple[FieldPath, Any, str] | None:
    """Path, mark and message of the first node the loader refuses, before anything is built.

    Refused are tags other than the plain-data ones (so no constructor ever sees ``!!python/...``)
    and aliases to a node that contains them (which the constructor would silently turn into
    null). Each node is visited once, so an alias bomb stays linear.
    """
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    done: set[int] = set()
    active: set[int] = set()

    def bad_tag(node: Any, path: FieldPath) -> tuple[FieldPath, Any, str] | None:
        tag = str(getattr(node.tag, "value", node.tag))
        if tag in _PLAIN_TAGS:
            return None
        return path, node.start_mark, f"YAML tag {tag.replace('tag:yaml.org,2002:', '!!')} is not supported"

    def visit(current: Any, path: FieldPath) -> tuple[FieldPath, Any, str] | None:
        if not isinstance(current, (MappingNode, SequenceNode)) or id(current) in done:
            return None
        active.add(id(current))
        if isinstance(current, MappingNode):
            children = [(_node_key(k), k.start_mark, k, v) for k, v in current.value]
        else:
            children = [(i, v.start_mark, None, v) for i, v in enumerate(current.value)]
        for part, mark, key, child in children:
            if id(child) in active:
                return (*path, part), mark, "recursive YAML alias is not supported"
            found = (
                (bad_tag(key, path) if key is not None else None)
                or bad_tag(child, (*path, part))
                or visit(child, (*path, part))
            )
            if found is not None:
                return found
        active.discard(id(current))
        done.add(id(current))
        return None

    return None if document is None else bad_tag(document, ()) or visit(document, ())


def _node_key(node: Any) -> str:
    """A mapping key node as a field path part (a complex key shows as ``?``)."""
    return "?" if isinstance(node.value, list) else str(node.value)


def _bad_tagged_scalar(yaml: Any, document: Any) -> ConfigProblem:
    """The first ``!!int`` / ``!!float`` / ``!!bool`` scalar whose text is not of that type."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    seen: set[int] = set()
    stack: list[tuple[FieldPath, Any]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in reversed(node.value):
                stack += [((*path, _node_key(k)), v), (path, k)]
        elif isinstance(node, SequenceNode):
            stack += [((*path, i), v) for i, v in reversed(list(enumerate(node.value)))]
        elif isinstance(node, ScalarNode):
            kind = str(getattr(node.tag, "value", node.tag)).removeprefix("tag:yaml.org,2002:")
            if kind not in {"int", "float", "bool"}:
                continue
            try:
                yaml.constructor.construct_object(node, deep=True)
            except (ValueError, IndexError, KeyError, TypeError):
                mark = node.start_mark
                message = f"{node.value!r} is not a valid !!{kind}"
                return ConfigProblem(format_field_path(path), message, mark.line + 1, mark.column + 1)
    return ConfigProblem("", "invalid YAML: a tagged value cannot be read")


#: Tags whose values are plain data. Any other tag (``!!python/...``, ``!!binary``, ``!!set``, a
#: custom ``!tag``) is rejected: the loader never builds anything but plain data.
_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "merge")
)


def _to_plain(
    node: Any, path: FieldPath, source: str, memo: dict[int, Any], active: set[int], root: Any = None
) -> Any:
    """Turn ruamel's round-trip objects into dicts, lists and plain scalars.

    Shared anchors are converted once (an alias bomb stays linear); a recursive alias and any
    explicit tag are rejected with their location.
    """
    root = node if root is None else root
    tag = getattr(node, "tag", None)
    tag_value = getattr(tag, "value", None)
    if tag_value is not None and str(tag_value) not in _PLAIN_TAGS:
        shown = str(tag_value).replace("tag:yaml.org,2002:", "!!")
        raise ConfigError(
            [
                ConfigProblem(
                    format_field_path(path), f"YAML tag {shown} is not supported", *_where(node, root, path)
                )
            ],
            source,
        )
    if isinstance(node, (Mapping, list)):
        key = id(node)
        if key in active:
            raise ConfigError(
                [
                    ConfigProblem(
                        format_field_path(path), "recursive YAML alias is not supported", *_pos_of(node)
                    )
                ],
                source,
            )
        if key in memo:
            return memo[key]
        active.add(key)
        try:
            if isinstance(node, Mapping):
                result_map: dict[Any, Any] = {}
                for k, v in node.items():
                    plain_key = _scalar(k) if not isinstance(k, (Mapping, list, tuple)) else None
                    if not isinstance(plain_key, (str, int, float, bool)) or plain_key is None:
                        raise ConfigError(
                            [
                                ConfigProblem(
                                    format_field_path(path),
                                    f"mapping key must be a plain scalar, got {_describe(k)}",
                                    *_key_pos(node, k),
                                )
                            ],
                            source,
                        )
                    result_map[plain_key] = _to_plain(v, (*path, str(plain_key)), source, memo, active, root)
                memo[key] = result_map
                return result_map
            result_list = [_to_plain(v, (*path, i), source, memo, active, root) for i, v in enumerate(node)]
            memo[key] = result_list
            return result_list
        finally:
            active.discard(key)
    value = _scalar(node)
    if value is not None and not isinstance(value, (str, int, float)):
        message = f"unsupported YAML value of type {type(node).__name__.removeprefix('Commented').lower()}"
        problem = ConfigProblem(format_field_path(path), message, *_where(node, root, path))
        raise ConfigError([problem], source)
    return value


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
    from ruamel.yaml.comments import TaggedScalar

    if isinstance(value, TaggedScalar):  # an explicit ``!!str``; other tags are rejected earlier
        return str(value.value)
    return value


def _pos_of(node: Any) -> tuple[int | None, int | None]:
    lc = getattr(node, "lc", None)
    if lc is None or getattr(lc, "line", None) is None:
        return None, None
    return lc.line + 1, lc.col + 1


def _where(node: Any, root: Any, path: FieldPath) -> tuple[int | None, int | None]:
    """Position of ``node``; for a scalar (which keeps none), that of the key it sits under."""
    position = _pos_of(node)
    return position if position[0] is not None else _locate(root, path)


def _key_pos(node: Any, key: Any) -> tuple[int | None, int | None]:
    try:
        line, col = node.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return _pos_of(node)
    return line + 1, col + 1


def _locate(root: Any, path: FieldPath) -> tuple[int | None, int | None]:
    """Line/column of the deepest part of ``path`` that exists in the parsed document."""
    if root is None:
        return None, None
    node = root
    position = _pos_of(root)
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


_MISSING = object()

# --------------------------------------------------------------------------- validation


def _validate(
    data: Mapping[str, Any], root: Any, source: str | None, check_provider_ids: bool
) -> RuntimeConfig:
    try:
        config = RuntimeConfig.model_validate(data, context={DEFER_REFERENCE_CHECK: True})
    except ValidationError as e:
        problems = [_problem_from_pydantic(err, root, data) for err in e.errors(include_url=False)]
        raise ConfigError(_dedupe(problems), source) from None

    found: list[tuple[FieldPath, str]] = []
    if check_provider_ids:
        known = supported_provider_ids()
        for provider_id in config.providers:
            if provider_id not in known:
                found.append((("providers", provider_id), _unknown_provider_message(provider_id, known)))
    found.extend(config.reference_problems())
    if found:
        problems = [ConfigProblem(format_field_path(path), msg, *_locate(root, path)) for path, msg in found]
        raise ConfigError(problems, source)
    return config


def _unknown_provider_message(provider_id: str, known: frozenset[str]) -> str:
    message = f"{provider_id!r} is not a provider id known to any-llm"
    close = difflib.get_close_matches(provider_id.lower(), sorted(known), n=1, cutoff=0.6)
    if close:
        message += f" (did you mean {close[0]!r}?)"
    aliases = {"google": "gemini", "vertex": "vertexai", "llama.cpp": "llamacpp", "llama-cpp": "llamacpp"}
    if provider_id.lower() in aliases:
        message += f" (any-llm calls it {aliases[provider_id.lower()]!r})"
    return message


def _dedupe(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    seen: set[tuple[str, str]] = set()
    out: list[ConfigProblem] = []
    for problem in problems:
        key = (problem.field, problem.message)
        if key not in seen:
            seen.add(key)
            out.append(problem)
    return out


def _problem_from_pydantic(err: Any, root: Any, data: Mapping[str, Any]) -> ConfigProblem:
    loc: FieldPath = tuple(err["loc"])
    kind: str = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    is_key = loc[-1:] == ("[key]",)
    if is_key:  # a mapping key of the wrong type: name it by its text (pydantic reports True as 1)
        loc = (*loc[:-2], str(value))
    field_path = format_field_path(loc)
    if kind == "missing":
        name = loc[-1] if loc else "?"
        message = f"required field {name!r} is missing"
    elif kind == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
        allowed = _allowed_keys(loc[:-1])
        if allowed:
            # A key that is already there is not what was meant: 'modle' next to 'mode' is 'model'.
            present = _keys_at(data, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=3)
            close = [c for c in close if c not in present] or close
            if close:
                message += f" (did you mean {close[0]!r}?)"
            else:
                message += f" (allowed: {', '.join(allowed)})"
    elif kind == "enum":
        choices = ", ".join(m.value for m in LLMMode) if loc and loc[-1] == "mode" else _choices(ctx)
        message = f"{value!r} is not one of {choices}"
    elif kind in {"model_type", "dict_type", "model_attributes_type"}:
        message = f"expected a mapping, got {_describe(value)}"
    elif kind == "list_type":
        message = f"expected a list, got {_describe(value)}"
    elif kind == "string_type":
        message = f"expected a string{' as key' if is_key else ''}, got {_describe(value)}"
    elif kind in {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}:
        wanted = "an integer" if kind.startswith("int") else "a number"
        message = f"expected {wanted}, got {_describe(value)}"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind in {"greater_than", "greater_than_equal"}:
        bound = ctx.get("gt", ctx.get("ge"))
        relation = "greater than" if kind == "greater_than" else "at least"
        message = f"must be {relation} {bound}, got {value!r}"
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
    else:
        message = str(err["msg"])
    line, column = _locate(root, loc)
    return ConfigProblem(field_path, message, line, column)


def _keys_at(data: Any, path: FieldPath) -> set[str]:
    """Keys of the mapping at ``path`` in the plain data (empty when there is none)."""
    node = data
    for part in path:
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_list or (isinstance(node, Mapping) and part in node)):
            return set()
        node = node[part]
    return {str(k) for k in node} if isinstance(node, Mapping) else set()


def _choices(ctx: Mapping[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    return expected.replace("'", "").replace(" or ", ", ")


def _describe(value: Any) -> str:
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


def _allowed_keys(path: FieldPath) -> list[str]:
    """Field names accepted at ``path`` of a RuntimeConfig document (for "did you mean")."""
    annotation: Any = RuntimeConfig
    for part in path:
        annotation = _unwrap_optional(annotation)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            info = annotation.model_fields.get(str(part))
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
        return list(annotation.model_fields)
    return []


def _unwrap_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(options) == 1:
            return options[0]
    return annotation
