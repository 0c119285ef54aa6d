"""Read pydantic's genai-prices data (MIT): prices, context windows and deprecation flags.

The live data is the JSON array of providers at :data:`GENAI_PRICES_URL`; the bundled snapshot
reads the same data from the newest ``genai-prices`` wheel at build time (its ``data.py`` is
parsed as a syntax tree into the JSON shape, never executed; see ``scripts/build_snapshot.py``).

Shape: ``[{"id", "models": [{"id", "match", "name", "context_window", "deprecated", "prices"}]}]``
where ``match`` is a rule tree (``equals`` / ``starts_with`` / ``ends_with`` / ``contains`` /
``regex`` / ``or`` / ``and``) applied to the lower-cased model id, and ``prices`` is either one
price set or a list of ``{"constraint", "prices"}`` (the last one in force on the data date wins).
A price is a number ($ per 1M tokens) or ``{"base", "tiers": [{"start", "price"}]}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Final

from llmhub_catalog.errors import SourceDataError
from llmhub_catalog.facts import Facts, SourceFacts, clean_price

__all__ = ["GENAI_PRICES_PROVIDERS", "GENAI_PRICES_URL", "matches", "parse_genai_prices"]

GENAI_PRICES_URL: Final = (
    "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/new_data/v2/data.json"
)
#: genai-prices provider id -> the catalog provider ids whose models it prices.
GENAI_PRICES_PROVIDERS: Final = {
    "anthropic": ("anthropic",),
    "aws": ("amazon-bedrock",),
    "azure": ("azure",),
    "cerebras": ("cerebras",),
    "cohere": ("cohere",),
    "databricks": ("databricks",),
    "deepseek": ("deepseek",),
    "fireworks": ("fireworks-ai",),
    "google": ("google", "google-vertex"),
    "groq": ("groq",),
    "meta": ("llama",),
    "minimax": ("minimax",),
    "mistral": ("mistral",),
    "moonshotai": ("moonshotai",),
    "openai": ("openai",),
    "openrouter": ("openrouter",),
    "ovhcloud": ("ovhcloud",),
    "perplexity": ("perplexity",),
    "together": ("togetherai",),
    "voyageai": ("voyage",),
    "x-ai": ("xai",),
    "zai": ("zai",),
}
_PRICES: Final = (
    ("input_mtok", "prices.input"),
    ("output_mtok", "prices.output"),
    ("cache_read_mtok", "prices.cache_read"),
    ("cache_write_mtok", "prices.cache_write"),
    ("input_audio_mtok", "prices.input_audio"),
    ("output_audio_mtok", "prices.output_audio"),
    ("output_image_mtok", "prices.output_image"),
    ("output_reasoning_mtok", "prices.reasoning"),
)
_TIERED: Final = (("input_mtok", "input"), ("output_mtok", "output"), ("cache_read_mtok", "cache_read"))
_RETIRED: Final = re.compile(r"^\(deprecated\)|\bretired\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def matches(rule: Any, text: str) -> bool:
    """Whether a genai-prices match rule accepts ``text`` (compared lower-cased, as genai-prices does).

    >>> matches({"or": [{"equals": "gpt-4o"}, {"starts_with": "gpt-4o-2024"}]}, "GPT-4o-2024-08-06")
    True
    """
    if not isinstance(rule, Mapping):
        return False
    lower = text.lower()
    if "equals" in rule:
        return lower == str(rule["equals"]).lower()
    if "starts_with" in rule:
        return lower.startswith(str(rule["starts_with"]).lower())
    if "ends_with" in rule:
        return lower.endswith(str(rule["ends_with"]).lower())
    if "contains" in rule:
        return str(rule["contains"]).lower() in lower
    if "regex" in rule:
        return _regex(str(rule["regex"])).search(text) is not None
    if "or" in rule:
        return any(matches(item, text) for item in rule["or"] or ())
    if "and" in rule:
        return all(matches(item, text) for item in rule["and"] or ())
    return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        return None
    return clean_price(float(value))


def _in_force(prices: Any, as_of: str) -> Mapping[str, Any] | None:
    if isinstance(prices, Mapping):
        return prices
    if not isinstance(prices, list):
        return None
    chosen: Mapping[str, Any] | None = None
    for item in prices:
        if not isinstance(item, Mapping) or not isinstance(item.get("prices"), Mapping):
            continue
        constraint = item.get("constraint")
        if constraint is None or (
            isinstance(constraint, Mapping)
            and isinstance(constraint.get("start_date"), str)
            and constraint["start_date"] <= as_of
        ):
            chosen = item["prices"]
        # time-of-day constraints (off-peak discounts) are not list prices: skipped
    return chosen


def _facts(model: Mapping[str, Any], as_of: str) -> Facts:
    facts: Facts = {}
    prices = _in_force(model.get("prices"), as_of) or {}
    tiers: dict[int, dict[str, Any]] = {}
    for key, path in _PRICES:
        value = prices.get(key)
        if isinstance(value, Mapping):
            facts[path] = _number(value.get("base"))
            field = dict(_TIERED).get(key)
            for tier in value.get("tiers") or ():
                if field is None or not isinstance(tier, Mapping) or not isinstance(tier.get("start"), int):
                    continue
                entry = tiers.setdefault(
                    tier["start"],
                    {"above_tokens": tier["start"], "input": None, "output": None, "cache_read": None},
                )
                entry[field] = _number(tier.get("price"))
        elif key in prices:
            facts[path] = _number(value)
    if tiers:
        facts["prices.long_context"] = [tiers[key] for key in sorted(tiers)]
    window = model.get("context_window")
    if isinstance(window, int) and not isinstance(window, bool) and window > 0:
        facts["limits.context"] = window
    description = model.get("description")
    if model.get("deprecated") is True or (isinstance(description, str) and _RETIRED.search(description)):
        facts["status"] = "deprecated"
    return facts


def parse_genai_prices(data: Any, *, date: str, info: Mapping[str, Any] | None = None) -> SourceFacts:
    """Facts looked up by genai-prices' own match rules, per catalog provider.

    A catalog model id is given the facts of the first genai-prices model (in the data's order)
    of a mapped provider whose ``match`` rule accepts it; prices in force on ``date`` are used.

    Raises:
        SourceDataError: The document is not a list of providers with ``models`` lists.
    """
    if not isinstance(data, list) or not data:
        raise SourceDataError("genai-prices data must be a non-empty JSON array of providers")
    by_catalog: dict[str, list[tuple[Any, Facts]]] = {}
    count = 0
    for provider in data:
        if not isinstance(provider, Mapping) or not isinstance(provider.get("models"), list):
            raise SourceDataError("genai-prices: every provider needs a 'models' list")
        targets = GENAI_PRICES_PROVIDERS.get(str(provider.get("id")), ())
        if not targets:
            continue
        entries = [
            (model.get("match"), _facts(model, date))
            for model in provider["models"]
            if isinstance(model, Mapping) and isinstance(model.get("id"), str)
        ]
        count += len(entries)
        for target in targets:
            by_catalog.setdefault(target, []).extend(entries)

    cache: dict[tuple[str, str], Facts | None] = {}

    def matcher(provider: str, model: str) -> Facts | None:
        key = (provider, model)
        if key not in cache:
            cache[key] = next(
                (facts for rule, facts in by_catalog.get(provider, ()) if matches(rule, model)), None
            )
        return cache[key]

    return SourceFacts(
        name="genai_prices", date=date, matcher=matcher, info={**(info or {}), "models": count}
    )
