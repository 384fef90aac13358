"""预警: the 预警 rules' cases (config/warnings.yaml) and how far townships have worked through them. The county
(领导, 分析) sees open and overdue cases per rule and township (map, ranking, opened vs closed per month); a
township (乡镇) works through its own case list: 接收, 处置 with an outcome and a note, 标记误报, and a 核查清单
to print. Counts go through the publication model; the case store is cases/store.py."""

import datetime as dt
import json
import re

import pandas as pd
import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from cases import checklist
from cases.store import (
    CHECKING,
    CLOSED_STATES,
    FALSE_ALARM,
    GONE,
    OPEN_STATES,
    OUTCOMES,
    PENDING,
    RESOLVED,
    STATES,
    CaseError,
    OutOfScope,
    case_number,
)
from data.identity import IdentityStore, unavailable_notice
from queries.catalog import COMPARE_ITEMS, PALETTE
from queries.compare import facts_text
from queries.publish import Publication, key
from queries.warnings import ConfigError, Rule, absent, absent_notes, config
from ui import cases_view, charts, data, page
from ui.exports import audited_export
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, md_escape
from ui.render import screen, slide
from ui.state import default_view

ctx, view = page.setup("预警", "{area}预警与核查：早发现、早干预、早帮扶；乡镇逐件核查、处置、销号。",
                       datasets=("subsidy", "monitoring"))
user = page.signed_in()
if user.role == "press":  # the route is not offered to press (app.py); a typed URL ends here too
    st.error("宣传角色不能查看预警页面。")
    st.stop()
try:
    rules = config()
    frame = cases_view.cases(view.township)
except ConfigError as exc:
    st.error(f"预警规则配置有误，无法生成预警：{exc}")
    st.stop()
except (SQLAlchemyError, OSError) as exc:  # the case store (CASES_DB) cannot be opened or written
    st.error(f"预警案件库不可用：{str(exc)[:300]}")
    st.info("请检查环境变量 CASES_DB 所指的文件或 PostgreSQL 数据库是否可写、可连接；问题解决后刷新本页。")
    st.stop()
# A 比对项 whose partner register this import lacks is not evaluated: left out of the tables (not shown as 0), said
# below; cases it raised from an earlier import stay in the list as they were.
ABSENT = absent(data.warehouse(), rules)
with_cases = set(frame["rule"]) if len(frame) else set()
NAMES = {r.key: r.name for r in rules.rules if r.key not in ABSENT or r.key in with_cases}
DEADLINES = {r.key: r.deadline_working_days for r in rules.rules}
township_user = user.role == "township"
county_view = not view.township
names_allowed = user.role in ("township", "analyst") and not view.present  # who acts on the list (as 数据比对)
FACT_LABELS = {
    "household_id": "户编号（假名）", "category_code": "残疾类别", "level_code": "残疾等级",
    "unpaid_living": "最近两个发放月未领生活补贴", "unpaid_nursing": "最近两个发放月未领护理补贴",
    "monitor_type": "监测类别", "main_risk": "主要风险", "enrolled_date": "纳入监测日期",
    "measure_count": "已记录帮扶措施（项）", "need_rows": "康复需求记录（条）", "service_type": "需求类型",
    "persons_paid": "最后发放月发放人数", "median_persons": "前几个月发放人数中位数", "prior_months": "参与计算的月数",
    "amount_yuan": "应追回金额（元）",
}


def village_name(code: object) -> str:
    """A village's name from the warehouse's regions ('' for none)."""
    if not isinstance(code, str) or not code:
        return ""
    return ctx.villages.get(code[:9] + "000", {}).get(code, code)


def township_name(code: str) -> str:
    """A township's name."""
    return ctx.townships.get(code, code)


def month_counts(column: str) -> pd.Series:
    """Cases per month of a date column (opened_on, closed_on)."""
    dates = pd.to_datetime(frame[column], errors="coerce").dropna() if len(frame) else pd.Series(dtype="datetime64[ns]")
    return dates.dt.strftime("%Y-%m").value_counts().sort_index()


