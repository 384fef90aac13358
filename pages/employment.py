"""就业帮扶: employment bases on the map, employment by form per year, bases and placements per township."""

import streamlit as st

from queries import dashboard
from queries.metrics import totals
from queries.summary import employment_text
from ui import charts, data, frame
from ui.labels import PALETTE

ctx, view = frame.setup("就业帮扶", "{area}残疾人就业基地与就业帮扶，{year}。")

units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]  # shared with 总览, 康复服务
focus = units[units["unit_code"] == view.village].iloc[0] if view.village else totals(units)
bases = data.q(dashboard.employment_bases, view.filters, view.year)
forms = data.q(dashboard.employment_by_form, view.filters)
this_year = forms[forms["year"] == view.year]
if not view.village:
    frame.summary(employment_text(frame.area_name(ctx, view), view.year, bases, forms, small=frame.suppressing(view)))

cols = st.columns(4)
frame.kpi(cols[0], f"就业基地（{view.year}年）", f"{len(bases):,}个", f"安置残疾人 {int(bases['placed_persons'].sum()):,} 人")
frame.kpi(cols[1], "带动户数", f"{int(bases['households_lifted'].sum()):,}户",
          f"扶持资金 {bases['funding_wan_yuan'].sum():,.1f} 万元")
frame.kpi(cols[2], f"{view.year}年就业人数", f"{int(this_year['persons'].sum()):,}人次",
          f"其中在基地就业 {int(this_year['persons_at_base'].sum()):,} 人次")
frame.kpi(cols[3], "公益性岗位", f"{int(this_year.loc[this_year['form'] == '公益性岗位', 'persons'].sum()):,}人")

left, right = st.columns([3, 2])
with left:
    st.subheader("就业基地分布（圆点大小 = 安置人数）")
    bases = bases.assign(
        value_text=bases["placed_persons"].map(lambda v: f"安置 {v:,} 人"))
    tooltip = ("<b>{name}</b><br/>{base_type}　{township_name}<br/>安置残疾人 {placed_persons} 人，带动 "
               "{households_lifted} 户<br/>扶持资金 {funding_wan_yuan} 万元，{recognised_year} 年认定")
    frame.region_map(ctx, view, units, "base_placed", "人", points=bases, point_tooltip=tooltip, key="employment_map",
                     title=f"{frame.area_name(ctx, view)}各{frame.unit_word(view)}就业基地安置人数")
with right:
    st.subheader(f"各{frame.unit_word(view)}基地数与安置人数")
    shown = units[units["bases"] > 0]
    if shown.empty:
        st.info("所选范围没有就业基地。")
    else:
        shown = shown.assign(text=[f"{int(b)}个基地，安置{int(p)}人" for b, p in zip(shown["bases"], shown["base_placed"],
                                                                            strict=True)])
        fig = charts.ranked_bars(shown, "base_placed", PALETTE["orange"], "人", ascending=False, text="text",
                                 title="安置人数")
        frame.chart(fig, ctx, key="employment_rank", drill=True, view=view, title="各乡镇就业基地安置人数")
frame.slide_end(view)

st.subheader("各年就业形式")
if forms.empty:
    st.info("没有就业情况记录。")
else:
    wide = forms.pivot_table(index="year", columns="form", values="persons", aggfunc="sum", fill_value=0).reset_index()
    palette = [PALETTE[k] for k in ("blue", "orange", "green", "vermillion", "sky", "purple")]
    series = {f: (f, palette[i % len(palette)]) for i, f in enumerate(c for c in wide.columns if c != "year")}
    fig = charts.grouped_bars(wide, "year", series, "人次", barmode="stack")
    frame.chart(fig, ctx, key="employment_forms", view=view, title="各年就业形式（人次）")

st.subheader("就业基地名录")
st.dataframe(bases[["name", "base_type", "township_name", "placed_persons", "households_lifted", "funding_wan_yuan",
                    "recognised_year"]].rename(columns={
    "name": "基地名称", "base_type": "类型", "township_name": "乡镇", "placed_persons": "安置（人）",
    "households_lifted": "带动（户）", "funding_wan_yuan": "扶持资金（万元）", "recognised_year": "认定年度"}),
    hide_index=True, width="stretch")
