"""数据比对: the federation's register against 民政低保特困, 死亡人员 and 乡村振兴监测对象 lists — the six 比对项
as counts per township (map, ranking, drill to villages), and for 乡镇 (own township) and 分析 the people to
visit, names masked, one full name on request (audited), a 核查清单 per township. Internal: never for 宣传."""

import io

import pandas as pd
import streamlit as st

from data.identity import IdentityStore, unavailable_notice
from queries import compare
from queries.catalog import COMPARE_ITEMS
from queries.cells import write_xlsx
from queries.common import Filters
from queries.publish import Publication
from ui import auth, charts, data, page
from ui.audit import audit
from ui.exports import audited_export
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, md_escape
from ui.render import screen, slide

PEOPLE_ROLES = ("analyst", "township")  # act on the lists: see the persons (a 乡镇 user: their own township's)
MONTH_KEY, REVEAL_KEY = "w_compare_month", "compare_revealed"

chosen = st.query_params.get("cmonth", "")  # read before setup() rewrites the URL from the view


def refuse_press(who: object) -> None:
    """The press role (and any role but 领导, 分析, 乡镇) is stopped before any number is drawn."""
    if isinstance(who, auth.User) and who.role not in ("leader", *PEOPLE_ROLES):
        st.title("数据比对", anchor=False)
        st.error("数据比对是残联内部工作页面（含需入户核查的人员），宣传账号无权查看。")
        st.stop()


refuse_press(st.session_state.get(auth.SESSION_KEY))  # already signed in: before the page frame is drawn
CAPTION = "{area}持证残疾人与民政低保特困、死亡人员、乡村振兴监测对象名单比对：应享未享、应停未停、应纳未纳。"
ctx, view = page.setup("数据比对", CAPTION, datasets=("subsidy",))
user = page.signed_in()
refuse_press(user)  # signed in just now
months = data.q(compare.payment_months)
if not months:
    st.info("数据仓库没有补贴发放数据，无法确定比对月份。")
    st.stop()
if MONTH_KEY not in st.session_state or st.session_state[MONTH_KEY] not in months:
    if chosen and chosen not in months:  # a link's month the data does not have: said, as any other bad value
        st.warning(f"比对月份“{md_escape(chosen[:20])}”不在数据范围内，已显示最后一个发放月份。")
    st.session_state[MONTH_KEY] = chosen if chosen in months else months[-1]
month = st.sidebar.selectbox("比对月份", months[::-1], key=MONTH_KEY, format_func=lambda m: f"{m[:4]}年{int(m[5:])}月")
if month != months[-1]:
    st.query_params["cmonth"] = month
elif "cmonth" in st.query_params:
    del st.query_params["cmonth"]
month_words = f"{month[:4]}年{int(month[5:])}月"

present = data.q(compare.imported)
area_filters = Filters(scope=view.scope, township=view.township)
counts = data.q(compare.counts, area_filters, month)
units = pd.DataFrame(
    [{"unit_code": c, "name": n} for c, n in (ctx.villages.get(view.township, {}) if view.township
                                              else ctx.townships).items()])
focus = view.village or "total"
shows_people = user.role in PEOPLE_ROLES and not view.present


def missing_of(item: str) -> str:
    """'未导入民政低保特困名单' for an item whose register was not imported, else ''."""
    register = COMPARE_ITEMS[item].register
    return "" if present.get(register) else compare.not_imported_text(register)


def build() -> Publication:
    """Per 比对项: persons per unit and in all, 应追回金额 with its persons."""
    pub = Publication()
    for item, spec in COMPARE_ITEMS.items():
        mine = counts[counts["item"] == item].set_index("unit_code")
        why = missing_of(item)
        codes = list(units["unit_code"])
        for code in codes:
            pub.count(f"{item}@{code}", float(mine["persons"].get(code, 0)), "人", why)
        pub.count(f"{item}@total", float(mine["persons"].sum()), "人", why)
        pub.total(f"{item}@total", [f"{item}@{c}" for c in codes])
        if spec.amount:
            for code in [*codes, "total"]:
                yuan = float(mine["amount_yuan"].sum()) if code == "total" else float(mine["amount_yuan"].get(code, 0))
                pub.amount(f"amount@{code}", yuan, f"{item}@{code}", unit="元", missing=why)
            pub.total("amount@total", [f"amount@{c}" for c in codes])
    return pub


# Exact for the staff of the area on their screen and at an internal meeting; withheld on a public slide
# (the audience rule, queries/audience.py). The press role never reaches this page.
out = screen.Output(build, view)
pub = out.pub
area = page.area_name(ctx, view)