opened_by_month, closed_by_month = month_counts("opened_on"), month_counts("closed_on")
months = sorted(set(opened_by_month.index) | set(closed_by_month.index))
kind = "count" if county_view else "tally"  # a township's own work list: every row is on its screen anyway


def build() -> Publication:
    """Every number this page publishes: open and overdue per rule and township, closed, opened and closed per
    month."""
    pub = Publication()
    is_open = frame["state"].isin(OPEN_STATES) if len(frame) else pd.Series(dtype=bool)
    overdue = (is_open & frame["is_overdue"]) if len(frame) else pd.Series(dtype=bool)
    for column, mask in (("open", is_open), ("overdue", overdue),
                         ("resolved", frame["state"].eq(RESOLVED) if len(frame) else is_open),
                         ("false_alarm", frame["state"].eq(FALSE_ALARM) if len(frame) else is_open)):
        by_rule = frame[mask].groupby("rule").size() if len(frame) else pd.Series(dtype=int)
        pub.line(f"rule_{column}", [(r, int(by_rule.get(r, 0))) for r in NAMES], kind, "件")
        if county_view:
            by_town = frame[mask].groupby("township_code").size() if len(frame) else pd.Series(dtype=int)
            for code in ctx.townships:
                pub.add(key(column, code), int(by_town.get(code, 0)), kind, "件")
            pub.total(f"rule_{column}@total", [key(column, code) for code in ctx.townships])
    if county_view:  # open cases per rule and township: each township's row adds up to its open cases
        open_cases = frame[is_open] if len(frame) else frame
        for rule in NAMES:
            by_town = open_cases[open_cases["rule"] == rule].groupby("township_code").size() if len(frame) \
                else pd.Series(dtype=int)
            for code in ctx.townships:
                pub.add(key(f"open_{rule}", code), int(by_town.get(code, 0)), kind, "件")
            pub.total(f"rule_open@{rule}", [key(f"open_{rule}", code) for code in ctx.townships])
        for code in ctx.townships:
            pub.total(key("open", code), [key(f"open_{rule}", code) for rule in NAMES])
    pub.line("opened", [(m, int(opened_by_month.get(m, 0))) for m in months], kind, "件")
    pub.line("closed", [(m, int(closed_by_month.get(m, 0))) for m in months], kind, "件")
    return pub


def town_cell(column: str, code: str) -> str:
    """A cell of the township × rule table: a township's own, or the county's total of a rule or column."""
    if code != "total":
        return key(column, code)
    return f"rule_open@{column.removeprefix('open_')}" if column.startswith("open_") else f"rule_{column}@total"


out = screen.Output(build, view)
pub = out.pub
area = page.area_name(ctx, view)
cols = slide.headline(view, 4)
n_open, n_overdue = pub.value("rule_open@total"), pub.value("rule_overdue@total")
screen.card(cols[0], pub, "预警待处置", "rule_open@total",
            "含核查中、待确认的" if n_open else "没有待处置的预警", good=not n_open)
screen.card(cols[1], pub, "其中超期", "rule_overdue@total", "超过规则期限（工作日）仍未处置",
            good=not n_overdue)
screen.card(cols[2], pub, "已处置", "rule_resolved@total", "含条件消除后经确认处置的")
screen.card(cols[3], pub, "标记误报", "rule_false_alarm@total", "误报须写明理由")
screen.legend(pub)
until = {r.key: ctx.last_month(r.dataset) for r in rules.rules}
own_rules = [r for r in rules.rules if not r.is_compare]
compared = [r for r in rules.rules if r.is_compare and r.key not in ABSENT]
today = dt.date.today()
uncovered = rules.calendar_missing(today)


def waiting(rule: Rule) -> int:
    """The month a rule of the year's end starts being evaluated, when the data has not reached it (0 else)."""
    month, start = until[rule.key], rule.params.get("from_month")
    return start if month and start and int(month[5:7]) < start else 0


