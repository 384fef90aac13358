"""The per-domain cell builders: the cells a page publishes for its domain, built once here and called by
the page and by the report draft (queries/draft.py) alike, so a number of the draft is the page's number —
the same cells under the same keys, with the same relations for the disclosure. Pages only arrange what
these return. Every family of cells is named in the catalogue (queries/catalog.NUMBERS). Nothing here
imports streamlit."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from queries.catalog import CATEGORIES, METRICS, SUBSIDIES
from queries.publish import AMOUNT, Publication, add_below_target, key


# --- 防返贫监测 -------------------------------------------------------------------------------------------
def add_elimination_time(pub: Publication, path: pd.DataFrame, eliminated: str, missing: str = "") -> None:
    """The months from enrolment to elimination of the households eliminated in the period ('year_months')
    and their mean over the eliminated households of cell `eliminated` ('year_mean', dashboard.monitoring_year_end's
    path)."""
    pub.add("year_months", float(path["months_in_year"].sum()), "count", "月", missing=missing)
    pub.mean("year_mean", "year_months", eliminated, "个月", 1, missing=missing)


# --- 康复服务 ---------------------------------------------------------------------------------------------
def below_target(units: pd.DataFrame) -> pd.DataFrame:
    """The units whose rehab service rate is under its target (config/targets.yaml), in code order (an
    output ranks them by what it shows, `publish.ranked`: an order by the true gaps would tell the public
    what a withheld gap hides); units without a rate are not under it."""
    below = units[(units["rehab_rate"] < METRICS["rehab_rate"].target) & ~units["rehab_rate"].isna()]
    return below.sort_values("unit_code", kind="stable")


def rehab_groups(groups: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Need and served persons per category: all ages, and children 0-16 (dashboard.rehab_by_group)."""
    columns = ["need_persons", "served_persons"]
    cats = groups.groupby("category_code")[columns].sum()
    kids = groups[groups["is_child"]].groupby("category_code")[columns].sum()
    return cats, kids


def add_rehab(pub: Publication, below: pd.DataFrame, groups: pd.DataFrame, focus: str = "total",
              missing: str = "") -> None:
    """The units below the target and the people they lack ('below_units', 'below_short'), need, served and
    the rate per category for all ages ('cat_…') and children 0-16 ('kid_…'); the categories add up to the
    area's (`focus`) need and served persons of the unit table (added before)."""
    add_below_target(pub, below, missing)
    for block, frame in zip(("cat", "kid"), rehab_groups(groups), strict=True):
        for measure in ("need_persons", "served_persons"):
            pub.line(f"{block}_{measure}", [(CATEGORIES[c], v) for c, v in frame[measure].items()], "count", "人",
                     missing)
        for c in frame.index:
            name = CATEGORIES[c]
            pub.rate(f"{block}_rate@{name}", f"{block}_served_persons@{name}", f"{block}_need_persons@{name}", missing)
        pub.rate(f"{block}_rate@total", f"{block}_served_persons@total", f"{block}_need_persons@total", missing)
    for measure, column in (("need_persons", "rehab_need"), ("served_persons", "rehab_served")):
        pub.total(key(column, focus), [f"cat_{measure}@total"])  # the categories add up to the area


# --- 就业帮扶 ---------------------------------------------------------------------------------------------
def add_employment(pub: Publication, bases: pd.DataFrame, forms_this_year: pd.DataFrame, focus: str = "total",
                   missing: str = "", unit_of_base: pd.Series | None = None) -> None:
    """The bases (a register, not the yearly extract: never missing), their placements, households lifted
    and funding, the placements adding up to the unit table's (per unit when `unit_of_base` gives each base's
    unit, and for the area `focus`); employment by form in the year ('form', `missing` when the extract does
    not cover it)."""
    pub.tally("bases@total", len(bases), "个")
    placed = pub.line("base_list", zip(bases["base_id"], bases["placed_persons"], strict=True), "count", "人")
    pub.line("lifted", zip(bases["base_id"], bases["households_lifted"], strict=True), "count", "户")
    # public money, not tied to persons: never withheld by itself
    pub.add("funding@total", float(bases["funding_wan_yuan"].sum()) * 10_000, AMOUNT, "万元")
    if unit_of_base is not None:
        for unit, group in pd.Series(placed, index=bases.index).groupby(unit_of_base.to_numpy()):
            if pub.has(key("base_placed", unit)):
                pub.total(key("base_placed", unit), list(group))  # a unit's placements are its bases' rows
    pub.total(key("base_placed", focus), ["base_list@total"])
    pub.line("form", zip(forms_this_year["form"], forms_this_year["persons"], strict=True), "count", "人次", missing)


