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


# Queries that read beyond the scope by design: the county's total row shown to a township user (one row,
# no codes; pages/overview.py), and the datasets' months and row counts (what the warehouse covers).
BEYOND_SCOPE = {"county_total", "data_months", "data_years", "row_counts"}


def pruned_copy(url: str, scope: str, folder) -> str:
    """A copy of the DuckDB warehouse holding nothing of any other township: every row of a table with a
    township is deleted unless it is the scope's (the county's own region row aside), then boundaries,
    people's facts and base placements of what is gone. A query that keeps to the scope answers the same
    here as on the whole warehouse; one that reads another township's rows does not."""
    import shutil

    import duckdb

    path = folder / "pruned.duckdb"
    shutil.copyfile(url.removeprefix("duckdb:///").removeprefix("duckdb://"), path)
    con = duckdb.connect(str(path))
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables "
                                        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'").fetchall()]
    columns = {t: {c for (c,) in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                             [t]).fetchall()} for t in tables}
    for table in tables:
        if "township_code" in columns[table]:
            con.execute(f"DELETE FROM {table} WHERE township_code IS NOT NULL AND township_code <> ?", [scope])
    for table in tables:
        if "region_code" in columns[table] and table != "dim_region":
            con.execute(f"DELETE FROM {table} WHERE region_code NOT IN (SELECT region_code FROM dim_region)")
        if "person_id" in columns[table] and table != "dim_person":
            con.execute(f"DELETE FROM {table} WHERE person_id NOT IN (SELECT person_id FROM dim_person)")
    left = con.execute("SELECT count(DISTINCT township_code) FROM dim_person").fetchone()[0]
    con.close()
    assert left == 1
    return str(path)


@pytest.mark.parametrize("url_fixture", ["duck_url", "pg_url"])
def test_no_row_of_another_township(request, url_fixture, tmp_path):
    """Every query of the dashboard, called with a township scope: each row it returns carries only that
    township's codes, and (DuckDB) its whole answer is the same on a copy of the warehouse where every other
    township's rows are deleted — so no row of another township went into any number it returns."""
    url = request.getfixturevalue(url_fixture)
    wh = connect(url)
    county = annual_table(wh, 2024, Filters(scope=""))
    scope = county.iloc[3]["区划代码"]
    alone = connect(pruned_copy(request.getfixturevalue("duck_url"), scope, tmp_path)) \
        if url_fixture == "duck_url" else None
    checked = compared = 0
    for name, fn in inspect.getmembers(dashboard, inspect.isfunction):
        if fn.__module__ != dashboard.__name__ or name.startswith("_") or name in ("first_of",):
            continue
        scoped = frames(call(fn, wh, Filters(scope=scope), scope))
        if alone is not None and name not in BEYOND_SCOPE:
            for a, b in zip(scoped, frames(call(fn, alone, Filters(scope=scope), scope)), strict=True):
                pd.testing.assert_frame_equal(a, b, obj=name)
                compared += bool(len(a))
        for frame in scoped:
            for column in CODE_COLUMNS:
                if column in frame.columns and len(frame):
                    codes = frame[column].dropna().astype(str)
                    assert codes.str[:9].eq(scope[:9]).all(), (name, column, codes[~codes.str[:9].eq(scope[:9])][:3])
                    checked += 1
    table = annual_table(wh, 2024, Filters(scope=scope))
    assert table["区划代码"].iloc[:-1].str.startswith(scope[:9]).all()
    if alone is not None:
        pd.testing.assert_frame_equal(table, annual_table(alone, 2024, Filters(scope=scope)))
        assert compared >= 12  # the comparison saw real rows of (nearly) every query
        # and it can tell: the county's total (read beyond the scope by design) differs without the others
        assert not dashboard.county_total(wh, Filters(scope=scope), 2024).equals(
            dashboard.county_total(alone, Filters(scope=scope), 2024))
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
def test_explore_keeps_to_the_scope(request, url_fixture, tmp_path):
    from queries.catalog import METRICS
    from queries.explore import explore

    wh = connect(request.getfixturevalue(url_fixture))
    scope = annual_table(wh, 2024, Filters(scope="")).iloc[3]["区划代码"]
    seen = 0
    alone = connect(pruned_copy(request.getfixturevalue("duck_url"), scope, tmp_path)) \
        if url_fixture == "duck_url" else None
    for metric, m in METRICS.items():
        for by in m.breakdowns:
            scoped = explore(wh, Filters(scope=scope), metric, by, "", "2023-01", "2024-12")
            if alone is not None:  # the same answer with every other township's rows deleted
                pd.testing.assert_frame_equal(scoped, explore(alone, Filters(scope=scope), metric, by, "", "2023-01",
                                                              "2024-12"), obj=f"{metric} by {by}")
            if by in ("township", "village") and len(scoped):
                assert scoped["row_key"].str[:9].eq(scope[:9]).all(), (metric, by)
                seen += 1
    assert seen >= 10
    other = annual_table(wh, 2024, Filters(scope="")).iloc[4]["区划代码"]
    with pytest.raises(ScopeError):
        explore(wh, Filters(scope=scope, township=other), "rehab_rate", "village", "", "2024-01", "2024-12")
