"""llmhub_generator: turn ``llmhub.spec.yaml`` into a concrete ``llmhub.yaml``.

The pipeline (SP1..SP10) parses the spec, interprets each role's needs (heuristically offline, or
with an LLM), filters and scores the catalog's models, relaxes requirements when nothing fits
(recording why), selects a primary model and fallbacks spread over providers, and emits
``llmhub.yaml`` with a ``meta`` block that explains every choice. Same spec + same catalog =
byte-identical output.

::

    from llmhub_generator import generate, load_spec

    result = generate(load_spec("llmhub.spec.yaml"))
    print(result.yaml_text)
"""

from importlib.metadata import PackageNotFoundError, version

from llmhub_generator.emitter import content_fingerprint
from llmhub_generator.errors import GeneratorError, NeedsInterpretationError, SpecError, UnfillableRoleError
from llmhub_generator.explain import CandidateRow, Explanation, RoleExplanation
from llmhub_generator.interpret import HeuristicInterpreter, NeedsInterpreter
from llmhub_generator.needs import RoleNeed
from llmhub_generator.pipeline import GenerateOptions, GenerationResult, generate
from llmhub_generator.spec import (
    SPEC_FILENAME,
    ForceSpec,
    Level,
    LoadedSpec,
    Preferences,
    Requirements,
    RoleSpec,
    Spec,
    SpecDefaults,
    SpecProvider,
    load_spec,
    parse_spec,
    parse_spec_yaml,
    spec_json_schema,
)

try:
    __version__ = version("llmhub-generator")
except PackageNotFoundError:  # pragma: no cover - source tree without installation
    __version__ = "0.0.0"

__all__ = [
    "SPEC_FILENAME",
    "CandidateRow",
    "Explanation",
    "ForceSpec",
    "GenerateOptions",
    "GenerationResult",
    "GeneratorError",
    "HeuristicInterpreter",
    "Level",
    "LoadedSpec",
    "NeedsInterpretationError",
    "NeedsInterpreter",
    "Preferences",
    "Requirements",
    "RoleExplanation",
    "RoleNeed",
    "RoleSpec",
    "Spec",
    "SpecDefaults",
    "SpecError",
    "SpecProvider",
    "UnfillableRoleError",
    "__version__",
    "content_fingerprint",
    "generate",
    "load_spec",
    "parse_spec",
    "parse_spec_yaml",
    "spec_json_schema",
]
