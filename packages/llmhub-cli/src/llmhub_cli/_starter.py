"""The commented starter ``llmhub.spec.yaml`` written by ``llmhub init``."""

from __future__ import annotations

import re

__all__ = ["STARTER_PROVIDERS", "project_name", "starter_spec"]

#: (any-llm provider id, environment variable) pairs the starter spec lists.
STARTER_PROVIDERS: tuple[tuple[str, str], ...] = (
    ("openai", "OPENAI_API_KEY"),
    ("anthropic", "ANTHROPIC_API_KEY"),
)

_TEMPLATE = """\
# llmhub.spec.yaml: what each role of your application needs.
# `llmhub generate` turns it into llmhub.yaml (concrete provider/model/params per role);
# your code then calls roles by name: LLMHub("llmhub.yaml").completion(role="llm.inference", ...).
#
# Preference levels (low | medium | high) say how much a dimension MATTERS:
#   quality: high = quality matters a lot;  cost: high = cheapness matters a lot;
#   latency: high = speed matters a lot;    low = it hardly matters.
# Unknown keys are errors (typos are caught); keys starting with x- are kept for your own tools.
project: {project}
env: dev

# Candidate providers (any-llm provider ids). env_key names the variable that holds the API key;
# the key itself never goes in this file. A local server: llamacpp: {{api_base: "http://127.0.0.1:8080/v1"}}
providers:
  openai: {{env_key: OPENAI_API_KEY}}
  anthropic: {{env_key: ANTHROPIC_API_KEY}}

roles:
  # The main chat model.
  llm.inference:
    kind: chat                      # chat | embedding | image | audio | tool | other
    description: Answers user questions; must be reliable.
    preferences: {{quality: high, cost: medium, latency: medium}}
    requires: {{tools: false, context_min: 32000}}
    mode_params: {{temperature: 0.7, max_tokens: 1024}}
    fallbacks: 2                    # backup models tried on timeouts, 429s and 5xx
  # Embeddings for search; only embedding models are considered for this kind.
  llm.embedding:
    kind: embedding
    description: Embeds documents for vector search.
    preferences: {{cost: high}}

defaults:
  preferences: {{latency: medium}}
"""


def project_name(folder_name: str) -> str:
    """A project name derived from a folder name (letters, digits, ``-`` and ``_``)."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "-", folder_name).strip("-")
    return name or "my-project"


def starter_spec(project: str) -> str:
    """The starter spec text for ``project``."""
    return _TEMPLATE.format(project=project)
