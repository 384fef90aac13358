"""指标分析: any metric of the catalogue by one or two breakdowns over a period, as chart and pivot; the whole
choice in the URL (metric, by, cols, year or from/to, town, village, cat, level)."""

import pandas as pd
import streamlit as st

from queries import explore as ex
from queries import public_set
from queries.catalog import BREAKDOWNS, GRAINS, METRICS, TIME_BREAKDOWNS
from queries.explore import ALL, TOTAL, key
from queries.publish import AMOUNT, COUNT, RATE, Publication
from queries.text import plotly_text
from ui import charts, data, page
from ui import view_state as vs
from ui.labels import BELOW_TARGET_COLOUR, CATEGORY_LABELS, LEVEL_LABELS, TARGET_COLOUR, md_escape
from ui.render import screen, xlsx
from ui.state import View


def metric_asked() -> str:
    """The metric this run shows (the session's view, else the link's): the page opens on the latest year
    its own dataset covers (a 2025 chart of payments is not headed "2026年（截至10月）")."""
    state = st.session_state.get("view_state")
    asked = state.metric if state is not None else st.query_params.get("metric", "")
    return asked if asked in METRICS else default_metric()


def default_metric() -> str:
    """The view's default metric."""
    return View.__dataclass_fields__["metric"].default


def months_shown(v: View) -> str:
    """'2025年1月至2025年12月' for a view over time (the sidebar's month range), else '' (the year)."""
    if not {v.by, v.cols} & set(TIME_BREAKDOWNS):
        return ""
    return f"{v.month_from[:4]}年{int(v.month_from[5:])}月至{v.month_to[:4]}年{int(v.month_to[5:])}月"


ctx, view = page.setup("指标分析", "{area}：任选指标，按乡镇、村（社区）、残疾类别、等级、年度或月份分析。", trend=True,
                       datasets=(METRICS[metric_asked()].dataset,), period=months_shown)

if not view.present:
    choose = st.columns([2, 1, 1])
    with choose[0]:
        vs.choice(st.selectbox, "指标", list(METRICS), "metric", "x_metric", lambda k: METRICS[k].label)
    with choose[1]:
        vs.choice(st.selectbox, "按（行）", list(BREAKDOWNS), "by", "x_by", BREAKDOWNS.get)
    with choose[2]:
        vs.choice(st.selectbox, "交叉（列，可选）", ["", *BREAKDOWNS], "cols", "x_cols",
                  lambda b: BREAKDOWNS.get(b, "不交叉"))

m = METRICS[view.metric]
filtered = public_set.filters_outside(view.township, view.village, view.category, view.level)
if page.suppressing(view) and (outside := public_set.explore_refusal(view.metric, view.by, view.cols)
                               or (public_set.outside_text("、".join(filtered)) if filtered else "")):
    # The public sees the public set only (issue 25): a cross, a village, a category or month range could be
    # set beside the pages' tables to recover what they withhold; so could one township's or one category's
    # rows on a 公开场合 slide. Said, with the nearest public view (its filters off: the county by township).
    st.warning(outside)
    nearest = public_set.nearest_explore(view.metric)
    st.button(f"查看对外公开的“{m.label}”按乡镇（街道）数据", key="x_public", on_click=vs.to_public_view,
              kwargs={"by": nearest["by"], "cols": nearest["cols"], "township": "", "village": "", "category": 0,
                      "level": 0})
    st.stop()
why = ex.refusal(m, view.by, view.cols, view.township)
if why:
    st.warning(why)
    st.caption(f"{m.label}可用的维度：{'、'.join(BREAKDOWNS[b] for b in m.breakdowns)}。")
    st.stop()

time_by = view.by in TIME_BREAKDOWNS
timed = time_by or view.cols in TIME_BREAKDOWNS
year = view.year if vs.view().year else ctx.latest_year((m.dataset,))
if timed:  # over time: the sidebar's month range
    month_from, month_to = view.month_from, view.month_to
    period = months_shown(view)
else:  # one period: the chosen year (a state at its end, money paid in it)
    month_from = max(f"{year}-01", ctx.months[0]) if ctx.months else f"{year}-01"
    month_to = min(f"{year}-12", ctx.months[-1]) if ctx.months else f"{year}-12"
    period = ctx.year_end(m.dataset, year) if m.state else page.year_label(ctx, year)
    if m.in_month:  # a month's figure: the year's last month its data holds
        last = ctx.coverage.get(m.dataset, ("", ""))[1]
        month_to = min(month_to, last) if last and last[:4] == str(year) else month_to
        period = f"{month_to[:4]}年{int(month_to[5:])}月"
