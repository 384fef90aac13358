"""The annual township table (report.md) against an independent pandas computation, on both engines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from queries import dashboard
from queries.common import Filters
from queries.dashboard import unit_tables
from queries.db import connect
from queries.metrics import rates, shortfall, with_metrics
from queries.report import REPORT_COLUMNS, annual_table, main, rate, years_held
from tests.expected import clean, expected_annual, expected_gap

YEAR = 2024
COUNTS = [
    "持证残疾人数", "在监测户数_脱贫不稳定户", "在监测户数_边缘易致贫户", "在监测户数_突发严重困难户",
    "年内新纳入户数", "年内风险消除户数", "无帮扶措施户数", "生活补贴_人数", "护理补贴_人数",
    "康复需求人数", "康复已服务人数", "就业基地数", "基地安置人数", "无障碍改造_计划户数", "无障碍改造_完成户数",
]


@pytest.fixture(scope="module")
def expected(extracts) -> pd.DataFrame:
    """The independent computation for 2024."""
    return expected_annual(extracts, YEAR)


def test_columns_and_total_row(duck_url):
    table = annual_table(connect(duck_url), YEAR, Filters(scope=""))
    assert list(table.columns) == REPORT_COLUMNS
    total = table.iloc[-1]
    assert total["名称"] == "合计" and total["区划代码"] == "990101000000"
    assert table["区划代码"].iloc[:-1].is_monotonic_increasing
    body = table.iloc[:-1]
    for column in COUNTS:
        assert total[column] == body[column].sum(), column
    # Rates in the total row come from its own counts, never an average of townships.
    assert total["康复服务率"] == rate(total["康复已服务人数"], total["康复需求人数"])


@pytest.mark.parametrize("year", [2021, 2022, 2023, YEAR])
def test_matches_independent_computation(any_url, extracts, year):
    """Every year of the test county, not only the last: a past year's coverage counts, in numerator and
    denominator alike, the eligible whose certificate was issued by its end (re-issued certificates, 换证,
    carry a 发证日期 later than their payments)."""
    expected = expected_annual(extracts, year)
    table = annual_table(connect(any_url), year, Filters(scope="")).set_index("区划代码").iloc[:-1]
    assert list(table.index) == list(expected.index)
    assert (table["名称"] == expected["名称"]).all()
    for column in COUNTS:
        assert table[column].tolist() == expected[column].astype(int).tolist(), column
    for label in ("生活补贴", "护理补贴"):
        assert table[f"{label}_金额"].round(2).tolist() == pytest.approx(expected[f"{label}_金额"].tolist(), abs=0.005)
        want = [rate(n, d) for n, d in zip(expected[f"{label}_覆盖率_num"], expected[f"{label}_覆盖率_den"],
                                           strict=True)]
        assert table[f"{label}_覆盖率"].tolist() == want
    want = [rate(n, d) for n, d in zip(expected["康复已服务人数"], expected["康复需求人数"], strict=True)]
    assert table["康复服务率"].tolist() == want
    for label in ("生活补贴", "护理补贴"):
        assert (table[f"{label}_覆盖率"].dropna() <= 100).all(), label


def test_test_county_has_payments_before_a_reissued_certificate(extracts):
    """The test data must hold the case the coverage rule is about (else the tests above prove nothing):
    eligible persons paid in a year before the year of their register's 发证日期."""
    persons = clean(extracts, "持证残疾人").set_index("残疾人证号")
    pay = clean(extracts, "两项补贴发放")
    issued = pd.to_datetime(persons["发证日期"].replace("", None)).dt.year
    early = pay["发放年月"].str[:4].astype(int) < pay["残疾人证号"].map(issued)
    assert pay.loc[early, "残疾人证号"].nunique() >= 10


def test_real_data_shape(expected):
    # The demo county must exercise what the report is for: some townships below 85 %, some above.
    rates = [rate(s, n) for s, n in zip(expected["康复已服务人数"], expected["康复需求人数"], strict=True)]
    assert min(r for r in rates if r is not None) < 85 < max(r for r in rates if r is not None)
    assert expected["在监测户数_脱贫不稳定户"].sum() > 0 and expected["无障碍改造_计划户数"].sum() > 0


def test_filters_narrow_persons_not_households(duck_url):
    wh = connect(duck_url)
    whole = annual_table(wh, YEAR, Filters(scope="")).iloc[-1]
    severe = [annual_table(wh, YEAR, Filters(scope="", level=lv)).iloc[-1] for lv in (1, 2, 3, 4)]
    assert sum(t["持证残疾人数"] for t in severe) == whole["持证残疾人数"]
    assert sum(t["康复需求人数"] for t in severe) == whole["康复需求人数"]
    assert all(t["在监测户数_边缘易致贫户"] == whole["在监测户数_边缘易致贫户"] for t in severe)


def test_village_drill_sums_to_township(duck_url):
    wh = connect(duck_url)
    towns = annual_table(wh, YEAR, Filters(scope="")).set_index("区划代码")
    code = towns.index[0]
    villages = annual_table(wh, YEAR, Filters(scope="", township=code))
    assert villages["区划代码"].iloc[:-1].str.startswith(code[:9]).all()
    for column in COUNTS:
        assert villages[column].iloc[-1] == towns.loc[code, column], column


