"""Fuzzing the spec parser: random edits of a valid llmhub.spec.yaml in random encodings, read from
disk, and random spec-shaped data. The outcome is a spec or a ``SpecError`` naming the file; any
other exception fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llmhub_generator.errors import SpecError
from llmhub_generator.spec import LoadedSpec, load_spec, parse_spec
from yaml_fuzz import assert_clean, mutated_file

SETTINGS = settings(
    max_examples=int(os.environ.get("LLMHUB_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

VALID = """\
project: fuzz
env: dev
providers:
  openai: {env_key: OPENAI_API_KEY}
  anthropic:
    env_key: ANTHROPIC_API_KEY
    enabled: true
roles:
  llm.inference:
    kind: chat
    description: Answers questions; must be reliable.
    preferences: {quality: high, cost: medium, providers: [anthropic, openai]}
    requires: {tools: true, context_min: 64000, modalities_in: [text]}
    force: {provider: openai, model: gpt-4.1}
    mode_params: {temperature: 0.7}
    fallbacks: 2
    x-notes: kept
  llm.embedding:
    kind: embedding
    description: Embeds.
defaults: {providers: [openai], preferences: {latency: medium}}
"""


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(), st.text(max_size=10),
    st.sampled_from(["chat", "embedding", "low", "high", "openai", "anthropic", "gpt-4.1", "x-a"]),
)  # fmt: skip
NESTED = st.recursive(
    SCALARS,
    lambda c: st.one_of(
        st.lists(c, max_size=3),
        st.dictionaries(st.sampled_from(["kind", "description", "preferences", "requires", "force",
                                         "mode_params", "fallbacks", "quality", "providers", "model",
                                         "provider", "allow", "deny", "x-n", "zzz"]), c, max_size=4),
    ),
    max_leaves=15,
)  # fmt: skip


def test_the_valid_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "llmhub.spec.yaml"
    path.write_text(VALID)
    assert set(load_spec(path).spec.roles) == {"llm.inference", "llm.embedding"}


@SETTINGS
@given(raw=mutated_file(VALID))
def test_edited_spec_loads_or_is_a_spec_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "llmhub.spec.yaml"
    path.write_bytes(raw)
    try:
        loaded = load_spec(path)
    except Exception as error:
        assert_clean(error, path, SpecError)
    else:
        assert isinstance(loaded, LoadedSpec)


@SETTINGS
@given(roles=st.dictionaries(st.text(max_size=8), NESTED, max_size=3), providers=NESTED)
def test_spec_shaped_data_is_a_spec_or_a_spec_error(roles: dict[str, object], providers: object) -> None:
    data = {"project": "p", "providers": providers, "roles": roles}
    outcome: object
    try:
        outcome = parse_spec(data, source="data.yaml")
    except Exception as error:
        outcome = error
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, SpecError), f"{type(outcome).__name__}: {outcome}"
        assert str(outcome).startswith("data.yaml")
