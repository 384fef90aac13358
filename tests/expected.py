"""An independent computation of report.md's annual table straight from the extract files, with pandas.

It shares no code with the importer or the queries: its own file reading (openpyxl, not calamine),
its own cleaning (drops the rows the generator says it planted), its own arithmetic.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd


def read_extract(folder: Path, table: str) -> pd.DataFrame:
    """All files of a table as strings, with the 1-based data row and file name (a copy to change freely)."""
    return _read_extract(Path(folder), table).copy()


@cache
def _read_extract(folder: Path, table: str) -> pd.DataFrame:
    """Read once per test session: the extract files do not change."""
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
    end, start = pd.Timestamp(f"{year}-12-31"), pd.Timestamp(f"{year}-01-01")
    issued = pd.to_datetime(persons["发证日期"].replace("", None))
    active = (persons["证件状态"] == "正常") & (issued.isna() | (issued <= end))  # issued by the year's end
    out["持证残疾人数"] = persons[active].groupby("town").size()

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


# ---------------------------------------------------------------- the dashboard's scoped queries, one township
# Each function answers one query of queries/dashboard.py for the villages of one township, from the extract
# files alone, in the query's own columns (so a test can compare them frame to frame).

CATEGORY_CODES = {"视力": 1, "听力": 2, "言语": 3, "肢体": 4, "智力": 5, "精神": 6, "多重": 7}
LEVEL_CODES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4}
SUBSIDY_CODES = {"困难残疾人生活补贴": "living", "重度残疾人护理补贴": "nursing"}


def people(folder: Path) -> pd.DataFrame:
    """Every valid person with village, township, category and level codes, birth year and eligibility."""
    persons = clean(folder, "持证残疾人")
    active = persons["证件状态"] == "正常"
    return pd.DataFrame({
        "cert": persons["残疾人证号"], "household": persons["户编号"], "village": persons["村社区代码"],
        "town": township(persons["村社区代码"]), "category": persons["残疾类别"].map(CATEGORY_CODES),
        "level": persons["残疾等级"].map(LEVEL_CODES), "birth_year": persons["出生日期"].str[:4].astype(int),
        "living": active & (persons["是否低保"] == "是"),
        "nursing": active & persons["残疾等级"].isin(["一级", "二级"]),
        "issued_year": pd.to_datetime(persons["发证日期"].replace("", None)).dt.year.fillna(0).astype(int),
    }).reset_index(drop=True)


def _of_town(folder: Path, table: str, town: str) -> pd.DataFrame:
    """A person-level extract's valid rows for persons of the township, joined to their person columns."""
    rows = clean(folder, table).merge(people(folder), left_on="残疾人证号", right_on="cert")
    return rows[rows["town"] == town].copy()


def _households_of_town(folder: Path, table: str, town: str) -> pd.DataFrame:
    """A household-level extract's valid rows for households of the township (a household's village is
    its members' first in code order)."""
    village = people(folder).groupby("household")["village"].min()
    rows = clean(folder, table)
    rows["village"] = rows["户编号"].map(village)
    return rows[township(rows["village"].fillna("")) == town].copy()


def _ints(frame: pd.DataFrame) -> pd.DataFrame:
    """Integer counts as int64 (keys that are booleans stay booleans)."""
    return frame.astype({c: "int64" for c in frame.columns if frame[c].dtype.kind in "iu"})


def subsidy_by_month(folder: Path, town: str, month_from: str, month_to: str) -> pd.DataFrame:
    """Payments and amount per month and subsidy."""
    pay = _of_town(folder, "两项补贴发放", town)
    pay = pay[(pay["发放年月"] >= month_from) & (pay["发放年月"] <= month_to)]
    pay["subsidy_code"] = pay["补贴类型"].map(SUBSIDY_CODES)
    pay["amount"] = pay["发放金额"].astype(float)
    out = pay.groupby(["发放年月", "subsidy_code"]).agg(payments=("cert", "size"), amount_yuan=("amount", "sum"))
    out = out.reset_index().rename(columns={"发放年月": "pay_month"})
    out["pay_month"] = pd.to_datetime(out["pay_month"])
    return out


