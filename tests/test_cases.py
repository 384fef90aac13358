"""The case store (cases/store.py): schema and migrations, the state machine (no closing without a note, no
reopening), synchronisation with imports (no duplicate on a re-import, a closed case stays closed, a gone
condition is marked, not deleted), 超期 by working days, two real processes changing one case (no lost
update), SQLite and PostgreSQL; and the 预警 page's scope for township users and press."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cases import store as cs
from queries import warnings as wq
from queries.catalog import COMPARE_ITEMS
from queries.db import connect
from tests import test_warnings
from tests.conftest import developer_text, import_to, open_app, shown_text
from ui import auth

CFG = wq.config()
no_dibao_death = test_warnings.no_dibao_death  # a fixture: the test county imported without two registers
TODAY = dt.date(2025, 1, 6)  # a Monday


@pytest.fixture
def store(tmp_path) -> cs.Store:
    """An empty SQLite store."""
    return cs.Store(str(tmp_path / "cases.sqlite"))


@pytest.fixture(scope="module")
def synced(duck_url, tmp_path_factory) -> tuple[str, dict]:
    """A store synchronised once with the test county: (its path, what the rules found per rule key)."""
    path = str(tmp_path_factory.mktemp("cases") / "cases.sqlite")
    wh = connect(duck_url)
    found = {r.key: len(wq.candidates(wh, r, wq.rule_month(wh, r))) for r in CFG.rules}
    cs.sync_warehouse(cs.Store(path), wh, wh.import_id(), TODAY)
    return path, found


def test_schema_is_migrated_once(tmp_path):
    path = str(tmp_path / "c.sqlite")
    first = cs.Store(path)
    assert first.schema_version() == max(cs.MIGRATIONS)
    again = cs.Store(path)  # reopening applies nothing twice
    assert again.frame("SELECT count(*) AS n FROM schema_version")["n"].iloc[0] == len(cs.MIGRATIONS)
    assert (Path(path).stat().st_mode & 0o777) == 0o600


def test_sync_opens_one_case_per_candidate(synced):
    path, found = synced
    cases = cs.Store(path).cases()
    per_rule = cases.groupby("rule").size()
    assert {k: int(per_rule.get(k, 0)) for k in found} == found
    assert (cases["state"] == cs.PENDING).all() and not cases.duplicated(["rule", "subject", "period"]).any()
    assert set(cases["period"][cases["rule"] == "unpaid_two_months"]) == {"2024"}


def case_of(s: cs.Store, rule: str = "monitored_without_measure") -> dict:
    """The first case of a rule."""
    return s.case(int(s.cases(rules=[rule])["case_id"].min()))


def test_state_machine(synced, tmp_path):
    s = cs.Store(synced[0])
    case = case_of(s, "unpaid_two_months")
    with pytest.raises(cs.CaseError, match="说明"):
        s.resolve(case["case_id"], case["version"], "乡镇员", "benefit_granted", "   ")  # no note: refused
    with pytest.raises(cs.CaseError, match="处置结果"):
        s.resolve(case["case_id"], case["version"], "乡镇员", "", "已核查")  # no outcome: refused
    with pytest.raises(cs.OutOfScope):
        s.accept(case["case_id"], case["version"], "别镇员", scope="990101999000")
    taken = s.accept(case["case_id"], case["version"], "乡镇员", scope=case["township_code"])
    assert taken["state"] == cs.CHECKING and taken["assignee"] == "乡镇员" and taken["version"] == case["version"] + 1
    with pytest.raises(cs.Conflict):  # the version the user saw is stale
        s.resolve(case["case_id"], case["version"], "乡镇员", "benefit_granted", "已补发")
    done = s.resolve(case["case_id"], taken["version"], "乡镇员", "benefit_granted", "已入户核实并补发")
    assert done["state"] == cs.RESOLVED and done["note"] == "已入户核实并补发" and done["closed_on"]
    for action in (lambda v: s.accept(case["case_id"], v, "乡镇员"),
                   lambda v: s.false_alarm(case["case_id"], v, "乡镇员", "理由"),
                   lambda v: s.resolve(case["case_id"], v, "乡镇员", "other", "再处置")):
        with pytest.raises(cs.CaseError, match="不能"):  # closed: nothing moves it
            action(done["version"])
    other = case_of(s, "rehab_need_unserved")
    with pytest.raises(cs.CaseError, match="误报"):
        s.false_alarm(other["case_id"], other["version"], "乡镇员", "")
    history = s.history(case["case_id"])
    assert list(history["action"]) == ["open", "accept", "resolve"]
    assert list(history["to_state"]) == [cs.PENDING, cs.CHECKING, cs.RESOLVED]


def test_checklist_cells_stay_text(synced):
    import io

    import openpyxl

    from cases import checklist

    frame = cs.with_deadlines(cs.Store(synced[0]).cases(), TODAY).assign(rule_name="=规则")
    rows = checklist.case_rows(frame, lambda c: "@乡镇", lambda c: '=HYPERLINK("http://x","村")')
    sheet = openpyxl.load_workbook(io.BytesIO(checklist.checklist_xlsx(rows))).active
    header = [c.value for c in sheet[1]]
    assert header[-4:] == checklist.VISIT_COLUMNS and len(list(sheet.rows)) == len(frame) + 1
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert not any(v.startswith(("=", "@")) for v in values)
    assert "'=HYPERLINK(\"http://x\",\"村\")" in values and all(c.data_type != "f" for r in sheet.rows for c in r)


def test_checklist_says_a_register_case_situation(synced, duck_url):
    """The 核查清单 of 比对项 cases carries the facts in the comparison's words (from the warehouse's own row of
    the person) and what to do; the warehouse's own rules leave it empty."""
    from cases import checklist

    frame = cs.with_deadlines(cs.Store(synced[0]).cases(), TODAY).assign(rule_name="r")
    rows = checklist.case_rows(frame, str, str, with_situation=True)
    assert list(rows.columns[:3]) == ["案件编号", "预警规则", "情况"]
    assert "情况" not in checklist.case_rows(frame, str, str).columns  # the list on screen stays narrow
    said = dict(zip(frame["case_id"].map(cs.case_number), rows["情况"], strict=True))
    wh = connect(duck_url)
    rule = CFG.rule("paid_after_death")
    found = wq.candidates(wh, rule, wq.rule_month(wh, rule)).set_index("subject")
    dead = frame[frame["rule"] == "paid_after_death"]
    assert len(dead)
    for number, subject in zip(dead["case_id"].map(cs.case_number), dead["subject"], strict=True):
        row = found.loc[subject]
        assert said[number].startswith(f"死亡 {pd.Timestamp(row['fact_date']):%Y-%m-%d}；")
        assert f"共 {float(row['amount_yuan']):,.2f} 元" in said[number] and said[number].endswith("应做：停发并追回")
    assert all(said[n] == "" for n in frame.loc[~frame["rule"].isin(list(COMPARE_ITEMS)), "case_id"].map(cs.case_number))


