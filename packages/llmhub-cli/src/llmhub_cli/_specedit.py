"""Round-trip edits of llmhub.spec.yaml: comments, key order, quoting and ``x-`` keys survive.

The file is loaded with ruamel.yaml's round-trip mode, changed in place, dumped, validated as a
spec (an edit that would make the spec invalid is refused and the file is left alone) and written
atomically. Indentation of sequences is detected from the file so untouched lines stay byte-equal.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmhub_cli._boundary import CliError

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

__all__ = ["RoleEdit", "SpecDocument", "parse_assignment", "parse_scalar"]

_LEVEL_KEYS = ("quality", "cost", "latency")


def parse_scalar(text: str) -> Any:
    """A command-line value read as YAML: ``0.7`` -> 0.7, ``true`` -> True, ``[a, b]`` -> list."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        value = YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return text
    return text if value is None and text.strip() not in {"null", "~"} else value


def parse_assignment(text: str, option: str) -> tuple[str, Any]:
    """``KEY=VALUE`` -> (key, parsed value); a usage error otherwise."""
    import typer

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise typer.BadParameter(f"expected KEY=VALUE, got {text!r}", param_hint=option)
    return key.strip(), parse_scalar(value.strip())


@dataclass
class RoleEdit:
    """Changes to one role; ``None`` / empty means "leave as it is"."""

    kind: str | None = None
    description: str | None = None
    levels: dict[str, str] = field(default_factory=dict)
    prefer: list[str] | None = None
    requires: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    force: tuple[str, str] | None = None
    unforce: bool = False
    fallbacks: int | None = None
    unset: list[str] = field(default_factory=list)


