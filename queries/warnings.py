"""预警 rules (config/warnings.yaml) → case candidates and counts, as SQL over the warehouse.

Each rule is one statement, queries/sql/warning_<key>.sql, evaluated against its own dataset's last month
(queries.coverage: the subsidy payments', the monitoring records', the rehab year's), or an earlier month
asked for. The six 比对项 of 数据比对 (queries/compare.py) are rules too, evaluated by the same statement as
the comparison (queries/sql/compare_cases.sql, wrapped by warning_compare.sql) on the 比对 month, and only
when their partner register was imported (`absent` says which are not and why). `candidates` returns one row
per case (a person, household or township); `counts` the cases per rule and township, counted in the
database. Working days (期限, 超期) are counted here too, with the holidays of config/holidays.yaml.
Nothing here imports streamlit.

    python -m queries.warnings --warehouse W [--month YYYY-MM] --out FILE.csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from queries import compare
from queries.catalog import COMPARE_ITEMS
from queries.cells import write_csv
from queries.common import county, sql_text
from queries.coverage import coverage
from queries.db import Warehouse, WarehouseError, connect

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE = ROOT / "config" / "warnings.yaml"
HOLIDAYS_FILE = ROOT / "config" / "holidays.yaml"
DATASETS = ("subsidy", "monitoring", "rehab")
SUBJECTS = ("person", "household", "township")
# enrolment: one monitoring episode (the household's enrolment date); event: the date of the fact that put a
# person on a 比对项's list (低保 since, death, 纳入), so one case per 低保 episode, death or enrolment.
PERIODS = ("year", "month", "enrolment", "event")
# Each rule key's statement and the thresholds it needs (name → type); the config gives their values.
RULE_PARAMS: dict[str, dict[str, type]] = {
    "unpaid_two_months": {"months": int},
    "monitored_without_measure": {"days": int},
    "monitored_over_24_months": {"months": int},
    "rehab_need_unserved": {"served_by_month": int, "from_month": int},
    "township_payment_drop": {"drop_percent": int, "previous_months": int, "min_months": int},
    **{item: {} for item in COMPARE_ITEMS},  # the 比对项 (queries/catalog.py): no thresholds of their own
}
# The 比对项 whose fact_date is an event a case can be kept for (享生活补贴不在低保名单 has none: 低保 ended or never).
EVENT_ITEMS = ("dibao_unpaid", "paid_after_death", "death_active", "rural_not_monitored", "monitored_not_rural")
COLUMNS = ["预警规则", "乡镇代码", "乡镇", "件数"]


class ConfigError(ValueError):
    """config/warnings.yaml is missing a rule or a value, or holds one the rules cannot use."""


@dataclass(frozen=True)
class Rule:
    """One 预警 rule: its key (the SQL file's suffix), name, what a case is, dataset, 期限 and thresholds."""

    key: str
    name: str
    counts: str
    dataset: str
    subject: str
    period: str
    deadline_working_days: int
    params: dict[str, int] = field(default_factory=dict)
    register: str = ""  # a 比对项's partner register (dibao, death, rural); '' for the warehouse's own rules

    @property
    def is_compare(self) -> bool:
        """Whether the rule is a 比对项 (evaluated by queries/sql/compare_cases.sql)."""
        return self.key in COMPARE_ITEMS


@dataclass(frozen=True)
class Config:
    """The rules in the file's order, and the calendar's exceptions (holidays off, make-up workdays on)."""

    rules: tuple[Rule, ...]
    holidays: tuple[dt.date, ...] = ()
    workdays: tuple[dt.date, ...] = ()
    calendar_years: tuple[int, ...] = ()  # the years config/holidays.yaml covers
    notices: tuple[str, ...] = ()  # and the State Council notices they come from

    def calendar_missing(self, *days: dt.date) -> list[int]:
        """The years of `days` the holiday calendar does not cover (weekends only are counted there)."""
        return sorted({d.year for d in days} - set(self.calendar_years))

    def rule(self, key: str) -> Rule:
        """The rule with this key."""
        return next(r for r in self.rules if r.key == key)

    def by_name(self) -> dict[str, Rule]:
        """The rules by their shown name."""
        return {r.name: r for r in self.rules}


def _positive_int(value: object, where: str) -> int:
    """An integer ≥ 1, else ConfigError naming where."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"config/warnings.yaml：{where} 须为正整数，现为 {value!r}")
    return value


def _dates(values: object, where: str, file: str = "config/warnings.yaml") -> tuple[dt.date, ...]:
    """A list of YYYY-MM-DD dates (YAML reads them as dates already), else ConfigError."""
    if values is None:
        return ()
    if not isinstance(values, list):
        raise ConfigError(f"{file}：{where} 须为日期列表（YYYY-MM-DD）")
    out = []
    for value in values:
        try:
            out.append(value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)))
        except ValueError as exc:
            raise ConfigError(f"{file}：{where} 中的 {value!r} 不是日期（YYYY-MM-DD）") from exc
    return tuple(out)


def parse_holidays(raw: object, where: str = "config/holidays.yaml") -> tuple[tuple[dt.date, ...],
                                                                             tuple[dt.date, ...], dict[int, str]]:
    """The holiday calendar's content → (holidays, make-up workdays, {year: notice}); ConfigError naming the
    year and the date otherwise (a date outside its year, a make-up workday not on a weekend, a day both)."""
    if raw is None:
        return (), (), {}
    if not isinstance(raw, dict) or not isinstance(raw.get("years"), dict):
        raise ConfigError(f"{where}：缺少 years（每年一节：notice、holidays、workdays）")
    holidays: list[dt.date] = []
    workdays: list[dt.date] = []
    notices: dict[int, str] = {}
    for year, body in raw["years"].items():
        if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
            raise ConfigError(f"{where}：年份 {year!r} 须为四位数的年")
        if not isinstance(body, dict) or not str(body.get("notice") or "").strip():
            raise ConfigError(f"{where}：{year}年须写明 notice（国务院办公厅通知的文号或日期）")
        off = _dates(body.get("holidays"), f"{year}年的 holidays", where)
        on = _dates(body.get("workdays"), f"{year}年的 workdays", where)
        for day in (*off, *on):
            if day.year != year:
                raise ConfigError(f"{where}：{day} 不在{year}年，不能列在{year}年下")
        for day in on:
            if day.weekday() < 5:
                raise ConfigError(f"{where}：{day} 不是周末，不必列为调休上班（workdays）")
        both = sorted(set(off) & set(on))
        if both:
            raise ConfigError(f"{where}：{both[0]} 既是放假日又是上班日")
        holidays += off
        workdays += on
        notices[year] = str(body["notice"]).strip()
    return tuple(sorted(holidays)), tuple(sorted(workdays)), notices


def parse_config(raw: object, calendar: tuple | None = None) -> Config:
    """The validated configuration from the YAML's content and the holiday calendar (`parse_holidays`; None:
    weekends only, plus any holidays/workdays the rules file lists itself); ConfigError with a clear message
    otherwise."""
    if not isinstance(raw, dict) or not isinstance(raw.get("rules"), dict):
        raise ConfigError("config/warnings.yaml：缺少 rules（每条预警规则一项）")
    rules = []
    for key, body in raw["rules"].items():
        if key not in RULE_PARAMS:
            raise ConfigError(f"config/warnings.yaml：未知的规则 {key!r}；可用：{'、'.join(RULE_PARAMS)}")
        if not isinstance(body, dict):
            raise ConfigError(f"config/warnings.yaml：规则 {key} 须为一组键值")
        for name in ("name", "counts", "dataset", "subject", "period", "deadline_working_days"):
            if body.get(name) in (None, ""):
                raise ConfigError(f"config/warnings.yaml：规则 {key} 缺少 {name}")
        for name, allowed in (("dataset", DATASETS), ("subject", SUBJECTS), ("period", PERIODS)):
            if body[name] not in allowed:
                raise ConfigError(f"config/warnings.yaml：规则 {key} 的 {name} 须为 {'/'.join(allowed)} 之一，"
                                  f"现为 {body[name]!r}")
        params = body.get("params") or {}
        if not isinstance(params, dict):
            raise ConfigError(f"config/warnings.yaml：规则 {key} 的 params 须为一组键值")
        checked = {}
        for name in RULE_PARAMS[key]:
            if name not in params:
                raise ConfigError(f"config/warnings.yaml：规则 {key} 缺少 params.{name}")
            checked[name] = _positive_int(params[name], f"规则 {key} 的 params.{name}")
        unknown = set(params) - set(RULE_PARAMS[key])
        if unknown:
            raise ConfigError(f"config/warnings.yaml：规则 {key} 有未知参数 {'、'.join(sorted(map(str, unknown)))}")
        register = body.get("register") or ""
        if key in COMPARE_ITEMS:
            item = COMPARE_ITEMS[key]
            if register != item.register:
                raise ConfigError(f"config/warnings.yaml：比对项规则 {key} 的 register 须为 {item.register}"
                                  f"（{compare.REGISTER_LABELS[item.register]}），现为 {register or '空'}")
            if body["dataset"] != "subsidy" or body["subject"] != "person":
                raise ConfigError(f"config/warnings.yaml：比对项规则 {key} 按比对月份（补贴发放的最后一个月）评估、"
                                  "以持证残疾人为对象：dataset 须为 subsidy，subject 须为 person")
            if body["period"] == "enrolment" or (body["period"] == "event" and key not in EVENT_ITEMS):
                allowed = "event/year/month" if key in EVENT_ITEMS else "year/month"
                raise ConfigError(f"config/warnings.yaml：比对项规则 {key} 的 period 须为 {allowed} 之一")
        elif register:
            raise ConfigError(f"config/warnings.yaml：规则 {key} 不是比对项，不能有 register")
        elif body["period"] == "event":
            raise ConfigError(f"config/warnings.yaml：规则 {key} 的 period 不能为 event（仅比对项可用）")
        for name in ("served_by_month", "from_month"):
            if name in checked and checked[name] > 12:
                raise ConfigError(f"config/warnings.yaml：规则 {key} 的 params.{name} 须为1-12月")
        if key == "township_payment_drop" and (checked["drop_percent"] >= 100
                                               or checked["min_months"] > checked["previous_months"]):
            raise ConfigError("config/warnings.yaml：township_payment_drop 的 drop_percent 须小于100，"
                              "min_months 不得大于 previous_months")
        rules.append(Rule(key, str(body["name"]), str(body["counts"]), body["dataset"], body["subject"],
                          body["period"], _positive_int(body["deadline_working_days"],
                                                        f"规则 {key} 的 deadline_working_days"), checked,
                          str(register)))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ConfigError("config/warnings.yaml：规则名称（name）不得重复")
    if not rules:
        raise ConfigError("config/warnings.yaml：rules 为空")
    off, on, notices = calendar or ((), (), {})
    off = tuple(sorted({*off, *_dates(raw.get("holidays"), "holidays")}))
    on = tuple(sorted({*on, *_dates(raw.get("workdays"), "workdays")}))
    return Config(tuple(rules), off, on, tuple(sorted(notices)), tuple(notices[y] for y in sorted(notices)))


def _read_yaml(path: Path, what: str) -> object:
    """A YAML file's content; ConfigError when it cannot be read or parsed."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"无法读取{what} {path}：{exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{what} {path} 不是有效的 YAML：{exc}") from exc


