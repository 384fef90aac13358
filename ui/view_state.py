"""The session's view (year, area, filters, projector mode) and the sidebar widgets that edit it.

The view lives in st.session_state["view_state"] (a View); widgets only edit it. Widget state does not
survive a page change, so each widget is drawn from the view and writes back through its callback.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from queries.catalog import MAP_METRICS
from queries.public_set import year_months
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, md_escape
from ui.state import Context, View, default_view, parse, revalidated, with_widget


def view() -> View:
    """The session's current view."""
    return st.session_state["view_state"]


def update(**changes) -> None:
    """Replace fields of the session's view."""
    st.session_state["view_state"] = replace(view(), **changes)


# Why the link's area was not shown (another township, or the press role's county view): said on every run,
# not once (a rerun right after signing in would wipe it), as long as the view is the one it was said of.
AREA_NOTICE = "area_notice"


def new_generation() -> None:
    """New widget keys: a browser keeps showing a widget's old value for as long as its key is the same."""
    st.session_state["view_gen"] = st.session_state.get("view_gen", 0) + 1


def _from_widget(attr: str, key: str) -> None:
    """Callback: a sidebar widget changed one field of the view; validated as a URL value (state.py), so a
    crafted websocket value gives the default with a message, never an exception."""
    from ui import data  # late: data imports the warehouse, which a callback needs only here

    try:
        ctx = data.context(view().scope)
    except Exception:  # the page itself will say what is wrong with the warehouse
        return
    _set_view(with_widget(view(), attr, st.session_state[key], ctx))


def _set_view(new: View) -> None:
    """Make `new` the session's view; after a refused value, new widget keys so none shows it still."""
    st.session_state["view_state"] = new
    if new.warnings:
        new_generation()


def set_area(township: str, village: str = "") -> None:
    """Callback: move the view to an area (a breadcrumb, a clicked map polygon or bar)."""
    update(township=township, village=village)
    new_generation()
    st.session_state["scroll_top"] = True


def to_public_view(**changes) -> None:
    """Callback: the view moves to the nearest one of the public set (a 指标分析 cross → its rows by township)."""
    update(**changes)
    new_generation()


def choose_part(key: str | None = None) -> None:
    """Callback: the slide shows another part of the page (a projector's 本页显示 choice)."""
    key = key or f"w_part_{st.session_state.get('view_gen', 0)}"
    update(part=st.session_state.get(key) or "")
    st.session_state["scroll_top"] = True


def exit_present() -> None:
    """Callback: back from projector mode (new widget keys, so the sidebar toggle shows it)."""
    update(present=False, part="", public=False)
    new_generation()


def choose_meeting(key: str) -> None:
    """Callback: the projector's audience changed (内部会议 / 公开场合), validated like its URL value; a
    deselected control changes nothing."""
    if st.session_state.get(key) is not None:
        _from_widget("meeting", key)


def _widget(draw, label: str, options: list, attr: str, key: str, fmt, shown=None) -> None:
    """Draw one selectbox or slider showing the view's value; its changes go back to the view."""
    value = (view().month_from, view().month_to) if attr == "range" else getattr(view(), attr)
    if shown is not None:
        value = shown
    key = f"{key}_{st.session_state.get('view_gen', 0)}"
    if attr == "range":
        draw(label, options, value=value, key=key, on_change=_from_widget, args=(attr, key), format_func=fmt)
    else:
        draw(label, options, index=options.index(value) if value in options else 0, key=key, on_change=_from_widget,
             args=(attr, key), format_func=fmt)