def _yaml(text: str) -> YAML:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a user's long description
    mapping, sequence, offset = _detect_indent(text)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _detect_indent(text: str) -> tuple[int, int, int]:
    """(mapping, sequence, dash offset) as the file uses them; ruamel's defaults otherwise."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    mapping = 2
    for prev, line in itertools.pairwise(lines):
        a = len(prev) - len(prev.lstrip())
        b = len(line) - len(line.lstrip())
        if prev.rstrip().endswith(":") and b > a and not line.lstrip().startswith("- "):
            mapping = b - a
            break
    for prev, line in itertools.pairwise(lines):
        if line.lstrip().startswith("- ") and prev.rstrip().endswith(":"):
            offset = (len(line) - len(line.lstrip())) - (len(prev) - len(prev.lstrip()))
            offset = max(offset, 0)
            return mapping, offset + 2, offset
    return mapping, mapping, 0


def _flow_map(items: dict[str, Any]) -> CommentedMap:
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap(items)
    node.fa.set_flow_style()
    return node


class SpecDocument:
    """An llmhub.spec.yaml loaded for editing."""

    def __init__(self, path: Path, source: str) -> None:
        from ruamel.yaml.comments import CommentedMap

        from llmhub_generator.errors import SpecError
        from llmhub_runtime.readers import read_text_file
        from llmhub_runtime.yamldoc import load_yaml_text

        self.path = path
        self.source = source
        # The runtime's reader and safe loader first: size, encoding, syntax, nesting, tags and
        # aliases are refused with the file, line and field, before the round-trip loader runs.
        decoded = read_text_file(path, error=SpecError)
        if decoded.codec != "utf-8":
            raise CliError(
                f"{source}: the file is encoded as {decoded.encoding}; llmhub edits UTF-8 files only",
                hint="convert it to UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`), or edit it by hand",
            )
        self.bom = decoded.bom  # a UTF-8 byte order mark is written back as it was
        self.original = decoded.text
        load_yaml_text(self.original, source=source, empty_hint="project, providers, roles", error=SpecError)
        self.yaml = _yaml(self.original)
        data = self.yaml.load(self.original)
        if not isinstance(data, CommentedMap):
            raise CliError(
                f"{source}: expected a mapping at the top level", hint="run `llmhub spec validate`"
            )
        self.data = data
        self._refuse_shared(data, "the top level", deep=False)

    def _refuse_shared(self, node: Any, what: str, *, deep: bool = True) -> None:
        """Refuse to edit YAML that is shared through anchors or merge keys.

        Changing a node that an alias points at (or that a ``<<`` merge copies from) would change
        every place that uses it, which is never what a one-role edit means.
        """
        from ruamel.yaml.comments import CommentedBase, merge_attrib

        stack = [node]
        while stack:
            current = stack.pop()
            if not isinstance(current, CommentedBase):
                continue
            anchor = getattr(getattr(current, "anchor", None), "value", None)
            merged = getattr(current, merge_attrib, None)
            if anchor is not None or merged:
                line = getattr(current.lc, "line", None)
                where = f"{self.source}:{line + 1}" if isinstance(line, int) else self.source
                construct = f"anchor &{anchor}" if anchor is not None else "merge key <<"
                raise CliError(
                    f"{where}: {what} uses the YAML {construct}; llmhub does not edit shared YAML in "
                    "place (the change would also apply wherever it is used)",
                    hint="edit the file by hand, or write the shared values out",
                )
            if not deep:
                return
            if isinstance(current, dict):
                stack.extend(current.values())
            elif isinstance(current, list):
                stack.extend(current)

    # ------------------------------------------------------------------ roles

    @property
    def roles(self) -> CommentedMap:
        from ruamel.yaml.comments import CommentedMap

        roles = self.data.get("roles")
        if roles is None:
            roles = CommentedMap()
            self.data["roles"] = roles
        if not isinstance(roles, CommentedMap):
            raise CliError(f"{self.source}: 'roles' is not a mapping", hint="run `llmhub spec validate`")
        self._refuse_shared(roles, "'roles'", deep=False)
        if not roles:
            roles.fa.set_block_style()  # `roles: {}` becomes a block once it has entries
        return roles

    def require_role(self, name: str) -> CommentedMap:
        from ruamel.yaml.comments import CommentedMap

        roles = self.roles
        if name not in roles:
            known = ", ".join(map(str, roles)) or "none"
            raise CliError(f"{self.source}: no role {name!r} (roles: {known})", hint="see `llmhub roles`")
        role = roles[name]
        if role is None:
            role = CommentedMap()
            roles[name] = role
        if not isinstance(role, CommentedMap):
            raise CliError(
                f"{self.source}: role {name!r} is not a mapping", hint="run `llmhub spec validate`"
            )
        self._refuse_shared(role, f"role {name!r}")
        return role

    def add_role(self, name: str, edit: RoleEdit) -> None:
        from ruamel.yaml.comments import CommentedMap

        roles = self.roles
        if name in roles:
            raise CliError(
                f"{self.source}: role {name!r} already exists", hint=f"use `llmhub edit-role {name}`"
            )
        # The blank lines after the last role (before what follows) stay at the end of the roles,
        # and the previous last role keeps a blank line before the new one.
        gap = _take_trailing_gap(roles)
        separated = gap is not None or self._gap_after_roles()
        previous = _last_entry(roles)
        roles[name] = CommentedMap()
        if edit.kind is None:
            edit.kind = "chat"
        self.apply(name, edit)
        _put_trailing_gap(roles, gap)
        if gap is None and separated and previous is not None:
            container, key = previous
            items = container.ca.items.setdefault(key, [None, None, None, None])
            if items[2] is None:  # a blank line between the previous last role and the new one
                items[2] = _comment_token("\n\n", None)

    def remove_role(self, name: str) -> None:
        self.require_role(name)
        roles = self.roles
        was_last = list(roles)[-1] == name
        gap = _take_trailing_gap(roles) if was_last else None
        del roles[name]
        if gap is not None:
            _put_trailing_gap(roles, gap)
        elif was_last and self._gap_after_roles():
            # The gap lives on the next top-level key; the new last role's separator would double it.
            entry = _last_entry(roles)
            items = entry[0].ca.items.get(entry[1]) if entry is not None else None
            if items and len(items) > 2 and items[2] is not None:
                eol, _ = _split_gap(items[2].value)
                items[2].value = eol

    def _gap_after_roles(self) -> bool:
        """Whether the top-level key after ``roles`` starts with blank lines (ruamel keeps them there
        when the last role ends with a flow-style value)."""
        keys = list(self.data)
        if "roles" not in keys or keys.index("roles") == len(keys) - 1:
            return False
        items = self.data.ca.items.get(keys[keys.index("roles") + 1])
        return bool(items and len(items) > 1 and items[1])

    def rename_role(self, name: str, new_name: str) -> None:
        roles = self.roles
        role = self.require_role(name)
        if new_name in roles:
            raise CliError(f"{self.source}: role {new_name!r} already exists")
        position = list(roles).index(name)
        del roles[name]
        roles.insert(position, new_name, role)

    def apply(self, name: str, edit: RoleEdit) -> None:
        """Apply ``edit`` to role ``name`` in place (new keys go after the existing ones)."""
        role = self.require_role(name)
        if edit.kind is not None:
            role["kind"] = edit.kind
        if edit.description is not None:
            role["description"] = edit.description
        if edit.levels or edit.prefer is not None:
            preferences = self._sub(role, "preferences")
            for key in _LEVEL_KEYS:
                if key in edit.levels:
                    preferences[key] = edit.levels[key]
            if edit.prefer is not None:
                preferences["providers"] = _flow_list(edit.prefer)
        if edit.requires:
            requires = self._sub(role, "requires")
            for key, value in edit.requires.items():
                requires[key] = _flow_list(value) if isinstance(value, list) else value
        if edit.params:
            params = self._sub(role, "mode_params")
            for key, value in edit.params.items():
                params[key] = value
        if edit.unforce and "force" in role:
            del role["force"]
        if edit.force is not None:
            if isinstance(role.get("force"), dict):
                role["force"]["provider"], role["force"]["model"] = edit.force
            else:
                role["force"] = _flow_map({"provider": edit.force[0], "model": edit.force[1]})
        if edit.fallbacks is not None:
            role["fallbacks"] = edit.fallbacks
        for dotted in edit.unset:
            self._unset(name, role, dotted)

    def _sub(self, role: CommentedMap, key: str) -> CommentedMap:
        from ruamel.yaml.comments import CommentedMap

        node = role.get(key)
        if node is None:
            node = _flow_map({})
            role[key] = node
        elif not isinstance(node, CommentedMap):
            # Never replace what the user wrote: a list or a text here is theirs to fix.
            raise CliError(
                f"{self.source}: {key!r} of this role is not a mapping; fix it first",
                hint="run `llmhub spec validate`",
            )
        return node

    def _unset(self, name: str, role: CommentedMap, dotted: str) -> None:
        parts = dotted.split(".")
        node: Any = role
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or parts[-1] not in node:
            raise CliError(f"{self.source}: role {name!r} has no {dotted!r} to unset")
        del node[parts[-1]]
        # An emptied sub-mapping (e.g. preferences: {}) is removed too.
        if len(parts) > 1 and not node:
            parent: Any = role
            for part in parts[:-2]:
                parent = parent[part]
            del parent[parts[-2]]

    # ------------------------------------------------------------------ output

    def dump(self) -> str:
        buffer = io.StringIO()
        self.yaml.dump(self.data, buffer)
        text = buffer.getvalue()
        if self.original.startswith("---") is False and text.startswith("---\n"):
            text = text[4:]
        return text

    def save(self) -> str:
        """Validate the edited spec and write it atomically; returns the new text."""
        from llmhub_generator.errors import SpecError
        from llmhub_generator.spec import parse_spec_yaml
        from llmhub_runtime.atomic import atomic_write

        text = self.dump()
        try:
            parse_spec_yaml(text, source=self.source)
        except SpecError as exc:
            raise CliError(
                f"the change would make the spec invalid, so nothing was written:\n{exc}",
                hint="fix the options, or edit the file by hand",
            ) from None
        atomic_write(self.path, "\ufeff" + text if self.bom else text)
        return text


def _last_entry(node: Any) -> tuple[Any, Any] | None:
    """(container, key) of the last line of a block mapping/sequence: where ruamel keeps the blank
    lines and comments that follow it."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    found = None
    while isinstance(node, (CommentedMap, CommentedSeq)) and len(node) and not node.fa.flow_style():
        key = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        found = (node, key)
        node = node[key]
    return found