def test_township_cases_are_for_the_county(tmp_path):
    s = cs.Store(str(tmp_path / "c.sqlite"))
    frame = pd.DataFrame({"subject": ["990101001000"], "township_code": ["990101001000"], "village_code": [None],
                          "period": ["2024-12"], "persons_paid": [0]})
    s.sync({"township_payment_drop": frame}, "imp1", {"township_payment_drop": dt.date(2024, 12, 1)}, TODAY,
           {"township_payment_drop": "township"})
    case = s.case(1)
    with pytest.raises(cs.OutOfScope):  # a township user cannot close the county's warning about the township
        s.accept(1, case["version"], "乡镇员", scope="990101001000")
    assert s.accept(1, case["version"], "分析员", scope="")["state"] == cs.CHECKING


def test_closed_case_stays_closed_after_reimport(synced, extracts, duck_url, tmp_path):
    s = cs.Store(synced[0])
    case = case_of(s)
    closed = s.resolve(case["case_id"], case["version"], "乡镇员", "measure_recorded", "已落实帮扶措施：产业帮扶")
    death = case_of(s, "death_active")  # a 比对项's case: closed for its period (the death) as well
    death_closed = s.resolve(death["case_id"], death["version"], "乡镇员", "data_corrected", "已办理残疾人证注销")
    dibao = case_of(s, "dibao_unpaid")
    dibao_taken = s.accept(dibao["case_id"], dibao["version"], "乡镇员")
    before = len(s.cases())
    again = str(tmp_path / "again.duckdb")
    import_to(extracts, again)  # the same extracts, a new import (a new import id)
    wh = connect(again)
    result = cs.sync_warehouse(s, wh, wh.import_id(), TODAY + dt.timedelta(days=7))
    assert not result.skipped and result.opened == 0
    assert len(s.cases()) == before  # no duplicate
    assert s.case(case["case_id"])["state"] == cs.RESOLVED and s.case(case["case_id"])["version"] == closed["version"]
    assert s.case(death["case_id"]) | {"facts": None} == death_closed | {"facts": None}  # untouched, still closed
    assert s.case(dibao["case_id"])["state"] == cs.CHECKING and s.case(dibao["case_id"])["assignee"] == "乡镇员"
    assert s.case(dibao["case_id"])["version"] == dibao_taken["version"]
    assert cs.sync_warehouse(s, wh, wh.import_id(), TODAY).skipped  # the same import twice: nothing
    old = connect(duck_url)  # a process still reading the replaced warehouse: its older import is not synced back
    assert cs.sync_warehouse(s, old, old.import_id(), TODAY).skipped and s.synced_import() == wh.import_id()