# 同比/环比 need the twelve months before the range too (one statement all the same).
fetch_from = ex.shift_month(month_from, -12) if time_by else month_from
frame = data.q(ex.explore, view.filters, m.key, view.by, view.cols, fetch_from, month_to)


def months_between(first: str, last: str) -> list[str]:
    """'YYYY-MM' months from first to last."""
    out, month = [], first
    while month <= last:
        out.append(month)
        month = ex.shift_month(month, 1)
    return out


def keys_of(breakdown: str, first: str = month_from) -> list[tuple[str, str]]:
    """(key, label) of a breakdown's members within the view's area, filters and period."""
    if breakdown == "township":
        return [(view.township, ctx.townships[view.township])] if view.township else list(ctx.townships.items())
    if breakdown == "village":
        villages = ctx.villages.get(view.township, {})
        return [(view.village, villages[view.village])] if view.village else list(villages.items())
    if breakdown in ("category", "level"):
        labels, chosen = (CATEGORY_LABELS, view.category) if breakdown == "category" else (LEVEL_LABELS, view.level)
        return [(str(c), label) for c, label in labels.items() if not chosen or not m.by_person or c == chosen]
    if breakdown == "year":
        return [(str(y), f"{y}年") for y in range(int(first[:4]), int(month_to[:4]) + 1)]
    return [(mo, f"{mo[:4]}年{int(mo[5:])}月") for mo in months_between(first, month_to)]


rows = keys_of(view.by)
shown_rows = [r for r, _ in rows]
earlier = [r for r, _ in keys_of(view.by, fetch_from) if r not in shown_rows] if time_by else []
cols = keys_of(view.cols) if view.cols else []
col_keys = [c for c, _ in cols] or [ALL]
labels = dict(rows) | dict(keys_of(view.by, fetch_from) if time_by else []) | {TOTAL: "合计"}
col_labels = dict(cols) | {TOTAL: "合计"}
first_month, last_month = ctx.coverage.get(m.dataset, ("", ""))


def missing_for(row: str, col: str) -> str:
    """Why a cell has no data: its period is outside what the metric's dataset holds ('' when inside)."""
    for b, k in ((view.by, row), (view.cols, col)):
        if b == "year" and k != TOTAL:
            return ctx.missing(m.dataset, int(k))
        if b == "month" and k != TOTAL and m.dataset != "persons" and not (first_month <= k <= last_month):
            return f"{k[:4]}年{int(k[5:])}月暂无{m.label}数据"
    return "" if timed else ctx.missing(m.dataset, year)


def build() -> Publication:
    """Every number this view publishes, with its sums: exact for an internal audience, suppressed as a whole
    for a public one (which knows no view exactly: nothing is taken as known)."""
    pub = Publication()
    ex.publish(pub, m, frame, [*earlier, *shown_rows], col_keys, shown_rows, view.by, view.cols, missing_for)
    return pub


out = screen.Output(build, view)
pub = out.pub
area = page.area_name(ctx, view)
scale = 10_000 if m.kind == AMOUNT else 1  # amounts are drawn in 万元
unit = m.unit
target = m.target if m.kind == RATE else None
title = f"{area}{m.label}（按{BREAKDOWNS[view.by]}" + (f"×{BREAKDOWNS[view.cols]}" if view.cols else "") + f"，{period}）"

if not view.cols:
    screen.summary(out, ex.explore_text(pub, m, area, period, view.by, labels, shown_rows))
note = m.filter_note(view.category, view.level)
st.caption(md_escape(f"{m.label}：{m.definition}" + (f"目标{m.target:g}{unit}。" if m.target else "")
                     + ("" if timed else "（非时间维度按所选年度；按年度、月份分析时用侧栏的月份范围。）")))
if note:
    st.info(note)
if m.kind == AMOUNT:
    st.caption("金额随其发放人次一同隐去：发放人次少于5时金额不显示。")