def _split_gap(value: str) -> tuple[str, str]:
    """A trailing comment token's text as (end of the line, with its comment; what follows it)."""
    end = value.find("\n")
    return (value, "") if end < 0 else (value[: end + 1], value[end + 1 :])


def _take_trailing_gap(roles: CommentedMap) -> str | None:
    """Detach what follows the last role's last line (blank lines, comments before the next key).

    The line's own end-of-line comment stays; so do the blank lines that now separate the last
    role from what will follow it. Returns the detached text, or None when there is nothing.
    """
    entry = _last_entry(roles)
    if entry is None:
        return None
    container, key = entry
    items = container.ca.items.get(key)
    if not items or len(items) < 3 or items[2] is None:
        return None
    token = items[2]
    eol, rest = _split_gap(token.value)
    if not rest:
        return None
    blank = rest[: len(rest) - len(rest.lstrip("\n"))]
    token.value = eol + blank
    return rest


def _put_trailing_gap(roles: CommentedMap, rest: str | None) -> None:
    """Attach ``rest`` (from :func:`_take_trailing_gap`) after the last role's last line."""
    entry = _last_entry(roles)
    if rest is None or entry is None:
        return
    container, key = entry
    items = container.ca.items.setdefault(key, [None, None, None, None])
    while len(items) < 3:
        items.append(None)
    if items[2] is None:
        items[2] = _comment_token("\n" + rest, None)
    else:
        eol, _ = _split_gap(items[2].value)  # its own gap is replaced by the one that moves
        items[2].value = eol + rest


def _comment_token(value: str, like: Any) -> Any:
    from ruamel.yaml.error import CommentMark
    from ruamel.yaml.tokens import CommentToken

    if like is None:
        return CommentToken(value, CommentMark(0), None)
    return CommentToken(value, like.start_mark, like.end_mark)


def _flow_list(values: Iterable[Any]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(list(values))
    seq.fa.set_flow_style()
    return seq


_ROLE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


def check_role_name(name: str) -> str:
    """A usage error for role names that would be awkward in YAML and in code."""
    import typer

    if not _ROLE_NAME.match(name):
        raise typer.BadParameter(
            f"{name!r}: use letters, digits, '.', '_', '-' or '/' (e.g. llm.inference)", param_hint="NAME"
        )
    return name
