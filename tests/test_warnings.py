"""预警 rules (queries/warnings.py) against an independent pandas computation from the extract files, on the
test county and on a purpose-made county with the rules' boundaries (exactly 30 days, eliminated on the last
day, exactly 24 months, a township without enough months for a median, a township whose payments stopped);
the six 比对项 as rules (against test_compare's pandas side; absent, not 0, without their registers); the
command line; the rules file's and the holiday calendar's validation; working days across 国庆."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from data.generate import generate
from queries import warnings as wq
from queries.catalog import COMPARE_ITEMS
from queries.db import connect
from tests.conftest import UNTIL, import_to
from tests.expected import clean, people, township
from tests.test_compare import expected as compare_expected

CFG = wq.config()


# --------------------------------------------------------------------------------- independent computation
def _pay(folder: Path) -> pd.DataFrame:
    pay = clean(folder, "两项补贴发放")
    town = people(folder).set_index("cert")["town"]
    pay["town"] = pay["残疾人证号"].map(town)
    return pay


def _mon(folder: Path) -> pd.DataFrame:
    village = people(folder).groupby("household")["village"].min()
    mon = clean(folder, "监测户")
    mon["town"] = township(mon["户编号"].map(village))
    mon["enrolled"] = pd.to_datetime(mon["纳入日期"])
    mon["eliminated"] = pd.to_datetime(mon["风险消除日期"].replace("", None))
    mon["no_measure"] = mon["帮扶措施"].str.replace(";", "；").str.split("；").map(lambda p: not any(x.strip() for x in p))
    return mon


def monitoring_day(folder: Path) -> pd.Timestamp:
    """The last day of the monitoring data's last month (its latest enrolment or elimination)."""
    mon = _mon(folder)
    last = mon["eliminated"].fillna(mon["enrolled"]).max()
    return last + pd.offsets.MonthEnd(0)


def expected_counts(folder: Path) -> dict[str, pd.Series]:
    """Cases per rule and township, from the extracts alone (township code → count, townships with ≥ 1)."""
    persons = people(folder)
    active = set(clean(folder, "持证残疾人").query("证件状态 == '正常'")["残疾人证号"])
    pay = _pay(folder)
    months = sorted(set(pay["发放年月"]))
    last_two = pay[pay["发放年月"].isin(months[-2:])]
    paid = {s: set(last_two.loc[last_two["补贴类型"] == label, "残疾人证号"])
            for s, label in (("living", "困难残疾人生活补贴"), ("nursing", "重度残疾人护理补贴"))}
    unpaid = persons[(persons["living"] & ~persons["cert"].isin(paid["living"]))
                     | (persons["nursing"] & ~persons["cert"].isin(paid["nursing"]))]
    out = {"unpaid_two_months": unpaid.groupby("town").size()}

    mon, day = _mon(folder), monitoring_day(folder)
    under = (mon["enrolled"] <= day) & ~(mon["eliminated"] <= day)
    out["monitored_without_measure"] = mon[under & mon["no_measure"]
                                           & ((day - mon["enrolled"]).dt.days >= 30)].groupby("town").size()
    out["monitored_over_24_months"] = mon[under & (mon["enrolled"] + pd.DateOffset(months=24) < day)
                                          ].groupby("town").size()

    rehab = clean(folder, "康复服务")
    rehab["year"] = rehab["年度"].astype(float).astype(int)
    year = rehab["year"].max()
    latest = max(months[-1], day.strftime("%Y-%m"))
    rehab_month = min(f"{year}-12", latest)
    rehab = rehab[(rehab["year"] == year) & rehab["残疾人证号"].isin(active)]
    rehab["served"] = (rehab["服务日期"] != "") & (rehab["服务日期"] <= f"{year}-09-30")
    per = rehab.groupby("残疾人证号")["served"].any()
    unserved = per[~per].index if int(rehab_month[5:]) >= 10 else []
    out["rehab_need_unserved"] = persons[persons["cert"].isin(unserved)].groupby("town").size()

    last = pd.Period(months[-1], "M")
    window = [str(last - i) for i in range(6, -1, -1)]
    monthly = pay[pay["发放年月"].isin(window)].groupby(["town", "发放年月"])["残疾人证号"].nunique()
    drops = {}
    for town, series in monthly.groupby(level=0):
        series = series.droplevel(0)
        prior = series[series.index < str(last)]
        now = series.get(str(last), 0)
        if len(prior) >= 6 and now * 100 < prior.median() * 80:
            drops[town] = 1
    out["township_payment_drop"] = pd.Series(drops, dtype=int)
    return out


