"""An independent computation of report.md's annual table straight from the extract files, with pandas.

It shares no code with the importer or the queries: its own file reading (openpyxl, not calamine),
its own cleaning (drops the rows the generator says it planted), its own arithmetic.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd


def read_extract(folder: Path, table: str) -> pd.DataFrame:
    """All files of a table as strings, with the 1-based data row and file name."""
    frames = []
    for path in sorted(folder.glob(f"{table}*")):
        if path.suffix == ".csv":
            try:
                frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
            except UnicodeDecodeError:
                frame = pd.read_csv(path, dtype=str, encoding="gbk", keep_default_na=False)
        elif path.suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=str, engine="openpyxl", keep_default_na=False)
        else:
            continue
        frame.columns = [c.split(" (")[0].split("（")[0].strip() for c in frame.columns]
        frame["_file"], frame["_row"] = path.name, range(1, len(frame) + 1)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def clean(folder: Path, table: str) -> pd.DataFrame:
    """A table without the rows listed in planted_errors.csv."""
    frame = read_extract(folder, table)
    planted = pd.read_csv(folder / "planted_errors.csv", dtype={"row": int})
    bad = set(zip(planted["file"], planted["row"], strict=True))
    keep = [(f, r) not in bad for f, r in zip(frame["_file"], frame["_row"], strict=True)]
    return frame[keep].copy()


def township(code: pd.Series) -> pd.Series:
    """A village code's township code."""
    return code.str[:9] + "000"


def expected_annual(folder: Path, year: int) -> pd.DataFrame:
    """The annual township table's counts, amounts and rates, indexed by township code (no total row)."""
    regions = read_extract(folder, "行政区划")
    towns = regions[regions["级别"] == "乡镇"].set_index("区划代码")["名称"].sort_index()
    out = pd.DataFrame(index=towns.index)
    out["名称"] = towns

    persons = clean(folder, "持证残疾人")
    persons["town"] = township(persons["村社区代码"])
    active = persons["证件状态"] == "正常"
    out["持证残疾人数"] = persons[active].groupby("town").size()

    end, start = pd.Timestamp(f"{year}-12-31"), pd.Timestamp(f"{year}-01-01")
    households = persons.groupby("户编号")["村社区代码"].min().map(lambda c: c[:9] + "000")
    mon = clean(folder, "监测户")
    mon["town"] = mon["户编号"].map(households)
    enrolled = pd.to_datetime(mon["纳入日期"])
    eliminated = pd.to_datetime(mon["风险消除日期"].replace("", None))
    in_mon = (enrolled <= end) & ~(eliminated <= end)
    for kind in ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"]:
        out[f"在监测户数_{kind}"] = mon[in_mon & (mon["监测类别"] == kind)].groupby("town").size()
    out["年内新纳入户数"] = mon[(enrolled >= start) & (enrolled <= end)].groupby("town").size()
    out["年内风险消除户数"] = mon[(eliminated >= start) & (eliminated <= end)].groupby("town").size()
    no_measure = mon["帮扶措施"].str.replace(";", "；").str.split("；").map(
        lambda parts: not any(p.strip() for p in parts))
    out["无帮扶措施户数"] = mon[in_mon & no_measure].groupby("town").size()

    pay = clean(folder, "两项补贴发放")
    pay = pay[pay["发放年月"].str[:4] == str(year)]
    by_cert = persons.set_index("残疾人证号")
    pay["town"] = township(pay["残疾人证号"].map(by_cert["村社区代码"]))
    pay["amount"] = pay["发放金额"].astype(float)
    eligible = {
        "生活补贴": active & (persons["是否低保"] == "是"),
        "护理补贴": active & persons["残疾等级"].isin(["一级", "二级"]),
    }
    for label, kind in [("生活补贴", "困难残疾人生活补贴"), ("护理补贴", "重度残疾人护理补贴")]:
        rows = pay[pay["补贴类型"] == kind]
        out[f"{label}_人数"] = rows.groupby("town")["残疾人证号"].nunique()
        out[f"{label}_金额"] = rows.groupby("town")["amount"].sum().round(2)
        elig = persons[eligible[label]]
        paid = elig[elig["残疾人证号"].isin(set(rows["残疾人证号"]))]
        out[f"{label}_覆盖率_num"] = paid.groupby("town").size()
        out[f"{label}_覆盖率_den"] = elig.groupby("town").size()

    rehab = clean(folder, "康复服务")
    rehab = rehab[rehab["年度"].astype(float).astype(int) == year]
    rehab["town"] = township(rehab["残疾人证号"].map(by_cert["村社区代码"]))
    out["康复需求人数"] = rehab.groupby("town")["残疾人证号"].nunique()
    out["康复已服务人数"] = rehab[rehab["服务日期"] != ""].groupby("town")["残疾人证号"].nunique()

    bases = clean(folder, "就业基地")
    bases = bases[bases["认定年度"].astype(float).astype(int) <= year]
    bases["town"] = township(bases["村社区代码"])
    out["就业基地数"] = bases.groupby("town").size()
    out["基地安置人数"] = bases.groupby("town")["安置残疾人数"].apply(lambda s: s.astype(float).sum())

    mods = clean(folder, "无障碍改造")
    mods = mods[mods["计划年度"].astype(float).astype(int) == year]
    mods["town"] = mods["户编号"].map(households)
    out["无障碍改造_计划户数"] = mods.groupby("town").size()
    out["无障碍改造_完成户数"] = mods[mods["完成日期"] != ""].groupby("town").size()
    return out.fillna(0)


