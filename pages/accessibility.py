"""无障碍与托养: home modifications planned against completed, spending per household; persons in care."""

import streamlit as st

from queries import dashboard
from queries.report import rate
from queries.summary import accessibility_text
from ui import charts, data, frame
from ui.labels import METRICS, PALETTE, fmt_pct

ctx, view = frame.setup("无障碍与托养", "{area}家庭无障碍改造与托养照护服务，{year}。")

years = data.q(dashboard.modification_by_year, view.filters)
units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]  # shared with 总览, 康复服务
by_unit = data.q(dashboard.modification_by_unit, view.filters, view.year)
care = data.q(dashboard.care_by_type, view.filters)
year_row = years[years["plan_year"] == view.year]
planned = int(year_row["planned"].sum())
completed = int(year_row["completed"].sum())
spent = float(year_row["completed_amount_yuan"].sum())
care_year = care[care["year"] == view.year]
if not view.village:
    frame.summary(accessibility_text(frame.area_name(ctx, view), view.year, planned, completed, spent, care,
                                     small=frame.suppressing(view)))

cols = st.columns(4)
frame.kpi(cols[0], f"{view.year}年计划改造", f"{planned:,}户", f"已完成 {completed:,} 户")
frame.kpi(cols[1], "完成率", fmt_pct(rate(completed, planned)), "目标：需改造户≥90%",
          good=None if not planned else completed / planned >= 0.9)
frame.kpi(cols[2], "户均改造支出", f"{spent / completed:,.0f}元" if completed else "—",
          f"已完成户合计 {spent / 10_000:,.2f} 万元")
frame.kpi(cols[3], f"{view.year}年托养服务", f"{int(care_year['persons'].sum()):,}人",
          "、".join(f"{t}{int(p)}人" for t, p in zip(care_year["care_type"], care_year["persons"], strict=True)))

left, right = st.columns(2)
with left:
    st.subheader("各年无障碍改造：计划与完成")
    if years.empty:
        st.info("没有无障碍改造记录。")
    else:
        fig = charts.grouped_bars(years, "plan_year", {"planned": ("计划（户）", PALETTE["grey"]),
                                                       "completed": ("完成（户）", METRICS["modification_rate"].colour)}, "户")
        frame.chart(fig, ctx, key="modification_years", view=view, title="各年无障碍改造计划与完成户数")
frame.slide_end(view)
with right:
    st.subheader("各年户均改造支出")
    if not years.empty:
        spend = years[years["completed"] > 0].assign(
            per_household=lambda f: f["completed_amount_yuan"] / f["completed"])
        fig = charts.grouped_bars(spend, "plan_year", {"per_household": ("户均支出", PALETTE["orange"])}, "元/户")
        frame.chart(fig, ctx, key="modification_spend", view=view, title="各年无障碍改造户均支出（元）")

st.subheader(f"各{frame.unit_word(view)}无障碍改造（{view.year}年）")
table = by_unit.merge(units[["unit_code", "name"]], on="unit_code", how="left")
if table.empty:
    st.info(f"{view.year}年没有计划改造的户。")
else:
    table["完成率（%）"] = [rate(c, p) for c, p in zip(table["completed"], table["planned"], strict=True)]
    frame.data_table(table[["name", "planned", "completed", "完成率（%）"]].rename(columns={
        "name": frame.unit_word(view), "planned": "计划（户）", "completed": "完成（户）"}),
        "modification_units", f"{frame.area_name(ctx, view)}{view.year}年无障碍改造", ctx, view,
        ["计划（户）", "完成（户）"], {"完成率（%）": ("完成（户）", "计划（户）")})

st.subheader("各年托养服务人数（按类型）")
if care.empty:
    st.info("没有托养服务记录。")
else:
    wide = care.pivot_table(index="year", columns="care_type", values="persons", aggfunc="sum",
                            fill_value=0).reset_index()
    palette = [PALETTE["purple"], PALETTE["blue"], PALETTE["green"]]
    series = {c: (c, palette[i % 3]) for i, c in enumerate(c for c in wide.columns if c != "year")}
    fig = charts.grouped_bars(wide, "year", series, "人", barmode="stack")
    frame.chart(fig, ctx, key="care_types", view=view, title="各年托养服务人数")