def current_view(ctx: Context, page_year: int, trend: bool = False, own_township: str = "",
                 fixed_area: bool = False) -> View:
    """Read the URL once per session, draw the sidebar from the view, write the view back to the URL.
    A township user (own_township) always stays inside their own township; `fixed_area` (the press role)
    keeps the county view without category or level, so no two views can be subtracted.
    `page_year` is the year the page opens on when none was chosen (the latest its data covers)."""
    default = default_view(ctx)
    if "view_state" not in st.session_state:
        st.session_state["view_state"] = parse(st.query_params.to_dict(), ctx)
    elif (valid := revalidated(view(), ctx)) is not view():  # a new import changed what is valid
        _set_view(valid)
    for message in view().warnings:  # from the link, a refused widget value or a revalidation
        if not (own_township and message.startswith("未知的乡镇代码")):  # said below, in the user's terms
            st.warning(md_escape(message))
    update(warnings=())
    notice = ""
    if own_township and view().township != own_township:
        if view().township or "town" in st.query_params:
            notice = f"您的账号只能查看{md_escape(ctx.townships.get(own_township, own_township))}，已显示本乡镇。"
        update(township=own_township, village="")
        new_generation()
    if fixed_area and (view().township or view().category or view().level):
        notice = "宣传账号只能查看全县、全部类别和等级的数据（防止不同视图相减推算出小数字），已显示全县。"
        update(township="", village="", category=0, level=0)
        new_generation()
    if view().scope != own_township:
        update(scope=own_township)
    if notice:
        st.session_state[AREA_NOTICE] = (notice, view())
    if (said := st.session_state.get(AREA_NOTICE)) and said[1] == view():  # until the view changes
        st.warning(said[0])
    year = view().year or page_year
    span = (view().month_from, view().month_to)
    span_unchosen = span == (default.month_from, default.month_to)
    if span_unchosen and ctx.months:  # no range chosen: the chosen year's
        span = (max(ctx.months[0], f"{year - 1}-01"), min(ctx.months[-1], f"{year}-12"))
        span = span if span[0] <= span[1] else (default.month_from, default.month_to)
    if fixed_area and ctx.months:  # the public set's months: the year's, never a free range (issue 25)
        span = year_months(year, ctx.months)
    elif view().present and view().public and ctx.months and span_unchosen:  # a 公开场合 slide: the set's months
        span = year_months(year, ctx.months)  # unless a range was chosen: then the page says it is not public
    sb = st.sidebar
    _widget(sb.selectbox, "年度", ctx.years, "year", "w_year", lambda y: f"{y}年", shown=year)
    if not fixed_area:
        _widget(sb.selectbox, "乡镇（街道）", [own_township] if own_township else ["", *ctx.townships], "township",
                "w_town", lambda c: ctx.townships.get(c, f"全部（{ctx.county_name}）"))
        if view().township:
            villages = ctx.villages.get(view().township, {})
            _widget(sb.selectbox, "村（社区）", ["", *villages], "village", "w_village",
                    lambda c: villages.get(c, "全部村（社区）"))
        _widget(sb.selectbox, "残疾类别", [0, *CATEGORY_LABELS], "category", "w_cat",
                lambda c: CATEGORY_LABELS.get(c, "全部类别"))
        _widget(sb.selectbox, "残疾等级", [0, *LEVEL_LABELS], "level", "w_level",
                lambda c: LEVEL_LABELS.get(c, "全部等级"))
    if trend and ctx.months and fixed_area:
        sb.caption(f"月份范围：{span[0][:4]}年{int(span[0][5:])}月至{span[1][:4]}年{int(span[1][5:])}月"
                   "（对外口径按所选年度，不提供任选月份范围）")
    elif trend and ctx.months:
        _widget(sb.select_slider, "月份范围", ctx.months, "range", "w_range", lambda m: f"{m[:4]}年{int(m[5:])}月",
                shown=span)
    present_key = f"w_present_{st.session_state.get('view_gen', 0)}"
    sb.toggle("投影模式（16:9 大字，隐藏侧栏）", value=view().present, key=present_key, on_change=_from_widget,
              args=("present", present_key))
    st.query_params.from_dict(view().to_params(default))
    return replace(view(), year=year, month_from=span[0], month_to=span[1])


def metric_choice() -> str:
    """The overview map's metric, chosen from a list (kept in the view, so in the URL); a metric of the
    catalogue that no map shows (one chosen on 指标分析) maps the first of the list."""
    _widget(st.selectbox, "地图指标", list(MAP_METRICS), "metric", "w_metric", MAP_METRICS.get)
    return view().metric if view().metric in MAP_METRICS else next(iter(MAP_METRICS))


def choice(draw, label: str, options: list, attr: str, key: str, fmt) -> None:
    """A widget (selectbox, radio) on the page that edits one field of the view (so of the URL)."""
    _widget(draw, label, options, attr, key, fmt)