def test_register_cases_left_alone_when_an_import_lacks_the_register(duck_url, no_dibao_death, tmp_path):
    """An import without 民政低保特困 and 死亡人员: their 比对项 are not evaluated, so their cases are neither
    marked 条件已消除 nor reopened; the 乡村振兴 ones and the warehouse's own rules go on."""
    s = cs.Store(str(tmp_path / "c.sqlite"))
    wh = connect(duck_url)
    cs.sync_warehouse(s, wh, wh.import_id(), TODAY)
    before = s.cases().set_index("case_id")
    per_rule = before.groupby("rule").size()
    assert all(per_rule.get(k, 0) >= 3 for k in COMPARE_ITEMS)  # the test county's planted discrepancies
    other = connect(no_dibao_death)
    result = cs.sync_warehouse(s, other, other.import_id(), TODAY + dt.timedelta(days=1))
    assert not result.skipped and result.opened == 0 and result.gone == 0
    after = s.cases().set_index("case_id")
    assert after[["state", "version"]].equals(before[["state", "version"]])
    untouched = after[after["rule"].isin(["dibao_unpaid", "paid_not_dibao", "paid_after_death", "death_active"])]
    assert len(untouched) and (untouched["last_import"] == wh.import_id()).all()
    went_on = after[after["rule"].isin(["rural_not_monitored", "unpaid_two_months"])]
    assert (went_on["last_import"] == other.import_id()).all()


def test_gone_condition_is_marked_not_deleted(tmp_path):
    s = cs.Store(str(tmp_path / "c.sqlite"))
    rule, month = "monitored_without_measure", {"monitored_without_measure": dt.date(2024, 12, 1)}

    def found(*subjects: str) -> dict:
        return {rule: pd.DataFrame({"subject": list(subjects), "township_code": ["990101001000"] * len(subjects),
                                    "village_code": ["990101001001"] * len(subjects), "period": ["2024-11-01"] * len(subjects),
                                    "enrolled_date": [dt.date(2024, 11, 1)] * len(subjects)})}

    assert s.sync(found("1", "2"), "a", month, TODAY).opened == 2
    first = s.cases().set_index("subject")
    s.accept(int(first.loc["2", "case_id"]), int(first.loc["2", "version"]), "乡镇员")
    result = s.sync(found("1"), "b", month, TODAY)
    assert result.gone == 1 and len(s.cases()) == 2
    assert s.cases().set_index("subject").loc["2", "state"] == cs.GONE
    result = s.sync(found("1", "2"), "c", month, TODAY)  # back again: to where it was (taken by a user)
    assert result.back == 1 and s.cases().set_index("subject").loc["2", "state"] == cs.CHECKING
    s.sync(found("1"), "d", month, TODAY)
    gone = s.cases().set_index("subject").loc["2"]
    closed = s.resolve(int(gone["case_id"]), int(gone["version"]), "乡镇员", "risk_eliminated", "经核实已落实措施")
    assert closed["state"] == cs.RESOLVED
    s.sync(found("1", "2"), "e", month, TODAY)  # the same period again: a closed case never reopens
    assert s.cases().set_index("subject").loc["2", "state"] == cs.RESOLVED and len(s.cases()) == 2


