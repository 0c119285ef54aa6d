"""models.dev ``api.json`` + other sources + an Arena table -> catalog record rows.

This is the single normaliser: ``scripts/build_snapshot.py`` (the bundled snapshot) and
:func:`llmhub_catalog.refresh_catalog` (the live refresh) both call :func:`normalize`.

A *row* is a record in the snapshot's JSON shape: the fields of
:class:`~llmhub_catalog.models.ModelRecord`, except that ``arena`` only links to the Arena table
(``{"arena_id", "match"}``), which the snapshot stores once.

models.dev shape (https://models.dev/api.json): ``{provider_id: {id, name, env, api, doc,
models: {model_id: {id, name, family, attachment, reasoning, tool_call, structured_output,
temperature, knowledge, release_date, last_updated, modalities: {input, output}, open_weights,
cost: {input, output, cache_read, cache_write, reasoning, input_audio, output_audio,
context_over_200k: {...}}, limit: {context, input, output}, status}}}}``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from llmhub_catalog.arena import ArenaMatcher, ArenaTable
from llmhub_catalog.embeddings import apply_embeddings
from llmhub_catalog.errors import SourceDataError
from llmhub_catalog.facts import SourceFacts
from llmhub_catalog.merge import MergeReport, merge_sources
from llmhub_catalog.overrides import Overrides, apply_overrides
from llmhub_catalog.providers import route_for
from llmhub_catalog.tiers import apply_tiers

__all__ = ["NormalizeReport", "classify_kind", "normalize"]

logger = logging.getLogger("llmhub_catalog")

_MODALITIES = ("text", "image", "audio", "video", "pdf")
_PRICE_FIELDS = ("input", "output", "cache_read", "cache_write", "reasoning", "input_audio", "output_audio")
_EMBEDDING = re.compile(r"embed|(?:^|[-/_])(?:bge|gte|e5)-|voyage-(?!.*chat)", re.IGNORECASE)
_OTHER = re.compile(r"rerank|moderation|guard(?:rail)?s?(?:$|[-_])|classifier", re.IGNORECASE)
_AUDIO = re.compile(r"whisper|transcri|(?:^|[-_])tts(?:$|[-_])|speech|lyria|music", re.IGNORECASE)


def classify_kind(model_id: str, name: str, family: str | None, inputs: list[str], outputs: list[str]) -> str:
    """chat | embedding | image | audio | other, from the id, the family and the modalities.

    models.dev has no embedding flag (an embedding model "outputs text" there), so embedding
    models are recognised by name: ``embed`` in the id, name or family, or the bge/gte/e5/voyage
    families. Image and audio *generation* models write images/audio and no text (or are named
    for it, e.g. ``gpt-image-1.5``, ``whisper-1``, ``*-tts``).

    >>> classify_kind("text-embedding-3-small", "Embedding 3", "text-embedding", ["text"], ["text"])
    'embedding'
    >>> classify_kind("gpt-4.1", "GPT-4.1", "gpt", ["text", "image"], ["text"])
    'chat'
    """
    text = " ".join(part for part in (model_id, name, family or "") if part)
    if _EMBEDDING.search(text):
        return "embedding"
    if _OTHER.search(text):
        return "other"
    family_text = (family or "") + " " + model_id
    if "image" in outputs and (
        "text" not in outputs or re.search(r"image|imagen|dall-?e", family_text, re.I)
    ):
        return "image"
    if _AUDIO.search(text) or ("audio" in outputs and "text" not in outputs):
        return "audio"
    if "text" in outputs:
        return "chat"
    return "other"


@dataclass(frozen=True)
class NormalizeReport:
    """What :func:`normalize` produced and dropped.

    Attributes:
        rows: The record rows, sorted by catalog id.
        providers_seen: models.dev providers in the input.
        providers_routed: Of those, the ones with an any-llm route (whose models were kept).
        models_seen: Models of routed providers in the input.
        skipped: ``"provider/model: reason"`` for each malformed model that was left out.
        merge: What merging the other sources did (records per source, conflicts...).
        mteb_matched: Embedding records given published MTEB scores.
    """

    rows: list[dict[str, Any]]
    providers_seen: int
    providers_routed: int
    models_seen: int
    skipped: tuple[str, ...]
    merge: MergeReport
    mteb_matched: int = 0

    @property
    def arena_matched(self) -> int:
        """Rows linked to an Arena entry."""
        return sum(1 for row in self.rows if row.get("arena"))


def _bool(value: Any, default: bool) -> bool:
    return value if isinstance(value, bool) else default


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return int(value)


def _price(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return float(value)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _long_context(cost: Mapping[str, Any]) -> list[dict[str, Any]]:
    tiers = []
    for key, value in cost.items():
        match = re.match(r"^context_over_(\d+)([km]?)$", key)
        if not match or not isinstance(value, Mapping):
            continue
        above = int(match.group(1)) * {"": 1, "k": 1000, "m": 1_000_000}[match.group(2)]
        tier = {name: _price(value.get(name)) for name in ("input", "output", "cache_read")}
        if any(v is not None for v in tier.values()):
            tiers.append({"above_tokens": above, **tier})
    return sorted(tiers, key=lambda t: t["above_tokens"])


def _modalities(raw: Any, direction: str) -> list[str]:
    values = raw.get(direction) if isinstance(raw, Mapping) else None
    if not isinstance(values, list):
        raise ValueError(f"modalities.{direction} is missing")
    return [v for v in _MODALITIES if v in values]


def _row(
    provider_id: str, model_id: str, raw: Mapping[str, Any], route_provider: str, api_base: str | None
) -> dict[str, Any]:
    name = _str(raw.get("name")) or model_id
    family = _str(raw.get("family"))
    limit = raw.get("limit")
    if not isinstance(limit, Mapping) or _int(limit.get("context")) is None:
        raise ValueError("limit.context is missing")
    inputs = _modalities(raw.get("modalities"), "input")
    outputs = _modalities(raw.get("modalities"), "output")
    cost: Mapping[str, Any] = raw["cost"] if isinstance(raw.get("cost"), Mapping) else {}
    status = raw.get("status")
    return {
        "id": f"{provider_id}/{model_id}",
        "catalog_provider": provider_id,
        "provider": route_provider,
        "model": model_id,
        "api_base": api_base,
        "name": name,
        "family": family,
        "kind": classify_kind(model_id, name, family, inputs, outputs),
        "capabilities": {
            "tool_call": _bool(raw.get("tool_call"), False),
            "structured_output": _bool(raw.get("structured_output"), False),
            "reasoning": _bool(raw.get("reasoning"), False),
            "attachments": _bool(raw.get("attachment"), False),
            "temperature": _bool(raw.get("temperature"), True),
        },
        "modalities": {"input": inputs, "output": outputs},
        "limits": {
            "context": _int(limit.get("context")),
            "input": _int(limit.get("input")),
            "output": _int(limit.get("output")),
        },
        "prices": {
            **{name_: _price(cost.get(name_)) for name_ in _PRICE_FIELDS},
            "long_context": _long_context(cost),
        },
        "open_weights": _bool(raw.get("open_weights"), False),
        "knowledge_cutoff": _str(raw.get("knowledge")),
        "release_date": _str(raw.get("release_date")),
        "last_updated": _str(raw.get("last_updated")),
        "status": status if status in ("beta", "deprecated") else "active",
        "arena": None,
        "tiers": None,
        "source": "models.dev",
    }


def normalize(
    models_dev: Any,
    arena: ArenaTable | None,
    overrides: Overrides | None = None,
    *,
    sources: Sequence[SourceFacts] = (),
    models_dev_date: str = "",
    as_of: str = "",
) -> NormalizeReport:
    """Turn models.dev data (api.json shape), other sources and an Arena table into sorted rows.

    Malformed models are skipped and listed in the report (the caller decides whether too many
    were skipped); a malformed document as a whole raises. The other sources are merged by
    :func:`~llmhub_catalog.merge.merge_sources` (``as_of``: the snapshot date, against which
    deprecation dates are judged); then Arena entries are matched, the overrides applied,
    embedding facts attached and tiers derived.

    Raises:
        SourceDataError: The root is not an object of providers with ``models`` objects.
    """
    if not isinstance(models_dev, Mapping) or not models_dev:
        raise SourceDataError("models.dev data must be a non-empty JSON object of providers")
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    routed = 0
    seen = 0
    for provider_id in sorted(models_dev):
        provider = models_dev[provider_id]
        if not isinstance(provider, Mapping) or not isinstance(provider.get("models"), Mapping):
            raise SourceDataError(f"models.dev provider {provider_id!r} has no 'models' object")
        provider_routed = False
        for model_id in sorted(provider["models"]):
            route = route_for(provider_id, model_id)
            if route is None:
                continue
            provider_routed = True
            seen += 1
            raw = provider["models"][model_id]
            try:
                if not isinstance(raw, Mapping):
                    raise ValueError("not an object")
                row = _row(provider_id, str(model_id), raw, route.provider, route.api_base)
            except ValueError as exc:
                skipped.append(f"{provider_id}/{model_id}: {exc}")
                continue
            rows.append(row)
        routed += provider_routed
    for problem in skipped:
        logger.warning("models.dev: skipped %s", problem)
    merge = merge_sources(rows, sources, models_dev_date=models_dev_date, as_of=as_of or models_dev_date)
    if arena is not None:
        matcher = ArenaMatcher(arena)
        for row in rows:
            found = matcher.match(row["model"], row["name"])
            if found is not None:
                row["arena"] = {"arena_id": found[0], "match": found[1]}
    if overrides is not None:
        rows = apply_overrides(rows, overrides, arena)
    # Only chat-like models are rated on Arena: a name match on an embedding model is a false friend.
    for row in rows:
        if row["kind"] != "chat" and row["arena"] and row["arena"]["match"] != "override":
            row["arena"] = None
    mteb_matched = apply_embeddings(rows)
    apply_tiers(rows, arena)
    rows.sort(key=lambda r: r["id"])
    return NormalizeReport(
        rows=rows,
        providers_seen=len(models_dev),
        providers_routed=routed,
        models_seen=seen,
        skipped=tuple(skipped),
        merge=merge,
        mteb_matched=mteb_matched,
    )
