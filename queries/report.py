"""The annual township table of report.md (年度分乡镇统计表), for pages, exports and the command line.

    python -m queries.report --warehouse TARGET --year 2024 --out 年度统计.xlsx
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from queries.catalog import NUMBERS
from queries.cells import write_csv, write_xlsx
from queries.common import Filters, county, numeric_columns, run_sql
from queries.db import Warehouse, WarehouseError, connect
from queries.metrics import rate
from queries.publish import half_up

# report.md's columns, in order: each a number of the catalogue (its `report` header there).
REPORT_KEYS = ("persons", "monitored_unstable", "monitored_marginal", "monitored_sudden", "enrolled", "eliminated",
               "without_measure", "living_persons", "living_amount_yuan", "living_coverage", "nursing_persons",
               "nursing_amount_yuan", "nursing_coverage", "rehab_need", "rehab_served", "rehab_rate", "bases",
               "base_placed", "modification_planned", "modification_completed")
REPORT_COLUMNS = ["区划代码", "名称", *(NUMBERS[k].report for k in REPORT_KEYS)]
# header → the catalogue's key, by kind (a rate: its numerator and denominator from the catalogue)
COUNT_COLUMNS = {NUMBERS[k].report: k for k in REPORT_KEYS if NUMBERS[k].kind not in ("amount", "rate")}
AMOUNT_COLUMNS = {NUMBERS[k].report: k for k in REPORT_KEYS if NUMBERS[k].kind == "amount"}
RATE_COLUMNS = {NUMBERS[k].report: (NUMBERS[k].numerator, NUMBERS[k].denominator) for k in REPORT_KEYS
                if NUMBERS[k].kind == "rate"}
TOTAL_NAME = "合计"
# The counts the table is made of.
_KEYS = list(dict.fromkeys([*COUNT_COLUMNS.values(), *AMOUNT_COLUMNS.values(),
                             *(key for pair in RATE_COLUMNS.values() for key in pair)]))


def annual_counts_two_years(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """Counts per unit (townships, or the villages of filters.township) for `year` and the year before,
    from one statement since the pages compare them: a `year` column first, the earlier year's rows first."""
    params = filters.params()
    if params["township"]:
        frame = run_sql(wh, "annual_by_village", year=year, township=params["township"],
                        category=params["category"], level=params["level"])
    else:
        frame = run_sql(wh, "annual_by_township", year=year, category=params["category"], level=params["level"])
    return numeric_columns(frame, [c for c in frame.columns if c not in ("year", "unit_code", "name")])


def by_year(frame: pd.DataFrame, year: int) -> dict[int, pd.DataFrame]:
    """A frame of `annual_counts_two_years` as {year - 1: …, year: …} (its rows are in year order: two slices)."""
    cut = int(np.searchsorted(frame["year"].to_numpy(), year))
    frame = frame.drop(columns="year")
    return {year - 1: frame.iloc[:cut].reset_index(drop=True), year: frame.iloc[cut:].reset_index(drop=True)}


def years_held(wh: Warehouse) -> tuple[int, int]:
    """The first and last year the annual marts hold (the year before the first data to the as-of year); a year
    outside them has no rows (docs/warehouse.md)."""
    frame = wh.frame("SELECT min(year) AS first, max(year) AS last FROM mart_annual_town")
    first, last = frame["first"].iloc[0], frame["last"].iloc[0]
    return (0, -1) if pd.isna(first) else (int(first), int(last))


def annual_counts_by_year(wh: Warehouse, filters: Filters, year: int) -> dict[int, pd.DataFrame]:
    """Counts per unit for `year` and the year before, zeros filled: one statement for both."""
    return by_year(annual_counts_two_years(wh, filters, year), year)


def annual_counts(wh: Warehouse, filters: Filters, year: int) -> pd.DataFrame:
    """Counts per unit (townships, or the villages of filters.township) for one year, zeros filled."""
    return annual_counts_by_year(wh, filters, year)[year]


def annual_table(wh: Warehouse, year: int, filters: Filters) -> pd.DataFrame:
    """report.md's table: a row per township (or village when drilled), then the total row."""
    township = filters.params()["township"]
    return table_of(annual_counts(wh, filters, year), township or county(wh)["region_code"])


def table_of(counts: pd.DataFrame, total_code: str) -> pd.DataFrame:
    """report.md's table made from `annual_counts` (the pages' unit table), with its total row under
    `total_code` (the county's code, or the township's when drilled)."""
    counts = counts[["unit_code", "name", *_KEYS]]
    total = counts[_KEYS].sum()
    rows = [*counts.to_dict("records"), {"unit_code": total_code, "name": TOTAL_NAME, **total.to_dict()}]
    return pd.DataFrame([_report_row(r) for r in rows], columns=REPORT_COLUMNS)


def _report_row(counts: dict) -> dict:
    """One row of counts as report.md's columns."""
    row = {"区划代码": counts["unit_code"], "名称": counts["name"]}
    row |= {label: int(counts[key]) for label, key in COUNT_COLUMNS.items()}
    row |= {label: float(half_up(counts[key], 2)) for label, key in AMOUNT_COLUMNS.items()}
    row |= {label: rate(counts[num], counts[den]) for label, (num, den) in RATE_COLUMNS.items()}
    return row


def write_report(table: pd.DataFrame, out: Path) -> None:
    """CSV (UTF-8 with BOM, so Excel opens it) or XLSX, by the file's suffix; names stay text (queries.cells)."""
    if out.suffix.lower() == ".xlsx":
        write_xlsx(table, out, sheet_name="年度分乡镇统计表")
    elif out.suffix.lower() == ".csv":
        write_csv(table, out, encoding="utf-8-sig")
    else:
        raise ValueError(f"输出文件须为 .csv 或 .xlsx：{out}")


def main(argv: list[str] | None = None) -> int:
    """Write the annual township table for one year."""
    parser = argparse.ArgumentParser(prog="python -m queries.report",
                                     description="导出年度分乡镇统计表（report.md）。Write the annual township table.")
    parser.add_argument("--warehouse", help="DuckDB 文件或 PostgreSQL URL（默认：WAREHOUSE_URL 或演示仓库）")
    parser.add_argument("--year", type=int, required=True, help="统计年度，如 2024")
    parser.add_argument("--out", type=Path, required=True, help="输出文件 .csv 或 .xlsx")
    parser.add_argument("--category", type=int, default=0, choices=range(0, 8), metavar="{1-7}",
                        help="残疾类别代码 1-7（默认全部）")
    parser.add_argument("--level", type=int, default=0, choices=range(0, 5), metavar="{1-4}",
                        help="残疾等级 1-4（默认全部）")
    args = parser.parse_args(argv)
    if args.out.suffix.lower() not in (".csv", ".xlsx"):
        parser.error("--out 须以 .csv 或 .xlsx 结尾")
    try:
        wh = connect(args.warehouse)
        first, last = years_held(wh)
        if not first <= args.year <= last:
            print(f"错误：数据仓库的年度统计覆盖 {first}–{last} 年（首个数据年度的前一年至截止年度），没有 {args.year} 年。",
                  file=sys.stderr)
            return 2
        table = annual_table(wh, args.year, Filters(scope="", category=args.category, level=args.level))
    except WarehouseError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    write_report(table, args.out)
    print(f"已写入 {args.out}：{len(table) - 1} 个乡镇 + 合计行")
    return 0


if __name__ == "__main__":
    sys.exit(main())
