"""Every broken llmhub.yaml under fixtures/bad/ is one located ConfigError; fixtures/good/ load.

Each bad fixture declares its expectation on its first line::

    # expect: line=9 field=roles.a.mode text="is not one of"

``line`` is the 1-based line of the first problem (``none`` where no line applies), ``field`` its
field path (``""`` for a problem with the document as a whole) and ``text`` a fragment of the
message.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from llmhub_runtime import ConfigError, LLMMode, load_runtime_config, resolve_role

FIXTURES = Path(__file__).parent / "fixtures"
BAD = sorted((FIXTURES / "bad").glob("*.yaml"))
GOOD = sorted((FIXTURES / "good").glob("*.yaml"))

#: Text that must never reach a user: implementation details and tracebacks.
LEAKS = (
    "Traceback",
    'File "',
    "errors.pydantic.dev",
    "pydantic",
    "ValidationError",
    "input_value",
    "For further information",
    "ruamel",
    "<unicode string>",
    "CommentedMap",
    "CommentedSeq",
    "TaggedScalar",
    "ordereddict",
)


@dataclass(frozen=True)
class Expectation:
    line: int | None
    field: str
    text: str


def _expectation(path: Path) -> Expectation:
    first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
    assert first.startswith("# expect:"), f"{path.name}: first line must declare '# expect: ...'"
    values = dict(item.split("=", 1) for item in shlex.split(first.removeprefix("# expect:")))
    assert set(values) == {"line", "field", "text"}, f"{path.name}: bad expectation {values}"
    line = None if values["line"] == "none" else int(values["line"])
    return Expectation(line, values["field"], values["text"])


def test_enough_fixtures() -> None:
    assert len(BAD) >= 35
    assert len(GOOD) >= 5


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_fixture_is_one_located_config_error(path: Path) -> None:
    expected = _expectation(path)

    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)

    error = info.value
    assert type(error) is ConfigError
    message = str(error)
    assert error.source == str(path)
    assert error.problems
    # One problem per line, each naming the file first.
    assert len(message.splitlines()) == len(error.problems)
    for rendered in message.splitlines():
        assert rendered.startswith(str(path))
    where = str(path) if expected.line is None else f"{path}:{expected.line}"
    assert message.startswith(f"{where} {expected.field}: " if expected.field else f"{where}: "), message
    assert error.line == expected.line, message
    if error.line is not None:
        total_lines = len(path.read_bytes().splitlines())
        assert 1 <= error.line <= total_lines
        assert error.problems[0].column is None or error.problems[0].column >= 1
    assert error.field == expected.field, message
    assert expected.text in message
    for leak in LEAKS:
        assert leak not in message, f"{leak!r} leaked into: {message}"
    # Raised `from None` (or outside any handler): no chained exception for a traceback to show.
    assert error.__cause__ is None
    assert error.__suppress_context__ or error.__context__ is None


def test_secrets_in_a_bad_file_are_not_echoed() -> None:
    for name in ("env_key_holds_secret.yaml", "api_key_in_params.yaml"):
        path = FIXTURES / "bad" / name
        assert "sk-proj-" in path.read_text(encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            load_runtime_config(path)
        assert "sk-proj-" not in str(info.value)
        assert "abc123" not in repr(info.value.problems)


def test_yaml_tags_never_execute() -> None:
    marker = Path("/tmp/llmhub-pwned")
    marker.unlink(missing_ok=True)
    with pytest.raises(ConfigError):
        load_runtime_config(FIXTURES / "bad" / "yaml_tag_python_object.yaml")
    assert not marker.exists()


# --------------------------------------------------------------------------- good fixtures


@pytest.mark.parametrize("path", GOOD, ids=[p.stem for p in GOOD])
def test_good_fixture_loads_and_every_role_resolves(path: Path) -> None:
    config = load_runtime_config(path)
    assert config.roles
    for name, role in config.roles.items():
        resolved = resolve_role(config, name)
        assert resolved.role == name
        assert (resolved.provider, resolved.model, resolved.mode) == (role.provider, role.model, role.mode)
        assert resolved.params == role.params
        assert not resolved.from_defaults
        assert [(f.provider, f.model) for f in resolved.fallbacks] == [
            (f.provider, f.model) for f in role.fallbacks
        ]
        for target in resolved.targets():
            assert target.provider in config.providers
            assert target.mode is role.mode


def test_seed_001_example() -> None:
    config = load_runtime_config(FIXTURES / "good" / "seed_001_example.yaml")
    assert (config.project, config.env) == ("memory", "dev")
    assert set(config.providers) == {"openai", "anthropic", "mistral", "openrouter"}
    assert config.providers["mistral"].env_key == "MISTRAL_API_KEY"
    assert list(config.roles) == [
        "llm.preprocess",
        "llm.memwrite",
        "llm.memread",
        "llm.inference",
        "llm.embedding",
    ]
    embedding = resolve_role(config, "llm.embedding")
    assert embedding.mode is LLMMode.EMBEDDING
    assert embedding.params == {"embedding_dim": 1536}
    assert embedding.env_key == "OPENAI_API_KEY"
    memwrite = resolve_role(config, "llm.memwrite")
    assert (memwrite.provider, memwrite.model) == ("anthropic", "claude-3-5-sonnet-20241022")
    assert memwrite.params == {"temperature": 0.3, "max_tokens": 1024}
    assert memwrite.fallbacks == ()

    unlisted = resolve_role(config, "llm.summarize")
    assert unlisted.from_defaults
    assert (unlisted.provider, unlisted.model, unlisted.mode) == ("openai", "gpt-4o-mini", LLMMode.CHAT)
    assert unlisted.params == {"temperature": 0.3, "max_tokens": 1024}
    assert config.meta is None


def test_design_example_with_meta_and_fallbacks() -> None:
    config = load_runtime_config(FIXTURES / "good" / "design_example.yaml")
    assert config.meta is not None
    assert config.meta["generator"] == "llmhub-generator 0.3.0"
    assert config.meta["catalog"]["version"] == "2026-08-18"
    assert config.meta["roles"]["llm.inference"]["score"] == 0.82

    inference = resolve_role(config, "llm.inference")
    assert (inference.provider, inference.model) == ("openai", "gpt-4.1")
    assert inference.params == {"temperature": 0.7, "max_tokens": 2048}
    assert [(t.provider, t.model) for t in inference.targets()] == [
        ("openai", "gpt-4.1"),
        ("anthropic", "claude-sonnet-4-5"),
        ("llamacpp", "smollm2-135m-instruct"),
    ]
    anthropic, local = inference.fallbacks
    # A fallback's params replace the role's params: they are often model-specific.
    assert anthropic.params == {"temperature": 0.7}
    assert anthropic.env_key == "ANTHROPIC_API_KEY"
    assert local.params == {}
    assert local.api_base == "http://127.0.0.1:8080/v1"
    assert local.env_key is None
    assert all(t.mode is LLMMode.CHAT and t.role == "llm.inference" for t in inference.targets())

    assert config.defaults is not None
    assert config.defaults.params == {}
    assert resolve_role(config, "anything.else").model == "gpt-4.1-mini"


def test_reference_style_file_without_fallbacks_meta_or_api_base() -> None:
    config = load_runtime_config(FIXTURES / "good" / "reference_style.yaml")
    assert config.defaults is None
    assert config.meta is None
    assert all(
        p.api_base is None and p.timeout is None and p.max_retries is None for p in config.providers.values()
    )
    assert all(role.fallbacks == [] for role in config.roles.values())
    inference = resolve_role(config, "llm.inference")
    assert inference.provider == "anthropic"
    assert inference.fallbacks == ()
    assert inference.api_base is None


def test_extension_keys_are_ignored_at_every_level() -> None:
    config = load_runtime_config(FIXTURES / "good" / "extension_keys.yaml")
    openai = config.providers["openai"]
    assert (openai.env_key, openai.timeout, openai.max_retries) == ("OPENAI_API_KEY", 30.0, 2)
    role = config.roles["llm.inference"]
    assert role.params == {"temperature": 0.2}  # through an anchor defined under an x- key
    assert role.fallbacks[0].model == "claude-sonnet-4-5"
    assert config.defaults is not None
    assert config.defaults.model == "gpt-4.1-mini"
    dumped = repr(config.model_dump())
    for extension in ("x-owner", "x-note", "x-billing", "x-reviewed-by", "x-why", "x-comment"):
        assert extension not in dumped
    # meta is free-form and kept as written.
    assert config.meta == {"generator": "llmhub-generator 0.3.0", "x-anything": [1, 2, 3]}
    resolved = resolve_role(config, "llm.inference")
    assert (resolved.timeout, resolved.max_retries) == (30.0, 2)
    assert resolved.fallbacks[0].timeout is None


def test_provider_with_no_settings() -> None:
    config = load_runtime_config(FIXTURES / "good" / "provider_without_settings.yaml")
    openai = config.providers["openai"]
    assert (openai.env_key, openai.api_base, openai.timeout, openai.max_retries) == (None, None, None, None)
    resolved = resolve_role(config, "llm.inference")
    assert resolved.env_key is None
    assert resolved.api_base is None
    local = resolve_role(config, "llm.local")
    assert local.api_base == "http://127.0.0.1:8080/v1"
    assert local.params == {"max_tokens": 128}
