"""数据比对: the six 比对项 of ../shared/registers.md as SQL over the warehouse, and their command line.

    python -m queries.compare --warehouse W [--month YYYY-MM] --out FILE.csv

The persons behind each 比对项 come from queries/sql/compare_cases.sql; counts per unit from
compare_counts.sql (which wraps it). The 比对 month M is the last month with subsidy payments unless one is
chosen. A 比对项 whose partner register was not imported has no count (None), never 0. Nothing here imports
streamlit.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import re
import sys
from pathlib import Path

import pandas as pd

from queries.catalog import COMPARE_ITEMS, REGISTER_LABELS
from queries.cells import write_csv
from queries.common import Filters, county, numeric_columns, sql_text
from queries.db import Warehouse, WarehouseError, connect

MARKER = "/*compare_cases*/"
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def month_bounds(month: str) -> dict[str, dt.date]:
    """'2024-12' → {month: 2024-12-01, month_end: 2024-12-31}: the bound parameters of a 比对 month."""
    year, mon = int(month[:4]), int(month[5:7])
    return {"month": dt.date(year, mon, 1), "month_end": dt.date(year, mon, calendar.monthrange(year, mon)[1])}


def payment_months(wh: Warehouse) -> list[str]:
    """Months with subsidy payments, 'YYYY-MM', oldest first (the months a 比对 may be run for)."""
    frame = wh.frame("SELECT DISTINCT pay_month FROM mart_subsidy_month_town ORDER BY pay_month")
    return [pd.Timestamp(m).strftime("%Y-%m") for m in frame["pay_month"]]


def default_month(wh: Warehouse) -> str:
    """The last month with payments ('' when there are none)."""
    months = payment_months(wh)
    return months[-1] if months else ""


def _has_registers(wh: Warehouse) -> bool:
    """Whether the warehouse was built by an importer that knows the partner registers."""
    frame = wh.frame(sql_text("has_registers"))
    return bool(int(frame["n"].iloc[0]))


def registers(wh: Warehouse) -> pd.DataFrame:
    """One row per partner register: register, label, is_imported, rows read/loaded/matched/rejected, first and
    last month (an older warehouse: none imported)."""
    if not _has_registers(wh):
        return pd.DataFrame({"register": list(REGISTER_LABELS), "label": list(REGISTER_LABELS.values()),
                             "table_name": ["民政低保特困", "死亡人员", "乡村振兴监测对象"], "is_imported": False,
                             "rows_read": 0, "rows_loaded": 0, "rows_matched": 0, "rows_rejected": 0,
                             "first_month": None, "last_month": None})
    frame = wh.frame("SELECT register, label, table_name, is_imported, rows_read, rows_loaded, rows_matched,"
                     " rows_rejected, first_month, last_month FROM meta_register")
    frame["is_imported"] = frame["is_imported"].astype(bool)
    return numeric_columns(frame, ["rows_read", "rows_loaded", "rows_matched", "rows_rejected"])


def imported(wh: Warehouse) -> dict[str, bool]:
    """register key → whether its file was imported."""
    frame = registers(wh)
    return dict(zip(frame["register"], frame["is_imported"], strict=True))


def not_imported_text(register: str) -> str:
    """'未导入民政低保特困名单': said instead of a count."""
    return f"未导入{REGISTER_LABELS[register]}"


def _params(filters: Filters, month: str) -> dict[str, object]:
    """The bound parameters: the township (within the scope) and the month's bounds."""
    if not _MONTH.match(month or ""):
        raise ValueError(f"比对月份须为 YYYY-MM：{month!r}")
    return {"township": filters.params()["township"], **month_bounds(month)}


def cases(wh: Warehouse, filters: Filters, month: str) -> pd.DataFrame:
    """The persons behind each 比对项 (one row per item and person) within the filters' township, or the
    filters' village when one is set; items of registers not imported are absent."""
    if not _has_registers(wh):
        return pd.DataFrame(columns=["item", "person_id", "household_id", "township_code", "village_code",
                                     "category_code", "level_code", "amount_yuan", "fact_date", "fact_date2",
                                     "fact_count"])
    frame = wh.frame(sql_text("compare_cases"), **_params(filters, month))
    if filters.village:
        frame = frame[frame["village_code"] == filters.village]
    frame["amount_yuan"] = pd.to_numeric(frame["amount_yuan"])
    frame["person_id"] = frame["person_id"].astype("int64")
    return frame.sort_values(["item", "village_code", "household_id", "person_id"]).reset_index(drop=True)