def evaluated_on(rule: Rule) -> str:
    """'2025-07', with '（每年10月起评估，本年尚未评估，不是0件）' for a rule of the year's end before its month."""
    start = waiting(rule)
    return (until[rule.key] or "无数据") + (f"（每年{start}月起评估，本年尚未评估，不是0件）" if start else "")


def rules_table() -> None:
    """Cases per rule: open, overdue, resolved, false alarms (a rule not yet evaluated this year says so)."""
    screen.table(out, "warning_rules", f"{area}预警按规则统计", ctx,
                 [*((NAMES[r] + (f"（{waiting(rules.rule(r))}月起评估）" if waiting(rules.rule(r)) else ""), r)
                    for r in NAMES), ("合计", "total")],
                 [("待处置（件）", "open"), ("其中超期（件）", "overdue"), ("已处置（件）", "resolved"),
                  ("误报（件）", "false_alarm")], first="预警规则", keys=lambda column, row: f"rule_{column}@{row}",
                 height="content")  # eleven rules and the total: all on screen


def rules_part() -> None:
    """How each rule is evaluated, the cases per rule, the deadlines and each rule's definition: the page's
    reference, not a slide's (a slide is the cards, the map and the ranking)."""
    st.caption("每条规则按其数据的最后一个月评估（" + "；".join(
        f"{md_escape(r.name)}：{evaluated_on(r)}" for r in own_rules) + "）"
        + (f"；数据比对的比对项按比对月份（补贴发放的最后一个月）{until[compared[0].key] or '无数据'}评估" if compared else "")
        + "。期限按工作日计（不含周末"
        + ("和法定节假日，含调休上班的周末" if rules.calendar_years else "")
        + "），自预警生成之日起算。预警不按侧栏的年度、残疾类别和等级筛选。")
    if uncovered:
        st.warning(f"节假日日历没有{'、'.join(map(str, uncovered))}年的安排，这一年的期限只扣除周末。"
                   "请系统管理员按国务院办公厅当年的节假日安排通知补充。")
    if ABSENT:
        st.info("数据比对的比对项预警需要相应部门的名单：" + "；".join(md_escape(n) for n in absent_notes(ABSENT, rules))
                + "。把名单放入数据文件夹重新导入后，这些规则自动生成案件" + ("；此前生成的案件保留原状。"
                                                           if set(ABSENT) & with_cases else "。"))

    st.subheader("按预警规则", anchor=False)
    rules_table()
    shown_rules = [r for r in rules.rules if r.key in NAMES]  # not the 比对项 left out above
    st.caption("期限（工作日）：" + "；".join(f"{md_escape(r.name)} {r.deadline_working_days}天" for r in shown_rules) + "。")
    with st.expander("各规则的口径"):
        for r in shown_rules:
            st.markdown(f"**{md_escape(r.name)}**：{md_escape(r.counts)}")


if not view.present:
    rules_part()
elif not county_view:  # a township's slide: its cases per rule (the map and ranking are the county's)
    slide.part_title(f"{area}预警按规则统计")
    rules_table()

