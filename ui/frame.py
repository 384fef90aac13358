"""What every page shares on screen: sidebar filters kept in the URL, breadcrumb, map, KPI, chart."""

from __future__ import annotations

import html
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from maps import layers
from queries import dashboard
from queries.db import WarehouseError
from ui import data
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, SOURCE
from ui.state import MAP_METRICS, Context, View, default_view, parse

# The view lives in st.session_state["view_state"] (a View); widgets only edit it. Widget state does not
# survive a page change, so each widget is drawn from the view and writes back through its callback.


def _view() -> View:
    """The session's current view."""
    return st.session_state["view_state"]


def _update(**changes) -> None:
    """Replace fields of the session's view."""
    st.session_state["view_state"] = replace(_view(), **changes)


def _from_widget(attr: str, key: str) -> None:
    """Callback: a sidebar widget changed one field of the view."""
    value = st.session_state[key]
    if attr == "range":
        _update(month_from=value[0], month_to=value[1])
    elif attr == "township":
        _update(township=value, village="")
    else:
        _update(**{attr: value})


def _set_area(township: str, village: str = "") -> None:
    """Callback: move the view to an area (a breadcrumb, a clicked map polygon or bar).

    The widgets get new keys (a new generation), since a browser keeps showing a widget's old value
    for as long as its key stays the same."""
    _update(township=township, village=village)
    st.session_state["view_gen"] = st.session_state.get("view_gen", 0) + 1


def _widget(draw, label: str, options: list, attr: str, key: str, fmt) -> None:
    """Draw one selectbox or slider showing the view's value; its changes go back to the view."""
    value = (_view().month_from, _view().month_to) if attr == "range" else getattr(_view(), attr)
    key = f"{key}_{st.session_state.get('view_gen', 0)}"
    if attr == "range":
        draw(label, options, value=value, key=key, on_change=_from_widget, args=(attr, key), format_func=fmt)
    else:
        draw(label, options, index=options.index(value), key=key, on_change=_from_widget, args=(attr, key),
             format_func=fmt)


def current_view(ctx: Context, trend: bool = False) -> View:
    """Read the URL once per session, draw the sidebar from the view, write the view back to the URL."""
    default = default_view(ctx)
    if "view_state" not in st.session_state:
        view = parse(st.query_params.to_dict(), ctx)
        st.session_state["view_state"] = replace(view, warnings=())
        for message in view.warnings:
            st.warning(message)
    sb = st.sidebar
    _widget(sb.selectbox, "年度", ctx.years, "year", "w_year", lambda y: f"{y}年")
    _widget(sb.selectbox, "乡镇（街道）", ["", *ctx.townships], "township", "w_town",
            lambda c: ctx.townships.get(c, f"全部（{ctx.county_name}）"))
    if _view().township:
        villages = ctx.villages.get(_view().township, {})
        _widget(sb.selectbox, "村（社区）", ["", *villages], "village", "w_village",
                lambda c: villages.get(c, "全部村（社区）"))
    _widget(sb.selectbox, "残疾类别", [0, *CATEGORY_LABELS], "category", "w_cat",
            lambda c: CATEGORY_LABELS.get(c, "全部类别"))
    _widget(sb.selectbox, "残疾等级", [0, *LEVEL_LABELS], "level", "w_level",
            lambda c: LEVEL_LABELS.get(c, "全部等级"))
    if trend and ctx.months:
        _widget(sb.select_slider, "月份范围", ctx.months, "range", "w_range",
                lambda m: f"{m[:4]}年{int(m[5:])}月")
    st.query_params.from_dict(_view().to_params(default))
    return _view()


def setup(title: str, caption: str, trend: bool = False) -> tuple[Context, View]:
    """Every page's start: open the warehouse (or explain why not), filters, title and breadcrumb."""
    try:
        ctx = data.context()
    except WarehouseError as exc:
        st.title(title)
        st.error(f"**数据仓库不可用。** {exc}")
        st.info("演示数据：运行 `bash scripts/demo.sh` 会自动生成并导入。正式数据：见 README“导入数据”。")
        st.stop()
    view = current_view(ctx, trend=trend)
    header(title, caption.format(area=area_name(ctx, view), year=year_label(ctx, view.year)), ctx, view)
    return ctx, view


