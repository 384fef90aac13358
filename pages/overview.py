"""总览: each area's headline against its target, a township map of a chosen metric, a ranking, the
annual table. Everything it publishes is one Publication, suppressed once."""

import streamlit as st

from queries import builders, dashboard
from queries.catalog import MAP_METRICS, METRICS, NUMBERS
from queries.publish import Publication, add_below_target, add_unit_years, add_units, key
from queries.report import REPORT_KEYS
from queries.summary import overview_text
from ui import cases_view, charts, data, page
from ui import view_state as vs
from ui.render import screen, slide

ctx, view = page.setup("总览", "{area}残疾人工作主要指标，{year}。",
                       datasets=("monitoring", "subsidy", "rehab"))

tables = data.q(dashboard.unit_tables, view.filters, view.year)  # this year and last, one query
units = tables[view.year]
if units.empty:
    st.info("所选范围没有数据。")
    st.stop()
focus = view.village or "total"
REHAB, MODIFICATION = METRICS["rehab_rate"], METRICS["modification_rate"]  # targets: config/targets.yaml
below = builders.below_target(units)
county_row = data.q(dashboard.county_total, view.filters, view.year) if view.scope else None
warnings_counts = cases_view.open_overdue_or_none(view.scope) if page.signed_in().role != "press" else None


def build() -> Publication:
    """Every number this page publishes, and how they relate."""
    pub = Publication()
    add_unit_years(pub, tables, view.year, ctx.missing)
    add_below_target(pub, below)
    if county_row is not None:
        add_units(pub, county_row.assign(unit_code="county"), "county:")
    if warnings_counts is not None:  # work items of the 预警 page, not a statistic of persons: never withheld
        pub.tally("warn_open", warnings_counts[0], "件")
        pub.tally("warn_overdue", warnings_counts[1], "件")
    return pub


out = screen.Output(build, view)
pub = out.pub
k = lambda column: key(column, focus)  # noqa: E731
area = page.area_name(ctx, view)
if not view.village:
    screen.summary(out, overview_text(pub, area, ctx.year_end("monitoring", view.year), focus,
                                      (len(below), "below_short"), page.unit_word(view)))

row1 = slide.headline(view, 4)
screen.card(row1[0], pub, "持证残疾人", k("persons"), f"重度（一、二级）护理补贴对象 {pub.text(k('nursing_eligible'))}")
delta, good = screen.against_target(pub, k("without_measure"), k("monitored"),
                                    f"其中无帮扶措施 {pub.text(k('without_measure'))}", "全部已落实帮扶措施", "无在监测户")
screen.card(row1[1], pub, f"在监测户（{ctx.year_end('monitoring', view.year)}）", k("monitored"), delta, good)
for col, prefix, label in ((row1[2], "living", "生活补贴覆盖率"), (row1[3], "nursing", "护理补贴覆盖率")):
    target = METRICS[f"{prefix}_coverage"].target_text
    delta, good = screen.against_target(pub, k(f"{prefix}_unpaid"), k(f"{prefix}_eligible"),
                                        f"目标{target}，应享未享 {pub.text(k(f'{prefix}_unpaid'))}",
                                        f"目标{target}，应补尽补", "没有符合条件的对象",
                                        screen.rate_reached(pub, METRICS[f"{prefix}_coverage"], k(f"{prefix}_coverage")))
    screen.card(col, pub, label, k(f"{prefix}_coverage"), delta, good, METRICS[f"{prefix}_coverage"].definition)

row2 = slide.headline(view, 4)
delta, good = screen.against_target(pub, k("rehab_short"), k("rehab_need"),
                                    f"{area}距{REHAB.target_text}目标还差 {pub.text(k('rehab_short'))}",
                                    f"已达到{REHAB.target_text}目标", "没有康复需求记录")
screen.card(row2[0], pub, "康复服务率", k("rehab_rate"), delta, good, METRICS["rehab_rate"].definition)
screen.card(row2[1], pub, "就业基地", k("bases"), f"安置残疾人 {pub.text(k('base_placed'))}")
mod_short = pub.value(k("modification_short"))
screen.card(row2[2], pub, "无障碍改造完成率", k("modification_rate"),
            f"计划 {pub.text(k('modification_planned'))}，完成 {pub.text(k('modification_completed'))}"
            + (f"，距{MODIFICATION.target_text}还差 {pub.text(k('modification_short'))}" if mod_short else ""),
            good=not mod_short)
either = pub.value(k("without_either"))
screen.card(row2[3], pub, "监测户中重度残疾人缺保障", k("without_either"),
            f"未领护理补贴 {pub.text(k('without_nursing'))}，未获康复服务 {pub.text(k('without_rehab'))}",
            good=not either, help_text="期末在监测户中的一、二级持证残疾人，当年未领取护理补贴或未获得基本康复服务。")
if county_row is not None:  # a township user: the other townships only inside the county total
    c = lambda column: key(column, "county", "county:")  # noqa: E731
    st.caption(f"全县合计：持证残疾人{pub.text(c('persons'))}，康复服务率{pub.text(c('rehab_rate'))}，"
               f"生活补贴覆盖率{pub.text(c('living_coverage'))}，护理补贴覆盖率{pub.text(c('nursing_coverage'))}。")
screen.legend(pub)
# One line for both links: on a laptop's first screen the map still fits under the cards.
links = st.columns(2, vertical_alignment="center")
links[0].page_link("pages/monitoring.py", label="查看监测户缺保障名单（按乡镇）→", query_params=st.query_params.to_dict())
if warnings_counts is not None and not view.present:
    with links[1].container(key="warnings_card"):
        st.page_link("pages/warnings.py", icon="⚠️",
                     label=f"预警待处置 {pub.text('warn_open')}，其中超期 {pub.text('warn_overdue')} → 查看预警与核查")

st.divider()
left, right = slide.columns(view, [3, 2], ("map", "chart"))
with left:
    metric = vs.metric_choice()
    meta = METRICS[metric]
    title = f"{area}各{page.unit_word(view)}{MAP_METRICS[metric]}"
    metric_missing = ctx.missing(meta.dataset, view.year)
    screen.region_map(out, ctx, units, metric, meta.unit, target=meta.target, key_="overview_map", title=title,
                      missing=metric_missing)
with right:
    st.subheader(f"{page.unit_word(view)}排名：{MAP_METRICS[metric]}", anchor=False)
    st.caption("由弱到强排列；点击条形可下钻。" if screen.drill_hint(view) else "由弱到强排列。")
    screen.chart(out, lambda p: charts.ranked_bars(screen.unit_frame(p, units, [metric]), metric, meta.colour,
                                                   meta.unit, target=meta.target, ascending=meta.higher_is_better),
                 ctx, "overview_rank", drill=True, title=f"{title}排名", missing=metric_missing)
page.slide_end(view)

st.divider()
st.subheader(f"年度分{page.unit_word(view)}统计表（{view.year}年）", anchor=False)
st.caption("口径见“数据说明”，与年度统计表导出口径相同；金额单位万元，比率单位%。")
HEADER_UNITS = {"amount": "（万元）", "rate": "（%）"}  # report.md's headers, with the unit of money and rates
columns = [(NUMBERS[k].report + HEADER_UNITS.get(NUMBERS[k].kind, ""), k) for k in REPORT_KEYS]
total_name = ctx.townships.get(view.township, ctx.county_name)
rows = [*zip(units["name"], units["unit_code"], strict=True), (f"合计（{total_name}）", "total")]
screen.table(out, "annual", f"{area}年度分{page.unit_word(view)}统计表", ctx, rows, columns)
screen.draft_download(ctx, view)
