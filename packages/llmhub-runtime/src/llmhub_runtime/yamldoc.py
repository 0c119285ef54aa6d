"""YAML documents that remember where each key sits, and validation errors that say so.

Shared by every LLMHub file format (``llmhub.yaml`` here; ``llmhub.spec.yaml`` in the generator):

* the text is composed into YAML nodes first, and refused before anything is constructed if a
  node carries a tag other than the plain-data ones (``!!python/...``, ``!!binary``, custom
  ``!tags``) or an alias that contains itself;
* it is then loaded with ruamel.yaml's round-trip loader (which records the line and column of
  every key) and converted to plain dicts, lists and builtin scalars for pydantic; shared anchors
  are converted once, so an alias bomb stays linear;
* a pydantic ``ValidationError`` becomes :class:`ConfigProblem` objects naming line and field
  path, with "did you mean" suggestions for unknown keys.

Every failure is a :class:`ConfigError` (or the located error a caller asks for). ruamel.yaml is
imported on first use so that ``import llmhub_runtime`` stays cheap.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import os
import types
import typing
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from llmhub_runtime.errors import ConfigError, ConfigProblem, LocatedErrorFactory
from llmhub_runtime.readers import MAX_TEXT_BYTES, read_text_file, too_large_message

__all__ = [
    "MAX_YAML_DEPTH",
    "MAX_YAML_VALUES",
    "FieldPath",
    "YamlDocument",
    "allowed_keys",
    "describe_value",
    "format_field_path",
    "load_yaml_text",
    "locate",
    "read_yaml_file",
    "validation_problems",
]

FieldPath = tuple[str | int, ...]

#: Deepest nesting of mappings and lists accepted in a YAML document.
MAX_YAML_DEPTH = 64
#: Most values a document may hold once its aliases are expanded (checked only when it uses aliases;
#: without them the size limit bounds the document).
MAX_YAML_VALUES = 100_000


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
        return locate(self.root, path)

    def problem(self, path: Sequence[str | int], message: str) -> ConfigProblem:
        """A :class:`ConfigProblem` at ``path``, located in this document."""
        return ConfigProblem(format_field_path(path), message, *self.locate(path))


def read_yaml_file(
    path: str | os.PathLike[str],
    *,
    empty_hint: str = "",
    error: LocatedErrorFactory = ConfigError,
    max_bytes: int = MAX_TEXT_BYTES,
) -> YamlDocument:
    """Read a YAML file whose top level must be a mapping.

    The file is read through :mod:`llmhub_runtime.readers` (size limit, UTF-8/UTF-16/UTF-32
    detection) and parsed with the limits of :func:`load_yaml_text`.

    Raises:
        ConfigError (or ``error``): missing, unreadable, too large, not text, invalid YAML, over a
            nesting or alias limit, not a mapping.
    """
    source = os.fspath(path)
    decoded = read_text_file(source, max_bytes=max_bytes, error=error)
    return load_yaml_text(
        decoded.text, source=source, empty_hint=empty_hint, error=error, max_bytes=max_bytes
    )


def load_yaml_text(
    text: str,
    *,
    source: str,
    empty_hint: str = "",
    error: LocatedErrorFactory = ConfigError,
    max_bytes: int = MAX_TEXT_BYTES,
) -> YamlDocument:
    """Parse YAML text whose top level must be a mapping (see :func:`read_yaml_file`).

    Limits: at most ``max_bytes`` characters, :data:`MAX_YAML_DEPTH` levels of nesting, and (when
    aliases are used) :data:`MAX_YAML_VALUES` values once every alias is expanded, so an alias
    bomb is refused before anything walks it.
    """
    if len(text) > max_bytes:
        raise error([ConfigProblem("", too_large_message(len(text), max_bytes))], source)
    data, root = _load_yaml(text, source, empty_hint, error)
    return YamlDocument(data=data, root=root, source=source, text=text)


def validation_problems(
    exc: ValidationError, model: type[BaseModel], document: YamlDocument | None = None
) -> list[ConfigProblem]:
    """Turn a pydantic ``ValidationError`` for ``model`` into located, readable problems."""
    root = document.root if document is not None else None
    data: Mapping[str, Any] = document.data if document is not None else {}
    problems = [_problem_from_pydantic(err, root, data, model) for err in exc.errors(include_url=False)]
    seen: set[tuple[str, str]] = set()
    unique: list[ConfigProblem] = []
    for problem in problems:
        if (problem.field, problem.message) not in seen:
            seen.add((problem.field, problem.message))
            unique.append(problem)
    return unique


# --------------------------------------------------------------------------- YAML reading


def _load_yaml(text: str, source: str, empty_hint: str, error: LocatedErrorFactory) -> tuple[Any, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, ReusedAnchorWarning, YAMLError
    from ruamel.yaml.reader import ReaderError

    yaml = YAML(typ="rt")
    yaml.Composer = _depth_limited_composer()
    document = None
    try:
        # Parse once into nodes; refuse deep nesting (while composing), unsupported tags,
        # recursive aliases and alias bombs on the bare nodes, then build from those same nodes.
        with warnings.catch_warnings():
            # A reused anchor is valid YAML (the later one wins); ruamel's warning would reach the
            # user's terminal as a Python warning naming its own source line.
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            document = yaml.compose(text)
        refused = _node_problem(document) or _expansion_problem(document)
        if refused is not None:
            path, mark, message = refused
            problem = ConfigProblem(format_field_path(path), message, mark.line + 1, mark.column + 1)
            raise error([problem], source)
        root = yaml.constructor.construct_document(document) if document is not None else None
    except _TooDeepError as e:
        message = f"YAML nesting is too deep (more than {MAX_YAML_DEPTH} levels)"
        raise error([ConfigProblem("", message, e.mark.line + 1, e.mark.column + 1)], source) from None
    except ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        column = e.position - text.rfind("\n", 0, e.position)
        message = f"invalid YAML: unacceptable character #x{e.character:04x}: {e.reason}"
        raise error([ConfigProblem("", message, line, column)], source) from None
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
        raise error([ConfigProblem("", message, line, column)], source) from None
    except YAMLError as e:
        raise error([ConfigProblem("", f"invalid YAML: {e}")], source) from None
    except RecursionError:
        raise error([ConfigProblem("", "YAML nesting is too deep")], source) from None
    except (ValueError, IndexError, KeyError, TypeError):
        # How ruamel fails on an explicitly tagged scalar of the wrong type (``!!int abc``).
        raise error([_bad_tagged_scalar(YAML(typ="rt"), document)], source) from None
    if root is None:
        hint = f" (expected {empty_hint})" if empty_hint else ""
        raise error([ConfigProblem("", f"the file is empty{hint}")], source)
    if not isinstance(root, Mapping):
        start = document.start_mark  # after any leading comments
        message = f"expected a mapping at the top level, got {describe_value(root)}"
        raise error([ConfigProblem("", message, start.line + 1, start.column + 1)], source)
    data = _to_plain(root, (), source, {}, error=error)
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


class _TooDeepError(Exception):
    def __init__(self, mark: Any) -> None:
        super().__init__("too deep")
        self.mark = mark


def _depth_limited_composer() -> type[Any]:
    """ruamel's composer, refusing nesting deeper than :data:`MAX_YAML_DEPTH` as it goes.

    The composer recurses once per level; stopping it early means a 100,000-deep document costs a
    clear message instead of a ``RecursionError`` (and works whatever ruamel version is installed).
    """
    from ruamel.yaml.composer import Composer

    class DepthLimitedComposer(Composer):
        _llmhub_depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            self._llmhub_depth += 1
            try:
                if self._llmhub_depth > MAX_YAML_DEPTH:
                    raise _TooDeepError(self.parser.peek_event().start_mark)
                return super().compose_node(parent, index)
            finally:
                self._llmhub_depth -= 1

    return DepthLimitedComposer


def _expansion_problem(document: Any) -> tuple[FieldPath, Any, str] | None:
    """Refuse a document whose aliases expand it past :data:`MAX_YAML_VALUES` values.

    The expanded size of each node is computed once (memoised by node), so this is linear in the
    document even for an alias bomb, and it runs before any code walks the expanded data.
    """
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if document is None:
        return None
    sizes: dict[int, int] = {}
    shared = False
    # Iterative post-order walk (no recursion, whatever the shape).
    stack: list[tuple[Any, bool]] = [(document, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        if key in sizes and not expanded:
            shared = True  # a node reached twice: an alias
            continue
        if isinstance(node, MappingNode):
            children = [child for pair in node.value for child in pair]
        elif isinstance(node, SequenceNode):
            children = list(node.value)
        else:
            sizes[key] = 1
            continue
        if not expanded:
            sizes[key] = 0  # placeholder: marks the node as being visited
            stack.append((node, True))
            stack.extend((child, False) for child in children)
            continue
        sizes[key] = min(1 + sum(sizes[id(child)] for child in children), MAX_YAML_VALUES + 1)
    total = sizes[id(document)]
    if shared and total > MAX_YAML_VALUES:
        message = (
            f"YAML aliases expand this document to more than {MAX_YAML_VALUES:,} values "
            "(an alias bomb?); write the values out or use fewer aliases"
        )
        # Point at the first top-level entry that is too large on its own, if there is one.
        for key, value in document.value if isinstance(document, MappingNode) else ():
            if sizes[id(value)] > MAX_YAML_VALUES:
                return (_node_key(key),), key.start_mark, message
        return (), document.start_mark, message
    return None


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
        children: list[tuple[str | int, Any, Any, Any]]
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
    node: Any,
    path: FieldPath,
    source: str,
    memo: dict[int, Any],
    root: Any = None,
    *,
    error: LocatedErrorFactory = ConfigError,
) -> Any:
    """Turn ruamel's round-trip objects into dicts, lists and plain scalars.

    Shared anchors are converted once (an alias bomb stays linear). Tags and recursive aliases
    were refused on the nodes before anything was built (:func:`_node_problem`).
    """
    root = node if root is None else root
    if isinstance(node, (Mapping, list)):
        key = id(node)
        if key in memo:
            return memo[key]
        if isinstance(node, Mapping):
            result_map: dict[Any, Any] = {}
            for k, v in node.items():
                plain_key = _scalar(k) if not isinstance(k, (Mapping, list, tuple)) else None
                if not isinstance(plain_key, (str, int, float, bool)) or plain_key is None:
                    raise error(
                        [
                            ConfigProblem(
                                format_field_path(path),
                                f"mapping key must be a plain scalar, got {describe_value(k)}",
                                *_key_pos(node, k),
                            )
                        ],
                        source,
                    )
                result_map[plain_key] = _to_plain(v, (*path, str(plain_key)), source, memo, root, error=error)
            memo[key] = result_map
            return result_map
        result_list = [_to_plain(v, (*path, i), source, memo, root, error=error) for i, v in enumerate(node)]
        memo[key] = result_list
        return result_list
    value = _scalar(node)
    if value is not None and not isinstance(value, (str, int, float)):
        message = f"unsupported YAML value of type {type(node).__name__.removeprefix('Commented').lower()}"
        problem = ConfigProblem(format_field_path(path), message, *_where(node, root, path))
        raise error([problem], source)
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
    return position if position[0] is not None else locate(root, path)


def _key_pos(node: Any, key: Any) -> tuple[int | None, int | None]:
    try:
        line, col = node.lc.key(key)
    except (AttributeError, KeyError, TypeError):
        return _pos_of(node)
    return line + 1, col + 1


def locate(root: Any, path: Sequence[str | int]) -> tuple[int | None, int | None]:
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


def _problem_from_pydantic(
    err: Any, root: Any, data: Mapping[str, Any], model: type[BaseModel]
) -> ConfigProblem:
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
        allowed = allowed_keys(model, loc[:-1])
        if allowed:
            # A key that is already there is not what was meant: 'modle' next to 'mode' is 'model'.
            present = _keys_at(data, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=3)
            close = [c for c in close if c not in present] or close
            if close:
                message += f" (did you mean {close[0]!r}?)"
            else:
                message += f" (allowed: {', '.join(allowed)})"
    elif kind in {"enum", "literal_error"}:
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        message = f"{value!r} is not one of {expected}"
    elif kind in {"model_type", "dict_type", "model_attributes_type"}:
        message = f"expected a mapping, got {describe_value(value)}"
    elif kind == "list_type":
        message = f"expected a list, got {describe_value(value)}"
    elif kind == "string_type":
        message = f"expected a string{' as key' if is_key else ''}, got {describe_value(value)}"
    elif kind in {"float_type", "float_parsing", "int_type", "int_parsing", "int_from_float"}:
        wanted = "an integer" if kind.startswith("int") else "a number"
        message = f"expected {wanted}, got {describe_value(value)}"
    elif kind == "string_too_short":
        message = "must not be empty"
    elif kind in {"bool_type", "bool_parsing"}:
        message = f"expected true or false, got {describe_value(value)}"
    elif kind in {"greater_than", "greater_than_equal", "less_than", "less_than_equal"}:
        relation, bound = {
            "greater_than": ("greater than", ctx.get("gt")),
            "greater_than_equal": ("at least", ctx.get("ge")),
            "less_than": ("less than", ctx.get("lt")),
            "less_than_equal": ("at most", ctx.get("le")),
        }[kind]
        message = f"must be {relation} {bound}, got {value!r}"
    elif kind == "value_error":
        message = str(err["msg"]).removeprefix("Value error, ")
    else:
        message = str(err["msg"])
    line, column = locate(root, loc)
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