def test_overdue_by_working_days(tmp_path):
    s = cs.Store(str(tmp_path / "c.sqlite"))
    rule = "monitored_without_measure"  # 期限 10 working days
    frame = pd.DataFrame({"subject": ["1", "2"], "township_code": ["990101001000"] * 2, "village_code": [None] * 2,
                          "period": ["2024-11-01"] * 2, "enrolled_date": ["2024-11-01"] * 2})
    s.sync({rule: frame}, "a", {rule: dt.date(2024, 12, 1)}, TODAY)
    assert CFG.rule(rule).deadline_working_days == 10
    on_time = cs.with_deadlines(s.cases(), TODAY + dt.timedelta(days=14))  # two weeks: 10 working days
    assert (on_time["working_days"] == 10).all() and not on_time["is_overdue"].any()
    late = cs.with_deadlines(s.cases(), TODAY + dt.timedelta(days=15))
    assert late["is_overdue"].all()
    raw = yaml.safe_load(wq.CONFIG_FILE.read_text("utf-8")) | {"holidays": [TODAY + dt.timedelta(days=1)]}
    holiday = wq.parse_config(raw)  # a public holiday in the fortnight: one working day fewer
    assert not cs.with_deadlines(s.cases(), TODAY + dt.timedelta(days=15), holiday)["is_overdue"].any()
    case = s.case(1)
    s.false_alarm(1, case["version"], "乡镇员", "户已迁出，数据待更正")
    assert not cs.with_deadlines(s.cases(), TODAY + dt.timedelta(days=30)).set_index("case_id").loc[1, "is_overdue"]


def _change_in_process(path: str, case_id: int, user: str, action: str, barrier, first_done, results) -> None:
    """Another process: read the case, wait until the other has read it too, then change it with the version
    read. `first_done` orders the writes when given: the first sets it after its commit, the second waits."""
    s = cs.Store(path)
    version = s.case(case_id)["version"]
    barrier.wait()
    if first_done is not None and action == "false_alarm":
        first_done.wait(30)
    try:
        if action == "accept":
            s.accept(case_id, version, user)
        else:
            s.false_alarm(case_id, version, user, f"{user}认为是误报")
        results.put((user, "ok"))
    except cs.Conflict:
        results.put((user, "conflict"))
    finally:
        if first_done is not None and action == "accept":
            first_done.set()


def run_two(path: str, case_id: int, actions: dict[str, str], ordered: bool) -> dict[str, str]:
    """Two spawned processes change one case; what each was told."""
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    first_done = context.Event() if ordered else None
    workers = [context.Process(target=_change_in_process, args=(path, case_id, user, action, barrier, first_done,
                                                                  results)) for user, action in actions.items()]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    return dict(results.get(timeout=5) for _ in workers)


def two_processes(path: str) -> None:
    """Two real processes read one case at the same version. Racing to take it: exactly one wins. One takes it
    (接收) and then the other, still holding the old version, marks it 误报 (a move its state would allow): the
    second is told to reload instead of closing a case it has not seen taken (no lost update)."""
    s = cs.Store(path)
    cases = s.cases(rules=["rehab_need_unserved"], states=[cs.PENDING])["case_id"].sort_values()
    race, ordered = int(cases.iloc[0]), int(cases.iloc[1])
    outcomes = run_two(path, race, {"甲": "accept", "乙": "accept"}, ordered=False)
    assert sorted(outcomes.values()) == ["conflict", "ok"]
    winner = next(u for u, r in outcomes.items() if r == "ok")
    now = s.case(race)
    assert now["assignee"] == winner and now["state"] == cs.CHECKING
    assert list(s.history(race)["action"]).count("accept") == 1
    before = s.case(ordered)["version"]
    outcomes = run_two(path, ordered, {"丙": "accept", "丁": "false_alarm"}, ordered=True)
    assert outcomes == {"丙": "ok", "丁": "conflict"}
    now = s.case(ordered)
    assert now["state"] == cs.CHECKING and now["assignee"] == "丙" and now["version"] == before + 1