def counts(wh: Warehouse, filters: Filters, month: str) -> pd.DataFrame:
    """Persons and 应追回金额 (元) per 比对项 and unit (townships for the county, the villages of a township):
    item, unit_code, persons, amount_yuan. Only units with at least one person."""
    if not _has_registers(wh):
        return pd.DataFrame(columns=["item", "unit_code", "persons", "amount_yuan"])
    sql = sql_text("compare_counts").replace(MARKER, sql_text("compare_cases"))
    frame = wh.frame(sql, **_params(filters, month))
    return numeric_columns(frame, ["persons", "amount_yuan"])


def _yuan(carried: bool, value: float) -> float | None:
    """An amount in 元 rounded to the fen, or None for an item without one."""
    return round(float(value), 2) if carried else None


def county_table(wh: Warehouse, month: str = "") -> pd.DataFrame:
    """The CLI's rows: per 比对项 the county (always, even 0) and each township with at least one person.
    Columns 比对项, 乡镇代码, 乡镇, 人数, 金额 (元, only for 死亡后仍发放); items of registers not imported
    are left out (there is nothing to count)."""
    month = month or default_month(wh)
    whole = county(wh)
    names = wh.frame("SELECT region_code, name FROM dim_region WHERE level = 'township'")
    name_of = dict(zip(names["region_code"], names["name"], strict=True))
    by_unit = counts(wh, Filters(scope=""), month) if month else pd.DataFrame(
        columns=["item", "unit_code", "persons", "amount_yuan"])
    present = imported(wh)
    rows = []
    for key, item in COMPARE_ITEMS.items():
        if not present.get(item.register):
            continue
        mine = by_unit[by_unit["item"] == key].sort_values("unit_code")
        rows.append({"比对项": item.label, "乡镇代码": whole["region_code"], "乡镇": whole["name"],
                     "人数": int(mine["persons"].sum()), "金额": _yuan(item.amount, mine["amount_yuan"].sum())})
        rows += [{"比对项": item.label, "乡镇代码": r.unit_code, "乡镇": name_of.get(r.unit_code, r.unit_code),
                  "人数": int(r.persons), "金额": _yuan(item.amount, r.amount_yuan)} for r in mine.itertuples()]
    return pd.DataFrame(rows, columns=["比对项", "乡镇代码", "乡镇", "人数", "金额"])


# A case number's prefix per 比对项 (the number says which list a person is on without naming them).
CASE_PREFIX = {"dibao_unpaid": "DB", "paid_not_dibao": "BZ", "paid_after_death": "SF", "death_active": "SZ",
               "rural_not_monitored": "XJ", "monitored_not_rural": "JX"}


def case_number(item: str, person_id: int, month: str) -> str:
    """'SF-202412-1A2B3C4D': 比对项, month and 8 hex digits of the pseudonym (not of any ID)."""
    return f"{CASE_PREFIX[item]}-{month.replace('-', '')}-{int(person_id) & 0xFFFFFFFF:08X}"


def _ym(value: object) -> str:
    """A date as 'YYYY-MM' ('' for none)."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m")


def _ymd(value: object) -> str:
    """A date as 'YYYY-MM-DD' ('' for none)."""
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def facts_text(row: pd.Series | dict, month: str) -> str:
    """The facts that put a person on a 比对项's list, in words ('低保起始 2025-03；2025-12 无生活补贴发放')."""
    item = row["item"]
    if item == "dibao_unpaid":
        return f"低保起始 {_ym(row['fact_date'])}；{month} 无生活补贴发放"
    if item == "paid_not_dibao":
        ended = _ym(row["fact_date"])
        return f"{month} 发放生活补贴；" + (f"民政低保已于 {ended} 终止" if ended else "民政低保特困名单无覆盖该月的记录")
    if item == "paid_after_death":
        return (f"死亡 {_ymd(row['fact_date'])}；其后仍发放 {int(row['fact_count'])} 个月（{_ym(row['fact_date2'])} 起），"
                f"共 {float(row['amount_yuan']):,.2f} 元")
    if item == "death_active":
        return f"死亡 {_ymd(row['fact_date'])}；残疾人证仍为“正常”"
    if item == "rural_not_monitored":
        return f"乡村振兴纳入 {_ymd(row['fact_date'])}；{month} 末不在残联监测户中"
    return f"残联监测户纳入 {_ymd(row['fact_date'])}；{month} 末乡村振兴名单无在监测记录"