def series_frame(p: Publication, row_keys: list[str], col: str = ALL) -> pd.DataFrame:
    """One column of cells as a frame: key, label, shown value (in the drawn unit), its text."""
    keys = [key("v", r, col) for r in row_keys]
    values = [p.shown(k) for k in keys]
    return pd.DataFrame({"unit_code": row_keys, "name": [plotly_text(labels[r]) for r in row_keys],
                         "value": [None if v is None else v / scale for v in values],
                         "value_text": [p.text(k, unit=False) for k in keys]}).astype({"value": "float64"})


def line_chart(p: Publication):
    """The metric over time, labelled with the publication's texts; the target as a line."""
    frame = series_frame(p, shown_rows)
    labelled = len(frame) <= 13  # more labels than that overlap: the values are in the table below
    trace = {"type": "scatter", "x": frame["name"], "y": frame["value"],
             "mode": "lines+markers+text" if labelled else "lines+markers",
             "hovertemplate": "%{x}：%{text}<extra></extra>",
             "text": frame["value_text"], "line": {"color": m.colour, "width": 3},
             # a label on the far side of its point from the target line, so the line never crosses it
             "textposition": ["bottom center" if target is not None and v == v and v < target else "top center"
                              for v in frame["value"]],
             "marker": {"size": 7}, "name": m.label, "connectgaps": False}
    extra = {}
    if target is not None:
        extra = {"shapes": [{"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": target,
                             "y1": target, "line": {"color": TARGET_COLOUR, "dash": "dash", "width": 2}}],
                 "annotations": [{"xref": "paper", "yref": "y", "x": 1, "y": target, "text": f"目标 {target:g}%",
                                  "showarrow": False, "xanchor": "right", "yanchor": "bottom",
                                  "font": {"color": TARGET_COLOUR}}]}
    return charts.figure([trace], y_title=f"{m.label}（{unit}）", xaxis={"type": "category"},
                         yaxis={"rangemode": "tozero"}, **extra)


def bar_chart(p: Publication):
    """Bars per unit or category, weakest on top, with the target line."""
    return charts.ranked_bars(series_frame(p, shown_rows), "value", m.colour, unit, target=target,
                              ascending=m.higher_is_better, title=m.label)


NO_VALUE_COLOUR = "#d9d9d9"  # a heat cell without a number ("—", "<5", "×"): grey, never the colour of 0


def misses_target(value: float | None) -> bool:
    """Whether a shown value falls short of the metric's target (the catalogue's Metric.target): below it,
    or above it for a number that should be low (households without a measure, target 0)."""
    if value is None or m.target is None:
        return False
    return value < m.target if m.higher_is_better else value > m.target


def heat_table(p: Publication):
    """Rows × columns coloured by value, each cell labelled with its text (withheld ones with their mark);
    a cell without a number is grey (0 is the palest tint of the colour, not white on white), and a cell
    short of the target is framed in the warning colour and its text marked "▼"."""
    z, text, shapes = [], [], []
    for i, r in enumerate(shown_rows):
        values = [p.shown(key("v", r, c)) for c in col_keys]
        z.append([None if v is None else v / scale for v in values])
        line = []
        for j, (c, v) in enumerate(zip(col_keys, values, strict=True)):
            cell = p.text(key("v", r, c), unit=False)
            if misses_target(None if v is None else v / scale):
                cell = f"▼{cell}"
                shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": j - 0.5, "x1": j + 0.5,
                               "y0": i - 0.5, "y1": i + 0.5, "line": {"color": BELOW_TARGET_COLOUR, "width": 3}})
            line.append(cell)
        text.append(line)
    trace = {"type": "heatmap", "z": z, "x": [plotly_text(col_labels[c]) for c in col_keys],
             "y": [plotly_text(labels[r]) for r in shown_rows], "text": text, "texttemplate": "%{text}",
             "colorscale": [[0, "#eef3f8"], [1, m.colour]], "xgap": 1, "ygap": 1, "hoverongaps": False,
             "colorbar": {"title": {"text": unit}},
             "hovertemplate": "%{y} %{x}：%{text}<extra></extra>"}
    fig = charts.figure([trace], height=max(320, 26 * len(shown_rows) + 120),
                        xaxis={"type": "category", "side": "top"},
                        yaxis={"type": "category", "autorange": "reversed"}, shapes=shapes)
    fig.update_layout(plot_bgcolor=NO_VALUE_COLOUR)
    return fig


