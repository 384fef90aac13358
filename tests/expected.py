"""An independent computation of report.md's annual table straight from the extract files, with pandas.

It shares no code with the importer or the queries: its own file reading (openpyxl, not calamine),
its own cleaning (drops the rows the generator says it planted), its own arithmetic.
"""

from __future__ import annotations

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
