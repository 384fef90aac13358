"""防返贫监测: households under monitoring by township and type, monthly flow, path to risk elimination."""

import pandas as pd
import streamlit as st

from queries import dashboard
from queries.summary import monitoring_text
from ui import charts, data, frame
from ui.labels import MONITOR_TYPES, PALETTE

ctx, view = frame.setup("防返贫监测", "{area}残疾人家庭防止返贫动态监测：应纳尽纳、应帮尽帮、应消尽消。"
                         "户数指标不按残疾类别、等级筛选。", trend=True)

units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]  # shared with 总览, 康复服务
focus = units[units["unit_code"] == view.village] if view.village else units
type_columns = {"monitored_unstable": MONITOR_TYPES[0], "monitored_marginal": MONITOR_TYPES[1],
                "monitored_sudden": MONITOR_TYPES[2]}
cols = st.columns(5)
frame.kpi(cols[0], f"{view.year}年末在监测户", f"{int(focus['monitored'].sum()):,}户")
for col, (column, label) in zip(cols[1:4], type_columns.items(), strict=True):
    frame.kpi(col, label, f"{int(focus[column].sum()):,}户")
if not view.village:
    path_totals = data.q(dashboard.monitoring_year_end, view.filters, view.year)["path"][
        ["eliminated", "months_to_eliminate"]].sum()
    mean_months = (path_totals["months_to_eliminate"] / path_totals["eliminated"]) if path_totals["eliminated"] else None
    frame.summary(monitoring_text(frame.area_name(ctx, view), frame.year_end_label(ctx, view.year), units, mean_months,
                                  small=frame.suppressing(view)))
no_measure = int(focus["without_measure"].sum())
frame.kpi(cols[4], "无帮扶措施户", f"{no_measure:,}户", "需立即落实帮扶" if no_measure else "已全部落实",
          good=no_measure == 0)

left, right = st.columns([3, 2])
with left:
    st.subheader(f"各{frame.unit_word(view)}在监测户数")
    frame.region_map(ctx, view, units, "monitored", "户", key="monitoring_map",
                     title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}在监测户数")
with right:
    st.subheader("按监测类别")
    colours = [PALETTE["vermillion"], PALETTE["orange"], PALETTE["purple"]]
    fig = charts.stacked_hbars(units, "name", {c: (lbl, colour) for (c, lbl), colour in
                                               zip(type_columns.items(), colours, strict=True)}, "户")
    frame.chart(fig, ctx, key="monitoring_types", view=view, title="各监测类别在监测户数")
frame.slide_end(view)

st.subheader("每月新纳入与风险消除户数")
flow = data.q(dashboard.monitoring_by_month, view.filters, view.month_from, view.month_to)
if flow.empty:
    st.info("所选月份没有纳入或消除记录。")
else:
    fig = charts.month_lines(flow, "month", {"enrolled": ("新纳入", PALETTE["vermillion"]),
                                             "eliminated": ("风险消除", PALETTE["green"])}, "户", kind="bar")
    frame.chart(fig, ctx, key="monitoring_flow", view=view, title=f"{frame.area_name(ctx, view)}每月新纳入与风险消除户数")

left, right = st.columns(2)
with left:
    st.subheader(f"从纳入到风险消除（截至{view.year}年末）")
    path = data.q(dashboard.monitoring_year_end, view.filters, view.year)["path"]
    total = path[["enrolled", "with_measure", "eliminated", "months_to_eliminate"]].sum()
    if total["enrolled"]:
        fig = charts.funnel(["累计纳入监测", "已落实帮扶措施", "已消除风险"],
                            [int(total["enrolled"]), int(total["with_measure"]), int(total["eliminated"])],
                            PALETTE["blue"])
        frame.chart(fig, ctx, key="monitoring_funnel", view=view, title=f"{frame.area_name(ctx, view)}从纳入监测到风险消除")
        mean = total["months_to_eliminate"] / total["eliminated"] if total["eliminated"] else None
        table = pd.DataFrame({
            "监测类别": path["monitor_type"], "累计纳入（户）": path["enrolled"].astype(int),
            "已落实措施（户）": path["with_measure"].astype(int), "已消除风险（户）": path["eliminated"].astype(int),
            "平均消除用时（月）": path["mean_months"].round(1)})
        st.dataframe(table, hide_index=True, width="stretch")
        if mean is not None:
            st.caption(f"已消除风险的户，从纳入到消除平均 {mean:.1f} 个月。")
    else:
        st.info("没有监测户记录。")
with right:
    st.subheader(f"主要风险（{view.year}年末在监测户）")
    risks = data.q(dashboard.monitoring_year_end, view.filters, view.year)["risks"]
    if risks.empty:
        st.info("期末没有在监测户。")
    else:
        pivot = risks.pivot_table(index="main_risk", columns="monitor_type", values="households",
                                  aggfunc="sum", fill_value=0).reindex(columns=MONITOR_TYPES, fill_value=0)
        pivot = pivot.loc[pivot.sum(axis=1).sort_values().index].reset_index()
        fig = charts.grouped_bars(pivot, "main_risk", {t: (t, c) for t, c in zip(
            MONITOR_TYPES, [PALETTE["vermillion"], PALETTE["orange"], PALETTE["purple"]], strict=True)},
            "户", barmode="stack")
        frame.chart(fig, ctx, key="monitoring_risks", view=view, title=f"{frame.area_name(ctx, view)}在监测户主要风险")

st.subheader(f"待办：无帮扶措施的在监测户（按{frame.unit_word(view)}）")
todo = units[units["without_measure"] > 0][["name", "monitored", "without_measure"]]
if todo.empty:
    st.success("所有在监测户均已记录帮扶措施。")
else:
    frame.data_table(todo.sort_values("without_measure", ascending=False).rename(columns={
        "name": frame.unit_word(view), "monitored": "在监测户（户）", "without_measure": "无帮扶措施（户）"}),
        "monitoring_todo", f"{frame.area_name(ctx, view)}无帮扶措施的在监测户", ctx, view,
        ["在监测户（户）", "无帮扶措施（户）"])

st.subheader(f"监测户中的重度残疾人：未领护理补贴或未获康复服务（{view.year}年）")
gap = units[units["severe_persons"] > 0].sort_values("without_either", ascending=False)
if gap.empty:
    st.info("期末在监测户中没有重度残疾人。")
else:
    columns = {"name": frame.unit_word(view), "severe_persons": "重度残疾人（人）", "without_nursing": "未领护理补贴（人）",
               "without_rehab": "未获康复服务（人）", "without_either": "至少缺一项（人）"}
    frame.data_table(gap[list(columns)].rename(columns=columns).astype({c: int for c in list(columns.values())[1:]}),
                     "monitoring_gap", f"{frame.area_name(ctx, view)}监测户中重度残疾人保障缺口", ctx, view,
                     list(columns.values())[1:])
frame.until_caption(ctx)
