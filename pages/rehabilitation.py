"""康复服务: service rate per township against the 85% target, by service type and category, children."""

import streamlit as st

from queries import dashboard
from queries.metrics import shortfall, totals
from queries.report import rate
from queries.summary import rehab_text
from ui import charts, data, frame
from ui.labels import CATEGORY_LABELS, METRICS, PALETTE, fmt_pct
from ui.suppressed import suppressed_units

ctx, view = frame.setup("康复服务", "{area}持证残疾人精准康复服务，{year}；目标：服务率不低于85%。")

TARGET = METRICS["rehab_rate"].target
tables = data.q(dashboard.unit_tables, view.filters, view.year)  # this year and last, one query
units = tables[view.year]
focus = units[units["unit_code"] == view.village].iloc[0] if view.village else totals(units)
groups = data.q(dashboard.rehab_by_group, view.filters, view.year)
children = groups[groups["is_child"]][["need_persons", "served_persons"]].sum()
if not view.village:
    last_year = tables[view.year - 1] if view.year - 1 in ctx.years else units.iloc[0:0]
    frame.summary(rehab_text(frame.area_name(ctx, view), frame.year_end_label(ctx, view.year), units, last_year,
                             children, frame.unit_word(view), small=frame.suppressing(view)))

cols = st.columns(4)
short = shortfall(focus["rehab_served"], focus["rehab_need"], TARGET)
frame.kpi(cols[0], "康复服务率", fmt_pct(focus["rehab_rate"]),
          f"距{TARGET:g}%目标还差 {short:,} 人" if short else f"已达到{TARGET:g}%目标", good=short == 0,
          help_text=METRICS["rehab_rate"].definition)
frame.kpi(cols[1], "有康复需求", f"{int(focus['rehab_need']):,}人", f"已服务 {int(focus['rehab_served']):,} 人")
below = units[units["rehab_rate"] < TARGET]
frame.kpi(cols[2], f"未达标{frame.unit_word(view)}", f"{len(below)}个",
          f"共差 {int(below['rehab_short'].sum()):,} 人" if len(below) else "全部达标", good=below.empty)
child_rate = rate(children["served_persons"], children["need_persons"])
frame.kpi(cols[3], "0–16岁残疾儿童服务率", fmt_pct(child_rate),
          f"需求 {int(children['need_persons']):,} 人，已服务 {int(children['served_persons']):,} 人")

left, right = st.columns([3, 2])
with left:
    st.subheader(f"各{frame.unit_word(view)}康复服务率")
    frame.region_map(ctx, view, units, "rehab_rate", "%", target=TARGET, key="rehab_map",
                     title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}康复服务率")
with right:
    st.subheader("对照85%目标")
    def rate_bars(frame_):
        frame_ = frame_.assign(rate_text=[
            f"{r:.1f}%" + (f"（差{s:.0f}人）" if s == s and s else "") if r == r else "—"
            for r, s in zip(frame_["rehab_rate"], frame_["rehab_short"], strict=True)])
        return charts.ranked_bars(frame_, "rehab_rate", METRICS["rehab_rate"].colour, "%", target=TARGET,
                                  text="rate_text", title="服务率")

    frame.chart(rate_bars(units), ctx, key="rehab_rank", drill=True, view=view,
                safe_figure=lambda: rate_bars(suppressed_units(units)),
                title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}康复服务率对照85%目标")
frame.slide_end(view)

st.subheader(f"未达标的{frame.unit_word(view)}：各差多少人")
if below.empty:
    st.success(f"所有{frame.unit_word(view)}均达到{TARGET:g}%目标。")
else:
    shortlist = below.sort_values("rehab_short", ascending=False)[
        ["name", "rehab_need", "rehab_served", "rehab_rate", "rehab_short"]].rename(columns={
            "name": frame.unit_word(view), "rehab_need": "需求（人）", "rehab_served": "已服务（人）",
            "rehab_rate": "服务率（%）", "rehab_short": f"距{TARGET:g}%还差（人）"})
    frame.data_table(shortlist, "rehab_below", f"{frame.area_name(ctx, view)}康复服务率未达标{frame.unit_word(view)}",
                     ctx, view, ["需求（人）", "已服务（人）", f"距{TARGET:g}%还差（人）"],
                     {"服务率（%）": ("已服务（人）", "需求（人）")})

left, right = st.columns(2)
with left:
    st.subheader("按服务类型")
    kinds = data.q(dashboard.rehab_by_type, view.filters, view.year)
    kinds["rate"] = [rate(s, n) for s, n in zip(kinds["served_persons"], kinds["need_persons"], strict=True)]
    fig = charts.grouped_bars(kinds, "service_type", {"need_persons": ("有需求", PALETTE["grey"]),
                                                      "served_persons": ("已服务", PALETTE["green"])}, "人")
    frame.chart(fig, ctx, key="rehab_types", view=view, title=f"{frame.area_name(ctx, view)}各类康复服务需求与服务人数")
with right:
    st.subheader("按残疾类别（服务率）")
    cats = groups.groupby("category_code")[["need_persons", "served_persons"]].sum().reset_index()
    cats["类别"] = cats["category_code"].map(CATEGORY_LABELS)
    cats["rate"] = [rate(s, n) for s, n in zip(cats["served_persons"], cats["need_persons"], strict=True)]
    fig = charts.grouped_bars(cats.dropna(subset=["rate"]), "类别", {"rate": ("服务率", PALETTE["green"])}, "%",
                              target=TARGET)
    safe_cats = cats.assign(rate=cats["rate"].where(cats["need_persons"] >= 5))
    frame.chart(fig, ctx, key="rehab_categories", view=view, title="各残疾类别康复服务率",
                safe_figure=lambda: charts.grouped_bars(safe_cats.dropna(subset=["rate"]), "类别",
                                                  {"rate": ("服务率", PALETTE["green"])}, "%", target=TARGET))

st.subheader("0–16岁残疾儿童康复（按类别）")
kids = groups[groups["is_child"]].copy()
if kids.empty:
    st.info("所选范围没有0–16岁儿童的康复需求记录。")
else:
    kids["类别"] = kids["category_code"].map(CATEGORY_LABELS)
    fig = charts.grouped_bars(kids, "类别", {"need_persons": ("有需求", PALETTE["grey"]),
                                             "served_persons": ("已服务", PALETTE["green"])}, "人")
    frame.chart(fig, ctx, key="rehab_children", view=view, title=f"{frame.area_name(ctx, view)}0–16岁残疾儿童康复")