def sentence() -> str:
    """文字解读: 截至M，与各名单比对的结果, from the same publication as the cards."""
    parts = []
    for register, words in (("dibao", "与民政低保名单比对"), ("death", "与死亡人员名单比对"),
                            ("rural", "与乡村振兴监测对象名单比对")):
        items = [i for i, s in COMPARE_ITEMS.items() if s.register == register]
        if not present.get(register):
            parts.append(compare.not_imported_text(register))
            continue
        said = []
        for item in items:
            text = f"{COMPARE_ITEMS[item].label}{pub.text(f'{item}@{focus}')}"
            if COMPARE_ITEMS[item].amount and pub.value(f"{item}@{focus}"):
                text += f"（应追回金额{pub.text(f'amount@{focus}')}）"
            said.append(text)
        parts.append(words + "，" + "，".join(said))
    return f"截至{month_words}，{area}" + "；".join(parts) + "。"


screen.summary(out, sentence())
rows = [list(COMPARE_ITEMS)[:3], list(COMPARE_ITEMS)[3:]]
for line in rows:
    cols = slide.headline(view, 3) if line is rows[0] else st.columns(3)
    for col, item in zip(cols, line, strict=True):
        spec = COMPARE_ITEMS[item]
        cell = f"{item}@{focus}"
        if pub.cells[cell].missing:
            screen.text_card(col, spec.label, "未导入", pub.cells[cell].missing)
            continue
        delta = spec.action
        if spec.amount:
            delta = f"应追回金额 {pub.text(f'amount@{focus}')}；{spec.action}"
        good = None if pub.hidden(cell) else pub.shown(cell) == 0
        screen.card(col, pub, spec.label, cell, delta, good, spec.definition)
st.caption(f"比对月份：{month_words}。" if view.present else  # a slide: the month; the page: how it is counted
           f"比对月份：{month_words}（默认为最后一个有补贴发放的月份，可在侧栏选择）。每个比对项统计持证残疾人，按其所在村归入乡镇；"
           "比对项不按残疾类别、等级筛选。口径见“数据说明”。")
screen.legend(pub)

available = [i for i in COMPARE_ITEMS if not missing_of(i)]
if not available:
    st.info("尚未导入任何伙伴部门名单（民政低保特困、死亡人员、乡村振兴监测对象）。把名单文件放进数据文件夹后重新导入即可比对"
            "（文件格式见部署说明中的“伙伴部门名单”）。")
    page.until_caption(ctx)
    st.stop()

item = st.selectbox("查看比对项", available, format_func=lambda i: COMPARE_ITEMS[i].label, key="w_compare_item")
spec = COMPARE_ITEMS[item]
left, right = slide.columns(view, [3, 2], ("map", "chart"))
title = f"{area}各{page.unit_word(view)}{spec.label}（{month_words}）"
with left:
    st.subheader(f"各{page.unit_word(view)}{spec.label}", anchor=False)
    screen.region_map(out, ctx, units, item, "人", key_="compare_map", title=title)
with right:
    st.subheader(f"{page.unit_word(view)}排名", anchor=False)
    if not view.present:
        st.caption("人数多的在上，0人的不列；点击条形可下钻。")

    def ranking(p):
        """The units with someone to visit (a withheld count too), most on top: on a slide, room for each."""
        frame = screen.unit_frame(p, units, [item])
        return charts.ranked_bars(frame[frame[item].fillna(1) > 0], item, spec.colour, "人", ascending=False)

    screen.chart(out, ranking, ctx, "compare_rank", drill=True, title=f"{title}排名")
page.slide_end(view)

ranked = units.assign(n=[pub.shown(f"{item}@{c}") or 0 for c in units["unit_code"]]).sort_values("n", ascending=False)
ranked = ranked[ranked["n"] > 0]
columns = [("人数（人）", item)] + ([("应追回金额（元）", "amount")] if spec.amount else [])
if len(ranked):
    screen.table(out, "compare_units", title, ctx,
                 [*zip(ranked["name"], ranked["unit_code"], strict=True), (f"合计（{area}）", "total")], columns,
                 keys=lambda column, code: f"{column}@{code}")


