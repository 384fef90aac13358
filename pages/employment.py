"""就业帮扶: employment bases on the map, employment by form per year, bases and placements per township."""

import pandas as pd
import streamlit as st

from queries import builders, dashboard
from queries.catalog import PALETTE
from queries.publish import Publication, add_units, unit_missing
from queries.summary import employment_text
from ui import charts, data, page
from ui.render import screen, slide

ctx, view = page.setup("就业帮扶", "{area}残疾人就业基地与就业帮扶，{year}。", datasets=("employment",))
BASES_NOTE = "就业基地及其安置人数不按残疾类别、等级筛选。"
# The bases' columns the map's dots and tooltip may carry (nothing withheld: their figures go as text).
POINT_COLUMNS = ("base_id", "name", "base_type", "township_name", "lon", "lat", "funding_wan_yuan", "recognised_year")

units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]  # shared with 总览, 康复服务
bases = data.q(dashboard.employment_bases, view.filters, view.year)
forms = data.q(dashboard.employment_by_form, view.filters)
this_year = forms[forms["year"] == view.year].sort_values("persons", ascending=False)
missing = ctx.missing("employment", view.year)
focus = view.village or "total"
unit_of_base = bases["village_code"] if view.township else bases["township_code"]
wide = forms.pivot_table(index="year", columns="form", values="persons", aggfunc="sum", fill_value=0)


def build() -> Publication:
    """Every number this page publishes, and how they relate."""
    pub = Publication()
    add_units(pub, units, missing=unit_missing(lambda d: ctx.missing(d, view.year)))
    builders.add_employment(pub, bases, this_year, focus, missing, unit_of_base)
    if not pub.has("form@公益性岗位"):  # no record of the form this year: 0 (or why there is no number)
        pub.count("form@公益性岗位", 0, "人次", missing)
    pub.line("form_base", zip(this_year["form"], this_year["persons_at_base"], strict=True), "count", "人次", missing)
    for year, row in wide.iterrows():
        pub.line(f"y{year}", list(row.items()), "count", "人次")
        if year == view.year:
            pub.total("form@total", [f"y{year}@total"])
    return pub


out = screen.Output(build, view)
pub = out.pub
area = page.area_name(ctx, view)
if not view.village:
    screen.summary(out, employment_text(pub, area, view.year, list(this_year["form"].head(3))))

cols = slide.headline(view, 4)
screen.card(cols[0], pub, f"就业基地（{view.year}年）", "bases@total", f"基地登记安置残疾人 {pub.text('base_list@total')}")
screen.card(cols[1], pub, "带动户数", "lifted@total", f"扶持资金 {pub.text('funding@total')}")
screen.card(cols[2], pub, f"{view.year}年就业人数", "form@total", f"其中在基地就业 {pub.text('form_base@total')}")
screen.card(cols[3], pub, "公益性岗位", "form@公益性岗位", "")
st.caption(BASES_NOTE)
screen.legend(pub)

left, right = slide.columns(view, [3, 2], ("map", "chart"))
with left:
    st.subheader("就业基地分布（圆点大小 = 安置人数）", anchor=False)
    # Only what the tooltip and the dots show go to the browser (issue 25 §4): the layer's data is sent whole,
    # so the bases' true placements and households (placed_persons, households_lifted) never join it.
    shown = [pub.shown(f"base_list@{b}") for b in bases["base_id"]]
    points = bases[list(POINT_COLUMNS)].assign(
        size_persons=[s or 0 for s in shown], placed_text=[pub.text(f"base_list@{b}") for b in bases["base_id"]],
        lifted_text=[pub.text(f"lifted@{b}") for b in bases["base_id"]])
    tooltip = ("<b>{name}</b><br/>{base_type}　{township_name}<br/>安置残疾人 {placed_text}，带动 {lifted_text}"
               "<br/>扶持资金 {funding_wan_yuan} 万元，{recognised_year} 年认定")
    screen.region_map(out, ctx, units, "base_placed", "人", points=points, point_tooltip=tooltip, key_="employment_map",
                      title=f"{area}各{page.unit_word(view)}就业基地安置人数")
with right:
    st.subheader(f"各{page.unit_word(view)}基地数与安置人数", anchor=False)
    with_bases = units[units["bases"] > 0]
    if with_bases.empty:
        st.info(missing or "所选范围没有就业基地。")
    else:
        def placed_bars(p: Publication):
            """Placements per unit with its number of bases."""
            frame = screen.unit_frame(p, with_bases, ["base_placed", "bases"])
            frame["label"] = [f"{b}，安置{n}" for b, n in zip(frame["bases_text"], frame["base_placed_text"], strict=True)]
            return charts.ranked_bars(frame, "base_placed", PALETTE["orange"], "人", ascending=False, text="label",
                                      title="安置人数")

        screen.chart(out, placed_bars, ctx, "employment_rank", drill=True,
                     title=f"{area}各{page.unit_word(view)}就业基地安置人数", note=BASES_NOTE)
page.slide_end(view)

st.subheader("各年就业形式", anchor=False)
if forms.empty:
    st.info("没有就业情况记录。")
else:
    def forms_chart(p: Publication):
        """Persons employed per year and form."""
        frame = pd.DataFrame({"year": [str(y) for y in wide.index]})
        for form in wide.columns:
            frame[form] = [p.shown(f"y{y}@{form}") for y in wide.index]
            frame[f"{form}_text"] = [p.text(f"y{y}@{form}", unit=False) for y in wide.index]
        palette = [PALETTE[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple")]
        series = {f: (f, palette[i % len(palette)]) for i, f in enumerate(wide.columns)}
        return charts.grouped_bars(frame, "year", series, "人次", barmode="stack")

    screen.chart(out, forms_chart, ctx, "employment_forms", title=f"{area}各年就业形式（人次）")

st.subheader("就业基地名录", anchor=False)
if bases.empty:
    st.info(missing or "所选范围没有就业基地。")
else:
    screen.table(out, "employment_bases", f"{area}就业基地名录", ctx,
                 [*zip(bases["name"], bases["base_id"], strict=True), ("合计", "total")],
                 [("安置（人）", "base_list"), ("带动（户）", "lifted")], first="基地名称")
    st.caption(BASES_NOTE)