def subsidy_persons_to_month(folder: Path, town: str, year: int, month: int) -> pd.DataFrame:
    """Distinct persons paid January to `month` of `year` and of the year before, and of them eligible."""
    pay = _of_town(folder, "两项补贴发放", town)
    pay["year"], pay["month"] = pay["发放年月"].str[:4].astype(int), pay["发放年月"].str[5:7].astype(int)
    pay = pay[pay["year"].isin([year - 1, year]) & (pay["month"] <= month)]
    pay["subsidy_code"] = pay["补贴类型"].map(SUBSIDY_CODES)
    persons = pay.drop_duplicates(["year", "subsidy_code", "cert"]).copy()
    persons["eligible"] = (persons["living"].where(persons["subsidy_code"] == "living", persons["nursing"])
                           & (persons["issued_year"] <= persons["year"]))  # eligible in that year
    out = persons.groupby(["year", "subsidy_code"]).agg(persons=("cert", "size"), eligible_paid=("eligible", "sum"))
    return _ints(out.reset_index())


def subsidy_by_category_level(folder: Path, town: str, year: int) -> pd.DataFrame:
    """Per category × level × subsidy: eligible persons, of them paid in `year`, all paid persons."""
    persons = people(folder)
    persons = persons[persons["town"] == town]
    pay = _of_town(folder, "两项补贴发放", town)
    pay = pay[pay["发放年月"].str[:4] == str(year)]
    rows = []
    for (category, level), group in persons.groupby(["category", "level"]):
        for label, code in SUBSIDY_CODES.items():
            paid = set(pay.loc[pay["补贴类型"] == label, "cert"])
            rows.append({"category_code": category, "level_code": level, "subsidy_code": code,
                         "eligible": int((group[code] & (group["issued_year"] <= year)).sum()),  # issued by then
                         "eligible_paid": int((group[code] & (group["issued_year"] <= year)
                                               & group["cert"].isin(paid)).sum()),
                         "persons": int(group["cert"].isin(paid).sum())})
    return pd.DataFrame(rows)


def _monitoring(folder: Path, town: str) -> pd.DataFrame:
    """Monitored households of the township with enrolment and elimination months (first days)."""
    mon = _households_of_town(folder, "监测户", town)
    mon["enrolled"] = pd.to_datetime(mon["纳入日期"]).dt.to_period("M").dt.to_timestamp()
    mon["eliminated"] = pd.to_datetime(mon["风险消除日期"].replace("", None)).dt.to_period("M").dt.to_timestamp()
    mon["has_measure"] = mon["帮扶措施"].str.replace(";", "；").str.split("；").map(lambda p: any(x.strip() for x in p))
    return mon


def monitoring_by_month(folder: Path, town: str, month_from: str, month_to: str) -> pd.DataFrame:
    """Households newly enrolled and with risk eliminated per month."""
    mon = _monitoring(folder, town)
    enrolled = mon.groupby("enrolled").size().rename("enrolled")
    eliminated = mon.dropna(subset=["eliminated"]).groupby("eliminated").size().rename("eliminated")
    out = pd.concat([enrolled, eliminated], axis=1, sort=True).fillna(0).astype("int64").sort_index()
    every = pd.date_range(month_from + "-01", month_to + "-01", freq="MS")  # a month without either is 0
    out = out.reindex(every, fill_value=0)
    return out.rename_axis("month").reset_index()


