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
    """Per role: what was inferred (and from which words), the filters, relaxations, the top
    candidates, then per chosen model the facts behind it (rating with interval and votes, prices,
    latency class and basis, sources, params dropped or added, unknowns), the margin to the
    runner-up, ties, which preference change would flip the pick, and warnings."""
    from rich.markup import escape

    catalog = explain.get("catalog", {})
    console.print(f"catalog {catalog.get('version')} (sha256 {str(catalog.get('sha256'))[:12]})")
    for role in explain.get("roles", []):
        console.print()
        forced = " (forced)" if role["forced"] else ""
        console.print(
            f"[bold]{escape(role['role'])}[/bold] ({role['kind']}, {role['interpreter']} interpreter) -> "
            f"[bold]{escape(role['primary'])}[/bold]{forced}"
        )
        needs = role.get("needs", {})
        console.print(
            f"  preferences: quality {needs.get('quality')}, cost {needs.get('cost')}, "
            f"latency {needs.get('latency')}; judged on {role.get('measure', 'arena:overall')}"
        )
        if role.get("trade_off"):
            console.print(f"  trade-off: {escape(role['trade_off'])}")
        _render_inferred(console, role)
        _render_filters(console, role)
        _render_candidates(console, role)
        for pick in role.get("picks", []):
            _render_pick(console, pick)
        runner = role.get("runner_up")
        if runner:
            margin = runner["margin"]
            if runner.get("ranked_after_because"):
                where = f"ranked after the primary: {runner['ranked_after_because']}"
            else:
                where = f"{abs(margin):.1f} points {'behind' if margin >= 0 else 'ahead of'} the primary"
            console.print(
                f"  runner-up: {escape(runner['target'])} (utility {runner['total']:.1f}, {escape(where)})"
            )
        if role.get("ties"):
            console.print(f"  ties: {escape(role['ties'])}")
        for skipped in role.get("skipped", [])[:3]:
            console.print(f"  skipped: {escape(skipped)}")
        flips = role.get("flips", [])
        if flips:
            console.print("  would flip: " + escape("; ".join(flips)))
        elif not role["forced"] and role.get("picks"):
            console.print("  would flip: no single preference change picks another primary")
        console.print(f"  why: {escape(role['rationale'])}")
        for note in role.get("notes", []):
            console.print(f"  note: {escape(note)}")
        for warning in role.get("warnings", []):
            console.print(f"  [yellow]warning:[/yellow] {escape(warning)}")


def _render_inferred(console: Console, role: Mapping[str, Any]) -> None:
    from rich.markup import escape

    inferred = role.get("inferred", [])
    if not role.get("needs", {}).get("infer", True):
        console.print("  inferred: nothing (infer: false)")
        return
    if not inferred:
        console.print("  inferred from the description: nothing")
        return
    console.print("  inferred from the description (set the key in the spec, or infer: false, to override):")
    for item in inferred:
        value = item["value"]
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        trigger = f' <- "{item["trigger"]}"' if item.get("trigger") else f" <- {item['reason']}"
        console.print(f"    {item['field']} = {escape(shown)}{escape(trigger)}")


def _render_filters(console: Console, role: Mapping[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    filters = Table(title="filters", title_justify="left", show_edge=False)
    for column in ("filter", "constraint", "before", "after", "rejected"):
        filters.add_column(column, justify="right" if column in {"before", "after", "rejected"} else "left")
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


def _render_candidates(console: Console, role: Mapping[str, Any]) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title=f"top candidates (of {role['candidate_count']})", title_justify="left", show_edge=False
    )
    for column in (
        "#",
        "model",
        "rating",
        "win",
        "$/1M",
        "latency",
        "quality",
        "price",
        "fit",
        "total",
        "chosen",
    ):
        table.add_column(column, justify="left" if column in {"model", "chosen"} else "right")
    for row in role.get("top_candidates", []):
        scores = row["scores"]
        rating = "unrated" if row.get("rating") is None else f"{row['rating']:.0f}"
        if row.get("tied_with_best"):
            rating += "="
        win = "-" if row.get("win_rate") is None else f"{row['win_rate'] / 2:.2f}"
        price = "?" if row.get("price") is None else f"{row['price']:.3g}"
        table.add_row(
            str(row["rank"]),
            escape(f"{row['provider']}/{row['model']}"),
            rating,
            win,
            price,
            f"{row['latency_units']:g}",
            f"{scores['quality']:.1f}",
            f"-{scores['price_doublings']:.2f}x2",
            f"{scores['fit']:.1f}",
            f"{scores['total']:.1f}",
            row["chosen"],
        )
    console.print(table)
    console.print(
        "  (rating: = tied with the best (counts as win 0.50); win: expected win rate vs the best; "
        "price: doublings above the cheapest; all scores in Arena points)"
    )


def _render_pick(console: Console, pick: Mapping[str, Any]) -> None:
    from rich.markup import escape

    console.print(f"  [bold]{pick['position']}[/bold] {escape(pick['target'])}")
    if pick.get("why"):
        console.print(f"      why      {escape(pick['why'])}")
    q = pick.get("quality", {})
    if q.get("rated"):
        if str(q["measure"]).startswith("mteb"):
            text = f"{q['measure']} {q['value']:.2f}"
        else:
            votes = f", {q['votes']:,} votes" if q.get("votes") else ""
            text = f"{q['measure']} {q['value']:.0f} [{q['ci_lower']:.0f}, {q['ci_upper']:.0f}]{votes}"
            if q.get("win_rate") is not None:
                text += f", win rate vs best {q['win_rate'] / 2:.2f}"
            if q.get("tied_with_best"):
                text += " (tied with the best)"
        console.print(f"      quality  {escape(text)}")
    else:
        console.print(f"      quality  unrated on {q.get('measure')}")
    prices = pick.get("prices", {})
    if prices.get("known") and prices.get("output") is None:
        console.print(f"      price    ${prices['input']:g} per 1M input tokens (output price unknown)")
    elif prices.get("known"):
        out_text = f"${prices['output']:g}"
        console.print(
            f"      price    ${prices['input']:g} in / {out_text} out per 1M tokens "
            f"(blended ${prices['blended']:.3g})"
        )
    else:
        console.print("      price    unknown")
    latency = pick.get("latency", {})
    if latency:
        console.print(
            f"      latency  {latency['class']} ({latency['units']:g} units, "
            f"proxy: {escape(latency['basis'])})"
        )
    if pick.get("dimensions") is not None:
        console.print(f"      vectors  {pick['dimensions']} dimensions")
    for source, fields in pick.get("provenance", {}).items():
        console.print(f"      source   {escape(source)}: {escape(fields)}")
    for conflict in pick.get("conflicts", []):
        console.print(f"      conflict {escape(conflict)}")
    for item in pick.get("dropped_params", []):
        console.print(f"      dropped  {item['param']}: {escape(item['why'])}")
    for item in pick.get("added_params", []):
        console.print(f"      added    {item['param']}: {escape(item['why'])}")
    for flag in pick.get("flags", []):
        console.print(f"      [yellow]unknown/flag[/yellow] {escape(flag)}")