def expected_gap(folder: Path, year: int) -> pd.DataFrame:
    """Per township: severe (一级/二级, 正常) persons in households under monitoring at the end of `year`,
    and those of them paid no nursing subsidy / given no rehab service that year."""
    persons = clean(folder, "持证残疾人")
    mon = clean(folder, "监测户")
    end = pd.Timestamp(f"{year}-12-31")
    enrolled = pd.to_datetime(mon["纳入日期"])
    eliminated = pd.to_datetime(mon["风险消除日期"].replace("", None))
    monitored = set(mon.loc[(enrolled <= end) & ~(eliminated <= end), "户编号"])
    severe = persons[(persons["证件状态"] == "正常") & persons["残疾等级"].isin(["一级", "二级"])
                     & persons["户编号"].isin(monitored)].copy()
    pay = clean(folder, "两项补贴发放")
    nursing = set(pay.loc[(pay["发放年月"].str[:4] == str(year)) & (pay["补贴类型"] == "重度残疾人护理补贴"), "残疾人证号"])
    rehab = clean(folder, "康复服务")
    served = set(rehab.loc[(rehab["年度"].astype(float).astype(int) == year) & (rehab["服务日期"] != ""), "残疾人证号"])
    severe["town"] = township(severe["村社区代码"])
    severe["no_nursing"] = ~severe["残疾人证号"].isin(nursing)
    severe["no_rehab"] = ~severe["残疾人证号"].isin(served)
    severe["no_either"] = severe["no_nursing"] | severe["no_rehab"]
    return severe.groupby("town").agg(severe_persons=("town", "size"), without_nursing=("no_nursing", "sum"),
                                      without_rehab=("no_rehab", "sum"), without_either=("no_either", "sum"))


# --- 指标分析: every metric of the catalogue by any breakdown, straight from the extracts ----------------
CATEGORY_CODES = {"视力": "1", "听力": "2", "言语": "3", "肢体": "4", "智力": "5", "精神": "6", "多重": "7"}
LEVEL_CODES = {"一级": "1", "二级": "2", "三级": "3", "四级": "4"}


def _person_attributes(persons: pd.DataFrame) -> pd.DataFrame:
    """Per certificate: village, township, category and level digits (from the extract's own words)."""
    out = pd.DataFrame({"village": persons["村社区代码"].to_numpy()}, index=persons["残疾人证号"].to_numpy())
    out["town"] = out["village"].str[:9] + "000"
    out["category"] = persons["残疾类别"].map(CATEGORY_CODES).to_numpy()
    out["level"] = persons["残疾等级"].map(LEVEL_CODES).to_numpy()
    return out


def _months(first: str, last: str) -> list[str]:
    """'YYYY-MM' months from first to last."""
    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def _snapshots(month_from: str, month_to: str, by: str, cols: str) -> list[str]:
    """Months at whose end a state is counted: each month, each year's last month (and the range's last),
    or only the range's last month."""
    months = _months(month_from, month_to)
    if "month" in (by, cols):
        return months
    if "year" in (by, cols):
        return [m for m in months if m.endswith("-12") or m == month_to]
    return [month_to]


@lru_cache(maxsize=32)
def _clean_cached(folder: Path, table: str) -> pd.DataFrame:
    """`clean`, read once per test session (the explore matrix asks for the same tables many times)."""
    return clean(folder, table)


