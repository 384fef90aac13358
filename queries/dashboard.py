"""The queries behind the dashboard's pages: each names its result; none imports streamlit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from queries.common import Filters, numeric_columns, run_sql
from queries.db import Warehouse
from queries.metrics import with_metrics
from queries.report import annual_counts, annual_counts_two_years, by_year


def _numeric(frame: pd.DataFrame, *text: str) -> pd.DataFrame:
    """Counts and sums as numbers (PostgreSQL returns NUMERIC as Decimal), NULL as 0."""
    return numeric_columns(frame, [c for c in frame.columns if c not in text])


def first_of(month: str) -> dt.date:
    """'2024-03' → 2024-03-01."""
    return dt.date(int(month[:4]), int(month[5:7]), 1)


def regions(wh: Warehouse, scope: str) -> pd.DataFrame:
    """Every township and village within the scope ('' = county): code, name, level, township, kind."""
    return run_sql(wh, "regions", scope=scope)


def boundaries(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Township polygons (or the villages of the filters' township, always within the scope)."""
    return run_sql(wh, "boundaries", township=filters.params()["township"])


def unit_table(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """The annual counts per unit (townships, or the villages of the selected township), with their rates
    and derived metrics (queries.metrics.with_metrics), so a cached result needs no more work."""
    return with_metrics(annual_counts(wh, filters, year))


def unit_tables(wh: Warehouse, filters: Filters, year: int) -> dict[int, pd.DataFrame]:
    """unit_table for `year` and the year before, from one statement (for pages that compare them)."""
    return by_year(with_metrics(annual_counts_two_years(wh, filters, year)), year)


def subsidy_by_month(wh: Warehouse, filters: Filters, month_from: str, month_to: str) -> pd.DataFrame:
    """Payments (人次) and amount per month and subsidy."""
    frame = run_sql(wh, "subsidy_by_month", month_from=first_of(month_from), month_to=first_of(month_to),
                    **filters.params())
    frame["pay_month"] = pd.to_datetime(frame["pay_month"])
    return _numeric(frame, "pay_month", "subsidy_code")


def subsidy_persons_to_month(wh: Warehouse, filters: Filters, year: int, month: int) -> pd.DataFrame:
    """Distinct persons paid January to `month` of `year` and of the year before (同比), per year and
    subsidy: one statement for both."""
    frame = run_sql(wh, "subsidy_persons_to_month", year=year, month=month, **filters.params())
    return _numeric(frame, "subsidy_code")


def subsidy_by_category_level(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """Eligible, eligible paid and all paid persons per category, level and subsidy."""
    return _numeric(run_sql(wh, "subsidy_by_category_level", year=year, **filters.params()), "subsidy_code")


def monitoring_by_month(wh: Warehouse, filters: Filters, month_from: str, month_to: str) -> pd.DataFrame:
    """Households newly enrolled and with risk eliminated per month, every month of the range (0 in a month
    without either: a chart's axis runs to the range's end). Pass a range the monitoring data covers."""
    frame = run_sql(wh, "monitoring_by_month", month_from=first_of(month_from), month_to=first_of(month_to),
                    **filters.params())
    frame["month"] = pd.to_datetime(frame["month"])
    every = pd.date_range(first_of(month_from), first_of(month_to), freq="MS", name="month")
    frame = frame.set_index("month").reindex(every, fill_value=0).reset_index()
    return _numeric(frame, "month")


_PATH = ["enrolled", "with_measure", "eliminated", "months_to_eliminate", "eliminated_in_year", "months_in_year"]


def monitoring_year_end(wh: Warehouse, filters: Filters, year: int, months: tuple[int, int] = (1, 12)
                        ) -> dict[str, pd.DataFrame]:
    """At the end of `year` (of its month `months[1]`), from one statement: "path", per type enrolled →
    with measures → risk eliminated, with mean months to elimination (and of those eliminated within the
    months); "risks", households still under monitoring by main risk and type, and of them without a measure."""
    start = dt.date(year, months[0], 1)
    end = dt.date(year, 12, 31) if months[1] == 12 else dt.date(year, months[1] + 1, 1) - dt.timedelta(days=1)
    frame = _numeric(run_sql(wh, "monitoring_year_end", year_start=start, year_end=end, **filters.params()),
                     "monitor_type", "main_risk")
    kinds, at = np.unique(frame["monitor_type"].to_numpy(dtype=object), return_inverse=True)
    sums = np.zeros((len(kinds), len(_PATH)))
    np.add.at(sums, at, frame[_PATH].to_numpy(dtype="float64"))  # a type's path: the sum of its risks' rows
    path = pd.DataFrame(sums, columns=_PATH)
    path.insert(0, "monitor_type", kinds)
    path["mean_months"] = path["months_to_eliminate"] / path["eliminated"].where(path["eliminated"] > 0)
    risks = frame[frame["households"].to_numpy() > 0][["main_risk", "monitor_type", "households", "without_measure"]]
    return {"path": path, "risks": risks.reset_index(drop=True)}


def rehab_by_type(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """Need and served persons per service type."""
    return _numeric(run_sql(wh, "rehab_by_type", year=year, **filters.params()), "service_type")


def rehab_by_group(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """Need and served persons per category and child (0-16) or not."""
    frame = _numeric(run_sql(wh, "rehab_by_group", year=year, **filters.params()), "is_child")
    frame["is_child"] = frame["is_child"].astype(bool)
    return frame


def employment_bases(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """Employment bases recognised by `year`, with their location and figures."""
    return run_sql(wh, "employment_bases", year=year, **filters.params())


def employment_by_form(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Persons employed per year and form."""
    return _numeric(run_sql(wh, "employment_by_form", **filters.params()), "form")


def modification_by_year(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Home modifications planned and completed, and the amount spent, per plan year."""
    return _numeric(run_sql(wh, "modification_by_year", **filters.params()))


def modification_by_unit(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """Home modifications planned, completed and spent per unit in `year`."""
    return _numeric(run_sql(wh, "modification_by_unit", year=year, **filters.params()), "unit_code")


def care_by_type(wh: Warehouse, filters: Filters) -> pd.DataFrame:
    """Persons in care per year and type."""
    return _numeric(run_sql(wh, "care_by_type", **filters.params()), "care_type")


def data_months(wh: Warehouse) -> pd.DataFrame:
    """First and latest month of the monthly data."""
    return run_sql(wh, "data_months")


def data_years(wh: Warehouse) -> pd.DataFrame:
    """First and latest year of the yearly data."""
    return run_sql(wh, "data_years")


def import_record(wh: Warehouse, scope: str) -> dict[str, pd.DataFrame]:
    """The last import's own record: meta, files, rejects by reason, boundary issues (within the scope)."""
    return {
        "meta": wh.frame("SELECT key, value FROM meta_import ORDER BY key"),
        "files": wh.frame("SELECT table_name, file, rows_read, rows_loaded, rows_rejected FROM meta_file"
                          " ORDER BY table_name, file"),
        "rejects": wh.frame("SELECT table_name, file, reason, reason_text, rows FROM meta_reject"
                            " ORDER BY table_name, file, reason"),
        "boundary_issues": wh.frame("SELECT region_code, level, issue FROM meta_boundary_issue"
                                    " WHERE :scope = '' OR substr(region_code, 1, 9) = substr(:scope, 1, 9)"
                                    " ORDER BY level, region_code", scope=scope),
        "boundaries": wh.frame("SELECT level, count(*) AS regions FROM dim_boundary"
                               " WHERE :scope = '' OR substr(region_code, 1, 9) = substr(:scope, 1, 9)"
                               " GROUP BY level ORDER BY level", scope=scope),
    }


TABLE_COUNTS = ["dim_region", "dim_person", "dim_household", "dim_employment_base", "dim_boundary",
                "fact_monitoring", "fact_subsidy_payment", "fact_rehab_service", "fact_employment",
                "fact_modification", "fact_care"]


def row_counts(wh: Warehouse) -> pd.DataFrame:
    """Rows in each dimension and fact table (names from a fixed list, not from input)."""
    # ORDER BY the list's order: a UNION ALL has none of its own (ClickHouse runs its branches in parallel).
    union = " UNION ALL ".join(f"SELECT {i} AS k, '{t}' AS table_name, count(*) AS n FROM {t}"
                               for i, t in enumerate(TABLE_COUNTS))
    return _numeric(wh.frame(f"SELECT table_name, n FROM ({union}) c ORDER BY k"), "table_name")


def county_total(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """The whole county's annual counts as one row, without any township's own row: the only way a
    township scope sees the other townships (inside the county total)."""
    county_wide = Filters(scope="", category=filters.category, level=filters.level)
    counts = unit_table(wh, county_wide, year)
    total = counts.drop(columns=["unit_code", "name"]).sum().to_frame().T
    total.insert(0, "name", "全县合计")
    return total
