"""数据说明: what is loaded and when, row counts, the last import's rejects, boundary coverage, definitions."""

import pandas as pd
import streamlit as st

from queries import compare, dashboard, public_set
from queries.catalog import METRICS
from queries.publish import Publication
from ui import data, page
from ui.render import screen

ctx, view = page.setup("数据说明", "数据的来源、时间范围、导入情况和每个指标的定义。")
REJECTS_NOTE = "导入被拒绝的行数属内部信息，对外口径不显示。"

record = data.q(dashboard.import_record, view.scope)
meta = dict(zip(record["meta"]["key"], record["meta"]["value"], strict=True))
months = data.q(dashboard.data_months)
years = data.q(dashboard.data_years)

files = record["files"]
# The public set has no reject counts (issue 25): a count of 1 rejected row points at one person's record.
internal = public_set.REJECTS_PUBLIC or not page.suppressing(view)
pub = Publication()
pub.tally("loaded", files["rows_loaded"].sum(), "行")
pub.tally("rejected", files["rows_rejected"].sum(), "行")
cols = st.columns(3)
screen.text_card(cols[0], "最近一次导入", str(meta.get("imported_at", "—")).replace("T", " ")[:19], "")
screen.text_card(cols[1], "数据截止月", str(meta.get("as_of", "—")), f"最新数据：{data.data_until(ctx)}")
screen.card(cols[2], pub, "导入行数", "loaded",
            f"拒绝 {pub.text('rejected')}（明细见数据文件夹中的拒绝清单）" if internal else "")

st.subheader("各类数据的时间范围")
AREAS = {"subsidy": "两项补贴发放", "monitoring": "防返贫监测", "rehab": "康复服务", "employment": "就业情况",
         "modification": "无障碍改造", "care": "托养服务"}
spans = pd.concat([
    pd.DataFrame({"数据": months["area"].map(AREAS), "起": pd.to_datetime(months["first_month"]).dt.strftime("%Y年%m月"),
                  "止（最新）": pd.to_datetime(months["last_month"]).dt.strftime("%Y年%m月")}),
    pd.DataFrame({"数据": years["area"].map(AREAS), "起": years["first_year"].map(lambda y: f"{int(y)}年" if y == y else "—"),
                  "止（最新）": years["last_year"].map(lambda y: f"{int(y)}年" if y == y else "—")}),
])
st.dataframe(spans, hide_index=True, width="stretch")

if internal and public_set.linked() and data.q(public_set.stored_marks) is None:  # (issue 25 §2)
    st.caption(public_set.UNLINKED_NOTE)

rejects = record["rejects"]
if not internal:
    st.caption(REJECTS_NOTE)
elif rejects.empty:
    st.success("上次导入没有被拒绝的行。")
else:
    st.subheader("被拒绝的行（按原因）")
    st.dataframe(rejects.rename(columns={"table_name": "数据", "file": "文件", "reason_text": "原因", "rows": "行数"})[
        ["数据", "文件", "原因", "行数"]], hide_index=True, width="stretch")
page.slide_end(view)  # a slide: the data's months and the rejects; the rest is the page's

st.subheader("伙伴部门名单（数据比对）")
partner = data.q(compare.registers)
st.dataframe(pd.DataFrame({
    "名单": partner["label"],
    "导入": partner["is_imported"].map({True: "已导入", False: "未导入"}),
    "时间范围": [f"{pd.Timestamp(a):%Y年%m月}—{pd.Timestamp(b):%Y年%m月}" if ok and a is not None and a == a else "—"
             for ok, a, b in zip(partner["is_imported"], partner["first_month"], partner["last_month"], strict=True)],
    "有效行数": partner["rows_loaded"].astype(int), "匹配到持证残疾人的行数": partner["rows_matched"].astype(int),
    **({"拒绝行数": partner["rows_rejected"].astype(int)} if internal else {}),
}), hide_index=True, width="stretch")
st.caption("名单按身份证号（15位自动转为18位，小写x按X）与持证残疾人匹配；数据仓库只保存匹配到的人的假名编号和日期，"
           "不保存姓名和身份证号。未匹配的行（多为无残疾人证的人）不参与比对。")

st.subheader("边界覆盖")
issues = record["boundary_issues"]
names = {**ctx.townships, **{c: n for v in ctx.villages.values() for c, n in v.items()}}
no_boundary = issues[issues["issue"] == "no_boundary"]
unknown = issues[issues["issue"] == "unknown_code"]
n_villages = sum(len(v) for v in ctx.villages.values())
missing_towns = (no_boundary["level"] == "township").sum()
missing_villages = (no_boundary["level"] == "village").sum()
# Without a village boundary file the importer lists no village as lacking one: say that no file was imported.
has_villages = (record["boundaries"]["level"] == "village").any()
village_line = (f"{n_villages - missing_villages}/{n_villages} 个村（社区）有边界" if has_villages
                else f"未导入村（社区）边界文件，{n_villages} 个村（社区）均无边界")
st.markdown(f"- 乡镇边界：{len(ctx.townships) - missing_towns}/{len(ctx.townships)} 个乡镇有边界\n"
            f"- 村边界：{village_line}\n"
            f"- 边界文件中无法匹配行政区划的代码：{len(unknown)} 个"
            + (f"（{'、'.join(unknown['region_code'])}）" if len(unknown) else ""))
if len(no_boundary):
    with st.expander(f"没有边界的区划（{len(no_boundary)}）"):
        st.dataframe(no_boundary.assign(名称=no_boundary["region_code"].map(names)).rename(
            columns={"region_code": "区划代码", "level": "级别", "issue": "问题"}), hide_index=True, width="stretch")

st.subheader("指标定义")
st.dataframe(pd.DataFrame([{"指标": m.label, "单位": m.unit, "目标": "" if m.target is None else f"{m.target:g}{m.unit}",
                            "定义": m.definition} for m in METRICS.values()]), hide_index=True, width="stretch")
st.caption("所有数字来自同一套查询，与《年度分乡镇统计表》口径一致；人数按人去重，户数指标不按残疾类别、等级筛选；"
           "分母为0的比率显示为“—”。数据仓库不含姓名和身份证号，人员以加密假名标识。")
st.caption("持证残疾人数：某年的人数为当年年末前发证（发证日期）、且导入时证件状态为“正常”的人；证件状态是导入时的快照，"
           "往年曾注销、后来恢复的证件无法区分。补贴、康复、监测等按年份的数据只在其数据覆盖的年份显示；"
           "某类数据不覆盖所选年份时，页面写明“暂无数据”及其截至月份，而不显示0。")

if internal:  # table names, reason codes and reject counts: for whoever runs the import, never the public
    with st.expander("技术信息（管理员）", expanded=False):
        left, right = st.columns(2)
        with left:
            st.caption("数据仓库表行数")
            st.dataframe(data.q(dashboard.row_counts).rename(columns={"table_name": "表", "n": "行数"}), hide_index=True,
                         width="stretch")
        with right:
            st.caption("各文件导入情况")
            st.dataframe(files.rename(columns={"table_name": "数据表", "file": "文件", "rows_read": "读入",
                                               "rows_loaded": "载入", "rows_rejected": "拒绝"}),
                         hide_index=True, width="stretch")
        if not rejects.empty:
            st.caption("被拒绝的行（原因代码）")
            st.dataframe(rejects.rename(columns={"table_name": "数据表", "file": "文件", "reason": "原因代码",
                                                 "reason_text": "原因", "rows": "行数"}), hide_index=True, width="stretch")
