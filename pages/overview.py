"""总览: each area's headline against its target, a township map of a chosen metric, a ranking."""

import pandas as pd
import streamlit as st

from queries import dashboard
from queries.metrics import shortfall, totals, with_metrics
from queries.report import table_of
from queries.summary import overview_text
from queries.suppression import PRIMARY, SECONDARY, SMALL, suppress_table
from ui import charts, data, frame
from ui.labels import METRICS, fmt_count, fmt_pct
from ui.state import MAP_METRICS
from ui.suppressed import suppressed_units

ctx, view = frame.setup("总览", "{area}残疾人工作主要指标，{year}。")

tables = data.q(dashboard.unit_tables, view.filters, view.year)  # this year and last, one query
units = tables[view.year]
if units.empty:
    st.info("所选范围没有数据。")
    st.stop()
focus = units[units["unit_code"] == view.village].iloc[0] if view.village else totals(units)
if not view.village and view.year - 1 in ctx.years:
    last_year = tables[view.year - 1]
    frame.summary(overview_text(frame.area_name(ctx, view), frame.year_end_label(ctx, view.year), units, last_year,
                                frame.unit_word(view), small=frame.suppressing(view)))

row1 = st.columns(4)
frame.kpi(row1[0], "持证残疾人", frame.num(view, focus["persons"], "人"),
          f"重度（一、二级）护理补贴对象 {fmt_count(focus['nursing_eligible'], '人')}")
monitored = focus["monitored"]
frame.kpi(row1[1], "在监测户（防返贫）", fmt_count(monitored, "户"),
          f"其中无帮扶措施 {fmt_count(focus['without_measure'], '户')}" if focus["without_measure"]
          else "全部已落实帮扶措施", good=not focus["without_measure"])
for col, key, label in ((row1[2], "living_coverage", "生活补贴覆盖率"), (row1[3], "nursing_coverage", "护理补贴覆盖率")):
    prefix = key.split("_")[0]
    short = int(focus[f"{prefix}_unpaid"])
    frame.kpi(col, label, fmt_pct(focus[key]),
              f"目标100%，应享未享 {short:,} 人" if short else "目标100%，应补尽补",
              good=short == 0, help_text=METRICS[key].definition)

row2 = st.columns(4)
need = shortfall(focus["rehab_served"], focus["rehab_need"], 85)
frame.kpi(row2[0], "康复服务率", fmt_pct(focus["rehab_rate"]),
          f"距85%目标还差 {need:,} 人" if need else "已达到85%目标", good=need == 0,
          help_text=METRICS["rehab_rate"].definition)
frame.kpi(row2[1], "就业基地", fmt_count(focus["bases"], "个"), f"安置残疾人 {fmt_count(focus['base_placed'], '人')}")
mod_short = shortfall(focus["modification_completed"], focus["modification_planned"], 90)
frame.kpi(row2[2], "无障碍改造完成率", fmt_pct(focus["modification_rate"]),
          f"计划 {int(focus['modification_planned']):,} 户，完成 {int(focus['modification_completed']):,} 户"
          + (f"，距90%还差 {mod_short} 户" if mod_short else ""), good=mod_short == 0)
gap_row = units[units["unit_code"] == view.village] if view.village else units
either = int(gap_row["without_either"].sum())
frame.kpi(row2[3], "监测户中重度残疾人缺保障", fmt_count(either, "人"),
          f"未领护理补贴 {int(gap_row['without_nursing'].sum()):,} 人，未获康复服务 {int(gap_row['without_rehab'].sum()):,} 人",
          good=either == 0, help_text="期末在监测户中的一、二级持证残疾人，当年未领取护理补贴或未获得基本康复服务。")
if view.scope:  # a township user: the other townships only inside the county total
    county_row = with_metrics(data.q(dashboard.county_total, view.filters, view.year)).iloc[0]
    st.caption(f"全县合计：持证残疾人{int(county_row['persons']):,}人，康复服务率{fmt_pct(county_row['rehab_rate'])}，"
               f"生活补贴覆盖率{fmt_pct(county_row['living_coverage'])}，护理补贴覆盖率"
               f"{fmt_pct(county_row['nursing_coverage'])}。")
st.page_link("pages/monitoring.py", label="查看监测户缺保障名单（按乡镇）→",
             query_params=st.query_params.to_dict())

st.divider()
left, right = st.columns([3, 2])
with left:
    metric = frame.metric_choice()
    meta = METRICS.get(metric)
    unit = "%" if metric.endswith(("rate", "coverage")) else ("户" if metric in ("monitored", "without_measure") else "人")
    target = meta.target if meta else None
    frame.region_map(ctx, view, units, metric, unit, target=target, key="overview_map",
                     title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}{MAP_METRICS[metric]}")
with right:
    higher_better = meta.higher_is_better if meta else metric not in ("unpaid_eligible",)
    st.subheader(f"{frame.unit_word(view)}排名：{MAP_METRICS[metric]}")
    st.caption("由弱到强排列；点击条形可下钻。")
    colour = meta.colour if meta else "#0072B2"
    fig = charts.ranked_bars(units, metric, colour, unit, target=target, ascending=higher_better)
    frame.chart(fig, ctx, key="overview_rank", drill=True, view=view,
                safe_figure=lambda: charts.ranked_bars(suppressed_units(units), metric, colour, unit, target=target,
                                                 ascending=higher_better),
                title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}{MAP_METRICS[metric]}排名")
frame.slide_end(view)

st.divider()
st.subheader(f"年度分{frame.unit_word(view)}统计表（{view.year}年）")
st.caption("口径见“数据说明”；与命令行 `python -m queries.report` 导出的表相同。")
table = table_of(units, view.filters.params()["township"] or ctx.county_code)
counts = [c for c in table.columns if c not in ("区划代码", "名称") and not c.endswith(("覆盖率", "服务率", "金额"))]


def safe_table() -> pd.DataFrame:
    """The table as it may leave the analysts' screen (made only when shown suppressed or exported)."""
    safe = suppress_table(table, counts, {"康复服务率": ("康复已服务人数", "康复需求人数")})
    # Coverage is over the eligible, who are not a column of the table: withhold it where they are under 5.
    for label, eligible in (("生活补贴_覆盖率", "living_eligible"), ("护理补贴_覆盖率", "nursing_eligible")):
        small = [*(units[eligible] < SMALL), False]
        paid_hidden = safe[label.replace("覆盖率", "人数")].isin([PRIMARY, SECONDARY])
        safe[label] = safe[label].astype("object").where(~(pd.Series(small) | paid_hidden), "—")
    return safe


frame.grid(safe_table() if frame.suppressing(view) else table)
frame.export_table("annual", f"{frame.area_name(ctx, view)}年度分{frame.unit_word(view)}统计表", safe_table, ctx, view)
