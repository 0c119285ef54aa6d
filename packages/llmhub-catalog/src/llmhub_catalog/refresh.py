"""Live refresh: fetch the catalog's sources, normalise, merge, check, and cache.

:func:`refresh_catalog` downloads ``https://models.dev/api.json``, litellm's model price map
(:data:`DEFAULT_LITELLM_URL`), genai-prices' data (:data:`~llmhub_catalog.genai_prices.GENAI_PRICES_URL`)
and an Arena ratings table over HTTP (httpx, with a per-request deadline), runs the
same normaliser and merge as the bundled snapshot (each source dated the day it was fetched), and
only then replaces the cache, atomically. The sanity checks of :mod:`llmhub_catalog.checks` are
logged as warnings. Anything wrong (a connection
error, an HTTP error status, a timeout, truncated or invalid JSON, an empty or implausibly small
result) raises :class:`~llmhub_catalog.errors.RefreshError` and leaves the cache as it was.

LMArena publishes no official JSON endpoint. The default Arena URL is the daily JSON published
by the llmledger project (the Arena ``leaderboard-dataset`` ratings, CC BY 4.0, per category with
confidence intervals and votes); any URL serving a table in a shape
:func:`~llmhub_catalog.arena.parse_arena_table` reads can be used instead
(``arena_url=...`` or ``LLMHUB_CATALOG_ARENA_URL``). ``arena_url=None`` refreshes without Arena
ratings, in which case quality tiers fall back to the family/default rules.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from llmhub_catalog.arena import ARENA_ATTRIBUTION, ArenaTable, parse_arena_table
from llmhub_catalog.cache import write_cache
from llmhub_catalog.catalog import Catalog
from llmhub_catalog.checks import check_rows
from llmhub_catalog.embeddings import EMBEDDINGS_SOURCE, embeddings_table_date
from llmhub_catalog.errors import CatalogError, RefreshError
from llmhub_catalog.facts import SourceFacts
from llmhub_catalog.genai_prices import GENAI_PRICES_URL, parse_genai_prices
from llmhub_catalog.litellm_map import parse_litellm
from llmhub_catalog.normalize import normalize
from llmhub_catalog.overrides import bundled_overrides
from llmhub_catalog.providers import catalog_provider_ids
from llmhub_catalog.snapshot import (
    FORMAT,
    bundled_snapshot_path,
    compact_rows,
    dump_payload,
    expand_provenance,
)

__all__ = [
    "ARENA_URL_ENV",
    "DEFAULT_ARENA_URL",
    "DEFAULT_LITELLM_URL",
    "DEFAULT_MODELS_DEV_URL",
    "GENAI_PRICES_URL_ENV",
    "LITELLM_URL_ENV",
    "MODELS_DEV_URL_ENV",
    "build_payload",
    "fetch_json",
    "refresh_catalog",
]

logger = logging.getLogger("llmhub_catalog")

DEFAULT_MODELS_DEV_URL = "https://models.dev/api.json"
DEFAULT_LITELLM_URL = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)
LITELLM_URL_ENV = "LLMHUB_CATALOG_LITELLM_URL"
GENAI_PRICES_URL_ENV = "LLMHUB_CATALOG_GENAI_PRICES_URL"
#: Value of a source URL variable that leaves the source out of a refresh.
OFF = "off"
DEFAULT_ARENA_URL = "https://pouriaetab.github.io/llmledger/data.json"
MODELS_DEV_URL_ENV = "LLMHUB_CATALOG_MODELS_DEV_URL"
ARENA_URL_ENV = "LLMHUB_CATALOG_ARENA_URL"
_UNSET: Any = object()
_MAX_BYTES = 64 * 1024 * 1024
_CORE_PROVIDERS = ("openai", "anthropic", "google")


def fetch_json(url: str, *, timeout: float) -> Any:
    """GET ``url`` and parse it as JSON, giving up after ``timeout`` seconds in total.

    Raises:
        RefreshError: Connection failure, HTTP error status, timeout, oversized, truncated or
            invalid JSON.
    """
    if not url.startswith(("http://", "https://")):
        raise RefreshError(f"{url}: only http(s) URLs can be fetched")
    import httpx  # imported here: loading the catalog needs no HTTP client

    deadline = time.monotonic() + timeout
    headers = {"User-Agent": "llmhub-catalog", "Accept": "application/json"}
    chunks: list[bytes] = []
    try:
        with httpx.stream("GET", url, headers=headers, timeout=timeout, follow_redirects=True) as response:
            if response.is_error:
                raise RefreshError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
            size = 0
            for chunk in response.iter_bytes(256 * 1024):
                if time.monotonic() > deadline:
                    raise RefreshError(f"{url}: timed out after {timeout:g} s")
                size += len(chunk)
                if size > _MAX_BYTES:
                    raise RefreshError(f"{url}: response larger than {_MAX_BYTES} bytes")
                chunks.append(chunk)
    except httpx.TimeoutException as exc:
        raise RefreshError(f"{url}: timed out after {timeout:g} s ({type(exc).__name__})") from exc
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        raise RefreshError(f"{url}: {type(exc).__name__}: {exc}") from exc
    body = b"".join(chunks)
    if not body.strip():
        raise RefreshError(f"{url}: empty response")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RefreshError(f"{url}: truncated or invalid JSON ({exc})") from exc


_SOURCE_META: dict[str, dict[str, str]] = {
    "litellm": {
        "licence": "MIT",
        "attribution": "litellm's model_prices_and_context_window.json (https://github.com/BerriAI/litellm), "
        "by BerriAI, licensed MIT",
    },
    "genai_prices": {
        "licence": "MIT",
        "attribution": "genai-prices (https://github.com/pydantic/genai-prices), by Pydantic, licensed MIT",
    },
}


def build_payload(
    models_dev: Any,
    arena: ArenaTable | None,
    *,
    version: str | None = None,
    models_dev_source: dict[str, Any],
    arena_source: dict[str, Any] | None,
    sources: Sequence[SourceFacts] = (),
) -> dict[str, Any]:
    """Normalise and merge the inputs (with the bundled overrides) into a snapshot payload.

    Used by the live refresh and by ``scripts/build_snapshot.py``. ``models_dev_source["date"]``
    and each source's ``date`` are the data dates; the snapshot's version is the newest of them
    (``version`` overrides it).
    """
    md_date = str(models_dev_source.get("date") or "")
    dated = [md_date, *(s.date for s in sources)]
    if arena is not None and arena.date:
        dated.append(arena.date[:10])
    as_of = version or max((d for d in dated if d), default="")
    report = normalize(
        models_dev,
        arena,
        bundled_overrides(catalog_provider_ids()),
        sources=sources,
        models_dev_date=md_date,
        as_of=as_of,
    )
    rows = report.rows
    counts = {
        "models": len(rows),
        "providers": len({row["catalog_provider"] for row in rows}),
        "anyllm_providers": len({row["provider"] for row in rows}),
        "arena_matched": sum(1 for row in rows if row["arena"]),
        "models_dev_providers": report.providers_seen,
        "skipped": len(report.skipped),
        "mteb_matched": report.mteb_matched,
        **report.merge.to_json(),
    }
    table = compact_rows(rows)
    payload_sources: dict[str, Any] = {
        "models_dev": {
            "licence": "MIT",
            "attribution": "models.dev (https://models.dev), by the SST/opencode team, licensed MIT",
            **models_dev_source,
        },
        "overrides": {"path": "llmhub_catalog/data/overrides.json", "date": as_of},
        EMBEDDINGS_SOURCE: {
            "path": "llmhub_catalog/data/embeddings.json",
            "date": embeddings_table_date(),
            "note": "published MTEB averages with a citation per score (see NOTICE.md)",
        },
    }
    for source in sources:
        payload_sources[source.name] = {
            **_SOURCE_META.get(source.name, {}),
            **source.info,
            "date": source.date,
        }
    if arena is not None:
        payload_sources["arena"] = {
            "licence": "CC BY 4.0",
            "attribution": ARENA_ATTRIBUTION,
            "date": arena.date,
            **(arena_source or {}),
        }
    return {
        "format": FORMAT,
        "version": as_of,
        "sources": payload_sources,
        "counts": counts,
        "arena": arena.to_json() if arena is not None else {},
        "models": rows,
        "provenance": table,
    }


def _bundled_model_count() -> int:
    """Model count from the bundled snapshot's header (0 if unreadable)."""
    try:
        with bundled_snapshot_path().open("rb") as handle:
            header = json.loads(handle.readline())
        return int((header.get("counts") or {}).get("models", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def _check_plausible(payload: dict[str, Any], models_seen: int, min_fraction: float) -> None:
    rows = payload["models"]
    if not rows:
        raise RefreshError(
            "models.dev returned no model reachable through any-llm: refusing an empty catalog"
        )
    providers = {row["catalog_provider"] for row in rows}
    missing = [p for p in _CORE_PROVIDERS if p not in providers]
    if missing:
        raise RefreshError(f"models.dev data lacks core providers {missing}: looks partial, not cached")
    skipped = payload["counts"]["skipped"]
    if models_seen and skipped / models_seen > 0.1:
        raise RefreshError(f"{skipped} of {models_seen} models.dev models were malformed: not cached")
    expected = _bundled_model_count()
    if expected and len(rows) < min_fraction * expected:
        raise RefreshError(
            f"only {len(rows)} models (the bundled snapshot has {expected}): looks partial, not cached"
        )


def refresh_catalog(
    *,
    models_dev_url: str | None = None,
    arena_url: str | None = _UNSET,
    litellm_url: str | None = _UNSET,
    genai_prices_url: str | None = _UNSET,
    timeout: float = 30.0,
    cache_dir: str | Path | None = None,
    min_fraction: float = 0.5,
    progress: Callable[[str], object] | None = None,
) -> Catalog:
    """Fetch, normalise and validate fresh data, write it to the cache, and return it as a catalog.

    Args:
        models_dev_url: models.dev ``api.json`` URL (default: ``$LLMHUB_CATALOG_MODELS_DEV_URL``
            or https://models.dev/api.json).
        arena_url: Arena table URL (default: ``$LLMHUB_CATALOG_ARENA_URL`` or
            :data:`DEFAULT_ARENA_URL`); ``None`` to refresh without Arena ratings.
        litellm_url: litellm's price map URL (default: ``$LLMHUB_CATALOG_LITELLM_URL`` or
            :data:`DEFAULT_LITELLM_URL`); ``None`` (or the variable set to ``off``) to leave it out.
        genai_prices_url: genai-prices' data URL (default: ``$LLMHUB_CATALOG_GENAI_PRICES_URL``
            or :data:`~llmhub_catalog.genai_prices.GENAI_PRICES_URL`); ``None``/``off``: left out.
        timeout: Seconds allowed for each download, in total.
        cache_dir: Cache directory (default: the user cache directory).
        min_fraction: A result with fewer models than this fraction of the bundled snapshot's
            count is treated as a partial download and rejected.
        progress: Called with a short description of each step as it starts (downloading,
            normalising, validating, writing), for a progress display.

    Raises:
        RefreshError: Any failure; the existing cache is left untouched.
    """
    md_url = models_dev_url or os.environ.get(MODELS_DEV_URL_ENV) or DEFAULT_MODELS_DEV_URL
    if arena_url is _UNSET:
        arena_url = os.environ.get(ARENA_URL_ENV) or DEFAULT_ARENA_URL
    if litellm_url is _UNSET:
        litellm_url = os.environ.get(LITELLM_URL_ENV) or DEFAULT_LITELLM_URL
    if genai_prices_url is _UNSET:
        genai_prices_url = os.environ.get(GENAI_PRICES_URL_ENV) or GENAI_PRICES_URL
    if arena_url == OFF:
        arena_url = None

    def step(text: str) -> None:
        if progress is not None:
            progress(text)

    step(f"downloading {md_url}")
    models_dev = fetch_json(md_url, timeout=timeout)
    arena: ArenaTable | None = None
    if arena_url:
        step(f"downloading {arena_url}")
        try:
            arena = parse_arena_table(fetch_json(arena_url, timeout=timeout), source=arena_url)
        except RefreshError:
            raise
        except CatalogError as exc:
            raise RefreshError(f"{arena_url}: {exc}") from exc
    fetched_at = time.time()
    version = time.strftime("%Y-%m-%d", time.gmtime(fetched_at))
    sources: list[SourceFacts] = []
    for url, parse in ((litellm_url, parse_litellm), (genai_prices_url, parse_genai_prices)):
        if not url or url == OFF:
            continue
        step(f"downloading {url}")
        data = fetch_json(url, timeout=timeout)
        try:
            sources.append(parse(data, date=version, info={"url": url}))
        except CatalogError as exc:
            raise RefreshError(f"{url}: {exc}") from exc
    step("normalising models and matching Arena ratings")
    try:
        payload = build_payload(
            models_dev,
            arena,
            version=version,
            models_dev_source={"url": md_url, "date": version},
            arena_source={"url": arena_url} if arena_url else None,
            sources=sources,
        )
    except RefreshError:
        raise
    except CatalogError as exc:
        raise RefreshError(f"{md_url}: {exc}") from exc
    models_seen = payload["counts"]["models"] + payload["counts"]["skipped"]
    _check_plausible(payload, models_seen, min_fraction)
    step(f"validating {len(payload['models'])} models")
    _validate_rows(payload["models"], payload["sources"], payload["provenance"])
    for problem in check_rows(payload["models"], flagships=()):
        logger.warning("catalog refresh: sanity check: %s", problem)
    step("writing the cache")
    path = write_cache(payload, cache_dir, fetched_at=fetched_at)
    import hashlib

    sha = hashlib.sha256(dump_payload(payload)).hexdigest()
    logger.info("catalog refreshed: %d models written to %s", len(payload["models"]), path)
    return Catalog(
        payload["models"],
        arena=payload["arena"],
        version=version,
        sha256=sha,
        source="live",
        sources=payload["sources"],
        origin=str(path),
        provenance_table=payload["provenance"],
    )


def _validate_rows(
    rows: list[dict[str, Any]], sources: Mapping[str, Any], table: Sequence[Mapping[str, str]]
) -> None:
    """Full pydantic validation of freshly normalised rows (outside data is never trusted)."""
    from pydantic import ValidationError

    from llmhub_catalog.models import ModelRecord

    dates = {name: str(info.get("date") or "") for name, info in sources.items() if isinstance(info, Mapping)}
    for row in rows:
        provenance = {
            path: {"source": name, "date": dates.get(name, "")}
            for path, name in expand_provenance(row, table).items()
        }
        try:
            ModelRecord.model_validate({**row, "arena": None, "provenance": provenance})
        except ValidationError as exc:
            raise RefreshError(f"normalised record {row.get('id')!r} is invalid: {exc}") from exc
