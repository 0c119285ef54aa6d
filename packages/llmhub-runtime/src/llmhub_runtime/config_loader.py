"""Load and validate ``llmhub.yaml``.

Every failure becomes a :class:`~llmhub_runtime.errors.ConfigError` whose message names the file,
the line and the field path of each problem, e.g.::

    llmhub.yaml:14 roles.llm.inference.mode: 'chatt' is not one of chat, embedding, image, audio, tool, other

Reading YAML safely and locating problems is :mod:`llmhub_runtime.yamldoc`'s job (shared with the
spec parser of llmhub-generator); this module adds the checks that are specific to the runtime
file: provider ids that any-llm knows, and roles that only use listed providers.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from llmhub_runtime.errors import ConfigError, ConfigProblem
from llmhub_runtime.models import DEFER_REFERENCE_CHECK, RuntimeConfig
from llmhub_runtime.yamldoc import (
    FieldPath,
    YamlDocument,
    describe_value,
    format_field_path,
    load_yaml_text,
    read_yaml_file,
    validation_problems,
)

__all__ = [
    "format_field_path",
    "load_runtime_config",
    "parse_runtime_config",
    "parse_runtime_yaml",
    "runtime_config_from_document",
    "supported_provider_ids",
]

_EMPTY_HINT = "project, env, providers, roles"


def load_runtime_config(path: str | os.PathLike[str], *, check_provider_ids: bool = True) -> RuntimeConfig:
    """Read, parse and validate an ``llmhub.yaml`` file.

    Args:
        path: The file to read.
        check_provider_ids: Reject provider ids that any-llm does not know. The ids are checked
            against a list kept equal to any-llm's, so any-llm is not imported (except to
            double-check an id missing from that list).

    Raises:
        ConfigError: The file is missing, unreadable, not YAML, or not a valid configuration.
    """
    document = read_yaml_file(path, empty_hint=_EMPTY_HINT)
    return _validate(document, check_provider_ids)


def parse_runtime_yaml(
    text: str, *, source: str = "<string>", check_provider_ids: bool = True
) -> RuntimeConfig:
    """Parse and validate ``llmhub.yaml`` content given as a string.

    ``source`` is the name used in error messages.
    """
    return _validate(load_yaml_text(text, source=source, empty_hint=_EMPTY_HINT), check_provider_ids)


def parse_runtime_config(
    data: Mapping[str, Any], *, source: str | None = None, check_provider_ids: bool = True
) -> RuntimeConfig:
    """Validate configuration data that is already in memory (no line numbers are available).

    Raises:
        ConfigError: The data is not a valid configuration.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(
            [ConfigProblem("", f"expected a mapping at the top level, got {describe_value(data)}")], source
        )
    return _validate(YamlDocument(data=dict(data), root=None, source=source or ""), check_provider_ids)


def runtime_config_from_document(document: YamlDocument, *, check_provider_ids: bool = True) -> RuntimeConfig:
    """Validate an ``llmhub.yaml`` already read with :func:`~llmhub_runtime.yamldoc.read_yaml_file`.

    For callers that also need the document itself (its text, its ``meta``), so the file is read
    and parsed once.

    Raises:
        ConfigError: The document is not a valid configuration (with lines and field paths).
    """
    return _validate(document, check_provider_ids)


def supported_provider_ids() -> frozenset[str]:
    """Provider ids any-llm accepts, from a list kept in step with it (any-llm is not imported)."""
    from llmhub_runtime._providers import KNOWN_PROVIDER_IDS

    return KNOWN_PROVIDER_IDS


def _validate(document: YamlDocument, check_provider_ids: bool) -> RuntimeConfig:
    source = document.source or None
    try:
        config = RuntimeConfig.model_validate(document.data, context={DEFER_REFERENCE_CHECK: True})
    except ValidationError as e:
        raise ConfigError(validation_problems(e, RuntimeConfig, document), source) from None

    found: list[tuple[FieldPath, str]] = []
    if check_provider_ids:
        from llmhub_runtime._providers import is_known_provider

        known = supported_provider_ids()
        for provider_id in config.providers:
            if not is_known_provider(provider_id):
                found.append((("providers", provider_id), _unknown_provider_message(provider_id, known)))
    found.extend(config.reference_problems())
    if found:
        raise ConfigError([document.problem(path, msg) for path, msg in found], source)
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