def test_two_processes_no_lost_update(synced):
    two_processes(synced[0])


def test_postgres_store(pg_url, duck_url):
    """The same store on PostgreSQL: migrations, sync, the state machine and two processes."""
    s = cs.Store(pg_url)
    assert s.schema_version() == max(cs.MIGRATIONS)
    wh = connect(duck_url)
    result = cs.sync_warehouse(s, wh, "pg-test-import", TODAY)
    assert result.opened > 0 and cs.Store(pg_url).schema_version() == max(cs.MIGRATIONS)
    assert cs.sync_warehouse(s, wh, "pg-test-import", TODAY).skipped
    case = case_of(s)
    with pytest.raises(cs.CaseError):
        s.false_alarm(case["case_id"], case["version"], "乡镇员", "")
    done = s.false_alarm(case["case_id"], case["version"], "乡镇员", "重复登记")
    assert done["state"] == cs.FALSE_ALARM
    two_processes(pg_url)


# -------------------------------------------------------------------------------------------- the page
@pytest.fixture
def signed_env(duck_url, monkeypatch, tmp_path):
    """The test warehouse, an empty case store, no demo mode."""
    monkeypatch.setenv("WAREHOUSE_URL", duck_url)
    monkeypatch.setenv("CASES_DB", str(tmp_path / "page-cases.sqlite"))
    monkeypatch.delenv("DEMO_MODE", raising=False)


def test_press_cannot_reach_warnings(signed_env):
    at = open_app(user=auth.User("宣传员", "press"))
    assert not at.exception
    assert not any("预警待处置" in link.proto.label for link in at.get("page_link"))
    text = shown_text(at)  # the warehouse has the registers: none of the 比对项 rules shows up for press either
    assert not any(item.label in text for item in COMPARE_ITEMS.values())
    typed = open_app("warnings", user=auth.User("宣传员", "press"))  # a typed /warnings: refused in words
    assert not typed.exception and any("宣传角色不能查看预警页面" in e.value for e in typed.error)
    assert "预警待处置" not in shown_text(typed) and not typed.dataframe  # no card, no list


def test_register_rules_on_the_page(signed_env, duck_url, monkeypatch, no_dibao_death):
    """With the registers: a township's 比对项 case shows its facts in the comparison's words and what to do.
    Without two of them: the county picture leaves their rules out (no row of 0) and says why."""
    wh = connect(duck_url)
    rule = CFG.rule("paid_after_death")
    found = wq.candidates(wh, rule, wq.rule_month(wh, rule))
    own = found.groupby("township_code").size().idxmax()
    at = open_app("warnings", user=auth.User("乡镇员", "township", area=own))
    assert not at.exception, at.exception
    mine = cs.Store().cases(township=own, rules=["paid_after_death"])
    assert len(mine) == int((found["township_code"] == own).sum())
    number = cs.case_number(int(mine["case_id"].iloc[0]))
    at.selectbox(key="warn_case").set_value(number).run()
    facts = next(d.value for d in at.dataframe if "项目" in d.value.columns).set_index("项目")["内容"]
    subject = mine.iloc[0]["subject"]
    row = found[found["subject"] == subject].iloc[0]
    assert facts["预警规则"] == "死亡后仍发放" and facts["应做"] == "停发并追回"
    assert facts["应追回金额（元）"] == f"{float(row['amount_yuan']):,.2f}"
    assert f"死亡 {pd.Timestamp(row['fact_date']):%Y-%m-%d}" in facts["情况"]
    assert not any("未导入" in i.value for i in at.info)

    monkeypatch.setenv("WAREHOUSE_URL", no_dibao_death)
    monkeypatch.setenv("CASES_DB", str(Path(cs.store_url()).with_name("noreg-cases.sqlite")))
    county = open_app("warnings", user=auth.User("分析员", "analyst"))
    assert not county.exception, county.exception
    said = " ".join(i.value for i in county.info)
    assert "未导入民政低保特困名单：低保未享生活补贴、享生活补贴不在低保名单未评估" in said
    assert "未导入死亡人员名单：死亡后仍发放、死亡未注销未评估" in said
    cells = county.session_state["published"].cells
    assert "rule_open@rural_not_monitored" in cells and "rule_open@dibao_unpaid" not in cells
    table = county.dataframe[0].value
    assert "乡村振兴在监测未纳入" in set(table.iloc[:, 0]) and "死亡后仍发放" not in set(table.iloc[:, 0])
    assert not any("死亡后仍发放" in c.value for c in county.caption)  # nor in the 期限 line