st.subheader(md_escape(title), anchor=False)  # the area's name is text, never Markdown
if view.cols:
    screen.chart(out, heat_table, ctx, "explore_heat", title=title, period=period)
    if m.target is not None:
        st.caption(f"▼ 红框：未达目标（{'低于' if m.higher_is_better else '高于'}{m.target:g}{unit}）"
                   "；灰底：无数字（“—”无数据，“<5”“×”已隐去）。")
elif time_by:
    screen.chart(out, line_chart, ctx, "explore_line", title=title, period=period)
else:
    screen.chart(out, bar_chart, ctx, "explore_bars", title=title, period=period)
screen.legend(pub)
page.slide_end(view)


def change_header(word: str, step: str) -> str:
    """'环比（较上月，%）', '同比（较上年同月，个百分点）': the comparison with its unit."""
    return f"{word}（{step}，{ex.change_unit(m)}）"


def pivot(p: Publication, for_excel: bool) -> pd.DataFrame:
    """The pivot below the chart: rows with their total; the columns of the second breakdown and their
    total, or the value with its parts and, over time, 环比 and 同比; numbers as the publication shows them."""
    def cell(k: str):
        shown = p.shown(k)
        if for_excel and shown is not None:
            return shown  # in the cell's own unit: the workbook scales and formats it (ui.render.xlsx)
        return p.text(k, unit=False)

    row_keys = [*shown_rows, *([TOTAL] if p.has(key("v", TOTAL, col_keys[0])) else [])]
    body = []
    for r in row_keys:
        line = {BREAKDOWNS[view.by]: labels[r]}
        if view.cols:
            for c in [*col_keys, *([TOTAL] if p.has(key("v", r, TOTAL)) else [])]:
                line[col_labels[c]] = cell(key("v", r, c))
        else:
            line[f"{m.label}（{unit}）"] = cell(key("v", r))
            if m.kind == RATE:
                line[f"分子（{GRAINS[m.grain]}）"] = cell(key("n", r))
                line[f"分母（{GRAINS[m.grain]}）"] = cell(key("d", r))
            if m.kind == AMOUNT:
                line["发放人次"] = cell(key("n", r))
            if time_by:  # the total over periods has nothing to compare with: an empty cell, not None
                steps = [("环比", "较上年" if view.by == "year" else "较上月", "mom")]
                steps += [("同比", "较上年同月", "yoy")] if view.by == "month" else []
                for word, step, how in steps:
                    if r == TOTAL:
                        line[change_header(word, step)] = ""
                        continue
                    before = key("v", ex.previous(view.by, r, how))
                    number = ex.change_value(p, key("v", r), before)
                    line[change_header(word, step)] = ("—" if number is None else number if for_excel
                                                       else ex.change(p, m, key("v", r), before, unit=False))
        body.append(line)
    return pd.DataFrame(body)


st.subheader("数据表", anchor=False)
st.dataframe(pivot(pub, False), hide_index=True, width="stretch")
if time_by:
    st.caption("环比、同比：比率为百分点之差，其余为增减百分比；任一期数字隐去或缺数据时显示“—”。")
if view.cols and not ex.additive(m, view.cols) and view.cols in TIME_BREAKDOWNS:
    st.caption(f"{m.label}逐期统计（期末状态、年内人数或比率），各期不能相加，故不设跨期合计。")
screen.legend(pub, list(pub.cells))  # the table above draws every cell


def workbook(caption, version_pub: Publication) -> bytes:
    """The pivot as a printable XLSX of a version's publication, each column with its unit and format."""
    table = pivot(version_pub, True)
    value = xlsx.Kind(m.kind, "万元" if m.kind == AMOUNT else unit, 1 if m.kind == RATE else 0)
    parts = xlsx.Kind(COUNT, GRAINS[m.grain] if m.kind == RATE else "人次")
    kinds = {c: (parts if c.startswith(("分子", "分母", "发放人次")) else value)
             for c in table.columns[1:] if not c.startswith(("环比", "同比"))}
    for c in table.columns[1:]:  # 环比/同比 as numbers (0.0) with their unit in the header
        if c.startswith(("环比", "同比")):
            kinds[c] = xlsx.Kind(RATE, c[3:-1], 1)
    return xlsx.table_xlsx(table, caption, kinds)


screen.export_table("explore_table", title, workbook, ctx, out, period=period, datasets=(m.dataset,))
