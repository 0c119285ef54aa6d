"""LMArena rating tables: reading them, and matching their model names to catalog models.

An Arena table maps an Arena model key to its ratings per category (rating, 95% confidence
interval, votes, rank). :func:`parse_arena_table` reads the shapes in which such tables are
published and returns the one canonical :class:`ArenaTable`; the snapshot stores that canonical
shape (``to_json``), so the same parser reads a bundled snapshot, a cache and a live download.

Matching (:class:`ArenaMatcher`) compares *normalised* names: lower case, provider prefixes and
hosting decorations dropped (``us.anthropic.``, ``-v1:0``, ``@region``, ``:free``), ``.``/``_``
turned into ``-``. A first pass needs those keys to be equal (``exact``); a second, looser pass
also drops release dates, ``-latest``/``-preview``/``-instruct`` and reasoning-effort suffixes and
ignores dashes (``normalized``). What the matcher still gets wrong is fixed by overrides
(``data/overrides.json``). Ratings belong to a model, not to a host: ``claude-opus-4-7`` on
Bedrock gets the same ratings as on Anthropic's own API.

LMArena data is published under CC BY 4.0 (https://lmarena.ai, dataset
``lmarena-ai/leaderboard-dataset``); the catalog keeps the attribution with the data.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from llmhub_catalog.errors import SourceDataError

__all__ = [
    "ARENA_ATTRIBUTION",
    "ArenaEntry",
    "ArenaMatcher",
    "ArenaTable",
    "loose_key",
    "parse_arena_table",
    "strict_key",
]

ARENA_ATTRIBUTION = (
    "LMArena leaderboard (https://lmarena.ai), dataset lmarena-ai/leaderboard-dataset, licensed CC BY 4.0"
)

#: One score: rating, ci_lower, ci_upper, votes, rank (the last four may be None).
ScoreRow = tuple[float, float | None, float | None, int | None, int | None]


@dataclass(frozen=True, slots=True)
class ArenaEntry:
    """One Arena model: its display name and its score per category."""

    display_name: str
    ratings: Mapping[str, ScoreRow]


@dataclass(frozen=True, slots=True)
class ArenaTable:
    """A canonical Arena ratings table.

    Attributes:
        models: Arena model key -> entry.
        date: Date of the leaderboard data (ISO), when known.
        source: Where the table came from (URL or package).
        attribution: Credit line (CC BY 4.0 requires it).
    """

    models: Mapping[str, ArenaEntry]
    date: str | None = None
    source: str = ""
    attribution: str = ARENA_ATTRIBUTION
    categories: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON shape (what snapshots store and :func:`parse_arena_table` reads)."""
        return {
            "attribution": self.attribution,
            "categories": list(self.categories),
            "date": self.date,
            "source": self.source,
            "models": {
                key: {"name": entry.display_name, "ratings": {c: list(r) for c, r in entry.ratings.items()}}
                for key, entry in sorted(self.models.items())
            },
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _count(value: Any) -> int | None:
    number = _number(value)
    return None if number is None or number < 0 else int(number)


def _score(rating: Any, lower: Any, upper: Any, votes: Any, rank: Any) -> ScoreRow | None:
    value = _number(rating)
    if value is None:
        return None
    rank_value = _count(rank)
    return (value, _number(lower), _number(upper), _count(votes), rank_value if rank_value else None)


def _category_from_page(page: str) -> str:
    # arena.ai page names: "text/coding" -> "coding"; "vision/overall" -> "vision".
    arena, _, category = page.partition("/")
    if arena == "text":
        return category or "overall"
    return arena


def parse_arena_table(data: Any, *, source: str = "") -> ArenaTable:
    """Read an Arena table in any supported shape and return the canonical :class:`ArenaTable`.

    Supported shapes: the canonical one (``{"models": {key: {"name", "ratings": {cat: [r, lo,
    hi, votes, rank]}}}}``); a ``tasks`` table (``{"tasks": {cat: [[key, name, r, lo, hi, votes,
    rank], ...]}}``, optionally under ``"ratings"``, as in the llmledger data file); and arena.ai
    page rows (``{"pages": {"text/coding": [[name, r, lo, hi, votes, ...], ...]}}``).
    Rows without a numeric rating are skipped.

    Raises:
        SourceDataError: The data has none of these shapes or holds no rating at all.
    """
    if not isinstance(data, Mapping):
        raise SourceDataError("an Arena table must be a JSON object")
    date: str | None = None
    models: dict[str, dict[str, Any]] = {}
    if isinstance(data.get("models"), Mapping):
        date = data.get("date") if isinstance(data.get("date"), str) else None
        for key, raw in data["models"].items():
            if not isinstance(raw, Mapping) or not isinstance(raw.get("ratings"), Mapping):
                continue
            ratings = {}
            for category, row in raw["ratings"].items():
                if isinstance(row, list | tuple) and len(row) == 5:
                    score = _score(*row)
                    if score is not None:
                        ratings[str(category)] = score
            if ratings:
                name = raw.get("name")
                models[str(key)] = {"name": name if isinstance(name, str) else str(key), "ratings": ratings}
        source = source or str(data.get("source") or "")
    else:
        tasks_holder: Mapping[str, Any] = (
            data["ratings"] if isinstance(data.get("ratings"), Mapping) else data
        )
        if isinstance(tasks_holder.get("tasks"), Mapping):
            date = tasks_holder.get("date") if isinstance(tasks_holder.get("date"), str) else None
            source = source or str(tasks_holder.get("source") or "")
            for category, rows in tasks_holder["tasks"].items():
                for row in rows if isinstance(rows, list) else ():
                    if isinstance(row, list) and len(row) >= 7 and isinstance(row[0], str):
                        score = _score(*row[2:7])
                        if score is not None:
                            name = row[1] if isinstance(row[1], str) else row[0]
                            entry = models.setdefault(row[0], {"name": name, "ratings": {}})
                            entry["ratings"][str(category)] = score
        elif isinstance(data.get("pages"), Mapping):
            fetched = data.get("fetched_at")
            date = fetched[:10] if isinstance(fetched, str) else None
            source = source or str(data.get("source") or "")
            for page, rows in data["pages"].items():
                category = _category_from_page(str(page))
                for row in rows if isinstance(rows, list) else ():
                    if isinstance(row, list) and len(row) >= 5 and isinstance(row[0], str):
                        score = _score(row[1], row[2], row[3], row[4], None)
                        if score is not None:
                            entry = models.setdefault(row[0], {"name": row[0], "ratings": {}})
                            entry["ratings"][category] = score
        else:
            raise SourceDataError(
                "unrecognised Arena table: expected a 'models', 'tasks' (or 'ratings.tasks') or 'pages' key"
            )
    if not models:
        raise SourceDataError("the Arena table holds no rating")
    categories = sorted({c for m in models.values() for c in m["ratings"]})
    if "overall" in categories:  # overall first: it is the one tiers use
        categories.remove("overall")
        categories.insert(0, "overall")
    return ArenaTable(
        models={
            k: ArenaEntry(display_name=v["name"], ratings=v["ratings"]) for k, v in sorted(models.items())
        },
        date=date,
        source=source,
        attribution=str(data.get("attribution") or ARENA_ATTRIBUTION)
        if isinstance(data.get("attribution"), str)
        else ARENA_ATTRIBUTION,
        categories=tuple(categories),
    )


_HOST_PREFIX = re.compile(
    r"^(?:(?:us|eu|apac|global|jp|au|ca)\.)?"
    r"(?:anthropic|meta|mistral|amazon|cohere|ai21|deepseek|openai|qwen|writer|moonshot|moonshotai|zai|"
    r"minimax|google|nvidia|xai|twelvelabs)\."
)
_PARENS = re.compile(r"\s*\([^)]*\)")
_SEPARATORS = re.compile(r"[\s._]+")
_DASHES = re.compile(r"-{2,}")
_LOOSE_SUFFIX = re.compile(
    r"-(?:latest|preview|exp|experimental|instruct|it|\d{8}|\d{4}-\d{2}-\d{2}|(?:0[1-9]|1[0-2])-20\d{2}|\d{4}|\d+k|"
    r"high|xhigh|max|low|medium|minimal|thinking|reasoning|non-reasoning|nothinking|no-thinking|"
    r"search|grounding)$"
)


def strict_key(name: str) -> str:
    """A name with hosting decorations removed, lower case, ``.``/``_``/spaces turned into ``-``.

    >>> strict_key("us.anthropic.claude-opus-4-7-v1:0")
    'claude-opus-4-7'
    >>> strict_key("anthropic / claude-opus-4.7")
    'claude-opus-4-7'
    """
    key = name.strip().lower()
    if " / " in key:
        key = key.split(" / ", 1)[1]
    key = key.rsplit("/", 1)[-1].split("@", 1)[0]
    key = _HOST_PREFIX.sub("", key)
    key = re.sub(r"-v\d+(?::\d+)?$", "", key)
    key = re.sub(r"-\d+:\d+$", "", key)
    key = key.split(":", 1)[0]
    key = _PARENS.sub("", key)
    key = _SEPARATORS.sub("-", key)
    return _DASHES.sub("-", key).strip("-")


def loose_key(name: str) -> str:
    """:func:`strict_key` without dates, ``-latest``/``-preview``/effort suffixes, and without dashes.

    >>> loose_key("claude-haiku-4-5-20251001")
    'claudehaiku45'
    >>> loose_key("grok-4-fast-non-reasoning")
    'grok4fast'
    """
    key = strict_key(name)
    while True:
        shorter = _LOOSE_SUFFIX.sub("", key)
        if shorter == key or not shorter:
            break
        key = shorter
    return key.replace("-", "")


class ArenaMatcher:
    """Finds the Arena entry of a model by normalised name (see the module docstring)."""

    def __init__(self, table: ArenaTable) -> None:
        self.table = table
        self._strict: dict[str, str] = {}
        self._loose: dict[str, str] = {}
        # Most-voted first, so that when two Arena entries share a loose key the better-measured
        # (usually the main) variant wins, deterministically.
        for key in sorted(table.models, key=lambda k: (-self._votes(k), k)):
            self._strict.setdefault(strict_key(key), key)
            self._loose.setdefault(loose_key(key), key)

    def _votes(self, key: str) -> int:
        score = self.table.models[key].ratings.get("overall")
        return (score[3] or 0) if score else 0

    def match(self, model_id: str, name: str | None = None) -> tuple[str, str] | None:
        """``(arena_key, "exact" | "normalized")`` for a model id (and display name), or None."""
        found = self._strict.get(strict_key(model_id))
        if found is not None:
            return found, "exact"
        # models.dev display names often carry the version the id hides ("mistral-medium-2604"
        # is "Mistral Medium 3.5"), so the name's strict key comes before loose id matching.
        if name:
            found = self._strict.get(strict_key(name))
            if found is not None:
                return found, "normalized"
        for candidate in (model_id, name):
            if candidate:
                found = self._loose.get(loose_key(candidate))
                if found is not None:
                    return found, "normalized"
        return None
