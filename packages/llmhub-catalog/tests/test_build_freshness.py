# ruff: noqa: E501
"""The snapshot build script on small inputs (its genai-prices reader, its failing sanity checks),
and the freshness rule."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from llmhub_catalog.freshness import STALE_AFTER_DAYS, catalog_age_days, staleness_warning
from llmhub_catalog.genai_prices import parse_genai_prices

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "build_snapshot.py"

GENAI_SOURCE = """
import datetime
from decimal import Decimal
from .types import *

providers: list[Provider] = [
    Provider(
        id='openai',
        name='OpenAI',
        model_match=ClauseStartsWith(starts_with='gpt-'),
        models=[
            ModelInfo(
                id='gpt-9',
                match=ClauseOr(or_=[ClauseEquals(equals='gpt-9'), ClauseStartsWith(starts_with='gpt-9-2026')]),
                context_window=200000,
                prices=[
                    ConditionalPrice(prices=ModelPrice(input_mtok=Decimal('2'), output_mtok=Decimal('8'))),
                    ConditionalPrice(
                        constraint=StartDateConstraint(start_date=datetime.date(2026, 10, 1)),
                        prices=ModelPrice(
                            input_mtok=TieredPrices(base=Decimal('2.5'), tiers=[Tier(start=272000, price=Decimal('5'))]),
                            output_mtok=Decimal('10'),
                        ),
                    ),
                ],
            ),
        ],
    ),
]
"""


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_snapshot", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_snapshot"] = module
    spec.loader.exec_module(module)
    return module


def test_genai_prices_source_is_read_as_the_published_json(script: ModuleType) -> None:
    data = script.genai_prices_from_source(GENAI_SOURCE)
    model = data[0]["models"][0]
    assert model["match"] == {"or": [{"equals": "gpt-9"}, {"starts_with": "gpt-9-2026"}]}
    assert model["prices"][1]["constraint"] == {"start_date": "2026-10-01"}
    assert model["prices"][1]["prices"]["input_mtok"] == {
        "base": 2.5,
        "tiers": [{"start": 272000, "price": 5.0}],
    }
    facts = parse_genai_prices(data, date="2026-11-10").lookup("openai", "gpt-9-2026-05-01")
    assert facts is not None
    assert facts["prices.input"] == 2.5
    assert facts["prices.long_context"] == [
        {"above_tokens": 272000, "input": 5.0, "output": None, "cache_read": None}
    ]
    with pytest.raises(ValueError, match="unexpected syntax"):
        script.genai_prices_from_source("providers: list = [lambda: 1]")


def _write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_build_fails_listing_violations_and_writes_nothing(
    script: ModuleType,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    models_dev_doc: dict[str, Any],
    arena_doc: Any,
) -> None:
    litellm = {"gpt-4.1": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2e-06}}
    output = tmp_path / "snapshot.json"
    code = script.main(
        [
            "--models-dev", str(_write(tmp_path / "api.json", models_dev_doc)),
            "--arena", str(_write(tmp_path / "arena.json", arena_doc)),
            "--litellm", str(_write(tmp_path / "litellm.json", litellm)),
            "--genai-prices", str(_write(tmp_path / "genai.json", [{"id": "openai", "models": []}])),
            "--date", "litellm=2026-11-20",
            "--date", "genai_prices=2026-11-10",
            "--output", str(output),
            "--report", str(tmp_path / "report.json"),
        ]
    )  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "sanity checks failed" in err
    assert "anthropic/claude-opus-5-5: flagship model missing" in err
    assert not output.exists()
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["records_per_source"]["litellm"] == 1


def test_freshness_warns_after_sixty_days() -> None:
    today = dt.date(2026, 12, 2)
    assert catalog_age_days("2026-11-20", today) == 12
    assert catalog_age_days("not a date", today) is None
    assert staleness_warning("2026-11-20", today) is None
    fresh_limit = (today - dt.timedelta(days=STALE_AFTER_DAYS)).isoformat()
    assert staleness_warning(fresh_limit, today) is None
    warning = staleness_warning("2026-08-18", today)
    assert warning is not None
    assert "106 days old" in warning
    assert "llmhub catalog refresh" in warning