def load_config(path: Path = CONFIG_FILE, holidays: Path | None = HOLIDAYS_FILE) -> Config:
    """Read and validate a rules file and the holiday calendar (None: none)."""
    calendar = parse_holidays(_read_yaml(holidays, "节假日文件"), f"config/{holidays.name}") if holidays else None
    return parse_config(_read_yaml(path, "预警规则文件"), calendar)


@cache
def config() -> Config:
    """The rules file, read once per process."""
    return load_config()


def working_days(start: dt.date, end: dt.date, cfg: Config | None = None) -> int:
    """Working days after `start` up to and including `end` (0 when end ≤ start): weekdays that are not
    holidays, plus the make-up workdays."""
    if end <= start:
        return 0
    cfg = cfg or config()
    first = start + dt.timedelta(days=1)
    last = end + dt.timedelta(days=1)
    count = int(np.busday_count(first, last, holidays=list(cfg.holidays)))
    return count + sum(1 for d in cfg.workdays if first <= d < last and d.weekday() >= 5)


def working_days_many(starts: pd.Series, ends: pd.Series, cfg: Config | None = None) -> np.ndarray:
    """`working_days` for many (start, end) pairs at once (datetime-like Series of one length)."""
    cfg = cfg or config()
    first = pd.to_datetime(starts).to_numpy("datetime64[D]") + np.timedelta64(1, "D")
    last = pd.to_datetime(ends).to_numpy("datetime64[D]") + np.timedelta64(1, "D")
    last = np.maximum(first, last)
    count = np.busday_count(first, last, holidays=[np.datetime64(d) for d in cfg.holidays])
    for day in (np.datetime64(d) for d in cfg.workdays if d.weekday() >= 5):
        count += (first <= day) & (day < last)
    return count.astype(int)


