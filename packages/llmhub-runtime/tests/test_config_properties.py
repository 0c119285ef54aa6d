"""Property tests: whatever text is passed to the loader, the outcome is a config or a ConfigError."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from llmhub_runtime import ConfigError, LLMMode, RuntimeConfig, parse_runtime_config, parse_runtime_yaml

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FIELD_NAMES = [
    "project",
    "env",
    "providers",
    "roles",
    "defaults",
    "meta",
    "provider",
    "model",
    "mode",
    "params",
    "fallbacks",
    "env_key",
    "api_base",
    "timeout",
    "max_retries",
    "openai",
    "anthropic",
    "llamacpp",
    "llm.inference",
    "llm.embedding",
    "temperature",
    "api_key",
    "stream",
    "x-note",
    "parms",
]
MODES = [m.value for m in LLMMode]

#: Characters YAML gives meaning to, mixed with ordinary text, so that syntax errors are common.
YAML_ALPHABET = st.sampled_from(
    [
        *"abcxyz019 _-.:{}[],#&*!|>'\"%@`?~\n\t\\",
        *["  ", "\n  ", ": ", "- ", "&a ", "*a", "!!", "---\n", "...\n", "\x00", "\x85", "\ufeff", "é"],
        "!!int ",
        "!!float ",
        "!!bool ",
        "!!str ",
        "!!binary ",
        "!!set ",
        "!!omap ",
        "!!python/name:x ",
        "<<: ",
    ]
)


def _outcome(text: str) -> RuntimeConfig | ConfigError:
    """The config, or the ConfigError; any other exception propagates and fails the test."""
    try:
        return parse_runtime_yaml(text, source="prop.yaml")
    except ConfigError as e:
        return e


def _check(text: str) -> None:
    outcome = _outcome(text)
    if isinstance(outcome, RuntimeConfig):
        return
    message = str(outcome)
    assert message.startswith("prop.yaml")
    assert "Traceback" not in message
    assert "errors.pydantic.dev" not in message
    assert outcome.__cause__ is None


@SETTINGS
@given(st.lists(YAML_ALPHABET, max_size=60).map("".join))
@example("a: &a [*a]")
@example("? [a]\n: b")
@example("project: !!binary AA==")
@example("- [")
@example("\x00")
@example("a: !!int")
@example("a: !!float x")
@example("a: {? !!bool maybe : 1}")
@example("a: !!int 0x")
def test_random_yaml_like_text(text: str) -> None:
    _check(text)


@SETTINGS
@given(st.text(max_size=200))
def test_random_text(text: str) -> None:
    _check(text)


def _scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(MODES + FIELD_NAMES + ["", "OPENAI_API_KEY", "sk-abc", "http://127.0.0.1:8080/v1"]),
        st.text(max_size=12),
    )


def _keys() -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8), st.integers(-3, 3), st.booleans())


NESTED = st.recursive(
    _scalars(),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_keys(), children, max_size=5),
    ),
    max_leaves=25,
)


def _nearly_valid() -> st.SearchStrategy[dict[str, Any]]:
    """Documents with the real top-level shape whose parts are random: deeper validation runs."""
    target = st.fixed_dictionaries(
        {"provider": st.sampled_from(["openai", "anthropic", "nope", ""]), "model": _scalars()},
        optional={"params": NESTED, "mode": st.sampled_from([*MODES, "chatt", None]), "x-a": NESTED},
    )
    role = st.fixed_dictionaries(
        {"provider": st.sampled_from(["openai", "anthropic", "nope"]), "model": st.just("m")},
        optional={
            "mode": st.sampled_from([*MODES, "chatt"]),
            "params": st.one_of(NESTED, st.dictionaries(st.sampled_from(FIELD_NAMES), _scalars())),
            "fallbacks": st.one_of(st.lists(target, max_size=3), NESTED),
            "parms": NESTED,
        },
    )
    provider = st.one_of(
        st.none(),
        st.fixed_dictionaries(
            {},
            optional={
                "env_key": _scalars(),
                "api_base": _scalars(),
                "timeout": _scalars(),
                "max_retries": _scalars(),
                "env_keys": _scalars(),
            },
        ),
        NESTED,
    )
    return st.fixed_dictionaries(
        {
            "project": _scalars(),
            "env": st.just("dev"),
            "providers": st.dictionaries(
                st.sampled_from(["openai", "anthropic", "opnai", "google"]), provider
            ),
            "roles": st.dictionaries(
                st.sampled_from(["llm.inference", "llm.embedding", "x"]), role, max_size=3
            ),
        },
        optional={"defaults": st.one_of(role, NESTED), "meta": NESTED, "x-extra": NESTED},
    )


def _dump(data: Any) -> str:
    stream = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None
    yaml.dump(data, stream)
    return stream.getvalue()


@SETTINGS
@given(st.one_of(NESTED, st.dictionaries(_keys(), NESTED, max_size=8), _nearly_valid()))
def test_random_structures_dumped_to_yaml(data: Any) -> None:
    _check(_dump(data))


@SETTINGS
@given(_nearly_valid())
def test_random_structures_as_dicts(data: dict[str, Any]) -> None:
    try:
        outcome: RuntimeConfig | ConfigError = parse_runtime_config(data, check_provider_ids=False)
    except ConfigError as e:
        outcome = e
    if isinstance(outcome, ConfigError):
        assert outcome.line is None
        assert "errors.pydantic.dev" not in str(outcome)
    else:
        assert isinstance(outcome, RuntimeConfig)
