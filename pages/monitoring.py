"""防返贫监测: households under monitoring by township and type, monthly flow, path to risk elimination."""

import streamlit as st

from queries import builders, dashboard
from queries.catalog import PALETTE
from queries.publish import Publication, add_units, key, unit_missing
from queries.summary import monitoring_text
from ui import charts, data, page
from ui.labels import MONITOR_TYPES
from ui.render import screen, slide

ctx, view = page.setup("防返贫监测", "{area}残疾人家庭防止返贫动态监测：应纳尽纳、应帮尽帮、应消尽消。", trend=True,
                       datasets=("monitoring",))
HOUSEHOLDS_NOTE = "户数指标按户统计，不按残疾类别、等级筛选。"

units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]  # shared with 总览, 康复服务
year_end = data.q(dashboard.monitoring_year_end, view.filters, view.year)
path, risks = year_end["path"], year_end["risks"]
# Months after the monitoring data's last are not months without events: the range stops there.
flow_to = min(view.month_to, ctx.last_month("monitoring") or view.month_to)
flow = data.q(dashboard.monitoring_by_month, view.filters, min(view.month_from, flow_to), flow_to)
TYPES = {"monitored_unstable": MONITOR_TYPES[0], "monitored_marginal": MONITOR_TYPES[1],
         "monitored_sudden": MONITOR_TYPES[2]}
risk_table = risks.pivot_table(index="main_risk", columns="monitor_type", values="households", aggfunc="sum",
                               fill_value=0).reindex(columns=MONITOR_TYPES, fill_value=0)
risk_table = risk_table.loc[risk_table.sum(axis=1).sort_values().index]
missing = ctx.missing("monitoring", view.year)
focus = view.village or "total"
PATH = {"enrolled": "累计纳入（户）", "with_measure": "已落实措施（户）", "eliminated": "已消除风险（户）"}


def build() -> Publication:
    """Every number this page publishes, and how they relate."""
    pub = Publication()
    add_units(pub, units, missing=unit_missing(lambda d: ctx.missing(d, view.year)))
    by_type = path.set_index("monitor_type")
    for column in PATH:
        pub.line(f"path_{column}", [(t, by_type[column].get(t, 0)) for t in MONITOR_TYPES], "count", "户", missing)
    for t in MONITOR_TYPES:
        pub.add(f"path_months@{t}", float(by_type["months_to_eliminate"].get(t, 0)), "count", "月")
        pub.mean(f"path_mean@{t}", f"path_months@{t}", f"path_eliminated@{t}", "个月", 1)
    pub.add("path_months@total", float(by_type["months_to_eliminate"].sum()), "count", "月")
    pub.mean("path_mean@total", "path_months@total", "path_eliminated@total", "个月", 1)
    builders.add_elimination_time(pub, path, key("eliminated", focus))
    for column, t in TYPES.items():
        pub.line(f"risk_{t}", list(risk_table[t].items()), "count", "户")
        pub.total(key(column, focus), [f"risk_{t}@total"])  # the risks of a type add up to its households
    for column in ("enrolled", "eliminated"):
        pub.line(f"flow_{column}", [(m.strftime("%Y-%m"), v) for m, v in zip(flow["month"], flow[column], strict=True)],
                 "count", "户")
        # Months add up to the year (issue 25: Jan–Nov's bars beside the year's total gave December away).
        # Stated where the chart's months lie in the year, all of them up to its end; a range that cuts the
        # year is not public (the press sees the year's months) and internal views withhold nothing.
        within = [m.strftime("%Y-%m") for m in flow["month"] if m.year == view.year]
        if within and within == sorted(within) and len(within) == len(flow) and within[0].endswith("-01") \
                and pub.has(key(column, focus)) and pub.value(key(column, focus)) == pub.value(f"flow_{column}@total"):
            pub.total(key(column, focus), [f"flow_{column}@total"])
    return pub


out = screen.Output(build, view)
pub = out.pub
k = lambda column: key(column, focus)  # noqa: E731
area = page.area_name(ctx, view)
if not view.village:
    screen.summary(out, monitoring_text(pub, area, ctx.year_end("monitoring", view.year), focus, "year_mean"))
cols = slide.headline(view, 5)
screen.card(cols[0], pub, f"{ctx.year_end('monitoring', view.year)}在监测户", k("monitored"))
for col, (column, label) in zip(cols[1:4], TYPES.items(), strict=True):
    screen.card(col, pub, label, k(column))
screen.card(cols[4], pub, "无帮扶措施户", k("without_measure"),
            *screen.against_target(pub, k("without_measure"), k("monitored"), "需立即落实帮扶", "已全部落实", "无在监测户"))
st.caption(HOUSEHOLDS_NOTE + (" " + missing if missing else ""))
screen.legend(pub)

left, right = slide.columns(view, [3, 2], ("map", "chart"))
with left:
    st.subheader(f"各{page.unit_word(view)}在监测户数", anchor=False)
    screen.region_map(out, ctx, units, "monitored", "户", key_="monitoring_map",
                      title=f"{area}各{page.unit_word(view)}在监测户数", missing=missing)
with right:
    st.subheader("按监测类别", anchor=False)
    colours = [PALETTE["vermillion"], PALETTE["orange"], PALETTE["purple"]]
    screen.chart(out, lambda p: charts.stacked_hbars(
        screen.unit_frame(p, units, list(TYPES)), "name",
        {c: (lbl, colour) for (c, lbl), colour in zip(TYPES.items(), colours, strict=True)}, "户"),
        ctx, "monitoring_types", title="各监测类别在监测户数", note=HOUSEHOLDS_NOTE, missing=missing)