def month_end(month: dt.date) -> dt.date:
    """The last day of a month."""
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (earlier when negative); a month's end stays its end (31 Jan + 1 = 29 Feb)."""
    return (pd.Timestamp(day) + pd.DateOffset(months=months)).date()


def rule_month(wh: Warehouse, rule: Rule, month: str = "", cov=None) -> dt.date | None:
    """The first day of the month a rule is evaluated on: its dataset's last month, or `month` if earlier;
    None when the dataset holds nothing (up to `month`)."""
    cov = cov or coverage(wh)
    first, last = cov.datasets.get(rule.dataset, ("", ""))
    if not last:
        return None
    chosen = min(last, month) if month else last
    if chosen < first:
        return None
    return dt.date(int(chosen[:4]), int(chosen[5:7]), 1)


def rule_params(rule: Rule, month: dt.date) -> dict[str, object]:
    """The bound parameters of a rule's statement for a month (first day)."""
    p = rule.params
    day = month_end(month)
    if rule.is_compare:  # the 比对 month's bounds, as queries/compare.py binds them, and the 比对项
        return {**compare.month_bounds(month.strftime("%Y-%m")), "item": rule.key}
    if rule.key == "unpaid_two_months":
        return {"month": month, "months": p["months"]}
    if rule.key == "monitored_without_measure":
        return {"day": day, "enrolled_by": day - dt.timedelta(days=p["days"])}
    if rule.key == "monitored_over_24_months":
        return {"day": day, "enrolled_before": add_months(day, -p["months"])}
    if rule.key == "rehab_need_unserved":
        return {"year": month.year, "served_by": month_end(dt.date(month.year, p["served_by_month"], 1)),
                "applies": int(month.month >= p["from_month"])}
    if rule.key == "township_payment_drop":
        return {"month": month, "month_first": add_months(month, -p["previous_months"]),
                "drop_percent": p["drop_percent"], "min_months": p["min_months"]}
    raise KeyError(rule.key)