def year_label(ctx: Context, year: int) -> str:
    """'2024年', or '2026年（截至10月）' for a year the data does not yet cover in full."""
    if ctx.months and ctx.months[-1].startswith(str(year)) and not ctx.months[-1].endswith("-12"):
        return f"{year}年（截至{int(ctx.months[-1][5:])}月）"
    return f"{year}年"


def header(title: str, caption: str, ctx: Context, view: View) -> None:
    """Title, one-line caption, breadcrumb (示范县 › 东湖镇 › 某村) and the active filters."""
    st.title(title)
    st.caption(caption)
    crumbs = st.columns([1, 1, 1, 3])
    crumbs[0].button(ctx.county_name, on_click=_set_area, args=("",), disabled=not view.township,
                     key="crumb_county")
    if view.township:
        crumbs[1].button(f"› {ctx.townships[view.township]}", on_click=_set_area, args=(view.township,),
                         disabled=not view.village, key="crumb_town")
    if view.village:
        crumbs[2].button(f"› {ctx.villages[view.township][view.village]}", disabled=True, key="crumb_village")
    filters = [year_label(ctx, view.year)]
    if view.category:
        filters.append(CATEGORY_LABELS[view.category] + "残疾")
    if view.level:
        filters.append(LEVEL_LABELS[view.level])
    crumbs[3].markdown(f"<div style='text-align:right;color:#555;padding-top:.5rem'>筛选：{'，'.join(filters)}</div>",
                       unsafe_allow_html=True)


def area_name(ctx: Context, view: View) -> str:
    """The name of the area the view shows."""
    if view.village:
        return ctx.villages[view.township][view.village]
    return ctx.townships.get(view.township, ctx.county_name)


def unit_word(view: View) -> str:
    """'乡镇' at county level, '村（社区）' inside a township."""
    return "村（社区）" if view.township else "乡镇"


def until_caption(ctx: Context) -> None:
    """The data's 截至 line and source, under a chart."""
    st.caption(f"数据截至 {data.data_until(ctx)}　{SOURCE}")


def chart(fig: go.Figure, ctx: Context, key: str, drill: bool = False, view: View | None = None) -> None:
    """A plotly chart with its 截至 line; bars of units drill into the clicked unit."""
    if drill and view is not None and not view.village:
        st.plotly_chart(fig, key=key, on_select=lambda: _drill_from_chart(key, view), selection_mode="points",
                        config={"displaylogo": False})
    else:
        st.plotly_chart(fig, key=key, config={"displaylogo": False})
    until_caption(ctx)


def _drill_from_chart(key: str, view: View) -> None:
    """Callback: the clicked bar's unit becomes the area."""
    points = st.session_state[key].selection.get("points") or []
    if points and points[0].get("customdata"):
        _drill_to(points[0]["customdata"][0], view)


def _drill_to(code: str, view: View) -> None:
    """Township at county level, village inside a township."""
    if view.township:
        _set_area(view.township, code)
    else:
        _set_area(code)


def _drill_from_map(key: str, view: View) -> None:
    """Callback: the clicked polygon's region becomes the area."""
    code = layers.selected_code(st.session_state.get(key))
    if code:
        _drill_to(code, view)