def query_counts(url: str) -> dict[str, pd.Series]:
    """The same from the warehouse's SQL (the warehouse's own rules)."""
    wh = connect(url)
    out = {}
    for rule in (r for r in CFG.rules if not r.is_compare):
        frame = wq.rule_counts(wh, rule, wq.rule_month(wh, rule))
        out[rule.key] = frame.set_index("township_code")["cases"]
    return out


def same(got: pd.Series, want: pd.Series) -> None:
    """Equal per township, treating a missing township as 0."""
    both = pd.concat([got.rename("got"), want.rename("want")], axis=1).fillna(0).astype(int)
    assert (both["got"] == both["want"]).all(), both[both["got"] != both["want"]]


OWN_RULES = [r.key for r in CFG.rules if not r.is_compare]


def test_default_rules_have_the_issue_names():
    assert [r.name for r in CFG.rules] == ["应享未享连续2个月", "监测户无帮扶措施超30天", "监测超24个月未消除",
                                           "康复需求未服务", "乡镇发放人数骤降",
                                           *(item.label for item in COMPARE_ITEMS.values())]
    assert all(r.deadline_working_days > 0 and r.counts for r in CFG.rules)
    assert {r.key: r.register for r in CFG.rules if r.is_compare} == {k: i.register for k, i in COMPARE_ITEMS.items()}


@pytest.mark.parametrize("rule", OWN_RULES)
def test_rule_equals_independent_computation(any_url, extracts, rule):
    got, want = query_counts(any_url)[rule], expected_counts(extracts)[rule]
    same(got, want)
    if rule in ("unpaid_two_months", "monitored_over_24_months", "rehab_need_unserved"):
        assert want.sum() > 0  # the test county has cases of these: the comparison is not of two empty answers


