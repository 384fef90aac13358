"""What every page shares on screen: sidebar filters kept in the URL, breadcrumb, map, KPI, chart."""

from __future__ import annotations

import html
from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from maps import layers
from queries import dashboard
from ui import data
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, SOURCE
from ui.state import MAP_METRICS, Context, View, default_view, parse

KEYS = {"year": "f_year", "township": "f_town", "village": "f_village", "category": "f_cat",
        "level": "f_level", "metric": "f_metric"}


def _set_area(township: str, village: str = "") -> None:
    """Callback: move the view to an area (runs before the rerun, so widgets may change)."""
    st.session_state["f_town"], st.session_state["f_village"] = township, village


def _town_changed() -> None:
    """Callback: a new township clears the village."""
    st.session_state["f_village"] = ""


def current_view(ctx: Context, trend: bool = False) -> View:
    """Read the URL once per session, draw the sidebar, write the state back to the URL."""
    if "view_loaded" not in st.session_state:
        view = parse(st.query_params.to_dict(), ctx)
        for attr, key in KEYS.items():
            st.session_state[key] = getattr(view, attr)
        st.session_state["f_range"] = (view.month_from, view.month_to)
        st.session_state["url_warnings"] = list(view.warnings)
        st.session_state["view_loaded"] = True
    default = default_view(ctx)
    # Widgets not drawn on a page lose their state; these two live on in plain keys between pages.
    for key in ("f_range", "f_metric"):
        if key not in st.session_state and f"keep_{key}" in st.session_state:
            st.session_state[key] = st.session_state[f"keep_{key}"]
    sb = st.sidebar
    sb.selectbox("年度", ctx.years, key="f_year", format_func=lambda y: f"{y}年")
    towns = ["", *ctx.townships]
    sb.selectbox("乡镇（街道）", towns, key="f_town", on_change=_town_changed,
                 format_func=lambda c: ctx.townships.get(c, f"全部（{ctx.county_name}）"))
    town = st.session_state["f_town"]
    if town:
        villages = ctx.villages.get(town, {})
        sb.selectbox("村（社区）", ["", *villages], key="f_village",
                     format_func=lambda c: villages.get(c, "全部村（社区）"))
    else:
        st.session_state["f_village"] = ""
    sb.selectbox("残疾类别", [0, *CATEGORY_LABELS], key="f_cat",
                 format_func=lambda c: CATEGORY_LABELS.get(c, "全部类别"))
    sb.selectbox("残疾等级", [0, *LEVEL_LABELS], key="f_level",
                 format_func=lambda c: LEVEL_LABELS.get(c, "全部等级"))
    if trend and ctx.months:
        sb.select_slider("月份范围", ctx.months, key="f_range",
                         format_func=lambda m: f"{m[:4]}年{int(m[5:])}月")
    start, end = st.session_state.get("f_range", (default.month_from, default.month_to))
    st.session_state["keep_f_range"] = (start, end)
    st.session_state["keep_f_metric"] = st.session_state.get("f_metric", default.metric)
    view = View(year=st.session_state["f_year"], month_from=start, month_to=end,
                township=town, village=st.session_state.get("f_village", ""),
                category=st.session_state["f_cat"], level=st.session_state["f_level"],
                metric=st.session_state.get("f_metric", default.metric))
    st.query_params.from_dict(view.to_params(default))
    for message in st.session_state.pop("url_warnings", []):
        st.warning(message)
    return view


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
    filters = [f"{view.year}年"]
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
    stack = [layers.area_layer(collection, view.village), layers.label_layer(shapes, 13 if view.township else 14)]
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


def metric_choice(view: View) -> str:
    """The overview map's metric, chosen from a list (kept in the URL)."""
    return st.selectbox("地图指标", list(MAP_METRICS), key="f_metric", format_func=MAP_METRICS.get)


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