def monitoring_year_end(folder: Path, town: str, year: int) -> dict[str, pd.DataFrame]:
    """At the end of `year`: per type enrolled, with measures, eliminated and months to it; the households
    still under monitoring per main risk and type."""
    mon = _monitoring(folder, town)
    end = pd.Timestamp(f"{year}-12-31")
    mon = mon[mon["enrolled"] <= end]
    gone = mon["eliminated"] <= end
    mon["months"] = ((mon["eliminated"].dt.year - mon["enrolled"].dt.year) * 12
                     + mon["eliminated"].dt.month - mon["enrolled"].dt.month).where(gone, 0)
    mon["gone"], mon["still"] = gone, ~gone
    path = mon.groupby("监测类别").agg(enrolled=("gone", "size"), with_measure=("has_measure", "sum"),
                                      eliminated=("gone", "sum"), months_to_eliminate=("months", "sum"))
    still = mon[mon["still"]].assign(without=lambda f: ~f["has_measure"].astype(bool))
    risks = still.groupby(["主要风险", "监测类别"]).agg(households=("still", "size"), without_measure=("without", "sum"))
    return {"path": _ints(path.rename_axis("monitor_type").reset_index()),
            "risks": _ints(risks.rename_axis(["main_risk", "monitor_type"]).reset_index())}


def _rehab(folder: Path, town: str, year: int) -> pd.DataFrame:
    """The township's rehab needs of `year`, with whether each row was served."""
    rehab = _of_town(folder, "康复服务", town)
    rehab = rehab[rehab["年度"].astype(float).astype(int) == year]
    rehab["served"] = rehab["服务日期"] != ""
    return rehab


def rehab_by_type(folder: Path, town: str, year: int) -> pd.DataFrame:
    """Persons with each service need in `year`, and of them served."""
    per = _rehab(folder, town, year).groupby(["服务类型", "cert"])["served"].any().reset_index()
    out = per.groupby("服务类型").agg(need_persons=("cert", "size"), served_persons=("served", "sum"))
    return _ints(out.rename_axis("service_type").reset_index())


def rehab_by_group(folder: Path, town: str, year: int) -> pd.DataFrame:
    """Persons with a rehab need in `year` per category and child (aged 16 or less that year), and served."""
    rehab = _rehab(folder, town, year)
    per = rehab.groupby(["cert", "category", "birth_year"])["served"].any().reset_index()
    per["is_child"] = year - per["birth_year"] <= 16
    out = per.groupby(["category", "is_child"]).agg(need_persons=("cert", "size"), served_persons=("served", "sum"))
    return _ints(out.rename_axis(["category_code", "is_child"]).reset_index())


def employment_bases(folder: Path, town: str, year: int) -> pd.DataFrame:
    """Bases of the township recognised by `year`: id and persons placed."""
    bases = clean(folder, "就业基地")
    bases = bases[(township(bases["村社区代码"]) == town) & (bases["认定年度"].astype(float).astype(int) <= year)]
    return pd.DataFrame({"base_id": bases["基地编号"], "placed_persons": bases["安置残疾人数"].astype(float).astype(int)}
                        ).sort_values("base_id").reset_index(drop=True)


def employment_by_form(folder: Path, town: str) -> pd.DataFrame:
    """Distinct persons employed per year and form, and of them at a base."""
    emp = _of_town(folder, "就业情况", town)
    emp["year"] = emp["年度"].astype(float).astype(int)
    emp["at_base"] = emp["基地编号"] != ""
    per = emp.groupby(["year", "就业形式", "cert"])["at_base"].any().reset_index()
    out = per.groupby(["year", "就业形式"]).agg(persons=("cert", "size"), persons_at_base=("at_base", "sum"))
    return _ints(out.rename_axis(["year", "form"]).reset_index())


def _modifications(folder: Path, town: str) -> pd.DataFrame:
    """The township's home modifications with plan year, completion and amount."""
    mods = _households_of_town(folder, "无障碍改造", town)
    mods["plan_year"] = mods["计划年度"].astype(float).astype(int)
    mods["done"] = mods["完成日期"] != ""
    mods["amount"] = pd.to_numeric(mods["改造金额"].replace("", None)).fillna(0).where(mods["done"], 0)
    return mods


def modification_by_year(folder: Path, town: str) -> pd.DataFrame:
    """Households planned and completed, and the completed amount, per plan year."""
    out = _modifications(folder, town).groupby("plan_year").agg(
        planned=("done", "size"), completed=("done", "sum"), completed_amount_yuan=("amount", "sum"))
    return _ints(out.reset_index())


