"""Model identity and lifecycle: canonical keys, aliases, first-party providers, preview ids,
and the documented reasoning table.

**Canonical key** (:func:`canonical_key`): the model id lower-cased, without a vendor path
(``anthropic/claude-opus-4.6`` -> ``claude-opus-4.6``), a Bedrock region and vendor prefix and
version suffix (``us.anthropic.claude-opus-4-6-v1:0``), a Vertex ``@version``, a ``:free``-style
variant, ``-latest``, a trailing date (``-2024-08-06``, ``-20251001``, ``-0613``, ``-2512``) or
revision (``-001``), with dots turned into dashes. Records with the same key name the same model.

**alias_of** (:func:`link_aliases`), within one catalog provider: an explicit alias from a source
(litellm's ``alias_of``) wins; otherwise an undated or ``-latest`` id is an alias of the newest
dated id with the same key. On a reseller or cloud provider, a record is an alias of the
first-party record (the provider that makes the model, :func:`first_party`) of the same key,
preferring the same dated id.

**Reasoning** (:data:`REASONING_TABLE`): when no source says how a model reasons, the first
matching pattern of this table (on the canonical key) gives ``reasoning_mode`` and the accepted
``reasoning_efforts``; a model without the reasoning capability is ``none``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any, Final

__all__ = [
    "FIRST_PARTY",
    "REASONING_TABLE",
    "canonical_key",
    "dated_suffix",
    "first_party",
    "is_preview",
    "link_aliases",
    "reasoning_from_table",
]

_VENDOR_DOT: Final = re.compile(
    r"^(?:(?:us|eu|apac|global|jp|au|ca|us-gov)\.)?"
    r"(?:anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|google|writer|moonshot|moonshotai|minimax|zai|twelvelabs)\."
)
_DATE: Final = re.compile(r"-(\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|0\d\d)$")
_PREVIEW: Final = re.compile(r"preview|(?:^|[-_.])exp(?:erimental)?(?:$|[-_.])", re.IGNORECASE)

#: Canonical-key prefix -> the catalog provider that makes the model (first party).
FIRST_PARTY: Final = (
    ("claude", "anthropic"),
    ("gpt-", "openai"),
    ("chatgpt", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("codex", "openai"),
    ("text-embedding-3", "openai"),
    ("text-embedding-ada", "openai"),
    ("gemini", "google"),
    ("imagen", "google"),
    ("mistral", "mistral"),
    ("magistral", "mistral"),
    ("codestral", "mistral"),
    ("ministral", "mistral"),
    ("pixtral", "mistral"),
    ("devstral", "mistral"),
    ("voxtral", "mistral"),
    ("open-mistral", "mistral"),
    ("open-mixtral", "mistral"),
    ("deepseek", "deepseek"),
    ("grok", "xai"),
    ("command", "cohere"),
    ("embed-", "cohere"),
    ("kimi", "moonshotai"),
    ("glm", "zai"),
    ("minimax", "minimax"),
    ("sonar", "perplexity"),
    ("qwen", "alibaba"),
    ("voyage", "voyage"),
)

#: (pattern on the canonical key, reasoning_mode, reasoning_efforts), first match wins. Used only
#: when no source gives the mode. Sources: the providers' API references for their reasoning
#: parameters (OpenAI ``reasoning_effort``, Anthropic extended thinking, Gemini thinking, xAI).
REASONING_TABLE: Final = (
    (r"-non-reasoning", "none", ()),
    (r"^o1(-mini|-preview)?$", "always", ("low", "medium", "high")),
    (r"^o[34](-mini|-pro|-deep-research)?$", "always", ("low", "medium", "high")),
    (r"^gpt-5(-mini|-nano|-pro|-codex)?$", "always", ("minimal", "low", "medium", "high")),
    (r"^gpt-5-chat|^gpt-5[-.]\d+-chat|^chat-latest", "none", ()),
    (r"^gpt-(5[-.]\d+|6)", "always", ("low", "medium", "high")),
    (r"^claude-3-7-sonnet|^claude-(opus|sonnet|haiku)-[4-9]", "optional", ()),
    (r"^gemini-2-5-pro", "always", ()),
    (r"^gemini-2-5-flash", "optional", ()),
    (r"^gemini-[3-9]", "always", ("low", "high")),
    (r"^deepseek-(reasoner|r1)", "always", ()),
    (r"^grok-3-mini", "always", ("low", "high")),
    (r"^grok-[4-9]", "always", ()),
    (r"^kimi-k2-thinking|^qwq|thinking$", "always", ()),
    (r"^qwen3", "optional", ()),
)
_TABLE: Final = tuple((re.compile(p), mode, efforts) for p, mode, efforts in REASONING_TABLE)


def canonical_key(model: str) -> str:
    """The key shared by every id naming the same model (see the module docstring).

    >>> canonical_key("us.anthropic.claude-opus-4-6-v1:0"), canonical_key("anthropic/claude-opus-4.6")
    ('claude-opus-4-6', 'claude-opus-4-6')
    >>> canonical_key("gpt-4o-2024-08-06"), canonical_key("mistral-large-latest")
    ('gpt-4o', 'mistral-large')
    """
    key = model.lower().rsplit("/", 1)[-1]
    key = _VENDOR_DOT.sub("", key)
    key = key.split("@", 1)[0]
    key = re.sub(r":(?:free|beta|thinking|extended|nitro|floor|exacto|online)$", "", key)
    key = re.sub(r"-v\d+(?::\d+)?$", "", key)
    key = re.sub(r":\d+$", "", key)
    key = re.sub(r"-latest$", "", key)
    key = _DATE.sub("", key)
    return key.replace(".", "-").replace("_", "-")


def dated_suffix(model: str) -> str | None:
    """The date or revision at the end of a model id, normalised for ordering (``None``: undated)."""
    base = model.lower().rsplit("/", 1)[-1].split("@", 1)[0]
    base = re.sub(r"-v\d+(?::\d+)?$", "", base)
    match = _DATE.search(base)
    if match is None:
        return None
    digits = match.group(1).replace("-", "")
    if len(digits) == 4:  # MMDD or YYMM: no year to order by, keep as is
        return "0000" + digits
    return digits.rjust(8, "0")


def first_party(canonical: str) -> str | None:
    """The catalog provider that makes a model, from its canonical key (``None``: unknown)."""
    for prefix, provider in FIRST_PARTY:
        if canonical.startswith(prefix):
            return provider
    return None


def is_preview(model: str) -> bool:
    """A preview or experimental id."""
    return _PREVIEW.search(model) is not None


def reasoning_from_table(canonical: str) -> tuple[str, tuple[str, ...]] | None:
    """``(reasoning_mode, reasoning_efforts)`` from :data:`REASONING_TABLE`, or ``None``."""
    for pattern, mode, efforts in _TABLE:
        if pattern.search(canonical):
            return mode, tuple(efforts)
    return None


def link_aliases(rows: Iterable[MutableMapping[str, Any]], explicit: Mapping[str, str] | None = None) -> None:
    """Set ``canonical``, ``alias_of`` and ``preview`` on every row (in place).

    Args:
        rows: Record rows (``id``, ``catalog_provider``, ``model``, ``open_weights``...).
        explicit: Catalog id -> the catalog id it is an alias of, as a source states it.
    """
    explicit = explicit or {}
    rows = list(rows)
    by_id = {row["id"]: row for row in rows}
    groups: dict[tuple[str, str], list[MutableMapping[str, Any]]] = {}
    for row in rows:
        row["canonical"] = canonical_key(row["model"])
        row["preview"] = is_preview(row["model"])
        row["alias_of"] = None
        groups.setdefault((row["catalog_provider"], row["canonical"]), []).append(row)
    # Within a provider: undated / -latest ids point at the newest dated id.
    for members in groups.values():
        dated = [(dated_suffix(r["model"]), r) for r in members]
        newest = max(((d, r) for d, r in dated if d is not None), key=lambda item: item[0], default=None)
        for suffix, row in dated:
            if suffix is None and newest is not None:
                row["alias_of"] = newest[1]["id"]
            elif suffix is None and row["model"].lower().endswith("-latest"):
                plain = next((r for r in members if r is not row and dated_suffix(r["model"]) is None), None)
                if plain is not None:
                    row["alias_of"] = plain["id"]
    # Explicit aliases from a source (they may name a differently keyed model).
    for alias_id, target_id in explicit.items():
        alias, target = by_id.get(alias_id), by_id.get(target_id)
        if alias is not None and target is not None and alias is not target:
            alias["alias_of"] = target_id
            alias["canonical"] = target["canonical"]
    # Reseller and cloud copies point at the first-party record.
    for row in rows:
        owner = first_party(row["canonical"])
        if owner is None or owner == row["catalog_provider"] or row["alias_of"] is not None:
            continue
        candidates = groups.get((owner, row["canonical"]))
        if not candidates:
            continue
        suffix = dated_suffix(row["model"])
        same = next((r for r in candidates if dated_suffix(r["model"]) == suffix), None)
        target = same or next((r for r in candidates if r["alias_of"] is None), candidates[0])
        row["alias_of"] = target["alias_of"] or target["id"]