page.slide_end(view)

st.subheader("每月新纳入与风险消除户数", anchor=False)
if not ctx.last_month("monitoring") or view.month_from > flow_to:
    st.info("所选月份不在监测户数据的时间范围内。")
elif not flow[["enrolled", "eliminated"]].to_numpy().any():
    st.info("所选月份没有纳入或消除记录。")
else:
    def flow_chart(p: Publication):
        """Bars per month, withheld months labelled."""
        frame = flow[["month"]].copy()
        for column in ("enrolled", "eliminated"):
            keys = [f"flow_{column}@{m.strftime('%Y-%m')}" for m in flow["month"]]
            frame[column] = [p.shown(x) for x in keys]
            frame[f"{column}_text"] = [p.text(x, unit=False) for x in keys]
        return charts.month_lines(frame, "month", {"enrolled": ("新纳入", PALETTE["vermillion"]),
                                                   "eliminated": ("风险消除", PALETTE["green"])}, "户", kind="bar")

    screen.chart(out, flow_chart, ctx, "monitoring_flow", title=f"{area}每月新纳入与风险消除户数",
                 note=f"按所选月份范围；{HOUSEHOLDS_NOTE}", part="trend")
page.slide_end(view)

left, right = st.columns(2)
with left:
    st.subheader(f"从纳入到风险消除（截至{ctx.year_end('monitoring', view.year)}）", anchor=False)
    if pub.value("path_enrolled@total"):
        screen.chart(out, lambda p: charts.funnel(["累计纳入监测", "已落实帮扶措施", "已消除风险"],
                                                  [p.shown(f"path_{c}@total") for c in PATH],
                                                  [p.text(f"path_{c}@total") for c in PATH], PALETTE["blue"]),
                     ctx, "monitoring_funnel", title=f"{area}从纳入监测到风险消除")
        rows = [*((t, t) for t in MONITOR_TYPES), ("合计", "total")]
        screen.table(out, "monitoring_path", f"{area}从纳入到风险消除", ctx, rows,
                     [*((h, c) for c, h in PATH.items()), ("平均消除用时（月）", "mean")], first="监测类别",
                     keys=lambda col, row: f"path_{col}@{row}")
        st.caption(f"自有数据以来累计；平均用时为已消除风险的户从纳入到消除的月数，合计平均 {pub.text('path_mean@total')}。")
    else:
        st.info(missing or "没有监测户记录。")
with right:
    st.subheader(f"主要风险（{ctx.year_end('monitoring', view.year)}在监测户）", anchor=False)
    if risk_table.empty:
        st.info(missing or "期末没有在监测户。")
    else:
        def risk_chart(p: Publication):
            """Stacked bars per main risk and type, withheld cells labelled."""
            frame = risk_table.reset_index()[["main_risk"]]
            for t in MONITOR_TYPES:
                frame[t] = [p.shown(f"risk_{t}@{r}") for r in frame["main_risk"]]
                frame[f"{t}_text"] = [p.text(f"risk_{t}@{r}", unit=False) for r in frame["main_risk"]]
            return charts.grouped_bars(frame, "main_risk", {t: (t, c) for t, c in zip(
                MONITOR_TYPES, [PALETTE["vermillion"], PALETTE["orange"], PALETTE["purple"]], strict=True)},
                "户", barmode="stack")

        screen.chart(out, risk_chart, ctx, "monitoring_risks", title=f"{area}在监测户主要风险")

st.subheader(f"待办：无帮扶措施的在监测户（按{page.unit_word(view)}）", anchor=False)
todo = units[units["without_measure"] > 0].sort_values("unit_code")  # ranked by what is shown (screen.table)
if missing:
    st.info(missing)
elif todo.empty:
    st.success("所有在监测户均已记录帮扶措施。")
else:
    screen.table(out, "monitoring_todo", f"{area}无帮扶措施的在监测户", ctx,
                 [*zip(todo["name"], todo["unit_code"], strict=True), ("合计（全部）", "total")],
                 [("在监测户（户）", "monitored"), ("无帮扶措施（户）", "without_measure")], order="without_measure")

st.subheader(f"监测户中的重度残疾人：未领护理补贴或未获康复服务（{view.year}年）", anchor=False)
gap = units[units["severe_persons"] > 0].sort_values("unit_code")  # ranked by what is shown (screen.table)
# Whether they were paid or served can only be said for a year the other two datasets cover.
gap_missing = "；".join(m for m in (ctx.missing("subsidy", view.year), ctx.missing("rehab", view.year)) if m)
if missing or gap.empty:
    st.info(missing or "期末在监测户中没有重度残疾人。")
elif gap_missing:
    st.info(f"{ctx.year_end('monitoring', view.year)}在监测户中有重度残疾人{pub.text(key('severe_persons', 'total'))}；"
            f"{gap_missing}，暂不能核对其护理补贴和康复服务。")
else:
    screen.table(out, "monitoring_gap", f"{area}监测户中重度残疾人保障缺口", ctx,
                 [*zip(gap["name"], gap["unit_code"], strict=True), ("合计（全部）", "total")],
                 [("重度残疾人（人）", "severe_persons"), ("未领护理补贴（人）", "without_nursing"),
                  ("未获康复服务（人）", "without_rehab"), ("至少缺一项（人）", "without_either")], order="without_either")
page.until_caption(ctx)