def test_township_user_sees_and_works_own_cases(signed_env, duck_url):
    wh = connect(duck_url)
    rule = CFG.rule("rehab_need_unserved")
    counts = wq.rule_counts(wh, rule, wq.rule_month(wh, rule))
    own = counts.sort_values("cases").iloc[-1]["township_code"]
    user = auth.User("乡镇员", "township", area=own)
    at = open_app("warnings", user=user)
    assert not at.exception, at.exception
    assert not developer_text(at), developer_text(at)
    listed = at.dataframe[1].value
    villages = wh.frame("SELECT name FROM dim_region WHERE level = 'village' AND parent_code = :c", c=own)["name"]
    assert set(listed["村（社区）"]) <= set(villages) and "乡镇" not in listed.columns  # only its own villages
    expected_rows = sum(len(wq.candidates(wh, r, wq.rule_month(wh, r), own)) for r in CFG.rules
                        if r.subject != "township")
    assert len(listed) == expected_rows
    chosen = at.selectbox(key="warn_case").value
    number = int(chosen[2:])
    at.button(key=f"case_{number}_accept_btn").click().run()
    assert any("已接收" in s.value for s in at.success)
    at.selectbox(key=f"case_{number}_resolve_outcome").set_value("service_arranged")
    at.text_area(key=f"case_{number}_resolve_note").input("   ")
    submit = next(b for b in at.button if "处置并办结" in str(b.label))
    submit.click().run()
    assert any("须填写说明" in e.value for e in at.error)  # no note: not closed
    at.text_area(key=f"case_{number}_resolve_note").input("已联系康复机构，安排上门康复训练")
    next(b for b in at.button if "处置并办结" in str(b.label)).click().run()
    assert any("已处置" in s.value for s in at.success), shown_text(at)
    s = cs.Store()
    assert s.case(number)["state"] == cs.RESOLVED and s.case(number)["township_code"] == own
    county = open_app("warnings", user=auth.User("分析员", "analyst"))
    assert not county.exception
    assert "rule_open@total" in county.session_state["published"].cells


def test_county_picture_and_overview_card(signed_env, duck_url):
    wh = connect(duck_url)
    found = pd.concat([wq.candidates(wh, r, wq.rule_month(wh, r)) for r in CFG.rules])
    analyst = auth.User("分析员", "analyst")
    at = open_app("warnings", user=analyst)
    assert not at.exception
    pub = at.session_state["published"]
    assert pub.value("rule_open@total") == len(found) and not pub.suppressed
    per_town = found.groupby("township_code").size()
    towns = wh.frame("SELECT region_code FROM dim_region WHERE level = 'township'")["region_code"]
    assert {c: pub.value(f"open@{c}") for c in towns} == {c: int(per_town.get(c, 0)) for c in towns}
    for rule in CFG.rules:
        of_rule = wq.candidates(wh, rule, wq.rule_month(wh, rule))
        assert pub.value(f"rule_open@{rule.key}") == len(of_rule)
        by_town = of_rule.groupby("township_code").size()
        assert {c: pub.value(f"open_{rule.key}@{c}") for c in towns} == {c: int(by_town.get(c, 0)) for c in towns}
    store = cs.Store()
    case = store.case(1)
    store.false_alarm(1, case["version"], "分析员", "重复")  # closed: no longer 待处置
    at = open_app(user=analyst)
    assert not at.exception
    assert f"预警待处置 {len(found) - 1:,}件，其中超期 0件 → 查看预警与核查" in [p.proto.label for p in at.get("page_link")]
    slide = open_app("warnings", {"mode": "present"}, user=auth.User("领导", "leader"))
    assert not slide.exception and not slide.session_state["published"].suppressed  # 内部会议: exact
    assert not any("预警规则" in df.value.columns for df in slide.dataframe)  # a slide: cards, map, ranking
    assert not any("每条规则按其数据" in c.value for c in slide.caption)
    own = found["township_code"].value_counts().index[0]  # a township's slide: its cases per rule under the cards
    mine = open_app("warnings", {"mode": "present"}, user=auth.User("乡镇员", "township", area=own))
    assert not mine.exception and any("预警规则" in df.value.columns for df in mine.dataframe)
    public = open_app("warnings", {"mode": "public"}, user=auth.User("领导", "leader"))
    assert not public.exception and public.session_state["published"].suppressed  # 公开场合 withholds small counts


