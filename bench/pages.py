"""The queries each page issues, with the arguments it passes (copied from pages/*.py, not imported).

A page's script calls `ui.data.q(dashboard.X, ...)`; with the Streamlit cache off each call is one
query. `page_calls(ctx, scenario)` lists (label, function, args) per page for one view; the
labels name the query the way the per-query table shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from queries import dashboard, explore
from queries.common import Filters, county
from queries.db import Warehouse

PAGES = ["overview", "monitoring", "subsidies", "rehabilitation", "employment", "accessibility", "explore", "about"]
PAGE_TITLES = {"overview": "总览", "monitoring": "防返贫监测", "subsidies": "两项补贴", "rehabilitation": "康复服务",
               "employment": "就业帮扶", "accessibility": "无障碍与托养", "explore": "指标分析", "about": "数据说明",
               "briefing": "汇报"}
# Pages that issue no warehouse query of their own (timed cold only).
EXTRA_COLD_PAGES = ["briefing"]


@dataclass(frozen=True)
class Ctx:
    """What the pages' shared context holds (ui.data.context), reduced to what the calls need."""

    years: list[int]
    months: list[str]
    townships: list[str]


@dataclass(frozen=True)
class Scenario:
    """One view: its name, year, month range and filters."""

    name: str
    year: int
    month_from: str
    month_to: str
    filters: Filters


Call = tuple[str, Callable, tuple]


def context(wh: Warehouse) -> Ctx:
    """The context queries every process runs once (ui.data._context): months, years, regions, county."""
    months = dashboard.data_months(wh)
    years_frame = dashboard.data_years(wh)
    first = pd.to_datetime(months["first_month"]).min()
    last = pd.to_datetime(months["last_month"]).max()
    month_list = [] if pd.isna(first) else [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]
    years = sorted({int(m[:4]) for m in month_list} | {
        int(y) for y in pd.concat([years_frame["first_year"], years_frame["last_year"]]).dropna()})
    regions = dashboard.regions(wh, "")
    county(wh)
    towns = regions.loc[regions["level"] == "township", "region_code"].tolist()
    return Ctx(years=list(range(years[0], years[-1] + 1)), months=month_list, townships=towns)


CONTEXT_CALLS: list[Call] = [
    ("data_months", dashboard.data_months, ()), ("data_years", dashboard.data_years, ()),
    ("regions", dashboard.regions, ("",)), ("county", county, ()),
]


def biggest_township(wh: Warehouse) -> str:
    """The township with the most certificate holders (the heaviest drill-down)."""
    frame = wh.frame("SELECT township_code, sum(persons) AS n FROM mart_person GROUP BY township_code "
                     "ORDER BY n DESC, township_code LIMIT 1")
    return str(frame["township_code"].iloc[0])


def scenarios(ctx: Ctx, township: str) -> list[Scenario]:
    """Default view (latest year, last 24 months, whole area), a township drill-down, category+level."""
    year = ctx.years[-1]
    month_from, month_to = ctx.months[max(0, len(ctx.months) - 24)], ctx.months[-1]
    return [
        Scenario("default", year, month_from, month_to, Filters(scope="")),
        Scenario("township", year, month_from, month_to, Filters(scope="", township=township)),
        Scenario("category+level", year, month_from, month_to, Filters(scope="", category=4, level=2)),
    ]


def page_calls(ctx: Ctx, s: Scenario) -> dict[str, list[Call]]:
    """Every query each page issues for the view, in the page's order (one per distinct cached call)."""
    f, year = s.filters, s.year
    # pages/subsidies.py: year to date and the same months last year.
    last_month = min(ctx.months[-1], f"{year}-12") if ctx.months else f"{year}-12"
    months_in_year = int(last_month[5:]) if last_month.startswith(str(year)) else 12
    ytd_to = f"{year}-{months_in_year:02d}"
    unit = ("unit_tables", dashboard.unit_tables, (f, year))  # every page: this year and last, one statement
    shapes = ("boundaries", dashboard.boundaries, (f,))
    return {
        # 总览's annual table and both pages' severe-person gap come from unit_tables' result.
        "overview": [unit, shapes],
        "monitoring": [unit, shapes, ("monitoring_by_month", dashboard.monitoring_by_month, (f, s.month_from, s.month_to)),
                       ("monitoring_year_end", dashboard.monitoring_year_end, (f, year))],
        "subsidies": [unit,
                      ("subsidy_by_month", dashboard.subsidy_by_month,
                       (f, min(s.month_from, f"{year - 1}-01"), max(s.month_to, ytd_to))),
                      ("subsidy_persons_to_month", dashboard.subsidy_persons_to_month, (f, year, months_in_year)),
                      shapes,
                      ("subsidy_by_category_level", dashboard.subsidy_by_category_level, (f, year))],
        "rehabilitation": [unit, ("rehab_by_group", dashboard.rehab_by_group, (f, year)), shapes,
                           ("rehab_by_type", dashboard.rehab_by_type, (f, year))],
        "employment": [unit, ("employment_bases", dashboard.employment_bases, (f, year)),
                       ("employment_by_form", dashboard.employment_by_form, (f,)), shapes],
        "accessibility": [("modification_by_year", dashboard.modification_by_year, (f,)), unit,
                          ("modification_by_unit", dashboard.modification_by_unit, (f, year)),
                          ("care_by_type", dashboard.care_by_type, (f,))],
        # 指标分析 at its default view (rehab rate by township); every metric × breakdown: bench/explore.py.
        "explore": [("explore", explore.explore, (f, "rehab_rate", "township", "", f"{year}-01", ctx.months[-1]))],
        "about": [("import_record", dashboard.import_record, (f.scope,)), ("data_months", dashboard.data_months, ()),
                  ("data_years", dashboard.data_years, ()), ("row_counts", dashboard.row_counts, ())],
    }
