"""A person-year of 康复服务 with both a dated and an undated row (two needs, one met) is served: the
warehouse counts a person as served in a year when any of their rows has a service date (build.sql's
bool_or). The generator never makes such a person-year (a person's needs of a year are met together), so
this test makes some: the dated rows of served persons with two service types lose one date."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import import_to
from expected import clean, expected_annual

from queries.common import Filters
from queries.dashboard import rehab_by_type, unit_table
from queries.db import connect

YEARS = (2023, 2024)


def _read(path):
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError(path)


@pytest.fixture(scope="module")
def mixed(extracts, tmp_path_factory):
    """The test county's extracts with 20 person-years a year made half served (one of two rows undated), and
    20 person-years with one service both dated and undated, imported."""
    folder = tmp_path_factory.mktemp("mixed") / "extracts"
    shutil.copytree(extracts, folder)
    path = folder / "康复服务.csv"
    raw, encoding = _read(path)
    date = next(c for c in raw.columns if c.startswith("服务日期"))
    rows = clean(extracts, "康复服务")  # clean rows only (the planted ones are rejected anyway)
    rows = rows[rows["年度"].astype(float).astype(int).isin(YEARS)]
    dated = rows[rows["服务日期"] != ""]
    twice = dated.groupby(["残疾人证号", "年度"]).filter(lambda g: len(g) == 2)
    firsts = twice.groupby(["残疾人证号", "年度"]).head(1)
    chosen = firsts.groupby("年度").head(20)  # the first row of 20 such person-years in each year
    assert len(chosen) == 20 * len(YEARS)
    raw.loc[chosen["_row"].to_numpy() - 1, date] = ""
    # and the same service twice, once dated and once not (a need recorded again after it was met): appended,
    # so the planted rows keep their numbers
    again = raw.loc[firsts.groupby("年度").tail(10)["_row"].to_numpy() - 1].copy()
    again[date] = ""
    pd.concat([raw, again]).to_csv(path, index=False, encoding=encoding)
    target = str(tmp_path_factory.mktemp("wh") / "mixed.duckdb")
    import_to(folder, target)
    return folder, connect(target), chosen


def test_the_data_holds_person_years_both_dated_and_undated(mixed):
    folder, _, _ = mixed
    rows = clean(folder, "康复服务")
    rows = rows[rows["年度"].astype(float).astype(int).isin(YEARS)]
    both = rows.groupby(["残疾人证号", "年度"])["服务日期"].agg(lambda d: (d != "").any() and (d == "").any())
    assert both.sum() >= 20 * len(YEARS)
    twice = rows.groupby(["残疾人证号", "年度", "服务类型"])["服务日期"].agg(lambda d: (d != "").any() and (d == "").any())
    assert twice.sum() >= 10 * len(YEARS)


@pytest.mark.parametrize("year", YEARS)
def test_a_person_served_once_in_a_year_is_served(mixed, year):
    folder, wh, _ = mixed
    expected = expected_annual(folder, year).fillna(0)  # persons with any dated row of the year
    units = unit_table(wh, Filters(scope=""), year).set_index("unit_code")
    assert (units["rehab_served"].astype(int) == expected["康复已服务人数"].astype(int).reindex(units.index)).all()
    assert (units["rehab_need"].astype(int) == expected["康复需求人数"].astype(int).reindex(units.index)).all()


def test_each_service_type_counts_its_own_rows(mixed):
    """Per service type a person-type is served by its own dated row: the undated need stays unmet."""
    folder, wh, _ = mixed
    rows = clean(folder, "康复服务")
    rows = rows[rows["年度"].astype(float).astype(int) == YEARS[-1]]
    persons = clean(folder, "持证残疾人")
    rows = rows[rows["残疾人证号"].isin(persons["残疾人证号"])]
    served = rows[rows["服务日期"] != ""].groupby("服务类型")["残疾人证号"].nunique()
    frame = rehab_by_type(wh, Filters(scope=""), YEARS[-1]).set_index("service_type")
    assert frame["served_persons"].astype(int).to_dict() == served.to_dict()
