"""The scope is enforced in the query layer: every query called with a township scope returns no row of
another township, and asking for another township is refused."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from queries import dashboard
from queries.common import Filters, ScopeError
from queries.db import connect
from queries.report import annual_table

CODE_COLUMNS = ("unit_code", "region_code", "township_code", "village_code")
ARGUMENTS = {"year": 2024, "month_from": "2023-01", "month_to": "2024-12", "month": 6, "months": (1, 6)}


def call(fn, wh, filters: Filters, scope: str):
    """Call a query function with the arguments its signature names."""
    kwargs = {}
    for name in list(inspect.signature(fn).parameters)[1:]:
        kwargs[name] = filters if name == "filters" else scope if name == "scope" else ARGUMENTS[name]
    return fn(wh, **kwargs)


def frames(result) -> list[pd.DataFrame]:
    """A query's result as a list of frames."""
    return list(result.values()) if isinstance(result, dict) else [result]


@pytest.mark.parametrize("url_fixture", ["duck_url", "pg_url"])
def test_no_row_of_another_township(request, url_fixture):
    wh = connect(request.getfixturevalue(url_fixture))
    county = annual_table(wh, 2024, Filters(scope=""))
    scope = county.iloc[3]["区划代码"]
    checked = 0
    for name, fn in inspect.getmembers(dashboard, inspect.isfunction):
        if fn.__module__ != dashboard.__name__ or name.startswith("_") or name in ("first_of",):
            continue
        scoped = frames(call(fn, wh, Filters(scope=scope), scope))
        if "filters" in inspect.signature(fn).parameters:
            # The aggregates carry no codes: the scoped answer must be the township's own answer.
            own = frames(call(fn, wh, Filters(scope="", township=scope), scope))
            for a, b in zip(scoped, own, strict=True):
                pd.testing.assert_frame_equal(a, b)
        for frame in scoped:
            for column in CODE_COLUMNS:
                if column in frame.columns and len(frame):
                    codes = frame[column].dropna().astype(str)
                    assert codes.str[:9].eq(scope[:9]).all(), (name, column, codes[~codes.str[:9].eq(scope[:9])][:3])
                    checked += 1
    table = annual_table(wh, 2024, Filters(scope=scope))
    assert table["区划代码"].iloc[:-1].str.startswith(scope[:9]).all()
    assert checked >= 5  # the check saw real rows of the queries that return codes


def test_another_township_is_refused(duck_url):
    wh = connect(duck_url)
    county = annual_table(wh, 2024, Filters(scope=""))
    own, other = county.iloc[1]["区划代码"], county.iloc[2]["区划代码"]
    with pytest.raises(ScopeError):
        dashboard.unit_table(wh, Filters(scope=own, township=other), 2024)
    with pytest.raises(ScopeError):
        dashboard.subsidy_by_month(wh, Filters(scope=own, village=other[:9] + "001"), "2024-01", "2024-12")
    with pytest.raises(TypeError):
        Filters()  # no query can be called without a scope


@pytest.mark.parametrize("url_fixture", ["duck_url", "pg_url"])
def test_explore_keeps_to_the_scope(request, url_fixture):
    from queries.catalog import METRICS
    from queries.explore import explore

    wh = connect(request.getfixturevalue(url_fixture))
    scope = annual_table(wh, 2024, Filters(scope="")).iloc[3]["区划代码"]
    seen = 0
    for metric, m in METRICS.items():
        for by in m.breakdowns:
            scoped = explore(wh, Filters(scope=scope), metric, by, "", "2023-01", "2024-12")
            own = explore(wh, Filters(scope="", township=scope), metric, by, "", "2023-01", "2024-12")
            pd.testing.assert_frame_equal(scoped, own)  # the scope is the township's own answer
            if by in ("township", "village") and len(scoped):
                assert scoped["row_key"].str[:9].eq(scope[:9]).all(), (metric, by)
                seen += 1
    assert seen >= 10
    other = annual_table(wh, 2024, Filters(scope="")).iloc[4]["区划代码"]
    with pytest.raises(ScopeError):
        explore(wh, Filters(scope=scope, township=other), "rehab_rate", "village", "", "2024-01", "2024-12")