def period_of(rule: Rule, month: dt.date) -> str:
    """What a case of a year or month rule is kept for ('2024', '2024-12'); an enrolment rule's is each
    household's enrolment date (`candidates`)."""
    return str(month.year) if rule.period == "year" else month.strftime("%Y-%m")


def rule_sql(rule: Rule) -> str:
    """A rule's statement: its own file, or for a 比对项 the comparison's statement (compare_cases.sql, the
    same text queries/compare.py runs) wrapped by warning_compare.sql."""
    if rule.is_compare:
        return sql_text("warning_compare").replace(compare.MARKER, sql_text("compare_cases"))
    return sql_text(f"warning_{rule.key}")


def absent(wh: Warehouse, cfg: Config | None = None) -> dict[str, str]:
    """The rules that cannot be evaluated on this warehouse, with why: a 比对项 whose partner register was not
    imported ('未导入民政低保特困名单'). They are left out (no count, no case), never counted as 0."""
    cfg = cfg or config()
    needed = [r for r in cfg.rules if r.is_compare]
    if not needed:
        return {}
    present = compare.imported(wh)
    return {r.key: compare.not_imported_text(r.register) for r in needed if not present.get(r.register)}


def absent_notes(gone: dict[str, str], cfg: Config | None = None) -> list[str]:
    """One sentence per missing register: '未导入民政低保特困名单：低保未享生活补贴、享生活补贴不在低保名单未评估'."""
    cfg = cfg or config()
    by_reason: dict[str, list[str]] = {}
    for rule in cfg.rules:
        if rule.key in gone:
            by_reason.setdefault(gone[rule.key], []).append(rule.name)
    return [f"{reason}：{'、'.join(names)}未评估（不是0件）" for reason, names in by_reason.items()]


def candidates(wh: Warehouse, rule: Rule, month: dt.date, township: str = "") -> pd.DataFrame:
    """One row per case of a rule in a month: subject (pseudonym or township code), township_code,
    village_code, period, and the rule's own facts."""
    frame = wh.frame(rule_sql(rule), township=township, **rule_params(rule, month))
    frame["subject"] = frame["subject"].astype(str)
    if "amount_yuan" in frame:  # 死亡后仍发放's 应追回金额: a number in the case's facts, not a Decimal's text
        frame["amount_yuan"] = pd.to_numeric(frame["amount_yuan"]).astype(float)
    if rule.period == "enrolment":
        frame["period"] = pd.to_datetime(frame["enrolled_date"]).dt.strftime("%Y-%m-%d")
    elif rule.period == "event":
        when = pd.to_datetime(frame["fact_date"]).dt.strftime("%Y-%m-%d")
        frame["period"] = when.fillna(str(month.year)) if len(frame) else when
    else:
        frame["period"] = period_of(rule, month)
    return frame