def region_map(ctx: Context, view: View, values: pd.DataFrame, value_column: str, unit: str,
               target: float | None = None, points: pd.DataFrame | None = None, point_tooltip: str = "",
               key: str = "map") -> None:
    """A choropleth of the view's units coloured by `value_column`, legend, notices, click to drill."""
    shapes = data.q(dashboard.boundaries, view.township)
    if shapes.empty:
        st.info(f"没有{unit_word(view)}边界数据，无法绘制地图；请在导入时提供边界文件。")
        return
    frame = values[["unit_code", value_column]].copy()
    frame["value_text"] = frame[value_column].map(
        lambda v: "无数据" if pd.isna(v) else (f"{v:.1f}%" if unit == "%" else f"{v:,.0f}{unit}"))
    series = frame.set_index("unit_code")[value_column]
    classes, legend = (layers.classify_rate(series, target) if unit == "%" and target is not None
                       else layers.classify_count(series, unit))
    collection = layers.feature_collection(shapes, frame, classes, legend)
    stack = [layers.area_layer(collection, view.village), layers.label_layer(collection, 13 if view.township else 14)]
    tooltip = "<b>{name}</b><br/>{value_text}"
    if points is not None and len(points):
        stack.append(layers.point_layer(points, "placed_persons", [230, 159, 0]))
        tooltip = point_tooltip or tooltip
    deck = layers.deck(stack, layers.view_for(shapes), tooltip)
    map_key = f"{key}_{view.township or 'county'}"
    if view.village:
        st.pydeck_chart(deck, height=520, key=map_key)
    else:
        st.pydeck_chart(deck, height=520, key=map_key, on_select=lambda: _drill_from_map(map_key, view),
                        selection_mode="single-object")
    legend_html(legend, unit)
    known = set(shapes["region_code"])
    missing = [n for c, n in (ctx.villages.get(view.township, {}) if view.township else ctx.townships).items()
               if c not in known]
    if missing:
        st.caption(f"无边界、未在地图上显示的{unit_word(view)}（{len(missing)}）：{'、'.join(missing[:20])}"
                   + ("…" if len(missing) > 20 else ""))
    if not view.village:
        st.caption(f"点击地图上的{unit_word(view)}可下钻查看。")
    until_caption(ctx)


def legend_html(legend: list[layers.LegendItem], unit: str) -> None:
    """Swatches with class labels, and the no-data colour."""
    items = [*legend, layers.LegendItem("无数据", tuple(layers.NO_DATA_COLOUR))]
    spans = "".join(
        f"<span style='display:inline-block;margin-right:14px'><span style='display:inline-block;width:14px;"
        f"height:14px;background:rgb{item.colour};border:1px solid #999;vertical-align:middle;margin-right:4px'>"
        f"</span>{item.label}</span>" for item in items)
    st.markdown(f"<div style='font-size:0.9rem'>图例（{unit}）：{spans}</div>", unsafe_allow_html=True)


def metric_choice() -> str:
    """The overview map's metric, chosen from a list (kept in the view, so in the URL)."""
    _widget(st.selectbox, "地图指标", list(MAP_METRICS), "metric", "w_metric", MAP_METRICS.get)
    return _view().metric


def kpi(column, label: str, value: str, delta: str = "", good: bool | None = None, help_text: str = "") -> None:
    """A headline number with its gap to target in words."""
    colour = "#555" if good is None else ("#007a5a" if good else "#b34700")
    title = html.escape(help_text, quote=True)
    column.markdown(
        f"<div title='{title}' style='border:1px solid #ddd;border-radius:8px;padding:12px 14px;height:100%'>"
        f"<div style='color:#444;font-size:0.95rem'>{label}</div>"
        f"<div style='font-size:2.1rem;font-weight:700;line-height:1.2'>{value}</div>"
        f"<div style='color:{colour};font-size:0.95rem'>{delta}</div></div>",
        unsafe_allow_html=True)


def focus_row(units: pd.DataFrame, view: View) -> pd.Series:
    """The totals of the view's area: the village's own row, else the sum of its units."""
    numeric = units.drop(columns=["unit_code", "name"])
    if view.village:
        row = units[units["unit_code"] == view.village]
        return numeric.loc[row.index[0]] if len(row) else numeric.sum() * 0
    return numeric.sum()


def with_view(view: View, **changes) -> View:
    """A copy of the view with some fields changed."""
    return replace(view, **changes)
