"""无障碍与托养: home modifications planned against completed, spending per household; persons in care."""

import pandas as pd
import streamlit as st

from queries import builders, dashboard
from queries.catalog import METRICS, PALETTE
from queries.publish import Publication, add_units, key
from queries.summary import accessibility_text
from ui import charts, data, page
from ui.render import screen, slide

ctx, view = page.setup("无障碍与托养", "{area}家庭无障碍改造与托养照护服务，{year}。", datasets=("modification",))
HOUSEHOLDS_NOTE = "改造户数按户统计，不按残疾类别、等级筛选。"

years = data.q(dashboard.modification_by_year, view.filters)
by_unit = data.q(dashboard.modification_by_unit, view.filters, view.year)
units = data.q(dashboard.unit_tables, view.filters, view.year)[view.year]
care = data.q(dashboard.care_by_type, view.filters)
care_wide = care.pivot_table(index="year", columns="care_type", values="persons", aggfunc="sum", fill_value=0)
care_year = care[care["year"] == view.year]
missing = ctx.missing("modification", view.year)
care_missing = ctx.missing("care", view.year)
table_units = by_unit.merge(units[["unit_code", "name"]], on="unit_code", how="left")
focus = view.village or "total"  # a village's view: its own row of the township's table


def build() -> Publication:
    """Every number this page publishes, and how they relate."""
    pub = Publication()
    # every unit (a village without modifications has its zeros: its view's cards read its row)
    frame = units[["unit_code", "name"]].merge(by_unit, on="unit_code", how="left").fillna(0).rename(
        columns={"planned": "modification_planned", "completed": "modification_completed"})
    add_units(pub, frame[["unit_code", "name", "modification_planned", "modification_completed"]],
              missing={c: missing for c in ("modification_planned", "modification_completed") if missing})
    builders.add_modification(pub, years, view.year, focus, missing)
    for year, r in years.set_index("plan_year").iterrows():
        pub.count(f"planned@{year}", r["planned"], "户")
        pub.count(f"completed@{year}", r["completed"], "户")
        pub.amount(f"spent@{year}", float(r["completed_amount_yuan"]), f"completed@{year}")
        pub.mean(f"per@{year}", f"spent@{year}", f"completed@{year}", "元/户")
        if year == view.year:
            pub.total(key("modification_planned", focus), [f"planned@{year}"])
    for year, r in care_wide.iterrows():
        pub.line(f"care{year}", list(r.items()), "count", "人")
    builders.add_care(pub, care, view.year, care_missing)
    return pub


out = screen.Output(build, view)
pub = out.pub
area = page.area_name(ctx, view)
k = lambda column: key(column, focus)  # noqa: E731
if not view.village:
    screen.summary(out, accessibility_text(pub, area, view.year, list(care_year["care_type"])))

cols = slide.headline(view, 4)
screen.card(cols[0], pub, f"{view.year}年计划改造", k("modification_planned"), f"已完成 {pub.text(k('modification_completed'))}")
rate = pub.shown(k("modification_rate"))
screen.card(cols[1], pub, "完成率", k("modification_rate"), f"目标：需改造户≥{METRICS['modification_rate'].target_text}",
            good=METRICS["modification_rate"].reached(rate))
screen.card(cols[2], pub, "户均改造支出", "per_household", f"已完成户合计 {pub.text('spent@total')}")
screen.card(cols[3], pub, f"{view.year}年托养服务", "care@total",
            "、".join(f"{t}{pub.text(f'care@{t}')}" for t in care_year["care_type"]))
st.caption(HOUSEHOLDS_NOTE + "托养人数按所选类别、等级筛选。")
screen.legend(pub)


def year_frame(p: Publication, measures: dict[str, str]) -> pd.DataFrame:
    """Plan years × measures from the publication (withheld ones labelled)."""
    frame = pd.DataFrame({"plan_year": [str(y) for y in years["plan_year"]]})
    for column, prefix in measures.items():
        keys = [f"{prefix}@{y}" for y in years["plan_year"]]
        frame[column] = [p.shown(x) for x in keys]
        frame[f"{column}_text"] = [p.text(x, unit=False) for x in keys]
    return frame


left, right = slide.columns(view, 2, ("chart", "trend"))
with left:
    st.subheader("各年无障碍改造：计划与完成", anchor=False)
    if years.empty:
        st.info("没有无障碍改造记录。")
    else:
        series = {"planned": ("计划（户）", PALETTE["grey"]), "completed": ("完成（户）", METRICS["modification_rate"].colour)}
        screen.chart(out, lambda p: charts.grouped_bars(year_frame(p, {"planned": "planned", "completed": "completed"}),
                                                        "plan_year", series, "户"),
                     ctx, "modification_years", title=f"{area}各年无障碍改造计划与完成户数", note=HOUSEHOLDS_NOTE)
with right:
    st.subheader("各年户均改造支出", anchor=False)
    if not years.empty:
        series = {"per_household": ("户均支出", PALETTE["orange"])}
        screen.chart(out, lambda p: charts.grouped_bars(year_frame(p, {"per_household": "per"}), "plan_year", series,
                                                        "元/户"),
                     ctx, "modification_spend", title=f"{area}各年无障碍改造户均支出（元）",
                     note="完成户少于5户的年份不计算户均。" if out.pub.suppressed else "")
page.slide_end(view)

st.subheader(f"各{page.unit_word(view)}无障碍改造（{view.year}年）", anchor=False)
if table_units.empty:
    st.info(missing or f"{view.year}年没有计划改造的户。")
else:
    screen.table(out, "modification_units", f"{area}{view.year}年无障碍改造", ctx,
                 [*zip(table_units["name"], table_units["unit_code"], strict=True), ("合计", "total")],
                 [("计划（户）", "modification_planned"), ("完成（户）", "modification_completed"),
                  ("完成率（%）", "modification_rate")])

st.subheader("各年托养服务人数（按类型）", anchor=False)
if care.empty:
    st.info("没有托养服务记录。")
else:
    def care_chart(p: Publication):
        """Persons in care per year and type."""
        frame = pd.DataFrame({"year": [str(y) for y in care_wide.index]})
        for t in care_wide.columns:
            frame[t] = [p.shown(f"care{y}@{t}") for y in care_wide.index]
            frame[f"{t}_text"] = [p.text(f"care{y}@{t}", unit=False) for y in care_wide.index]
        palette = [PALETTE["purple"], PALETTE["blue"], PALETTE["green"]]
        series = {t: (t, palette[i % 3]) for i, t in enumerate(care_wide.columns)}
        return charts.grouped_bars(frame, "year", series, "人", barmode="stack")

    screen.chart(out, care_chart, ctx, "care_types", title=f"{area}各年托养服务人数")
