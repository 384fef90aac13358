"""康复服务: service rate per township against its target (config/targets.yaml), by service type and category,
children."""

import pandas as pd
import streamlit as st

from queries import builders, dashboard
from queries.catalog import METRICS, PALETTE
from queries.publish import Publication, add_unit_years, key
from queries.summary import rehab_text
from ui import charts, data, page
from ui.labels import CATEGORY_LABELS, md_escape
from ui.render import screen, slide

TARGET = METRICS["rehab_rate"].target
ctx, view = page.setup("康复服务", f"{{area}}持证残疾人精准康复服务，{{year}}；目标：服务率不低于{TARGET:g}%。",
                       datasets=("rehab",))

tables = data.q(dashboard.unit_tables, view.filters, view.year)  # this year and last, one query
units = tables[view.year]
groups = data.q(dashboard.rehab_by_group, view.filters, view.year)
kinds = data.q(dashboard.rehab_by_type, view.filters, view.year)
missing = ctx.missing("rehab", view.year)
focus = view.village or "total"
below = builders.below_target(units)
cats, kids = builders.rehab_groups(groups)


def build() -> Publication:
    """Every number this page publishes, and how they relate (the rehab cells: queries/builders.py)."""
    pub = Publication()
    add_unit_years(pub, tables, view.year, ctx.missing)
    builders.add_rehab(pub, below, groups, focus, missing)
    for measure in ("need_persons", "served_persons"):  # persons per service type (a person may have several)
        for t, v in zip(kinds["service_type"], kinds[measure], strict=True):
            pub.count(f"type_{measure}@{t}", v, "人", missing)
    return pub


out = screen.Output(build, view)
pub = out.pub
area = page.area_name(ctx, view)
k = lambda column: key(column, focus)  # noqa: E731
# The five largest gaps as shown (a withheld gap is never ranked by what it hides: screen.ranked).
biggest = screen.ranked(pub, list(zip(below["name"], below["unit_code"], strict=True)), lambda c: key("rehab_short", c))
names = "、".join(name for name, _ in biggest[:5]) + ("等" if len(below) > 5 else "")
if not view.village:
    screen.summary(out, rehab_text(pub, area, ctx.year_end("rehab", view.year), focus, (len(below), "below_short"),
                                   names, page.unit_word(view), "kid_rate@total"))

cols = slide.headline(view, 4)
delta, good = screen.against_target(pub, k("rehab_short"), k("rehab_need"),
                                    f"{area}距{TARGET:g}%目标还差 {pub.text(k('rehab_short'))}",
                                    f"已达到{TARGET:g}%目标", "没有康复需求记录")
screen.card(cols[0], pub, "康复服务率", k("rehab_rate"), delta, good, METRICS["rehab_rate"].definition)
screen.card(cols[1], pub, "有康复需求", k("rehab_need"), f"已服务 {pub.text(k('rehab_served'))}")
screen.card(cols[2], pub, f"未达标{page.unit_word(view)}", "below_units",
            f"未达标{page.unit_word(view)}合计差 {pub.text('below_short')}（不含已达标的）" if len(below) else "全部达标",
            good=below.empty)
screen.card(cols[3], pub, "0–16岁残疾儿童服务率", "kid_rate@total",
            f"需求 {pub.text('kid_need_persons@total')}，已服务 {pub.text('kid_served_persons@total')}")
if view.category:
    st.caption(f"仅{CATEGORY_LABELS[view.category]}残疾。")
screen.legend(pub)

left, right = slide.columns(view, [3, 2], ("map", "chart"))
with left:
    st.subheader(f"各{page.unit_word(view)}康复服务率", anchor=False)
    screen.region_map(out, ctx, units, "rehab_rate", "%", target=TARGET, key_="rehab_map",
                      title=f"{area}各{page.unit_word(view)}康复服务率", missing=missing)
