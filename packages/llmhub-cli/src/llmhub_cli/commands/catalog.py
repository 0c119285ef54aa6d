"""``llmhub catalog show|search|refresh|diff``: the models the generator chooses from."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from llmhub_cli._output import Format, FormatOption

if TYPE_CHECKING:
    from rich.console import Console

    from llmhub_catalog import Catalog, ModelRecord

__all__ = ["app", "record_row"]

app = typer.Typer(help="Browse, search and refresh the model catalog.", no_args_is_help=True)


class Kind(StrEnum):
    chat = "chat"
    embedding = "embedding"
    image = "image"
    audio = "audio"
    other = "other"


def _price(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def record_row(record: ModelRecord, details: bool) -> dict[str, Any]:
    """JSON form of a record: the essentials, or the whole record with ``details``."""
    if details:
        return record.model_dump(mode="json")
    return {
        "id": record.id,
        "provider": record.provider,
        "model": record.model,
        "name": record.name,
        "kind": record.kind.value,
        "context": record.limits.context,
        "price_input": record.prices.input,
        "price_output": record.prices.output,
        "tiers": {
            "quality": record.tiers.quality,
            "cost": record.tiers.cost,
            "latency": record.tiers.latency,
        },
    }


def _render(console: Console, records: list[ModelRecord], details: bool) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(caption=f"{len(records)} model(s); tiers 1..5 (cost/latency 5 = most expensive/slowest)")
    columns = ["provider/model", "kind", "context", "$ in/out per 1M", "tiers q/c/l"]
    if details:
        columns += ["capabilities", "modalities", "open", "arena", "released"]
    for column in columns:
        table.add_column(column, overflow="fold")
    for record in records:
        tiers = record.tiers
        row = [
            escape(f"{record.provider}/{record.model}"),
            record.kind.value,
            f"{record.limits.context:,}" if record.limits.context else "-",
            f"{_price(record.prices.input)}/{_price(record.prices.output)}",
            f"{tiers.quality}/{tiers.cost}/{tiers.latency}",
        ]
        if details:
            caps = record.capabilities
            flags = [
                name
                for name in ("tool_call", "structured_output", "reasoning", "attachments")
                if getattr(caps, name)
            ]
            overall = record.arena.overall if record.arena else None
            row += [
                ", ".join(flags) or "-",
                f"{','.join(record.modalities.input)} -> {','.join(record.modalities.output)}",
                "yes" if record.open_weights else "no",
                f"{overall.rating:.0f}" if overall else "-",
                record.release_date or "-",
            ]
        table.add_row(*row)
    console.print(table)


def _load() -> Catalog:
    from llmhub_catalog import load_catalog

    return load_catalog()


def _kept_cache() -> dict[str, Any]:
    """Where the catalog cache is and which version it holds (after a refresh left it alone)."""
    from llmhub_catalog import CatalogError
    from llmhub_catalog.cache import cache_path, read_cache

    path = cache_path()
    try:
        version: str | None = read_cache().version
    except CatalogError:
        version = None
    return {"path": str(path), "exists": path.is_file(), "version": version}


def _header(catalog: Catalog) -> dict[str, Any]:
    return {
        "version": catalog.version,
        "source": catalog.source,
        "sha256": catalog.sha256,
        "models": len(catalog),
    }


def _render_record(console: Console, record: ModelRecord) -> None:
    """One record in full: every merged field with its source and date, conflicts, lifecycle."""
    from rich.markup import escape
    from rich.table import Table

    provenance = record.provenance

    def origin(path: str) -> str:
        found = provenance.get(path) or provenance.get("*")
        return f"{found.source} {found.date}".strip() if found else "-"

    prices = record.prices
    caps = record.capabilities
    rows: list[tuple[str, str, str]] = [
        ("id", record.id, origin("*")),
        ("called as", f"{record.provider} / {record.model}", "-"),
        ("kind", record.kind.value, origin("*")),
        ("status", record.status.value + (" (deprecated)" if record.deprecated else ""), origin("status")),
        ("deprecation date", record.deprecation_date or "-", origin("deprecation_date")),
        ("same model as", record.alias_of or "-", "canonical " + (record.canonical or "-")),
        ("preview", "yes" if record.preview else "no", "-"),
        (
            "context / max output",
            f"{record.limits.context or '-'} / {record.limits.output or '-'}",
            origin("limits.context"),
        ),
    ]
    for name in ("input", "output", "cache_read", "cache_write", "reasoning", "output_image", "output_audio"):
        value = getattr(prices, name)
        if value is not None:
            rows.append((f"$ {name} per 1M", _price(value), origin(f"prices.{name}")))
    for tier in prices.long_context:
        text = f"in {_price(tier.input)} / out {_price(tier.output)} / cache {_price(tier.cache_read)}"
        rows.append((f"$ above {tier.above_tokens:,} tokens", text, origin("prices.long_context")))
    efforts = ", ".join(caps.reasoning_efforts) or "-"
    rows.append(
        (
            "reasoning",
            f"{caps.reasoning_mode or 'unknown'} (efforts: {efforts})",
            origin("capabilities.reasoning_mode"),
        )
    )
    if record.embedding is not None:
        emb = record.embedding
        rows.append(
            (
                "dimensions",
                f"{emb.dimensions or '-'}{' (shortenable)' if emb.shortenable else ''}",
                origin("embedding.dimensions"),
            )
        )
        for key, score in sorted(emb.mteb.items()):
            rows.append(
                (f"MTEB {key}", f"{score.score:g} ({score.benchmark})", f"{score.citation} {score.date}")
            )
    if record.arena and record.arena.overall:
        rows.append(("arena overall", f"{record.arena.overall.rating:.0f}", record.arena.arena_id))
    table = Table(title=escape(record.name), show_header=True)
    for column in ("field", "value", "source"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(escape(str(cell)) for cell in row))
    console.print(table)
    if record.conflicts:
        conflicts = Table(title="sources disagree (more than 1%)")
        for column in ("field", "values", "kept", "rule"):
            conflicts.add_column(column, overflow="fold")
        for conflict in record.conflicts:
            values = ", ".join(f"{name}={value}" for name, value in conflict.values.items())
            conflicts.add_row(
                escape(conflict.field), escape(values), escape(conflict.chosen), escape(conflict.rule)
            )
        console.print(conflicts)


@app.command("show")
def show(
    model_id: Annotated[
        str | None,
        typer.Argument(
            help="A catalog id (provider/model) to show in full: the source and date of every field, "
            "the conflicts between sources, lifecycle and aliases. Deprecated models are shown too.",
        ),
    ] = None,
    provider: Annotated[
        list[str] | None, typer.Option("--provider", "-p", help="any-llm provider id (repeatable).")
    ] = None,
    kind: Annotated[Kind | None, typer.Option("--kind", "-k", help="Only models of this kind.")] = None,
    details: Annotated[
        bool, typer.Option("--details", help="Capabilities, modalities, ratings, dates.")
    ] = False,
    include_deprecated: Annotated[
        bool, typer.Option("--include-deprecated", help="Keep deprecated models.")
    ] = False,
    fmt: FormatOption = Format.human,
) -> None:
    """List catalog models (default: every active model), optionally filtered; or show one in full."""
    from llmhub_cli._output import Output

    out = Output(fmt)
    catalog = _load()
    if model_id is not None:
        from llmhub_catalog import UnknownModelError
        from llmhub_cli._boundary import CliError

        try:
            record = catalog.get(model_id)
        except UnknownModelError as exc:
            raise CliError(str(exc), hint="`llmhub catalog search TEXT` finds ids") from exc
        out.data(
            {"catalog": _header(catalog), "models": [record_row(record, True)]},
            lambda console: _render_record(console, record),
        )
        return
    if provider:
        unknown = sorted(set(provider) - set(catalog.providers()))
        if unknown:
            from llmhub_cli._boundary import CliError

            raise CliError(
                f"no models for provider(s) {', '.join(unknown)} in the catalog",
                hint=f"providers with models: {', '.join(catalog.providers())}",
            )
    records = catalog.filter(
        provider=provider or None, kind=kind.value if kind else None, include_deprecated=include_deprecated
    )
    if not out.is_json:
        out.info(f"catalog {catalog.version} ({catalog.source}), {len(catalog)} models")
    out.data(
        {"catalog": _header(catalog), "models": [record_row(r, details) for r in records]},
        lambda console: _render(console, records, details),
    )


def _search_score(record: ModelRecord, terms: list[str]) -> int:
    fields = [record.id.lower(), record.name.lower(), (record.family or "").lower()]
    score = 0
    for term in terms:
        if not any(term in value for value in fields):
            return 0
        score += 3 if term == record.model.lower() else 2 if record.model.lower().startswith(term) else 1
    return score


@app.command("search")
def search(
    text: Annotated[str, typer.Argument(help="Words to look for in model ids, names and families.")],
    kind: Annotated[Kind | None, typer.Option("--kind", "-k", help="Only models of this kind.")] = None,
    details: Annotated[
        bool, typer.Option("--details", help="Capabilities, modalities, ratings, dates.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many.")] = 25,
    fmt: FormatOption = Format.human,
) -> None:
    """Find models whose id, name or family contains every word of TEXT (exit 1 if none)."""
    from llmhub_cli._output import Output

    terms = [t for t in text.lower().split() if t]
    if not terms:
        raise typer.BadParameter("give at least one word to search for", param_hint="TEXT")
    out = Output(fmt)
    catalog = _load()
    pool = catalog.filter(kind=kind.value if kind else None, include_deprecated=True)
    scored = [(s, r) for r in pool if (s := _search_score(r, terms))]
    scored.sort(key=lambda item: (-item[0], item[1].deprecated, -item[1].tiers.quality, item[1].id))
    # Records from two catalog providers that any-llm reaches the same way (e.g. two Azure
    # listings of gpt-4.1) are one model to the user: shown once.
    seen: set[tuple[str, str, str | None]] = set()
    records = []
    for _, record in scored:
        key = (record.provider, record.model, record.api_base)
        if key not in seen:
            seen.add(key)
            records.append(record)
    records = records[:limit]
    out.data(
        {"catalog": _header(catalog), "query": text, "models": [record_row(r, details) for r in records]},
        lambda console: _render(console, records, details),
    )
    if not records:
        out.error(f"no model matches {text!r}")
        raise typer.Exit(1)


@app.command("refresh")
def refresh(
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="Seconds allowed per download.")] = 30.0,
    fmt: FormatOption = Format.human,
) -> None:
    """Download fresh models.dev, litellm and genai-prices data and Arena ratings into the cache.

    The sources are merged as in the bundled snapshot; a failure keeps the old cache.
    """
    from llmhub_catalog import RefreshError, refresh_catalog
    from llmhub_cli._output import Output
    from llmhub_cli._progress import steps

    out = Output(fmt)
    out.info(
        "refreshing the catalog from models.dev, litellm's price map, genai-prices and the Arena ratings"
    )
    try:
        with steps("starting") as update:
            catalog = refresh_catalog(timeout=timeout, progress=update)
    except RefreshError as exc:
        kept = _kept_cache()
        if out.is_json:
            out.data({"ok": False, "error": str(exc), "cache_kept": kept["exists"], "cache": kept})
        out.error(f"catalog refresh failed: {exc}")
        if kept["exists"]:
            out.info(f"the cached catalog was kept unchanged ({kept['path']}, version {kept['version']})")
        else:
            out.info("no cache was written; the bundled catalog stays in use")
        raise typer.Exit(1) from None
    out.data(
        {"catalog": _header(catalog)},
        lambda console: console.print(
            f"catalog {catalog.version}: {len(catalog)} models (sha256 {catalog.sha256[:12]})"
        ),
    )
    out.success("catalog cache refreshed; `llmhub generate --check` tells whether llmhub.yaml is now stale")


@app.command("diff")
def diff(
    old: Annotated[
        Path | None, typer.Argument(help="Older snapshot file (default: the bundled snapshot).")
    ] = None,
    new: Annotated[
        Path | None, typer.Argument(help="Newer snapshot file (default: the catalog cache).")
    ] = None,
    fmt: FormatOption = Format.human,
) -> None:
    """Models added, removed, newly deprecated and repriced between two catalog snapshots.

    With no argument: the bundled snapshot against the cache (what `catalog refresh` brought).
    With one: that file against the bundled snapshot.
    """
    from llmhub_catalog import CatalogError, bundled_snapshot_path, diff_catalogs, load_snapshot
    from llmhub_catalog.cache import cache_path
    from llmhub_cli._boundary import CliError
    from llmhub_cli._output import Output

    out = Output(fmt)
    if old is None:
        old_path, new_path = bundled_snapshot_path(), cache_path()
        if not new_path.exists():
            raise CliError(f"no catalog cache at {new_path}", hint="run `llmhub catalog refresh` first")
    elif new is None:
        old_path, new_path = old, bundled_snapshot_path()
    else:
        old_path, new_path = old, new
    try:
        result = diff_catalogs(load_snapshot(old_path), load_snapshot(new_path))
    except CatalogError as exc:
        raise CliError(str(exc)) from exc
    out.data(
        {"old": str(old_path), "new": str(new_path), **result.to_json()},
        lambda console: console.print(result.to_text(), markup=False, highlight=False, soft_wrap=True),
    )
