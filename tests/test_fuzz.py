"""Hostile URLs against the whole app: every value is validated before any query sees it, a refused
value gets a message, nothing raises, and the warehouse file is byte for byte the same afterwards."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
import streamlit as st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as strat

from queries import db
from queries.db import connect
from tests.conftest import open_app
from ui import data
from ui.labels import md_escape
from ui.state import parse

pytestmark = pytest.mark.slow  # many AppTest sessions

NAMES = ["year", "town", "village", "cat", "level", "from", "to", "metric", "mode"]
HOSTILE = strat.one_of(
    strat.text(max_size=200),
    strat.sampled_from([
        "1' OR '1'='1", "'); DROP TABLE dim_person; --", "990101001000' UNION SELECT * FROM dim_person --",
        "\x00", "\x1b[31m", "../../etc/passwd", "9" * 5000, "-1", "1e308", "NaN", "None", "２０２４",
        "2024-02-30", "0000-00", "<img src=x onerror=alert(1)>", "present;rm -rf /", "990101001000\n",
    ]),
)


@pytest.fixture(scope="module")
def allowed(duck_url) -> dict:
    """Every value a query parameter may legitimately carry in the test county."""
    regions = connect(duck_url).frame("SELECT region_code, level FROM dim_region")
    return {"codes": set(regions["region_code"]) | {""}}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=strat.dictionaries(strat.sampled_from(NAMES), HOSTILE, min_size=1, max_size=5),
       page=strat.sampled_from(["overview", "rehabilitation", "subsidies"]))
def test_hostile_urls(duck_url, allowed, monkeypatch, params, page):
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    before = hashlib.sha256(Path(duck_url).read_bytes()).hexdigest()
    seen: list[dict] = []
    original = db.Warehouse.frame

    def recording(self, sql, **bound):
        seen.append(bound)
        return original(self, sql, **bound)

    monkeypatch.setattr(db.Warehouse, "frame", recording)
    st.cache_data.clear()
    at = open_app(page, params)
    assert not at.exception, at.exception
    for bound in seen:  # no query ran with a value that was not validated
        assert bound.get("township", "") in allowed["codes"] and bound.get("village", "") in allowed["codes"]
        assert bound.get("category", 0) in range(8) and bound.get("level", 0) in range(5)
        assert isinstance(bound.get("year", 2024), int) and 2000 <= bound.get("year", 2024) <= 2100
        for key in ("month_from", "month_to", "year_start", "year_end"):
            assert key not in bound or isinstance(bound[key], dt.date)
    if page == "overview":  # the first page drawn: every refusal is said there
        shown = [w.value for w in at.warning]
        for message in parse(params, data.context("")).warnings:
            assert md_escape(message) in shown, (message, shown)  # said as plain text (Markdown escaped)
    assert hashlib.sha256(Path(duck_url).read_bytes()).hexdigest() == before