def test_zero_denominator_rate_is_empty():
    assert rate(0, 0) is None and rate(17, 20) == 85.0 and rate(1, 3) == 33.3 and rate(1, 8) == 12.5


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_command_line_writes_file(duck_url, tmp_path, suffix):
    out = tmp_path / f"report{suffix}"
    assert main(["--warehouse", duck_url, "--year", str(YEAR), "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"区划代码": str}) if suffix == ".csv" else pd.read_excel(
        out, dtype={"区划代码": str})
    assert list(table.columns) == REPORT_COLUMNS
    assert table["名称"].iloc[-1] == "合计"
    expected = annual_table(connect(duck_url), YEAR, Filters(scope=""))
    assert table["持证残疾人数"].tolist() == expected["持证残疾人数"].tolist()


def test_command_line_refuses_a_year_the_warehouse_does_not_hold(duck_url, tmp_path, capsys):
    """The annual marts hold the year before the first data to the as-of year: another year is refused with
    the span, not written as a table of zeros; an unknown category code is refused by the arguments."""
    out = tmp_path / "report.csv"
    first, last = years_held(connect(duck_url))
    assert last == YEAR and first < YEAR
    assert main(["--warehouse", duck_url, "--year", str(last + 1), "--out", str(out)]) == 2
    assert f"{first}–{last}" in capsys.readouterr().err and not out.exists()
    assert main(["--warehouse", duck_url, "--year", str(first), "--out", str(out)]) == 0
    with pytest.raises(SystemExit):
        main(["--warehouse", duck_url, "--year", str(YEAR), "--out", str(out), "--category", "8"])


@given(st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 10**7)), min_size=1, max_size=50))
def test_column_rates_and_shortfalls_equal_the_row_rules(pairs):
    """The pages' vectorised rates (integer half-up) give exactly report.rate, row by row, including exact
    halves such as 1/8 = 12.5%; the rehab shortfall exactly metrics.shortfall."""
    served = np.array([min(a, b) for a, b in pairs] + [1, 1, 3, 0])
    need = np.array([max(a, b) for a, b in pairs] + [8, 16, 16, 0])
    got = rates(served, need)
    for value, n, d in zip(got, served, need, strict=True):
        expected = rate(n, d)
        assert (np.isnan(value) and expected is None) or value == expected, (n, d, value, expected)
    counts = pd.DataFrame({c: 0 for c in ("monitored_unstable", "monitored_marginal", "monitored_sudden",
                                          "living_eligible", "living_eligible_paid", "nursing_eligible",
                                          "nursing_eligible_paid", "modification_completed",
                                          "modification_planned")}, index=range(len(need)))
    counts["rehab_served"], counts["rehab_need"] = served, need
    assert list(with_metrics(counts)["rehab_short"]) == [shortfall(s, n, 85) for s, n in zip(served, need, strict=True)]


def test_severe_person_gap_matches_independent_computation(any_url, extracts):
    """The cross-programme gap that 总览 and 防返贫监测 show (carried by the unit table) per township,
    against pandas on the extract files, on both engines; and the year before from the same statement."""
    tables = unit_tables(connect(any_url), Filters(scope=""), YEAR)
    for year in (YEAR - 1, YEAR):
        got = tables[year].set_index("unit_code")[["severe_persons", "without_nursing", "without_rehab",
                                                    "without_either"]]
        expected = expected_gap(extracts, year).reindex(got.index, fill_value=0)
        assert got["severe_persons"].sum() > 0
        pd.testing.assert_frame_equal(got.astype("int64"), expected.astype("int64"), check_names=False)


def test_monitoring_year_end_matches_extracts(any_url, extracts):
    """防返贫监测's path (per type: enrolled, with a measure, eliminated by year end) and its risks (still
    monitored at year end, per main risk and type) from one statement, against pandas on the extracts."""
    got = dashboard.monitoring_year_end(connect(any_url), Filters(scope=""), YEAR)
    mon = clean(extracts, "监测户")
    end = pd.Timestamp(f"{YEAR}-12-31")
    mon = mon[pd.to_datetime(mon["纳入日期"]) <= end]
    eliminated = pd.to_datetime(mon["风险消除日期"].replace("", None)) <= end
    measure = mon["帮扶措施"].str.replace(";", "；").str.split("；").map(lambda parts: any(p.strip() for p in parts))
    path = got["path"].set_index("monitor_type")
    assert path["enrolled"].to_dict() == mon.groupby("监测类别").size().to_dict()
    assert path["with_measure"].to_dict() == mon[measure].groupby("监测类别").size().reindex(path.index, fill_value=0).to_dict()
    assert path["eliminated"].to_dict() == mon[eliminated].groupby("监测类别").size().reindex(path.index, fill_value=0).to_dict()
    risks = got["risks"].set_index(["main_risk", "monitor_type"])["households"]
    expected = mon[~eliminated].groupby([mon["主要风险"].str.strip(), "监测类别"]).size()
    assert risks.to_dict() == expected.to_dict()