# ------------------------------------------------------------------------------------------ people to visit
def people_section() -> None:
    """The persons behind the counts, for the roles that act on them; masked names, one reveal at a time."""
    st.subheader(f"需入户核查的人员：{spec.label}", anchor=False)
    if not view.township:
        st.info("请在地图或侧栏选择一个乡镇（街道），查看其需入户核查的人员名单。")
        return
    cases = data.q(compare.cases, Filters(scope=view.scope, township=view.township, village=view.village), month)
    store = IdentityStore.open()
    why = "" if store else unavailable_notice()
    mine = cases[cases["item"] == item]
    if mine.empty:
        st.success(f"{area}没有{spec.label}的人员。")
    else:
        people_table(mine, store, why)
    if cases["item"].isin(available).any():  # the checklist has every 比对项's persons, whichever is shown
        checklist(cases, store is not None)


def people_table(mine: pd.DataFrame, store: IdentityStore | None, why: str) -> None:
    """The shown 比对项's persons: masked names and numbers (case numbers only without the identity store)."""
    people = store.people(mine["person_id"]) if store else {}
    villages = ctx.villages.get(view.township, {})
    table = pd.DataFrame({
        "个案编号": [compare.case_number(item, pid, month) for pid in mine["person_id"]],
        "村（社区）": mine["village_code"].map(villages).fillna(mine["village_code"]),
        "户编号": [people[p].household if p in people else "" for p in mine["person_id"]],
        "姓名": [people[p].masked_name if p in people else "" for p in mine["person_id"]],
        "证号": [people[p].masked_cert if p in people else "" for p in mine["person_id"]],
        "残疾类别": mine["category_code"].map(CATEGORY_LABELS), "残疾等级": mine["level_code"].map(LEVEL_LABELS),
        "情况": [compare.facts_text(r, month) for r in mine.to_dict("records")],
    })
    st.caption(f"{len(mine)}人；应做：{spec.action}。")
    if not store:
        st.warning(why)
        table = table.drop(columns=["户编号", "姓名", "证号"])
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("姓名、证号默认隐去部分；需要时可逐人查看全名和证号，每次查看都记入审计日志（谁、看了谁、何时）。")
    if store:
        reveal(mine, people, table)


def reveal(mine: pd.DataFrame, people: dict, table: pd.DataFrame) -> None:
    """Full name and certificate number of one person, on request, audited."""
    numbers = dict(zip(table["个案编号"], mine["person_id"], strict=True))
    cols = st.columns([2, 1, 3])
    chosen = cols[0].selectbox("查看一人的全名和证号", list(numbers), key="w_reveal_case", index=None,
                               placeholder="选择个案编号")
    if cols[1].button("显示", key="reveal_button", disabled=chosen is None):
        person = people.get(numbers[chosen])
        audit("reveal", user.name, case=chosen, person_id=str(numbers[chosen]), item=item, month=month,
              township=view.township)
        st.session_state[REVEAL_KEY] = (chosen, person.name if person else "", person.cert if person else "")
    shown = st.session_state.get(REVEAL_KEY)
    if shown and shown[0] == chosen:
        cols[2].info(f"{shown[0]}：{shown[1]}，残疾人证号 {shown[2]}（已记入审计日志）")


def checklist(cases: pd.DataFrame, named: bool) -> None:
    """核查清单: the township's persons of every 比对项 as XLSX (full names for the roles that act on them,
    when the identity store is open), formula-safe cells; each download audited."""
    township = ctx.townships.get(view.township, view.township)
    visits = user.role == "township"  # who goes to the door gets full names; the county's analysts masked ones

    def workbook() -> bytes:
        found = cases[cases["item"].isin(available)]
        every = IdentityStore.open().people(found["person_id"]) if named else None
        frame = compare.checklist_frame(found, month, ctx.villages.get(view.township, {}), every, CATEGORY_LABELS,
                                        LEVEL_LABELS, full=visits)
        buffer = io.BytesIO()
        write_xlsx(frame, buffer, "核查清单")
        return buffer.getvalue()

    name = f"核查清单_{township}_{month}.xlsx"
    st.download_button("下载本乡镇核查清单（Excel，全部比对项）",
                       audited_export(workbook, user.name, "数据比对核查清单",
                                      {"town": view.township, "month": month, "named": named and visits}, name),
                       file_name=name, key="compare_checklist", on_click="ignore",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    names = "及其全名、证号，请妥善保管，用后销毁。" if visits else "，姓名、证号隐去部分（全名和证号在乡镇入户用的清单上）。"
    st.caption("核查清单含本乡镇全部比对项的人员" + (names if named else "（姓名库暂不可用，只有个案编号）。"))


if shows_people:
    st.divider()
    people_section()
elif user.role == "leader" and not view.present:
    st.caption("人员名单仅向分析人员和乡镇（本乡镇）账号显示。")
page.until_caption(ctx)