# --- 无障碍改造与托养 --------------------------------------------------------------------------------------
def add_modification(pub: Publication, years: pd.DataFrame, year: int, focus: str = "total",
                     missing: str = "") -> None:
    """The year's spending on completed modifications (tied to the completed households of `focus`) and
    the spending per household (dashboard.modification_by_year: the focus's own)."""
    row = years[years["plan_year"] == year]
    pub.amount("spent@total", float(row["completed_amount_yuan"].sum()), key("modification_completed", focus),
               missing=missing)
    pub.mean("per_household", "spent@total", key("modification_completed", focus), "元/户", missing=missing)


def add_care(pub: Publication, care: pd.DataFrame, year: int, missing: str = "") -> None:
    """Persons in care in the year by type ('care@…', dashboard.care_by_type)."""
    this_year = care[care["year"] == year]
    pub.line("care", zip(this_year["care_type"], this_year["persons"], strict=True), "count", "人", missing)


# --- 两项补贴 ---------------------------------------------------------------------------------------------
def months_between(months: pd.DataFrame, year: int, first: int, last: int) -> pd.DataFrame:
    """The rows of dashboard.subsidy_by_month from month `first` to `last` of `year`."""
    return months[months["pay_month"].between(pd.Timestamp(year, first, 1), pd.Timestamp(year, last, 1))]


def add_subsidy_to_date(pub: Publication, months: pd.DataFrame, persons: pd.DataFrame, year: int, first: int,
                        last: int, missing: Callable[[int], str]) -> None:
    """Per subsidy, the persons paid (1月 to `last`, dashboard.subsidy_persons_to_month) and the amount of
    months `first`-`last`, this year ('ytd_…') and last year's same months ('prev_…'), each amount tied to
    its persons; `missing(year)` says why a year has no data."""
    for y, block in ((year, "ytd"), (year - 1, "prev")):
        rows = months_between(months, y, first, last)
        paid = persons[persons["year"] == y]
        for code in SUBSIDIES:
            pub.count(f"{block}_persons@{code}", paid.loc[paid["subsidy_code"] == code, "persons"].sum(), "人",
                      missing(y))
            pub.amount(f"{block}_amount@{code}", rows.loc[rows["subsidy_code"] == code, "amount_yuan"].sum(),
                       f"{block}_persons@{code}", missing=missing(y))


def subsidy_wide(months: pd.DataFrame) -> pd.DataFrame:
    """Months × (amount_yuan | payments, subsidy) of the monthly trend."""
    return months.pivot_table(index="pay_month", columns="subsidy_code", values=["amount_yuan", "payments"],
                              aggfunc="sum", fill_value=0)


def add_subsidy_months(pub: Publication, wide: pd.DataFrame) -> None:
    """The monthly trend: payments per subsidy and month ('payments_living@2024-03', their sum '…@total') and
    the month's amount tied to its payments ('amount_living@2024-03')."""
    for code in SUBSIDIES:
        if ("payments", code) in wide:
            month_keys = [m.strftime("%Y-%m") for m in wide.index]
            counts = pub.line(f"payments_{code}", zip(month_keys, wide[("payments", code)], strict=True), "count", "人次")
            for month, count_key in zip(month_keys, counts, strict=True):
                pub.amount(f"amount_{code}@{month}", float(wide[("amount_yuan", code)][pd.Timestamp(month)]), count_key)