with right:
    st.subheader(f"对照{TARGET:g}%目标", anchor=False)

    def rate_bars(p: Publication):
        """Rate per unit, labelled with the people short of the target."""
        frame = screen.unit_frame(p, units, ["rehab_rate", "rehab_short"])
        frame["label"] = [r + (f"（差{s}）" if not h and pd.notna(v) and v else "") for r, s, v, h in zip(
            frame["rehab_rate_text"], frame["rehab_short_text"], frame["rehab_short"], frame["rehab_rate_hidden"],
            strict=True)]
        return charts.ranked_bars(frame, "rehab_rate", METRICS["rehab_rate"].colour, "%", target=TARGET, text="label",
                                  title="服务率")

    screen.chart(out, rate_bars, ctx, "rehab_rank", drill=True,
                 title=f"{area}各{page.unit_word(view)}康复服务率对照{TARGET:g}%目标", missing=missing)
page.slide_end(view)

st.subheader(f"未达标的{page.unit_word(view)}：各差多少人", anchor=False)
if missing:
    st.info(missing)
elif below.empty:
    st.success(f"所有{page.unit_word(view)}均达到{TARGET:g}%目标。")
else:
    screen.table(out, "rehab_below", f"{area}康复服务率未达标{page.unit_word(view)}", ctx,
                 [*zip(below["name"], below["unit_code"], strict=True)],
                 [("需求（人）", "rehab_need"), ("已服务（人）", "rehab_served"), ("服务率（%）", "rehab_rate"),
                  (f"距{TARGET:g}%还差（人）", "rehab_short")], order="rehab_short")
    st.caption(md_escape(f"未达标{page.unit_word(view)}合计差 {pub.text('below_short')}；{area}整体距目标差 "
               f"{pub.text(k('rehab_short'))}（已达标的{page.unit_word(view)}超出目标的部分抵消了一部分）。"))


def bars(p: Publication, block: str, labels: list[str], label: str, measures: dict):
    """Bars per category (or service type) of the publication's cells, withheld ones labelled."""
    frame = pd.DataFrame({label: labels})
    for measure in measures:
        keys = [f"{block}_{measure}@{n}" for n in labels]
        frame[measure] = [p.shown(x) for x in keys]
        frame[f"{measure}_text"] = [p.text(x, unit=False) for x in keys]
    return frame


left, right = st.columns(2)
with left:
    st.subheader("按服务类型", anchor=False)
    types = list(kinds["service_type"])
    series = {"need_persons": ("有需求", PALETTE["grey"]), "served_persons": ("已服务", PALETTE["green"])}
    screen.chart(out, lambda p: charts.grouped_bars(bars(p, "type", types, "服务类型", series), "服务类型", series, "人"),
                 ctx, "rehab_types", title=f"{area}各类康复服务需求与服务人数",
                 note="一人可有多类服务需求，各类人数之和大于总人数。", missing=missing)
with right:
    st.subheader("按残疾类别（服务率）", anchor=False)
    names_ = [CATEGORY_LABELS[c] for c in cats.index]
    rate_series = {"rate": ("服务率", PALETTE["green"])}
    screen.chart(out, lambda p: charts.grouped_bars(bars(p, "cat", names_, "类别", rate_series), "类别", rate_series, "%",
                                                    target=TARGET), ctx, "rehab_categories",
                 title=f"{area}各残疾类别康复服务率", missing=missing)

st.subheader("0–16岁残疾儿童康复（按类别）", anchor=False)
if kids.empty:
    st.info(missing or "所选范围没有0–16岁儿童的康复需求记录。")
else:
    kid_names = [CATEGORY_LABELS[c] for c in kids.index]
    series = {"need_persons": ("有需求", PALETTE["grey"]), "served_persons": ("已服务", PALETTE["green"])}
    screen.chart(out, lambda p: charts.grouped_bars(bars(p, "kid", kid_names, "类别", series), "类别", series, "人"),
                 ctx, "rehab_children", title=f"{area}0–16岁残疾儿童康复")