CHECKLIST_BLANKS = ["核查结果", "核查人", "核查日期"]


def checklist_frame(cases: pd.DataFrame, month: str, villages: dict[str, str], people: dict | None,
                    category_labels: dict[int, str], level_labels: dict[int, str], full: bool = True) -> pd.DataFrame:
    """核查清单: one row per 比对项 and person of `cases` (a township's), for door-to-door checks. With
    `people` (data.identity: person_id → Identity) the 户编号 and the name and certificate number, in full for
    the township that visits (`full`), masked (张*明, …1234) for the county's analysts, as on 预警's list;
    without, case numbers only. Blank columns for the visit's result. Cells are made formula-safe by the
    writer (queries/cells.py)."""
    frame = pd.DataFrame({
        "比对项": cases["item"].map(lambda i: COMPARE_ITEMS[i].label),
        "个案编号": [case_number(i, p, month) for i, p in zip(cases["item"], cases["person_id"], strict=True)],
        "村（社区）": cases["village_code"].map(villages).fillna(cases["village_code"]),
    })
    if people is not None:
        found = [people.get(p) for p in cases["person_id"]]
        frame["户编号"] = [x.household if x else "" for x in found]
        frame["姓名"] = [(x.name if full else x.masked_name) if x else "" for x in found]
        frame["残疾人证号"] = [(x.cert if full else x.masked_cert) if x else "" for x in found]
    frame["残疾类别"] = cases["category_code"].map(category_labels).to_numpy()
    frame["残疾等级"] = cases["level_code"].map(level_labels).to_numpy()
    frame["情况"] = [facts_text(r, month) for r in cases.to_dict("records")]
    frame["应做"] = cases["item"].map(lambda i: COMPARE_ITEMS[i].action).to_numpy()
    for column in CHECKLIST_BLANKS:
        frame[column] = ""
    return frame


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m queries.compare",
        description="数据比对：残联持证残疾人与民政低保特困、死亡人员、乡村振兴监测对象名单的六个比对项，"
                    "写出全县一行（即使为0）和每个有人的乡镇一行：比对项, 乡镇代码, 乡镇, 人数, 金额（元，仅死亡后仍发放）。"
                    "未导入的名单，其比对项不写出。 The six comparison items per township, as CSV (exact numbers).")
    parser.add_argument("--warehouse", required=True, help="数据仓库：DuckDB 文件路径，或 postgresql+psycopg://…")
    parser.add_argument("--month", default="", metavar="YYYY-MM", help="比对月份（默认：最后一个有补贴发放的月份）")
    parser.add_argument("--out", required=True, type=Path, help="输出 CSV 文件（UTF-8 带 BOM，Excel 可直接打开）")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Entry point: 0 on success, 2 with a message otherwise."""
    args = parse_args(argv)
    if args.month and not _MONTH.match(args.month):
        print(f"错误：--month 须为 YYYY-MM：{args.month}", file=sys.stderr)
        return 2
    try:
        wh = connect(args.warehouse)
        month = args.month or default_month(wh)
        if not month:
            print("错误：数据仓库没有补贴发放数据，无法确定比对月份，请用 --month 指定", file=sys.stderr)
            return 2
        table = county_table(wh, month)
    except WarehouseError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, args.out, encoding="utf-8-sig")
    missing = [not_imported_text(r) for r, done in imported(wh).items() if not done]
    print(f"比对月份 {month}：{len(table)} 行 → {args.out}" + (f"（{'、'.join(missing)}）" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