def modification_by_unit(folder: Path, town: str, year: int) -> pd.DataFrame:
    """Households planned and completed, and the completed amount, per village for plan year `year`."""
    mods = _modifications(folder, town)
    out = mods[mods["plan_year"] == year].groupby("village").agg(
        planned=("done", "size"), completed=("done", "sum"), completed_amount_yuan=("amount", "sum"))
    return _ints(out.rename_axis("unit_code").reset_index())


def care_by_type(folder: Path, town: str) -> pd.DataFrame:
    """Distinct persons in care per year and type."""
    care = _of_town(folder, "托养服务", town)
    care["year"] = care["年度"].astype(float).astype(int)
    out = care.groupby(["year", "托养类型"])["cert"].nunique().rename("persons")
    return _ints(out.rename_axis(["year", "care_type"]).reset_index())


def boundaries(folder: Path, town: str) -> list[str]:
    """Codes of the township's villages that have a boundary in the village boundary file."""
    import pyogrio

    regions = read_extract(folder, "行政区划")
    villages = set(regions.loc[(regions["级别"] == "村") & (township(regions["区划代码"]) == town), "区划代码"])
    path = next(p for p in sorted(folder.glob("村边界.*")) if p.suffix in (".shp", ".gpkg", ".geojson"))
    drawn = pyogrio.read_dataframe(path, read_geometry=False)
    code = next(c for c in drawn.columns if drawn[c].astype(str).str.fullmatch(r"\d{12}").all())
    return sorted(villages & set(drawn[code].astype(str)))


# --- 指标分析: every metric of the catalogue by any breakdown, straight from the extracts ----------------
def _person_attributes(persons: pd.DataFrame) -> pd.DataFrame:
    """Per certificate: village, township, category and level digits (from the extract's own words)."""
    out = pd.DataFrame({"village": persons["村社区代码"].to_numpy()}, index=persons["残疾人证号"].to_numpy())
    out["town"] = out["village"].str[:9] + "000"
    out["category"] = persons["残疾类别"].map({k: str(v) for k, v in CATEGORY_CODES.items()}).to_numpy()
    out["level"] = persons["残疾等级"].map({k: str(v) for k, v in LEVEL_CODES.items()}).to_numpy()
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