if county_view:
    units = pd.DataFrame({"unit_code": list(ctx.townships), "name": list(ctx.townships.values())})
    left, right = slide.columns(view, [3, 2], ("map", "chart"))
    with left:
        st.subheader("各乡镇待处置预警", anchor=False)
        if not n_open:
            st.success("全县没有待处置的预警。")
        else:
            screen.region_map(out, ctx, units, "open", "件", key_="warnings_map", title=f"{area}各乡镇待处置预警")
    with right:
        st.subheader("乡镇排名：待处置与超期", anchor=False)
        if not n_open:
            st.info("没有待处置的预警，无需排名。")
        else:
            def ranking(p: Publication):
                """Open cases per township, most on top; overdue in the label."""
                frame_ = screen.unit_frame(p, units, ["open", "overdue"])
                frame_ = frame_[frame_["open"].fillna(1) > 0]
                pairs = zip(frame_["open_text"], frame_["overdue_text"], strict=True)
                frame_["label"] = [f"{o}（超期{d.removesuffix('件')}）" for o, d in pairs]
                return charts.ranked_bars(frame_, "open", PALETTE["vermillion"], "件", ascending=False, text="label")

            screen.chart(out, ranking, ctx, "warnings_rank", drill=True, title=f"{area}各乡镇待处置预警排名")
    page.slide_end(view)
    if n_open and not view.present:
        st.subheader("各乡镇待处置预警（按规则）", anchor=False)
        towns = frame[frame["state"].isin(OPEN_STATES)]["township_code"].value_counts()
        screen.table(out, "warning_towns", f"{area}各乡镇待处置预警（按规则）", ctx,
                     [*((township_name(c), c) for c in towns.index), ("合计", "total")],
                     [*((f"{NAMES[r]}（件）", f"open_{r}") for r in NAMES), ("待处置合计（件）", "open"),
                      ("其中超期（件）", "overdue")],
                     keys=town_cell)
        st.caption("只列有待处置预警的乡镇，按待处置件数从多到少；合计为全县。")

st.subheader("每月新生成与已办结预警", anchor=False)
if not months:
    st.info("还没有生成过预警。" if county_view else f"{md_escape(area)}还没有预警案件。")
else:
    def trend(p: Publication):
        """Opened and closed per month, as bars."""
        trend_frame = pd.DataFrame({"month": pd.to_datetime([m + "-01" for m in months])})
        for column in ("opened", "closed"):
            trend_frame[column] = [p.shown(f"{column}@{m}") for m in months]
            trend_frame[f"{column}_text"] = [p.text(f"{column}@{m}", unit=False) for m in months]
        return charts.month_lines(trend_frame, "month", {"opened": ("新生成", PALETTE["vermillion"]),
                                                         "closed": ("已办结", PALETTE["green"])}, "件", kind="bar")

    screen.chart(out, trend, ctx, "warnings_trend", title=f"{area}每月新生成与已办结预警", part="trend",
                 note="按预警生成日期与办结（处置或误报）日期统计。")
page.slide_end(view)
if view.present:
    st.stop()


# --- the case list -------------------------------------------------------------------------------------
def can_act(case: dict) -> bool:
    """Township users act on their township's cases of persons and households; county users (not the
    read-only demo, not leaders) on the township-level warnings."""
    if user.read_only or user.role in ("press", "leader"):
        return False
    if township_user:
        return case["subject_kind"] != "township" and case["township_code"] == user.area
    return case["subject_kind"] == "township"


def act(action: str, case_id: int, version: int) -> None:
    """A form's callback: the change with the version the user saw; the result said at the top of the panel."""
    s = cases_view.store()
    prefix = f"case_{case_id}_{action}"
    scope = page.scope_of(user)
    try:
        if action == "accept":
            s.accept(case_id, version, user.name, scope)
            message = ("success", f"已接收 {case_number(case_id)}，请入户核查后处置。")
        elif action == "resolve":
            s.resolve(case_id, version, user.name, st.session_state.get(f"{prefix}_outcome") or "",
                      st.session_state.get(f"{prefix}_note") or "", scope)
            message = ("success", f"{case_number(case_id)} 已处置。")
        else:
            s.false_alarm(case_id, version, user.name, st.session_state.get(f"{prefix}_note") or "", scope)
            message = ("success", f"{case_number(case_id)} 已标记为误报。")
    except (CaseError, OutOfScope) as exc:
        message = ("error", str(exc))
    st.session_state["case_message"] = message


def case_rows(cases: pd.DataFrame, with_situation: bool = False) -> pd.DataFrame:
    """The case list as shown and exported (a township's own list without the township column; the 核查清单 with
    a 比对项's facts)."""
    return checklist.case_rows(cases, township_name, village_name, with_township=county_view,
                               with_situation=with_situation)