def expected_explore(folder: Path, metric: str, by: str, cols: str = "", month_from: str = "2024-01",
                     month_to: str = "2024-12", town: str = "", village: str = "", category: int = 0,
                     level: int = 0) -> pd.DataFrame:
    """The metric's measure columns per (row_key, col_key) as 指标分析 defines them (catalogue), computed
    with pandas from the extract files; rows whose measures are all zero are left out."""
    persons = _clean_cached(folder, "持证残疾人").copy()
    attrs = _person_attributes(persons)
    active = (persons["证件状态"] == "正常").to_numpy()
    time_keys = {"year", "month"} & {by, cols}
    years = list(range(int(month_from[:4]) if time_keys else int(month_to[:4]), int(month_to[:4]) + 1))
    person_level = True
    if metric == "persons":
        facts = attrs[active].assign(persons=1)
    elif metric in ("monitored", "without_measure"):
        person_level = False
        households = persons.groupby("户编号")["村社区代码"].min()
        mon = _clean_cached(folder, "监测户").copy()
        mon["village"] = mon["户编号"].map(households)
        enrolled = pd.to_datetime(mon["纳入日期"])
        eliminated = pd.to_datetime(mon["风险消除日期"].replace("", None))
        no_measure = mon["帮扶措施"].str.replace(";", "；").str.split("；").map(lambda ps: not any(p.strip() for p in ps))
        frames = []
        for month in _snapshots(month_from, month_to, by, cols):
            end = pd.Period(month, "M").end_time
            inside = (enrolled <= end) & ~(eliminated <= end)
            frames.append(pd.DataFrame({"village": mon.loc[inside, "village"], "year": month[:4], "month": month,
                                        "monitored": 1, "without_measure": no_measure[inside].astype(int)}))
        facts = pd.concat(frames)
    elif metric in ("living_coverage", "nursing_coverage", "unpaid_eligible"):
        pay = _clean_cached(folder, "两项补贴发放").copy()
        frames = []
        for year in years:
            paid_in_year = pay[pay["发放年月"].str[:4] == str(year)]
            frame = attrs.copy()
            frame["year"] = str(year)
            for prefix, kind, eligible in (
                ("living", "困难残疾人生活补贴", active & (persons["是否低保"] == "是").to_numpy()),
                ("nursing", "重度残疾人护理补贴", active & persons["残疾等级"].isin(["一级", "二级"]).to_numpy()),
            ):
                paid = frame.index.isin(set(paid_in_year.loc[paid_in_year["补贴类型"] == kind, "残疾人证号"]))
                frame[f"{prefix}_eligible"] = eligible.astype(int)
                frame[f"{prefix}_eligible_paid"] = (eligible & paid).astype(int)
            frames.append(frame)
        facts = pd.concat(frames)
        facts["unpaid_eligible"] = (facts["living_eligible"] - facts["living_eligible_paid"]
                                    + facts["nursing_eligible"] - facts["nursing_eligible_paid"])
    elif metric == "subsidy_amount":
        pay = _clean_cached(folder, "两项补贴发放").copy()
        pay = pay[(pay["发放年月"] >= month_from) & (pay["发放年月"] <= month_to)]
        facts = attrs.reindex(pay["残疾人证号"]).reset_index(drop=True)
        facts["month"] = pay["发放年月"].to_numpy()
        facts["year"] = facts["month"].str[:4]
        facts["subsidy_amount"] = pay["发放金额"].astype(float).to_numpy()
        facts["payments"] = 1
    elif metric in ("rehab_rate", "care_persons"):
        table, kind = ("康复服务", "服务类型") if metric == "rehab_rate" else ("托养服务", "托养类型")
        rows = _clean_cached(folder, table).copy()
        rows["year"] = rows["年度"].astype(float).astype(int).astype(str)
        rows = rows[rows["year"].isin([str(y) for y in years])]
        if metric == "rehab_rate":
            rows["served"] = rows["服务日期"] != ""
            per = rows.groupby(["残疾人证号", "year"], as_index=False)["served"].any()
            per["rehab_need"], per["rehab_served"] = 1, per.pop("served").astype(int)
        else:
            per = rows.drop_duplicates(["残疾人证号", "year", kind])[["残疾人证号", "year"]].assign(care_persons=1)
        facts = attrs.reindex(per["残疾人证号"]).reset_index(drop=True)
        for column in per.columns.drop("残疾人证号"):
            facts[column] = per[column].to_numpy()
    elif metric in ("bases", "base_placed"):
        person_level = False
        bases = _clean_cached(folder, "就业基地").copy()
        recognised = bases["认定年度"].astype(float).astype(int)
        facts = pd.concat([pd.DataFrame({"village": bases.loc[recognised <= y, "村社区代码"], "year": str(y), "bases": 1,
                                         "base_placed": bases.loc[recognised <= y, "安置残疾人数"].astype(float)})
                           for y in years])
    elif metric == "modification_rate":
        person_level = False
        households = persons.groupby("户编号")["村社区代码"].min()
        mods = _clean_cached(folder, "无障碍改造").copy()
        mods["year"] = mods["计划年度"].astype(float).astype(int).astype(str)
        mods = mods[mods["year"].isin([str(y) for y in years])]
        facts = pd.DataFrame({"village": mods["户编号"].map(households), "year": mods["year"],
                              "modification_planned": 1, "modification_completed": (mods["完成日期"] != "").astype(int)})
    else:
        raise KeyError(metric)
    facts = facts[facts["village"].notna()].copy()
    facts["town"] = facts["village"].str[:9] + "000"
    if town:
        facts = facts[facts["town"] == town]
    if village:
        facts = facts[facts["village"] == village]
    if person_level and category:
        facts = facts[facts["category"] == str(category)]
    if person_level and level:
        facts = facts[facts["level"] == str(level)]
    if not time_keys and "year" in facts.columns and metric not in ("monitored", "without_measure", "subsidy_amount"):
        facts = facts[facts["year"] == str(years[-1])]
    names = {"township": "town", "village": "village", "category": "category", "level": "level", "year": "year",
             "month": "month"}
    facts["row_key"] = facts[names[by]]
    facts["col_key"] = facts[names[cols]] if cols else ""
    measures = [c for c in facts.columns if c not in ("town", "village", "category", "level", "year", "month",
                                                      "row_key", "col_key")]
    out = facts.groupby(["row_key", "col_key"], as_index=False)[measures].sum()
    return out[(out[measures] != 0).any(axis=1)].reset_index(drop=True)