def rule_counts(wh: Warehouse, rule: Rule, month: dt.date, township: str = "") -> pd.DataFrame:
    """Cases of one rule per township (townships with at least one), counted in the database."""
    sql = f"SELECT township_code, count(*) AS cases FROM ({rule_sql(rule)}) c GROUP BY township_code"
    frame = wh.frame(sql, township=township, **rule_params(rule, month))
    frame["cases"] = pd.to_numeric(frame["cases"]).astype(int)
    return frame.sort_values("township_code").reset_index(drop=True)


def counts(wh: Warehouse, month: str = "", cfg: Config | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The table of `python -m queries.warnings`: per rule the county's row (always), then a row per
    township with at least one case; and the notes (a rule its dataset cannot evaluate, a 比对项 whose register
    was not imported: its rows are left out)."""
    cfg = cfg or config()
    cov = coverage(wh)
    whole = county(wh)
    names = wh.frame("SELECT region_code, name FROM dim_region WHERE level = 'township'")
    town_name = dict(zip(names["region_code"], names["name"], strict=True))
    gone = absent(wh, cfg)
    rows, notes = [], absent_notes(gone, cfg)
    for rule in cfg.rules:
        if rule.key in gone:
            continue
        at = rule_month(wh, rule, month, cov)
        per_town = rule_counts(wh, rule, at) if at else pd.DataFrame(columns=["township_code", "cases"])
        if at is None:
            notes.append(f"{rule.name}：没有{rule.dataset}数据{'（截至' + month + '）' if month else ''}，记为0件")
        rows.append([rule.name, whole["region_code"], whole["name"], int(per_town["cases"].sum())])
        rows += [[rule.name, code, town_name.get(code, code), int(n)]
                 for code, n in zip(per_town["township_code"], per_town["cases"], strict=True)]
    return pd.DataFrame(rows, columns=COLUMNS), notes


def main(argv: list[str] | None = None) -> int:
    """Write the cases per rule and township as CSV."""
    parser = argparse.ArgumentParser(
        prog="python -m queries.warnings",
        description="按 config/warnings.yaml 的预警规则统计件数：每条规则一行全县合计，另每个有预警的乡镇一行"
                    "（列：预警规则, 乡镇代码, 乡镇, 件数）。每条规则按其数据集的最后一个月评估；数据比对的六个比对项"
                    "按比对月份（补贴发放的最后一个月）评估，未导入相应部门名单的比对项不写出，并在输出中说明。"
                    " Count the warning cases per rule and township (the 比对项 only when their register was imported).")
    parser.add_argument("--warehouse", help="DuckDB 文件或 PostgreSQL URL（默认：WAREHOUSE_URL 或演示仓库）")
    parser.add_argument("--month", help="评估月份 YYYY-MM（默认：各规则数据集的最后一个月；晚于数据的月份按数据最后一个月）")
    parser.add_argument("--out", type=Path, required=True, help="输出文件 .csv（UTF-8 带 BOM，Excel 可直接打开）")
    args = parser.parse_args(argv)
    if args.month is not None:
        try:
            dt.date.fromisoformat(args.month + "-01")
        except ValueError:
            parser.error(f"--month 须为 YYYY-MM：{args.month}")
    if args.out.suffix.lower() != ".csv":
        parser.error("--out 须以 .csv 结尾")
    try:
        cfg = config()
        table, notes = counts(connect(args.warehouse), args.month or "", cfg)
    except (WarehouseError, ConfigError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"提示：{note}", file=sys.stderr)
    write_csv(table, args.out, encoding="utf-8-sig")
    county_rows = table.drop_duplicates("预警规则")
    missing = [n for n in notes if n.startswith("未导入")]
    print(f"已写入 {args.out}：" + "；".join(f"{r}{n}件" for r, n in zip(county_rows["预警规则"], county_rows["件数"],
                                                                        strict=True))
          + (f"（{'；'.join(missing)}）" if missing else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