if county_view:
    st.subheader("乡镇级预警（县残联处理）", anchor=False)
    listed = frame[frame["subject_kind"] == "township"] if len(frame) else frame
    list_title = f"{area}乡镇级预警"
else:
    st.subheader(f"{md_escape(area)}预警案件清单", anchor=False)
    listed = frame
    list_title = f"{area}预警核查清单"

if listed.empty:
    st.info("乡镇级规则目前没有预警案件（没有符合条件的乡镇）；人员和家庭的预警由各乡镇处置，件数见上。" if county_view
            else f"{md_escape(area)}还没有预警案件：当前数据下没有符合任何规则条件的人员或家庭。")
    page.until_caption(ctx)
    st.stop()

f1, f2 = st.columns([1, 2])
rule_choice = f1.selectbox("预警规则", ["全部", *[NAMES[r] for r in NAMES if r in set(listed["rule"])]],
                           key="warn_rule")
state_choice = f2.multiselect("状态", list(STATES), default=[PENDING, CHECKING, GONE], key="warn_states",
                              placeholder="选择状态")
shown = listed
if rule_choice != "全部":
    shown = shown[shown["rule_name"] == rule_choice]
if state_choice:
    shown = shown[shown["state"].isin(state_choice)]
message = st.session_state.pop("case_message", None)  # the last action's result (shown with the case, below)
if shown.empty:
    if message:  # the case just closed was the last one the filter shows: say so here
        getattr(st, message[0])(message[1])
    st.info("所选规则和状态下没有案件。可在上方更改筛选（例如加选“已处置”查看已办结的案件）。")
    page.until_caption(ctx)
    st.stop()

shown = shown.sort_values(["is_overdue", "opened_on", "case_id"], ascending=[False, True, True])
# Names (masked) for the roles that act on the list, from the encrypted identity store when it is configured.
identities = IdentityStore.open() if names_allowed else None
people = identities.people({i for group in checklist.person_ids(shown) for i in group}) if identities else {}
if identities:
    st.dataframe(checklist.with_names(case_rows(shown), shown, people), hide_index=True, width="stretch")
    st.caption(f"共 {len(shown)} 件（按筛选）。姓名已部分隐去；户编号取自加密姓名库。")
else:
    st.dataframe(case_rows(shown), hide_index=True, width="stretch")
    st.caption(f"共 {len(shown)} 件（按筛选）。户编号、对象编号为假名编号；数据仓库不保存姓名和身份证号。"
               + (unavailable_notice() if names_allowed else ""))


def checklist_rows() -> pd.DataFrame:
    """The checklist's rows: full names for the township that visits, masked for the county's analysts."""
    if not identities:
        return case_rows(shown, with_situation=True)
    return checklist.with_names(case_rows(shown, with_situation=True), shown, people, full=township_user)


file_name = re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", f"{list_title}_{dt.date.today():%Y%m%d}.xlsx")
make_checklist = audited_export(lambda: checklist.checklist_xlsx(checklist_rows()), user.name, list_title,
                                view.to_params(default_view(ctx)) | {"named": bool(identities)}, file_name)