@pytest.fixture(scope="module")
def edge_county(tmp_path_factory) -> dict:
    """A county made for the boundaries: five monitoring rows rewritten (enrolled exactly 30 and 29 days before
    the last day without measures; eliminated on the last day; enrolled exactly 24 months and 24 months and a
    day before), one township's December payments removed (a drop), another's June–September and December
    payments removed (too few months for a median: not judged)."""
    folder = tmp_path_factory.mktemp("edge") / "extracts"
    generate(folder, seed=5, persons=1500, until=UNTIL, bad_rows=False)
    path = folder / "监测户.xlsx"
    mon = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    open_rows = mon.index[mon["风险消除日期"] == ""][:5]
    edits = [("2024-12-01", "", ""), ("2024-12-02", "", ""), ("2024-06-01", "", "2024-12-31"),
             ("2022-12-31", "兜底保障", ""), ("2022-12-30", "兜底保障", "")]
    for row, (enrolled, measures, eliminated) in zip(open_rows, edits, strict=True):
        mon.loc[row, ["纳入日期", "帮扶措施", "风险消除日期"]] = [enrolled, measures, eliminated]
    mon.to_excel(path, index=False)
    households = list(mon.loc[open_rows, "户编号"])

    pay_path = folder / "两项补贴发放_2024.csv"
    try:
        pay = pd.read_csv(pay_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError:
        pay = pd.read_csv(pay_path, dtype=str, keep_default_na=False, encoding="gbk")
    towns = people(folder).set_index("cert")["town"]
    pay_town = pay["残疾人证号"].map(towns)
    names = sorted(set(pay_town.dropna()))
    stopped, short = names[1], names[2]
    drop = ((pay_town == stopped) & (pay["发放年月"] == "2024-12")) | (
        (pay_town == short) & pay["发放年月"].isin(["2024-06", "2024-07", "2024-08", "2024-09", "2024-12"]))
    pay[~drop].to_csv(pay_path, index=False, encoding="utf-8-sig")
    url = str(tmp_path_factory.mktemp("edge-wh") / "edge.duckdb")
    import_to(folder, url)
    return {"folder": folder, "url": url, "households": households, "stopped": stopped, "short": short}


@pytest.mark.slow  # imports a whole other county (and solves its public set): the quick set leaves it to CI
def test_edge_county_equals_independent_computation(edge_county):
    got, want = query_counts(edge_county["url"]), expected_counts(edge_county["folder"])
    for rule in got:
        same(got[rule], want[rule])


def test_edge_boundaries(edge_county):
    wh = connect(edge_county["url"])
    month = wq.rule_month(wh, CFG.rule("monitored_without_measure"))
    assert month == dt.date(2024, 12, 1)
    key = wh.frame("SELECT DISTINCT m.household_id, m.enrolled_date FROM fact_monitoring m")
    by_date = {pd.Timestamp(d).strftime("%Y-%m-%d"): str(h) for h, d in zip(key["household_id"], key["enrolled_date"],
                                                                         strict=True)}
    no_measure = set(wq.candidates(wh, CFG.rule("monitored_without_measure"), month)["subject"])
    assert by_date["2024-12-01"] in no_measure  # exactly 30 days: counted
    assert by_date["2024-12-02"] not in no_measure  # 29 days: not yet
    assert by_date["2024-06-01"] not in no_measure  # eliminated on the last day: no longer under monitoring
    long = set(wq.candidates(wh, CFG.rule("monitored_over_24_months"), month)["subject"])
    assert by_date["2022-12-30"] in long and by_date["2022-12-31"] not in long  # more than 24 months, not exactly
    drops = wq.candidates(wh, CFG.rule("township_payment_drop"), month)
    assert set(drops["subject"]) == {edge_county["stopped"]}  # the township too short of months is not judged
    assert int(drops["persons_paid"].iloc[0]) == 0


# ------------------------------------------------------------------------- the 比对项 as rules
@pytest.mark.parametrize("rule", list(COMPARE_ITEMS))
def test_register_rule_equals_independent_computation(any_url, extracts, rule):
    """Each 比对项 rule per township = test_compare's pandas computation from the extract files (county total and
    each township), on the 比对 month (the last payment month)."""
    wh = connect(any_url)
    r = CFG.rule(rule)
    month = wq.rule_month(wh, r)
    assert month == dt.date(int(UNTIL[:4]), int(UNTIL[5:]), 1)
    label = COMPARE_ITEMS[rule].label
    want = {code: n for (item, code), (n, _) in compare_expected(extracts, UNTIL).items() if item == label}
    county_total = want.pop("990101000000")
    got = wq.rule_counts(wh, r, month).set_index("township_code")["cases"]
    same(got, pd.Series(want, dtype=int))
    assert int(got.sum()) == county_total >= 3  # planted: not a comparison of two empty answers
    found = wq.candidates(wh, r, month)
    assert not found.duplicated("subject").any() and found["period"].ne("").all()
    if r.period == "event":  # one case per 低保 episode, death or enrolment: its date, not the 比对 month
        assert (found["period"] == pd.to_datetime(found["fact_date"]).dt.strftime("%Y-%m-%d")).all()


def test_register_rule_in_an_earlier_month(duck_url, extracts):
    wh = connect(duck_url)
    month = dt.date(2023, 6, 1)
    got = {r.name: len(wq.candidates(wh, r, month)) for r in CFG.rules if r.is_compare}
    want = {item: n for (item, code), (n, _) in compare_expected(extracts, "2023-06").items() if code == "990101000000"}
    assert got == want


@pytest.fixture(scope="module")
def no_dibao_death(extracts, tmp_path_factory) -> str:
    """The test county imported without 民政低保特困 and 死亡人员 (乡村振兴监测对象 kept)."""
    folder = tmp_path_factory.mktemp("noreg") / "extracts"
    shutil.copytree(extracts, folder)
    for table in ("民政低保特困", "死亡人员"):
        for path in folder.glob(f"{table}*"):
            path.unlink()
    url = str(tmp_path_factory.mktemp("noreg-wh") / "noreg.duckdb")
    import_to(folder, url)
    return url


def test_register_rules_absent_without_registers(no_dibao_death, duck_url, tmp_path, capsys):
    wh = connect(no_dibao_death)
    gone = wq.absent(wh)
    assert gone == {"dibao_unpaid": "未导入民政低保特困名单", "paid_not_dibao": "未导入民政低保特困名单",
                    "paid_after_death": "未导入死亡人员名单", "death_active": "未导入死亡人员名单"}
    assert wq.absent(connect(duck_url)) == {}
    out = tmp_path / "w.csv"
    assert wq.main(["--warehouse", no_dibao_death, "--out", str(out)]) == 0
    said = capsys.readouterr()
    table = pd.read_csv(out, encoding="utf-8-sig")
    names = set(table["预警规则"])
    assert not names & {CFG.rule(k).name for k in gone}  # no rows at all, not 0 pretending to be a finding
    assert {"乡村振兴在监测未纳入", "残联在监测乡村振兴无记录", "应享未享连续2个月"} <= names
    for words in ("未导入民政低保特困名单：低保未享生活补贴、享生活补贴不在低保名单未评估",
                  "未导入死亡人员名单：死亡后仍发放、死亡未注销未评估"):
        assert words in said.out and words in said.err


def test_rehab_rule_waits_for_october(duck_url):
    wh = connect(duck_url)
    rule = CFG.rule("rehab_need_unserved")
    assert wq.candidates(wh, rule, dt.date(2024, 9, 1)).empty
    assert len(wq.candidates(wh, rule, dt.date(2024, 10, 1))) > 0


def test_cli_writes_county_and_township_rows(duck_url, extracts, tmp_path):
    out = tmp_path / "w.csv"
    assert wq.main(["--warehouse", duck_url, "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype={"乡镇代码": str}, encoding="utf-8-sig")
    assert list(table.columns) == ["预警规则", "乡镇代码", "乡镇", "件数"]
    want = expected_counts(extracts)
    regions = clean(extracts, "行政区划").set_index("区划代码")["名称"]
    compared = compare_expected(extracts, UNTIL)
    for rule in CFG.rules:
        if rule.is_compare:  # the 比对项: test_compare's pandas side
            want[rule.key] = pd.Series({code: n for (item, code), (n, _) in compared.items()
                                        if item == rule.name and code != "990101000000"}, dtype=int)
        rows = table[table["预警规则"] == rule.name]
        assert rows.iloc[0]["乡镇代码"] == "990101000000" and rows.iloc[0]["件数"] == want[rule.key].sum()
        towns = rows.iloc[1:].set_index("乡镇代码")
        assert (towns["件数"] >= 1).all()
        same(towns["件数"], want[rule.key])
        assert all(towns["乡镇"] == towns.index.map(regions))
    with pytest.raises(SystemExit):
        wq.main(["--warehouse", duck_url, "--month", "2024-13", "--out", str(out)])


def test_cli_month_earlier(duck_url, tmp_path):
    out = tmp_path / "w.csv"
    assert wq.main(["--warehouse", duck_url, "--month", "2024-06", "--out", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert table.loc[table["预警规则"] == "康复需求未服务", "件数"].tolist() == [0]  # before October


def test_names_stay_data(hostile_url, tmp_path):
    out = tmp_path / "w.csv"
    assert wq.main(["--warehouse", hostile_url, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8-sig")
    assert ",=" not in text and ",+" not in text and ",@" not in text


# ----------------------------------------------------------------------------------------- the rules file
def _raw() -> dict:
    return yaml.safe_load(wq.CONFIG_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("edit, words", [
    (lambda r: r["rules"]["dibao_unpaid"].update(register="death"), "register 须为 dibao"),
    (lambda r: r["rules"]["death_active"].pop("register"), "register 须为 death"),
    (lambda r: r["rules"]["unpaid_two_months"].update(register="dibao"), "不是比对项"),
    (lambda r: r["rules"]["rural_not_monitored"].update(dataset="monitoring"), "dataset 须为 subsidy"),
    (lambda r: r["rules"]["paid_not_dibao"].update(period="event"), "year/month"),
    (lambda r: r["rules"]["unpaid_two_months"].update(period="event"), "仅比对项"),
    (lambda r: r["rules"]["unpaid_two_months"].pop("deadline_working_days"), "deadline_working_days"),
    (lambda r: r["rules"]["unpaid_two_months"].update(dataset="payments"), "dataset"),
    (lambda r: r["rules"]["monitored_without_measure"]["params"].update(days=0), "params.days"),
    (lambda r: r["rules"]["monitored_without_measure"]["params"].update(days="30天"), "params.days"),
    (lambda r: r["rules"].update(unknown_rule={}), "未知的规则"),
    (lambda r: r["rules"]["rehab_need_unserved"]["params"].update(from_month=13), "1-12"),
    (lambda r: r.update(holidays=["2024-02-30"]), "holidays"),
    (lambda r: r["rules"]["township_payment_drop"].update(name="应享未享连续2个月"), "不得重复"),
])
def test_config_errors_are_clear(edit, words):
    raw = _raw()
    edit(raw)
    with pytest.raises(wq.ConfigError, match=words):
        wq.parse_config(raw)


def test_config_file_errors(tmp_path):
    bad = tmp_path / "w.yaml"
    bad.write_text("rules: [unclosed", encoding="utf-8")
    with pytest.raises(wq.ConfigError, match="YAML"):
        wq.load_config(bad)
    with pytest.raises(wq.ConfigError, match="无法读取"):
        wq.load_config(tmp_path / "missing.yaml")


def test_working_days():
    cfg = wq.parse_config(_raw() | {"holidays": ["2024-10-01", "2024-10-02"], "workdays": ["2024-10-12"]})
    friday = dt.date(2024, 9, 27)
    assert wq.working_days(friday, dt.date(2024, 9, 30), cfg) == 1  # the weekend does not count
    assert wq.working_days(friday, friday, cfg) == 0
    # 30 Sep, 3, 4, 7-11 Oct and the make-up Saturday 12 Oct: 1 Oct and 2 Oct are holidays
    assert wq.working_days(friday, dt.date(2024, 10, 12), cfg) == 1 + 2 + 5 + 1
    assert wq.working_days(friday, dt.date(2024, 10, 12), wq.parse_config(_raw())) == 10


def test_deadline_spanning_national_day():
    """The shipped calendar (国办发明电〔2024〕12号): 2025's 国庆/中秋 holiday 1-8 Oct is off, the make-up Sunday 28
    Sep and Saturday 11 Oct are worked. A case opened on Friday 26 Sep with a 期限 of 10 working days is due on
    16 Oct (weekends alone would make it 10 Oct)."""
    cfg = wq.config()
    assert 2025 in cfg.calendar_years and 2026 in cfg.calendar_years and not cfg.calendar_missing(dt.date(2026, 3, 1))
    assert cfg.calendar_missing(dt.date(2026, 12, 31), dt.date(2027, 1, 4)) == [2027]  # said on /warnings
    opened = dt.date(2025, 9, 26)
    days = {d: wq.working_days(opened, d, cfg) for d in (dt.date(2025, 9, 28), dt.date(2025, 10, 8),
                                                         dt.date(2025, 10, 11), dt.date(2025, 10, 16))}
    assert days == {dt.date(2025, 9, 28): 1, dt.date(2025, 10, 8): 3, dt.date(2025, 10, 11): 6,
                    dt.date(2025, 10, 16): 10}
    weekends_only = wq.parse_config(_raw())
    assert wq.working_days(opened, dt.date(2025, 10, 10), weekends_only) == 10
    assert wq.working_days(opened, dt.date(2025, 10, 16), weekends_only) == 14
    many = wq.working_days_many(pd.Series([opened] * 2), pd.Series([dt.date(2025, 10, 16), dt.date(2025, 10, 17)]), cfg)
    assert list(many) == [10, 11]
    # 2026: 春节 15-23 Feb off, 14 and 28 Feb (Saturdays) worked
    assert wq.working_days(dt.date(2026, 2, 13), dt.date(2026, 2, 28), cfg) == 1 + 4 + 1  # 14; 24-27; 28


def _holidays() -> dict:
    return yaml.safe_load(wq.HOLIDAYS_FILE.read_text(encoding="utf-8"))


def test_shipped_calendar_is_consistent():
    off, on, notices = wq.parse_holidays(_holidays())
    assert notices[2025] == "国办发明电〔2024〕12号" and set(notices) == {2025, 2026}
    assert all(d.weekday() >= 5 for d in on) and not set(off) & set(on)
    per_year = pd.Series([d.year for d in off]).value_counts().to_dict()
    assert per_year == {2025: 1 + 8 + 3 + 5 + 3 + 8, 2026: 3 + 9 + 3 + 5 + 3 + 3 + 7}  # the notices' day counts


@pytest.mark.parametrize("edit, words", [
    (lambda r: r["years"][2025]["workdays"].append(dt.date(2025, 10, 9)), "不是周末"),
    (lambda r: r["years"][2025]["holidays"].append(dt.date(2026, 1, 5)), "不在2025年"),
    (lambda r: r["years"][2025]["holidays"].append(dt.date(2025, 9, 28)), "既是放假日又是上班日"),
    (lambda r: r["years"][2026].pop("notice"), "notice"),
    (lambda r: r["years"][2026].update(holidays=["2026-02-30"]), "不是日期"),
    (lambda r: r.update(years=[2025]), "years"),
])
def test_calendar_errors_are_clear(edit, words):
    raw = _holidays()
    edit(raw)
    with pytest.raises(wq.ConfigError, match=words):
        wq.parse_holidays(raw)