def test_unusable_store_is_said(signed_env, monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("CASES_DB", str(blocker / "cases.sqlite"))  # under a file: cannot be created
    analyst = auth.User("分析员", "analyst")
    at = open_app(user=analyst)
    assert not at.exception and not any("预警" in p.proto.label for p in at.get("page_link"))  # 总览 goes on
    at = open_app("warnings", user=analyst)
    assert not at.exception and any("预警案件库不可用" in e.value for e in at.error)


def test_names_masked_for_township_from_identity_store(extracts, tmp_path, monkeypatch):
    from data import identity
    from data.importer import Importer
    from tests.conftest import KEY, UNTIL
    from tests.expected import clean

    key = identity.new_key()
    target = str(tmp_path / "named.duckdb")
    Importer(extracts, target, UNTIL, KEY, log=lambda *_: None, identity_key=key.encode()).run()
    monkeypatch.setenv("WAREHOUSE_URL", target)
    monkeypatch.setenv("CASES_DB", str(tmp_path / "named-cases.sqlite"))
    monkeypatch.setenv(identity.KEY_ENV, key)
    monkeypatch.delenv(identity.STORE_ENV, raising=False)
    monkeypatch.delenv("DEMO_MODE", raising=False)
    wh = connect(target)
    rule = CFG.rule("rehab_need_unserved")
    own = wq.rule_counts(wh, rule, wq.rule_month(wh, rule)).sort_values("cases").iloc[-1]["township_code"]
    at = open_app("warnings", user=auth.User("乡镇员", "township", area=own))
    assert not at.exception, at.exception
    listed = at.dataframe[1].value
    assert "姓名" in listed.columns and "对象编号（假名）" not in listed.columns
    store, people = cs.Store(), identity.IdentityStore.open()
    names = clean(extracts, "持证残疾人").set_index("残疾人证号")["姓名"]
    checked = 0
    for number, shown in zip(listed["案件编号"], listed["姓名"], strict=True):
        case = store.case(int(number[2:]))
        if case["subject_kind"] == "person":  # the extract's own name, masked
            assert shown == identity.mask_name(names[people.people([case["subject"]])[int(case["subject"])].cert])
            checked += 1
        assert shown and "*" in shown
    assert checked > 0 and any("姓名已部分隐去" in c.value for c in at.caption)
    leader = open_app("warnings", {"town": own}, user=auth.User("领导", "leader"))
    assert not leader.exception and "姓名" not in leader.dataframe[1].value.columns  # leaders: case numbers only


def test_checklist_names_full_or_masked():
    from types import SimpleNamespace

    from cases import checklist

    cases = pd.DataFrame({"case_id": [1, 2, 3], "rule_name": ["r"] * 3, "township_code": ["990101001000"] * 3,
                          "village_code": ["990101001001"] * 3, "subject": ["11", "-5", "990101001000"],
                          "subject_kind": ["person", "household", "township"], "state": [cs.PENDING] * 3,
                          "assignee": [None] * 3, "opened_on": ["2025-01-06"] * 3, "working_days": [0] * 3,
                          "deadline_working_days": [10] * 3, "is_overdue": [False] * 3,
                          "facts": ['{"household_id": -5}', '{"household_id": -5, "member_ids": "11,12"}', "{}"]})
    people = {11: SimpleNamespace(name="张三明", masked_name="张*明", household="H001"),
              12: SimpleNamespace(name="李四", masked_name="李*", household="H001")}
    rows = checklist.case_rows(cases, str, str)
    masked = checklist.with_names(rows, cases, people)
    assert list(masked["姓名"]) == ["张*明", "张*明、李*", ""] and list(masked["户编号"]) == ["H001", "H001", ""]
    assert list(checklist.with_names(rows, cases, people, full=True)["姓名"]) == ["张三明", "张三明、李四", ""]


def test_open_and_overdue_counted_in_the_store(tmp_path):
    """总览's card counts open and overdue cases from the store's groups (issue 23 §12a: not every case's row):
    the same numbers as judging each case's row, over states, townships and opening days."""
    s = cs.Store(str(tmp_path / "c.sqlite"))
    rule = "monitored_without_measure"  # 期限 10 working days
    towns = ["990101001000", "990101002000"]

    def found(n: int, start: int) -> dict:
        return {rule: pd.DataFrame({"subject": [str(start + i) for i in range(n)],
                                    "township_code": [towns[i % 2] for i in range(n)], "village_code": [None] * n,
                                    "period": ["2024-11-01"] * n, "enrolled_date": ["2024-11-01"] * n})}

    month = {rule: dt.date(2024, 12, 1)}
    s.sync(found(7, 0), "a", month, TODAY - dt.timedelta(days=21))  # opened three weeks before: overdue
    s.sync(found(12, 0), "b", month, TODAY)  # five more, opened today
    rows = s.cases().set_index("subject")
    s.false_alarm(int(rows.loc["0", "case_id"]), int(rows.loc["0", "version"]), "乡镇员", "重复")  # closed
    s.accept(int(rows.loc["8", "case_id"]), int(rows.loc["8", "version"]), "乡镇员")  # 核查中: still open
    for township in ["", *towns]:
        every = cs.with_deadlines(s.cases(township=township), TODAY)
        is_open = every["state"].isin(cs.OPEN_STATES)
        expected = (int(is_open.sum()), int((is_open & every["is_overdue"]).sum()))
        assert cs.open_overdue_counts(s, township, TODAY) == expected
    assert cs.open_overdue_counts(s, "", TODAY) == (11, 6)
    assert cs.open_overdue_counts(s, towns[0], TODAY) == (5, 3)  # subjects 2, 4, 6 of the first sync; 8, 10
    assert sum(s.open_groups()["n"]) == 11 and len(s.open_groups()) < 11  # groups, not rows
    plan = s.frame("EXPLAIN QUERY PLAN SELECT rule, opened_on, closed_on, state, count(*) AS n FROM cases "
                   "WHERE (:t = '' OR township_code = :t) AND state IN ('待核查', '核查中') "
                   "GROUP BY rule, opened_on, closed_on, state", t="")
    assert "COVERING INDEX cases_open" in " ".join(plan["detail"])  # the index alone, not the cases' rows


def test_sync_in_small_batches_opens_the_same_cases(synced, duck_url, tmp_path, monkeypatch):
    """The store is written a batch at a time (memory at province scale): batches of 3 give the same cases,
    their history, and no duplicate across batches, as one batch did."""
    monkeypatch.setattr(cs, "SYNC_BATCH", 3)
    wh = connect(duck_url)
    small = cs.Store(str(tmp_path / "small.sqlite"))
    result = cs.sync_warehouse(small, wh, wh.import_id(), TODAY)
    assert result.opened == sum(synced[1].values())
    one = cs.Store(synced[0]).cases()[["rule", "subject", "period", "township_code"]]
    many = small.cases()[["rule", "subject", "period", "township_code"]]
    order = ["rule", "subject", "period"]
    assert many.sort_values(order).reset_index(drop=True).equals(one.sort_values(order).reset_index(drop=True))
    history = small.frame("SELECT case_id, count(*) AS n FROM case_history GROUP BY case_id")
    assert len(history) == len(many) and (history["n"] == 1).all()  # every case opened once, in its batch
