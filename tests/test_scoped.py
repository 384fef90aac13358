"""Every scoped query of queries/dashboard.py, called with a township user's scope, gives that township's own
answer as an independent pandas computation from the extract files finds it (tests/expected.py): a query that
ignored the township and answered for the whole county would fail here. On DuckDB and PostgreSQL."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from queries import dashboard
from queries.common import Filters
from queries.db import connect
from tests import expected

YEAR, MONTH, MONTHS = 2024, 6, {"month_from": "2023-01", "month_to": "2024-12"}
# query → its arguments besides the filters (the pandas twin in tests/expected.py has the same name)
CASES: dict[str, dict] = {
    "subsidy_by_month": MONTHS,
    "subsidy_persons_to_month": {"year": YEAR, "month": MONTH},
    "subsidy_by_category_level": {"year": YEAR},
    "monitoring_by_month": MONTHS,
    "monitoring_year_end": {"year": YEAR},
    "rehab_by_type": {"year": YEAR},
    "rehab_by_group": {"year": YEAR},
    "employment_bases": {"year": YEAR},
    "employment_by_form": {},
    "modification_by_year": {},
    "modification_by_unit": {"year": YEAR},
    "care_by_type": {},
}
KEYS = {"subsidy_by_month": ["pay_month", "subsidy_code"], "subsidy_persons_to_month": ["year", "subsidy_code"],
        "subsidy_by_category_level": ["category_code", "level_code", "subsidy_code"], "monitoring_by_month": ["month"],
        "path": ["monitor_type"], "risks": ["main_risk", "monitor_type"], "rehab_by_type": ["service_type"],
        "rehab_by_group": ["category_code", "is_child"], "employment_bases": ["base_id"],
        "employment_by_form": ["year", "form"], "modification_by_year": ["plan_year"],
        "modification_by_unit": ["unit_code"], "care_by_type": ["year", "care_type"]}
# unit_table's columns and the annual table's (expected_annual) for the same count
UNIT_COLUMNS = {
    "persons": "持证残疾人数", "monitored_unstable": "在监测户数_脱贫不稳定户", "monitored_marginal": "在监测户数_边缘易致贫户",
    "monitored_sudden": "在监测户数_突发严重困难户", "enrolled": "年内新纳入户数", "eliminated": "年内风险消除户数",
    "without_measure": "无帮扶措施户数", "living_persons": "生活补贴_人数", "nursing_persons": "护理补贴_人数",
    "living_eligible": "生活补贴_覆盖率_den", "living_eligible_paid": "生活补贴_覆盖率_num",
    "nursing_eligible": "护理补贴_覆盖率_den", "nursing_eligible_paid": "护理补贴_覆盖率_num",
    "rehab_need": "康复需求人数", "rehab_served": "康复已服务人数", "base_placed": "基地安置人数",
    "modification_planned": "无障碍改造_计划户数", "modification_completed": "无障碍改造_完成户数",
}


@pytest.fixture(scope="module")
def annual(extracts) -> dict[int, pd.DataFrame]:
    """The independent annual table per township, for the year and the year before."""
    return {y: expected.expected_annual(extracts, y) for y in (YEAR - 1, YEAR)}


@pytest.fixture(scope="module")
def town(annual) -> str:
    """A township with data in every area (so no comparison is of two empty answers)."""
    table = annual[YEAR]
    full = table[(table["就业基地数"] > 0) & (table["无障碍改造_计划户数"] > 0) & (table["年内风险消除户数"] > 0)]
    return str(full["持证残疾人数"].idxmax())


def compare(name: str, got: pd.DataFrame, want: pd.DataFrame) -> None:
    """The query's answer equals the pandas answer on the pandas answer's columns, row for row."""
    assert len(want), f"{name}: the township has no data here, so the comparison would prove nothing"
    keys, columns = KEYS[name], list(want.columns)
    got = got[columns].sort_values(keys).reset_index(drop=True)
    want = want.sort_values(keys).reset_index(drop=True)
    for key in keys:  # the same key values (PostgreSQL and DuckDB types differ: compare as text)
        assert got[key].astype(str).tolist() == want[key].astype(str).tolist(), (name, key)
    for column in columns:
        if column not in keys:
            assert got[column].astype(float).tolist() == pytest.approx(want[column].astype(float).tolist(),
                                                                      abs=0.005), (name, column)


def test_every_scoped_query_is_compared():
    scoped = {name for name, fn in inspect.getmembers(dashboard, inspect.isfunction)
              if fn.__module__ == dashboard.__name__ and "filters" in inspect.signature(fn).parameters}
    assert scoped == set(CASES) | {"boundaries", "unit_table", "unit_tables", "county_total"}


@pytest.mark.parametrize("name", CASES)
def test_scoped_query_is_the_townships_own(any_url, extracts, town, name):
    got = getattr(dashboard, name)(connect(any_url), Filters(scope=town), **CASES[name])
    want = getattr(expected, name)(extracts, town, **CASES[name])
    if isinstance(want, dict):
        for part in want:
            compare(part, got[part], want[part])
    else:
        compare(name, got, want)


def test_scoped_boundaries_are_the_townships_villages(any_url, extracts, town):
    got = dashboard.boundaries(connect(any_url), Filters(scope=town))
    want = expected.boundaries(extracts, town)
    assert want and sorted(got["region_code"]) == want


def test_scoped_unit_tables_sum_to_the_townships_row(any_url, annual, town):
    wh = connect(any_url)
    tables = dashboard.unit_tables(wh, Filters(scope=town), YEAR)
    single = dashboard.unit_table(wh, Filters(scope=town), YEAR)
    assert set(tables) == {YEAR - 1, YEAR}
    for year, units in [*tables.items(), ("unit_table", single)]:
        assert units["unit_code"].str[:9].eq(town[:9]).all()  # villages of the township only
        row = annual[YEAR if year == "unit_table" else year].loc[town]
        for column, label in UNIT_COLUMNS.items():
            assert units[column].sum() == pytest.approx(row[label]), (year, column)


def test_county_total_is_the_whole_countys_for_a_township_user(any_url, annual, town):
    total = dashboard.county_total(connect(any_url), Filters(scope=town), YEAR).iloc[0]
    whole = annual[YEAR].drop(columns="名称").sum()
    for column, label in UNIT_COLUMNS.items():
        assert total[column] == pytest.approx(whole[label]), column
