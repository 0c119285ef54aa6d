"""The shared error root: categories, located problems, the one UnknownModelError."""

from __future__ import annotations

import inspect

import pytest

import llmhub_runtime.errors as errors_module
from llmhub_runtime import (
    ConfigError,
    ConfigProblem,
    ErrorCategory,
    LLMHubError,
    LLMHubRuntimeError,
    NotWritableError,
    UnknownModelError,
    parse_runtime_yaml,
)

USAGE = {
    "ConfigError",
    "EnvVarMissingError",
    "ModeMismatchError",
    "NotWritableError",
    "ProviderUnavailableError",
    "UnknownModelError",
    "UnknownProviderError",
    "UnknownRoleError",
}


def _error_classes() -> list[type[LLMHubError]]:
    return [
        obj
        for name in errors_module.__all__
        if inspect.isclass(obj := getattr(errors_module, name)) and issubclass(obj, LLMHubError)
    ]


def test_every_runtime_error_has_the_root_and_a_category() -> None:
    classes = _error_classes()
    assert len(classes) >= 10
    for cls in classes:
        expected = ErrorCategory.USAGE if cls.__name__ in USAGE else ErrorCategory.FAILURE
        assert cls.category is expected, cls.__name__
        if cls not in (LLMHubError, UnknownModelError, NotWritableError):
            assert issubclass(cls, LLMHubRuntimeError), cls.__name__


def test_a_config_error_is_a_located_usage_error() -> None:
    with pytest.raises(LLMHubError) as info:
        parse_runtime_yaml("project: p\nenv: dev\nroles:\n  r:\n    provider: openai\n", source="app.yaml")
    error = info.value
    assert isinstance(error, ConfigError)
    assert error.is_usage_error
    assert error.source == "app.yaml"
    assert error.problems
    assert all(isinstance(p, ConfigProblem) for p in error.problems)
    assert str(error).splitlines()[0] == error.problems[0].render("app.yaml")


def test_an_error_without_a_file_has_no_problems() -> None:
    error = LLMHubRuntimeError("boom")
    assert (error.problems, error.source, error.line, error.field) == ((), None, None, "")
    assert not error.is_usage_error


def test_unknown_model_error_is_a_key_error_with_a_readable_message() -> None:
    error = UnknownModelError("gpt-4.2", suggestions=("openai/gpt-4.1",))
    assert isinstance(error, KeyError)
    assert str(error) == "no model 'gpt-4.2' in the catalog; did you mean openai/gpt-4.1?"
    listed = UnknownModelError("x", where="in the registry", known=["a", "b"])
    assert str(listed) == "no model 'x' in the registry (known ids: a, b)"
    assert (listed.model, listed.known, listed.suggestions) == ("x", ("a", "b"), ())
    with pytest.raises(KeyError):
        raise listed
