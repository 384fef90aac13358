"""Which months and years each dataset of the warehouse holds, and the sentence said instead of a number
for a period it does not cover ("2026年暂无补贴发放数据，数据截至2025年12月"). The pages' Context and the
command-line report draft read it from here. Nothing here imports streamlit."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from queries import dashboard
from queries.catalog import DATASETS
from queries.db import Warehouse


@dataclass(frozen=True)
class Coverage:
    """The years and months with any data, and per dataset its first and last month 'YYYY-MM'."""

    years: list[int]
    months: list[str]
    datasets: dict[str, tuple[str, str]] = field(default_factory=dict)

    def last_month(self, dataset: str) -> str:
        """The latest month a dataset holds ('' when it holds nothing); the persons' register, a snapshot taken
        at the import, stands as of the latest month of any data."""
        if dataset == "persons" and dataset not in self.datasets:
            return self.months[-1] if self.months else ""
        return self.datasets.get(dataset, ("", ""))[1]

    def covers(self, dataset: str, year: int) -> bool:
        """Whether the dataset holds data for `year` (the persons' register always does)."""
        if dataset == "persons":
            return True
        first, last = self.datasets.get(dataset, ("", ""))
        return bool(first) and first[:4] <= str(year) <= last[:4]

    def missing(self, dataset: str, year: int) -> str:
        """'' when the dataset covers `year`, else the sentence shown instead of a number."""
        if self.covers(dataset, year):
            return ""
        last = self.last_month(dataset)
        until = f"，数据截至{last[:4]}年{int(last[5:])}月" if last else ""
        return f"{year}年暂无{DATASETS.get(dataset, dataset)}数据{until}"

    def latest_year(self, datasets: tuple[str, ...]) -> int:
        """The latest year every one of `datasets` that holds data covers (else the latest year)."""
        ends = [int(self.last_month(d)[:4]) for d in datasets if self.last_month(d)]
        fallback = self.years[-1] if self.years else 2000
        return min([*ends, fallback]) if ends else fallback

    def year_end(self, dataset: str, year: int) -> str:
        """'2024年末', or '2026年10月末' when the dataset ends within that year."""
        last = self.last_month(dataset)
        if last.startswith(str(year)) and not last.endswith("-12"):
            return f"{year}年{int(last[5:])}月末"
        return f"{year}年末"

    def months_in(self, dataset: str, year: int) -> int:
        """How many months of `year` a monthly dataset holds from January (12 for a year it passed)."""
        last = self.last_month(dataset)
        return int(last[5:]) if last.startswith(str(year)) else 12

    def until(self, datasets: tuple[str, ...] = ()) -> str:
        """'2024年12月': the latest month of the given datasets' data (of any data without them, or when they
        hold none; '—' without data). A page of rehab says when rehab data ends, not when payments do."""
        ends = [self.last_month(d) for d in datasets if self.last_month(d)]
        last = max(ends) if ends else (self.months[-1] if self.months else "")
        if not last:
            return "—"
        year, month = last.split("-")
        return f"{year}年{int(month)}月"


def coverage(wh: Warehouse) -> Coverage:
    """The warehouse's coverage: every month from the first to the last of the monthly data, every year
    of any data, and each dataset's first and last month (a yearly dataset's last month is December of its
    last year, or the last month of the monthly data when that is earlier)."""
    months = dashboard.data_months(wh)
    years_frame = dashboard.data_years(wh)
    first = pd.to_datetime(months["first_month"]).min()
    last = pd.to_datetime(months["last_month"]).max()
    month_list = [] if pd.isna(first) else [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]
    years = sorted({int(m[:4]) for m in month_list} | {
        int(y) for y in pd.concat([years_frame["first_year"], years_frame["last_year"]]).dropna()})
    if years:
        years = list(range(years[0], years[-1] + 1))
    datasets = {row.area: (pd.Timestamp(row.first_month).strftime("%Y-%m"),
                           pd.Timestamp(row.last_month).strftime("%Y-%m"))
                for row in months.itertuples() if not pd.isna(row.first_month)}
    latest = month_list[-1] if month_list else "9999-12"
    datasets |= {row.area: (f"{int(row.first_year)}-01", min(f"{int(row.last_year)}-12", latest))
                 for row in years_frame.itertuples() if not pd.isna(row.first_year)}
    return Coverage(years=years, months=month_list, datasets=datasets)
