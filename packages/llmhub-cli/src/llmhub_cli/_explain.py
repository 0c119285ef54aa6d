"""Human rendering of a generation: the summary table and the ``--explain`` tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["render_explain", "render_summary", "summary_rows"]


def summary_rows(config_meta: Mapping[str, Any] | None, explain: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per role: chosen model, fallbacks and why (from the explanation)."""
    rows = []
    for role in explain.get("roles", []):
        rows.append(
            {
                "role": role["role"],
                "kind": role["kind"],
                "model": role["primary"],
                "fallbacks": list(role["fallbacks"]),
                "forced": role["forced"],
                "score": role["score"],
                "rationale": role["rationale"],
                "relaxations": [r["change"] for r in role.get("relaxations", [])],
            }
        )
    return rows


def render_summary(console: Console, rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    table = Table(title="chosen models", title_justify="left")
    for column in ("role", "kind", "model", "fallbacks", "why"):
        table.add_column(column, overflow="fold")
    for row in rows:
        why = row["rationale"]
        if row["relaxations"]:
            why += "; relaxed: " + ", ".join(row["relaxations"])
        table.add_row(row["role"], row["kind"], row["model"], "\n".join(row["fallbacks"]) or "-", why)
    console.print(table)


def render_explain(console: Console, explain: Mapping[str, Any]) -> None:
    """Per role: the filters with how many candidates each rejected, relaxations, top candidates."""
    from rich.markup import escape
    from rich.table import Table

    catalog = explain.get("catalog", {})
    console.print(f"catalog {catalog.get('version')} (sha256 {str(catalog.get('sha256'))[:12]})")
    for role in explain.get("roles", []):
        console.print()
        forced = " (forced)" if role["forced"] else ""
        console.print(
            f"[bold]{escape(role['role'])}[/bold] ({role['kind']}, {role['interpreter']} interpreter) -> "
            f"[bold]{escape(role['primary'])}[/bold]{forced}"
        )
        weights = role.get("weights", {})
        console.print("  weights: " + ", ".join(f"{k} {v:.2f}" for k, v in weights.items()))
        filters = Table(title="filters", title_justify="left", show_edge=False)
        for column in ("filter", "constraint", "before", "after", "rejected"):
            filters.add_column(
                column, justify="right" if column in {"before", "after", "rejected"} else "left"
            )
        for step in role.get("filters", []):
            filters.add_row(
                step["filter"],
                escape(str(step["constraint"])),
                str(step["before"]),
                str(step["after"]),
                str(step["rejected"]),
            )
        console.print(filters)
        for relaxation in role.get("relaxations", []):
            console.print(
                f"  relaxed {escape(relaxation['change'])} ({relaxation['origin']}): "
                f"{escape(relaxation['reason'])}"
            )
        candidates = Table(
            title=f"top candidates (of {role['candidate_count']})", title_justify="left", show_edge=False
        )
        for column in ("#", "model", "quality", "cost", "latency", "fit", "total", "tiers q/c/l", "chosen"):
            candidates.add_column(column, justify="left" if column in {"model", "chosen"} else "right")
        for row in role.get("top_candidates", []):
            scores = row["scores"]
            tiers = row["tiers"]
            candidates.add_row(
                str(row["rank"]),
                escape(f"{row['provider']}/{row['model']}"),
                *(f"{scores[k]:.3f}" for k in ("quality", "cost", "latency", "fit", "total")),
                f"{tiers['quality']}/{tiers['cost']}/{tiers['latency']}",
                row["chosen"],
            )
        console.print(candidates)
        console.print(f"  why: {escape(role['rationale'])}")
        for warning in role.get("warnings", []):
            console.print(f"  [yellow]warning:[/yellow] {escape(warning)}")