st.download_button("下载核查清单（Excel）", make_checklist,
                   file_name=file_name, key="warn_checklist", on_click="ignore",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

st.subheader("案件详情与处置", anchor=False)
if message:
    getattr(st, message[0])(message[1])
numbers = {case_number(c): int(c) for c in shown["case_id"]}
chosen = st.selectbox("选择案件", list(numbers), key="warn_case")
case = cases_view.store().case(numbers[chosen])
left, right = st.columns([3, 2])
with left:
    facts = {"预警规则": NAMES.get(case["rule"], case["rule"]), "状态": case["state"],
             "乡镇": township_name(case["township_code"]), "村（社区）": village_name(case["village_code"]),
             "对象编号（假名）" if case["subject_kind"] != "township" else "乡镇代码": case["subject"],
             "数据月份": case["data_month"], "生成日期": case["opened_on"],
             "期限": f"{DEADLINES.get(case['rule'], 0)}个工作日"}
    if identities and case["subject_kind"] != "township":  # the names replace the pseudonyms
        facts.pop("对象编号（假名）", None)
        one = pd.DataFrame([{**case, "facts": json.dumps(case["facts"])}])
        found = identities.people(checklist.person_ids(one)[0])
        facts["姓名（已隐去部分）"] = "、".join(p.masked_name for p in found.values()) or "（姓名库中没有）"
        facts["户编号"] = next((p.household for p in found.values()), "")
    if case["rule"] in COMPARE_ITEMS:  # a 比对项: the facts in the comparison's words, and what is to be done
        facts["情况"] = facts_text({**case["facts"], "item": case["rule"]}, case["data_month"])
        facts["应做"] = COMPARE_ITEMS[case["rule"]].action
    for name, value in case["facts"].items():
        if name in FACT_LABELS and value is not None and not (identities and name == "household_id"):
            if name == "category_code":
                value = CATEGORY_LABELS.get(int(value), value)
            elif name == "level_code":
                value = LEVEL_LABELS.get(int(value), value)
            elif name.startswith("unpaid_"):
                value = "是" if value else "否"
            elif name == "median_persons":
                value = f"{float(value):g}"
            elif name == "amount_yuan":
                value = f"{float(value):,.2f}"
            facts[FACT_LABELS[name]] = value
    if case["assignee"]:
        facts["接收人"] = case["assignee"]
    if case["state"] in CLOSED_STATES:
        facts["办结日期"] = case["closed_on"]
        if case["outcome"]:
            facts["处置结果"] = OUTCOMES.get(case["outcome"], case["outcome"])
        facts["说明"] = case["note"]
    st.dataframe(pd.DataFrame({"项目": list(facts), "内容": [str(v) for v in facts.values()]}), hide_index=True,
                 width="stretch", height="content")  # every fact without scrolling (a 比对项 has a dozen)
    if case["state"] == GONE:
        st.warning("最新导入的数据显示该条件已消除，请核实后“处置”（写明核实情况）或“标记误报”。")
with right:
    version = int(case["version"])
    if case["state"] in CLOSED_STATES:
        st.success(f"本案件已办结（{case['state']}），同一期间不会再次生成。")
    elif not can_act(case):
        st.info("只读：" + ("演示账号不能处置案件。" if user.read_only else
                          "乡镇级预警由县残联处理。" if township_user else "案件由所属乡镇接收和处置。"))
    else:
        if case["state"] in (PENDING, GONE):
            st.button("接收（开始核查）", key=f"case_{case['case_id']}_accept_btn", type="primary",
                      on_click=act, args=("accept", case["case_id"], version))
        with st.form(f"case_{case['case_id']}_resolve_form", clear_on_submit=False):
            st.selectbox("处置结果", list(OUTCOMES), format_func=OUTCOMES.get, index=None, placeholder="请选择",
                         key=f"case_{case['case_id']}_resolve_outcome")
            st.text_area("说明（必填：核查情况与采取的措施）", max_chars=1000, key=f"case_{case['case_id']}_resolve_note")
            st.form_submit_button("处置并办结", on_click=act, args=("resolve", case["case_id"], version))
        with st.form(f"case_{case['case_id']}_false_alarm_form", clear_on_submit=False):
            st.text_area("误报理由（必填）", max_chars=1000, key=f"case_{case['case_id']}_false_alarm_note")
            st.form_submit_button("标记误报", on_click=act, args=("false_alarm", case["case_id"], version))
    with st.expander("处理记录"):
        history = cases_view.store().history(case["case_id"])
        st.dataframe(history.rename(columns={"at": "时间", "actor": "操作人", "action": "操作", "from_state": "原状态",
                                             "to_state": "新状态", "detail": "说明"}), hide_index=True, width="stretch")
page.until_caption(ctx)