def expected_explore(folder: Path, metric: str, by: str, cols: str = "", month_from: str = "2024-01",
                     month_to: str = "2024-12", town: str = "", village: str = "", category: int = 0,
                     level: int = 0) -> pd.DataFrame:
    """The metric's measure columns per (row_key, col_key) as 指标分析 defines them (catalogue), computed
    with pandas from the extract files; rows whose measures are all zero are left out."""
    persons = clean(folder, "持证残疾人")
    attrs = _person_attributes(persons)
    active = (persons["证件状态"] == "正常").to_numpy()
    issued = pd.to_datetime(persons["发证日期"].replace("", None))
    time_keys = {"year", "month"} & {by, cols}
    years = list(range(int(month_from[:4]) if time_keys else int(month_to[:4]), int(month_to[:4]) + 1))
    person_level = True
    def issued_by(year: int) -> pd.Series:
        """Certificates issued by the year's end (or without a date), as an array."""
        return (issued.isna() | (issued <= pd.Timestamp(f"{year}-12-31"))).to_numpy()

    if metric == "persons":
        facts = pd.concat([attrs[active & issued_by(y)].assign(year=str(y), persons=1) for y in years])
    elif metric in ("monitored", "without_measure"):
        person_level = False
        households = persons.groupby("户编号")["村社区代码"].min()
        mon = clean(folder, "监测户")
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
        pay = clean(folder, "两项补贴发放")
        frames = []
        for year in years:
            paid_in_year = pay[pay["发放年月"].str[:4] == str(year)]
            frame = attrs.copy()
            frame["year"] = str(year)
            for prefix, kind, eligible in (
                ("living", "困难残疾人生活补贴", active & issued_by(year) & (persons["是否低保"] == "是").to_numpy()),
                ("nursing", "重度残疾人护理补贴",
                 active & issued_by(year) & persons["残疾等级"].isin(["一级", "二级"]).to_numpy()),
            ):
                paid = frame.index.isin(set(paid_in_year.loc[paid_in_year["补贴类型"] == kind, "残疾人证号"]))
                frame[f"{prefix}_eligible"] = eligible.astype(int)
                frame[f"{prefix}_eligible_paid"] = (eligible & paid).astype(int)
            frames.append(frame)
        facts = pd.concat(frames)
        facts["unpaid_eligible"] = (facts["living_eligible"] - facts["living_eligible_paid"]
                                    + facts["nursing_eligible"] - facts["nursing_eligible_paid"])
    elif metric in ("living_paid_month", "nursing_paid_month", "living_coverage_month", "nursing_coverage_month"):
        # one month each: persons paid in it (distinct), eligible at its end (certificate issued by then or
        # undated), and those paid of the eligible; a year is its last month in the range
        pay = clean(folder, "两项补贴发放")
        frames = []
        for month in _snapshots(month_from, month_to, by, cols):
            end = pd.Period(month, "M").end_time
            by_end = (issued.isna() | (issued <= end)).to_numpy()
            paid_in_month = pay[pay["发放年月"] == month]
            frame = attrs.copy()
            frame["year"], frame["month"] = month[:4], month
            for prefix, kind, flag in (("living", "困难残疾人生活补贴", (persons["是否低保"] == "是").to_numpy()),
                                       ("nursing", "重度残疾人护理补贴",
                                        persons["残疾等级"].isin(["一级", "二级"]).to_numpy())):
                paid = frame.index.isin(set(paid_in_month.loc[paid_in_month["补贴类型"] == kind, "残疾人证号"]))
                eligible = active & flag & by_end
                frame[f"{prefix}_paid"] = paid.astype(int)
                frame[f"{prefix}_month_eligible"] = eligible.astype(int)
                frame[f"{prefix}_month_eligible_paid"] = (eligible & paid).astype(int)
            frames.append(frame)
        facts = pd.concat(frames)
    elif metric == "subsidy_amount":
        pay = clean(folder, "两项补贴发放")
        pay = pay[(pay["发放年月"] >= month_from) & (pay["发放年月"] <= month_to)]
        facts = attrs.reindex(pay["残疾人证号"]).reset_index(drop=True)
        facts["month"] = pay["发放年月"].to_numpy()
        facts["year"] = facts["month"].str[:4]
        facts["subsidy_amount"] = pay["发放金额"].astype(float).to_numpy()
        facts["payments"] = 1
    elif metric in ("rehab_rate", "care_persons"):
        table, kind = ("康复服务", "服务类型") if metric == "rehab_rate" else ("托养服务", "托养类型")
        rows = clean(folder, table)
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
        bases = clean(folder, "就业基地")
        recognised = bases["认定年度"].astype(float).astype(int)
        facts = pd.concat([pd.DataFrame({"village": bases.loc[recognised <= y, "村社区代码"], "year": str(y), "bases": 1,
                                         "base_placed": bases.loc[recognised <= y, "安置残疾人数"].astype(float)})
                           for y in years])
    elif metric == "modification_rate":
        person_level = False
        households = persons.groupby("户编号")["村社区代码"].min()
        mods = clean(folder, "无障碍改造")
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
    if not time_keys and "year" in facts.columns and metric not in ("monitored", "without_measure", "subsidy_amount",
                                                                     "living_paid_month", "nursing_paid_month",
                                                                     "living_coverage_month", "nursing_coverage_month"):
        facts = facts[facts["year"] == str(years[-1])]
    names = {"township": "town", "village": "village", "category": "category", "level": "level", "year": "year",
             "month": "month"}
    facts["row_key"] = facts[names[by]]
    facts["col_key"] = facts[names[cols]] if cols else ""
    measures = [c for c in facts.columns if c not in ("town", "village", "category", "level", "year", "month",
                                                      "row_key", "col_key")]
    out = facts.groupby(["row_key", "col_key"], as_index=False)[measures].sum()
    return out[(out[measures] != 0).any(axis=1)].reset_index(drop=True)
