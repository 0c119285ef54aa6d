"""Registered local models as catalog candidates (through llmhub-catalog's extra-source API).

:class:`LocalModelsSource` turns every model of the registry into a catalog record reached
through any-llm's ``llamacpp`` provider: kind (chat / embedding; a base model is ``other``, so
a chat role never gets one), context length, zero prices, open weights, capability flags
(``structured_output`` where llama.cpp grammars constrain the output) and the ``api_base`` of
the model's running server - else of its port hint. A spec with ``providers: [llamacpp]`` (or a
local-first preference) can then select them.

Pass the source to the catalog explicitly: ``load_catalog(extra_sources=[LocalModelsSource()])``
(the CLI does when a spec enables ``llamacpp``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from llmhub_local.runners.config import DEFAULT_CONTEXT_LENGTH, BackendType
from llmhub_local.runners.model_store import find_known_model
from llmhub_local.serving.manager import LocalManager
from llmhub_local.serving.ports import LOOPBACK
from llmhub_local.serving.state_store import ServerStatus
from llmhub_runtime.errors import LLMHubError

if TYPE_CHECKING:
    from llmhub_catalog import ModelSource

__all__ = ["DEFAULT_API_BASE", "SOURCE_NAME", "LocalModelsSource"]

SOURCE_NAME = "llmhub-local"
#: Where a model without a running server or a port hint is expected (any-llm's llamacpp default).
DEFAULT_API_BASE = "http://127.0.0.1:8080/v1"


class LocalModelsSource:
    """A catalog model source over a :class:`LocalManager`'s registry and state store."""

    name = SOURCE_NAME

    def __init__(self, manager: LocalManager | None = None) -> None:
        self.manager = manager or LocalManager()

    def models(self) -> Iterable[Mapping[str, Any]]:
        """One record mapping per registered model."""
        servers = {
            s.model_id: s.base_url
            for s in self.manager.store.list_servers(ServerStatus.RUNNING)
            if s.base_url is not None
        }
        records = []
        for model_id, entry in self.manager.registry.entries.items():
            try:
                config = entry.model_config_for()
            except LLMHubError:
                continue
            known = find_known_model(entry.base_model)
            context = config.context_length if "context_length" in entry.params else None
            if context is None:
                context = (
                    known.context_length
                    if known is not None and known.context_length
                    else DEFAULT_CONTEXT_LENGTH
                )
            port = f"http://{LOOPBACK}:{entry.port}/v1" if entry.port else DEFAULT_API_BASE
            kind = {"chat": "chat", "embedding": "embedding"}.get(entry.kind, "other")
            grammar = (config.backend or (known.backend if known else None)) is BackendType.LLAMA_CPP
            records.append(
                {
                    "provider": "llamacpp",
                    "catalog_provider": "llamacpp",
                    "model": model_id,
                    "name": known.title if known is not None and known.id == model_id else model_id,
                    "kind": kind,
                    "api_base": servers.get(model_id, port),
                    "open_weights": True,
                    "prices": {"input": 0, "output": 0},
                    "limits": {"context": context},
                    "capabilities": {
                        "tool_call": False,  # OpenAI `tools` are not served; see llmhub_local.serving.tools
                        "structured_output": grammar and kind == "chat",
                        "reasoning": False,
                        "attachments": False,
                    },
                }
            )
        return records


if TYPE_CHECKING:  # mypy checks that the source fits the catalog's protocol
    _AS_CATALOG_SOURCE: type[ModelSource] = LocalModelsSource
