"""What every page shares on screen: sidebar filters kept in the URL, breadcrumb, map, KPI, chart."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import replace

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from maps import layers
from queries import dashboard
from queries.db import WarehouseError
from queries.report import rate
from queries.suppression import count_text, suppress_table
from ui import auth, briefing, data, press
from ui.audit import audit, audited_export
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, SOURCE, fmt_count
from ui.state import MAP_METRICS, Context, View, default_view, parse, revalidated, with_widget
from ui.suppressed import suppressed_units

# The view lives in st.session_state["view_state"] (a View); widgets only edit it. Widget state does not
# survive a page change, so each widget is drawn from the view and writes back through its callback.


def _view() -> View:
    """The session's current view."""
    return st.session_state["view_state"]


def _update(**changes) -> None:
    """Replace fields of the session's view."""
    st.session_state["view_state"] = replace(_view(), **changes)


def _from_widget(attr: str, key: str) -> None:
    """Callback: a sidebar widget changed one field of the view; validated as a URL value (state.py)."""
    try:
        ctx = data.context(_view().scope)
    except (WarehouseError, duckdb.Error):  # the page itself will say what is wrong
        return
    _set_view(with_widget(_view(), attr, st.session_state[key], ctx))


def _set_view(view: View) -> None:
    """Make `view` the session's view; after a refused value, new widget keys so none shows it still."""
    st.session_state["view_state"] = view
    if view.warnings:
        st.session_state["view_gen"] = st.session_state.get("view_gen", 0) + 1


def _set_area(township: str, village: str = "") -> None:
    """Callback: move the view to an area (a breadcrumb, a clicked map polygon or bar).

    The widgets get new keys (a new generation), since a browser keeps showing a widget's old value
    for as long as its key stays the same."""
    _update(township=township, village=village)
    st.session_state["view_gen"] = st.session_state.get("view_gen", 0) + 1


def _exit_present() -> None:
    """Callback: back from projector mode (new widget keys, so the sidebar toggle shows it)."""
    _update(present=False)
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


def current_view(ctx: Context, trend: bool = False, own_township: str = "") -> View:
    """Read the URL once per session, draw the sidebar from the view, write the view back to the URL.
    A township user (own_township) always stays inside their own township."""
    default = default_view(ctx)
    if "view_state" not in st.session_state:
        st.session_state["view_state"] = parse(st.query_params.to_dict(), ctx)
    elif (valid := revalidated(_view(), ctx)) is not _view():  # a new import changed what is valid
        _set_view(valid)
    for message in _view().warnings:  # from the link, a refused widget value or a revalidation
        if not (own_township and message.startswith("未知的乡镇代码")):  # said below, in the user's terms
            st.warning(message)
    _update(warnings=())
    if own_township and _view().township != own_township:
        if _view().township or "town" in st.query_params:
            st.warning(f"您的账号只能查看{ctx.townships.get(own_township, own_township)}，已显示本乡镇。")
        _update(township=own_township, village="")
        st.session_state["view_gen"] = st.session_state.get("view_gen", 0) + 1
    if _view().scope != own_township:
        _update(scope=own_township)
    sb = st.sidebar
    _widget(sb.selectbox, "年度", ctx.years, "year", "w_year", lambda y: f"{y}年")
    _widget(sb.selectbox, "乡镇（街道）", [own_township] if own_township else ["", *ctx.townships], "township",
            "w_town", lambda c: ctx.townships.get(c, f"全部（{ctx.county_name}）"))
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
    present_key = f"w_present_{st.session_state.get('view_gen', 0)}"
    sb.toggle("投影模式（16:9 大字，隐藏侧栏）", value=_view().present, key=present_key, on_change=_from_widget,
              args=("present", present_key))
    st.query_params.from_dict(_view().to_params(default))
    return _view()


def setup(title: str, caption: str, trend: bool = False) -> tuple[Context, View]:
    """Every page's start: sign-in, open the warehouse (or explain why not), filters, title, breadcrumb."""
    user = auth.require_user()
    auth.sign_out_button()
    try:
        ctx = data.context(scope_of(user))
    except (WarehouseError, duckdb.Error) as exc:
        st.title(title)
        failure_page(exc)
        st.stop()
    if not ctx.years or not ctx.townships:
        st.title(title)
        st.warning("**数据仓库是空的**：没有乡镇或没有任何月份的数据。")
        st.info("请导入数据：`python -m data.importer 数据文件夹 --warehouse 数据仓库`，导入完成后本页会自动恢复。")
        st.button("重试", key="retry_empty")
        st.stop()
    view = current_view(ctx, trend=trend, own_township=scope_of(user))
    page = PAGE_OF_TITLE.get(title, "")
    if view.present:
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)
        if st.session_state.get("briefing_at") is not None:
            briefing_bar(ctx)
        else:
            st.button("退出投影模式", key="exit_present", on_click=_exit_present)
    elif page and not user.read_only:
        add_to_briefing(title, page, ctx, view)
    header(title, caption.format(area=area_name(ctx, view), year=year_label(ctx, view.year)), ctx, view)
    return ctx, view


PAGE_OF_TITLE = {t: p for p, t in briefing.PAGES.items()}


def signed_in() -> auth.User:
    """The session's user (setup() has run require_user before any page draws)."""
    return st.session_state.get(auth.SESSION_KEY) or auth.DEMO_USER


def scope_of(user: auth.User) -> str:
    """The township a user may see ('' = the whole county): the scope every query is called with."""
    return "" if user.county_wide or user.role == "press" else user.area


def add_to_briefing(title: str, page: str, ctx: Context, view: View) -> None:
    """Sidebar: add the current view (page and filters) to the briefing script as a slide."""
    with st.sidebar.popover("加入汇报"):
        slide_title = st.text_input("本页标题", value=f"{area_name(ctx, view)}{title}", key="brief_title")
        note = st.text_area("讲稿（仅演示者可见，可不填）", key="brief_note")
        if st.button("加入汇报脚本", key="brief_add"):
            params = view.to_params(default_view(ctx))
            params.pop("mode", None)
            count = briefing.add_slide(briefing.Slide(slide_title, page, params, note))
            st.success(f"已加入，汇报共 {count} 页。")


def go_to_slide(ctx: Context, index: int) -> None:
    """Show slide `index` of the script: its page, its filters, in projector mode."""
    script, _ = briefing.load()
    if not script.slides:
        st.warning("汇报脚本中没有幻灯片。")
        return
    index = max(0, min(index, len(script.slides) - 1))
    slide = script.slides[index]
    st.session_state["view_state"] = replace(parse(slide.params, ctx), present=True, warnings=())
    st.session_state["view_gen"] = st.session_state.get("view_gen", 0) + 1
    st.session_state["briefing_at"] = index
    st.switch_page(f"pages/{slide.page}.py")


def briefing_bar(ctx: Context) -> None:
    """In a briefing: previous / next, back to the slide's own view after drilling live, end; the note."""
    script, _ = briefing.load()
    index = st.session_state["briefing_at"]
    if not script.slides:
        return
    index = min(index, len(script.slides) - 1)
    slide = script.slides[index]
    cols = st.columns([1, 1, 3, 1, 1])
    if cols[0].button("◀ 上一页", key="brief_prev", disabled=index == 0):
        go_to_slide(ctx, index - 1)
    if cols[1].button("下一页 ▶", key="brief_next", disabled=index >= len(script.slides) - 1):
        go_to_slide(ctx, index + 1)
    cols[2].markdown(f"**第 {index + 1}/{len(script.slides)} 页　{slide.title}**")
    if cols[3].button("回到本页", key="brief_reset"):
        go_to_slide(ctx, index)
    if cols[4].button("结束汇报", key="brief_end"):
        st.session_state["briefing_at"] = None
        _exit_present()
        st.switch_page("pages/briefing.py")
    if slide.note:
        with st.expander("讲稿（演示者）"):
            st.write(slide.note)


# Projector: no sidebar, toolbar or Streamlit chrome; headline numbers ≥ 64 px, text ≥ 24 px, dark on white.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding: 1.2rem 2.5rem 1rem 2.5rem !important; max-width: 100% !important;}
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stCaptionContainer"] {font-size: 24px !important;}
h1 {font-size: 60px !important; padding: 0 !important;}
h2, h3 {font-size: 36px !important;}
.kpi-label, .kpi-delta {font-size: 26px !important;}
.kpi-value {font-size: 72px !important;}
</style>"""


def slide_end(view: View) -> None:
    """In projector mode a page is one slide: its headline and main visual; the rest stays off."""
    if view.present:
        st.stop()


def failure_page(exc: Exception) -> None:
    """What went wrong with the warehouse and what to do; a retry button (nothing is cached on failure,
    so the page recovers by itself once the cause is gone)."""
    text = str(exc)
    if isinstance(exc, WarehouseError):
        what = text
    elif "lock" in text.lower() or "different configuration" in text.lower():
        what = "数据仓库文件正被另一个程序以写方式占用（例如导入尚未结束）。"
    elif "catalog" in text.lower() or "does not exist" in text.lower():
        what = "数据仓库缺少本程序需要的表：它可能是空的，或由旧版导入程序生成。"
    else:
        what = f"数据仓库无法读取（文件可能已损坏）：{text[:300]}"
    st.error(f"**数据仓库不可用。** {what}")
    st.info("怎么办：演示数据运行 `bash scripts/demo.sh` 会自动生成并导入；正式数据用当前版本的导入程序重新导入"
            "（`python -m data.importer 数据文件夹 --warehouse 数据仓库`，见 README）。PostgreSQL 请检查服务器与"
            " WAREHOUSE_URL。问题解决后点“重试”或刷新页面。")
    st.button("重试", key="retry_failure")


def year_label(ctx: Context, year: int) -> str:
    """'2024年', or '2026年（截至10月）' for a year the data does not yet cover in full."""
    if ctx.months and ctx.months[-1].startswith(str(year)) and not ctx.months[-1].endswith("-12"):
        return f"{year}年（截至{int(ctx.months[-1][5:])}月）"
    return f"{year}年"


def year_end_label(ctx: Context, year: int) -> str:
    """'2024年12月', or the latest month of data within that year: the 截至 of a yearly figure."""
    if ctx.months and ctx.months[-1].startswith(str(year)):
        return f"{year}年{int(ctx.months[-1][5:])}月"
    return f"{year}年12月"


def header(title: str, caption: str, ctx: Context, view: View) -> None:
    """Title, one-line caption, breadcrumb (示范县 › 东湖镇 › 某村) and the active filters."""
    st.title(title)
    st.caption(caption)
    crumbs = st.columns([1, 1, 1, 3])
    crumbs[0].button(ctx.county_name, on_click=_set_area, args=("",), key="crumb_county",
                     disabled=not view.township or len(ctx.townships) == 1)
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


def suppressing(view: View) -> bool:
    """Small counts are hidden in projector mode, for the press role, and below township level (villages)
    for everyone."""
    return view.present or bool(view.township) or signed_in().role == "press"


def for_display(units: pd.DataFrame, view: View) -> pd.DataFrame:
    """The unit table as the view may show it: suppressed (NaN for hidden values) where it must be."""
    return suppressed_units(units) if suppressing(view) else units


def num(view: View, value: float, unit: str = "", village_level: bool = False) -> str:
    """A headline count: '<5' when it is 1-4 and the view must not show small counts."""
    if view.present or view.village or village_level:
        return count_text(value, unit)
    return fmt_count(value, unit)


def hide_small(fig: go.Figure) -> go.Figure:
    """The chart of counts with every value of 1-4 removed (its label reads '<5'), changed in place:
    copying a figure costs more than drawing it, and the unsuppressed one is not shown."""
    for trace in fig.data:
        if trace.type not in ("bar", "scatter", "funnel"):
            continue
        axis = "x" if trace.type == "funnel" or getattr(trace, "orientation", None) == "h" else "y"
        raw = getattr(trace, axis)
        values = [] if raw is None else list(raw)
        small = [v is not None and not pd.isna(v) and 0 < float(v) < 5 for v in values]
        if any(small):
            trace.update({axis: [None if s else v for s, v in zip(small, values, strict=True)]})
            if trace.type == "bar":
                text = list(trace.text) if trace.text is not None and not isinstance(trace.text, str) \
                    else [None] * len(values)
                trace.text = ["<5" if s else t for s, t in zip(small, text, strict=True)]
    return fig


def chart(fig: go.Figure, ctx: Context, key: str, drill: bool = False, view: View | None = None,
          title: str = "", safe_figure: Callable[[], go.Figure] | None = None) -> None:
    """A plotly chart with its 截至 line; bars of units drill into the clicked unit; a press export.

    safe_figure makes the figure drawn from suppressed data (rates over small denominators withheld); a chart
    of counts without one is suppressed by hiding its values of 1-4. Either is made only when the view
    must be suppressed or a PNG is asked for, not on every rerun."""
    def safe() -> go.Figure:
        return safe_figure() if safe_figure is not None else hide_small(fig)

    shown = safe() if view is not None and suppressing(view) else fig
    if view is not None and view.present:
        shown = present_figure(shown)
    if drill and view is not None and not view.village:
        st.plotly_chart(shown, key=key, on_select=lambda: _drill_from_chart(key, view), selection_mode="points",
                        config={"displaylogo": False})
    else:
        st.plotly_chart(shown, key=key, config={"displaylogo": False})
    until_caption(ctx)
    if title and view is not None and not view.present:
        export_menu(key, title, ctx, view, lambda caption, size: press.chart_png(safe(), caption, size))


PRESENT_ROWS = 10


def present_figure(fig: go.Figure) -> go.Figure:
    """Chart text of at least 24 px for a projector; a long ranking keeps its weakest ten (drawn on top).
    Changed in place, like hide_small."""
    out = fig
    for trace in out.data:
        if trace.type == "bar" and trace.orientation == "h" and trace.y is not None and len(trace.y) > PRESENT_ROWS:
            for attr in ("x", "y", "text", "customdata"):
                values = getattr(trace, attr)
                if values is not None and not isinstance(values, str):
                    trace.update({attr: list(values)[-PRESENT_ROWS:]})
    out.update_layout(font={"size": 24}, legend={"font": {"size": 24}}, height=520)
    out.update_xaxes(tickfont_size=24, title_font_size=24)
    out.update_yaxes(tickfont_size=24, title_font_size=24)
    out.update_traces(textfont_size=24, selector={"type": "bar"})
    return out


def caption_for(title: str, ctx: Context, view: View, watermark: bool) -> press.Caption:
    """Title, period (year, area, filters) and 截至 line for an export."""
    parts = [year_label(ctx, view.year), area_name(ctx, view)]
    if view.category:
        parts.append(CATEGORY_LABELS[view.category] + "残疾")
    if view.level:
        parts.append(LEVEL_LABELS[view.level])
    return press.Caption(title=title, period="　".join(parts), until=data.data_until(ctx), watermark=watermark)


def export_menu(key: str, title: str, ctx: Context, view: View, render) -> None:
    """A popover to make a press PNG on the server (1920×1080 or 1080×1080) and download it. Its controls
    are drawn only while it is open: closed, it costs one button per chart on every rerun, not five."""
    menu = st.popover("导出图片", key=f"{key}_menu", on_change="rerun")
    if not menu.open:
        return
    with menu:
        size = st.radio("尺寸", list(press.SIZES), key=f"{key}_size", horizontal=True)
        watermark = st.checkbox("加“内部资料”水印", key=f"{key}_wm")
        if st.button("生成 PNG", key=f"{key}_make"):
            with st.spinner("正在生成…"):
                st.session_state[f"{key}_png"] = render(caption_for(title, ctx, view, watermark), press.SIZES[size])
            audit("export", signed_in().name, view=title, filters=view.to_params(default_view(ctx)),
                  file=f"{title}.png", size=size)
        png = st.session_state.get(f"{key}_png")
        if png:
            st.download_button("下载 PNG", png, file_name=f"{title}.png", mime="image/png", key=f"{key}_download",
                               on_click="ignore")
        st.caption("人数少于5的数值已隐去（显示为“<5”或不显示）。")


def data_table(table: pd.DataFrame, key: str, title: str, ctx: Context, view: View, counts: list[str],
               rates: dict[str, tuple[str, str]] | None = None) -> None:
    """A table with a 合计 row, suppressed where the view must be, and its XLSX export (always suppressed)."""
    label = table.columns[0]
    total = {label: "合计", **{c: table[c].sum() for c in counts}}
    for column, (numerator, denominator) in (rates or {}).items():
        total[column] = rate(total[numerator], total[denominator])
    with_total = pd.concat([table, pd.DataFrame([total])], ignore_index=True)

    def safe() -> pd.DataFrame:
        return suppress_table(with_total, counts, rates)

    grid(safe() if suppressing(view) else with_total)
    export_table(key, title, safe, ctx, view)


def grid(table: pd.DataFrame) -> None:
    """A table on the page. Suppressed columns mix numbers and marks ('<5', '×', '—') and are shown as
    text: Arrow takes one type per column, and Streamlit would otherwise log a failed conversion (with a
    traceback) on every rerun before fixing the column itself."""
    mixed = {c: "string" for c in table.columns if table[c].dtype == object}
    st.dataframe(table.astype(mixed) if mixed else table, hide_index=True, width="stretch")


def export_table(key: str, title: str, table: Callable[[], pd.DataFrame], ctx: Context, view: View) -> None:
    """An XLSX download of a (suppressed) table under the same title lines as the images (analysts only);
    `table` makes it when the button is pressed, not on every rerun."""
    user = signed_in()
    if user.role != "analyst":
        return
    caption = caption_for(title, ctx, view, watermark=False)
    make = audited_export(lambda: press.table_xlsx(table(), caption), user.name, title,
                          view.to_params(default_view(ctx)), f"{title}.xlsx")
    st.download_button("下载 Excel", make, file_name=f"{title}.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key}_xlsx", on_click="ignore")


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


def region_map(ctx: Context, view: View, units: pd.DataFrame, value_column: str, unit: str,
               target: float | None = None, points: pd.DataFrame | None = None, point_tooltip: str = "",
               key: str = "map", title: str = "") -> None:
    """A choropleth of the view's units coloured by `value_column`, legend, notices, click to drill,
    and a press PNG of the same map drawn on the server (always from suppressed values)."""
    shapes = data.q(dashboard.boundaries, view.filters)
    if shapes.empty:
        st.info(f"没有{unit_word(view)}边界数据，无法绘制地图；请在导入时提供边界文件。")
        return

    def classes_of(values: pd.DataFrame):
        series = values.set_index("unit_code")[value_column]
        return (layers.classify_rate(series, target) if unit == "%" and target is not None
                else layers.classify_count(series, unit))

    shown = for_display(units, view)
    frame = shown[["unit_code", value_column]].copy()
    frame["value_text"] = frame[value_column].map(
        lambda v: ("已隐去（人数少）" if suppressing(view) else "无数据") if pd.isna(v)
        else (f"{v:.1f}%" if unit == "%" else f"{v:,.0f}{unit}"))
    classes, legend = classes_of(frame)
    collection = layers.feature_collection(shapes, frame, classes, legend)
    size = 18 if view.present else (13 if view.township else 14)
    stack = [layers.area_layer(collection, view.village), layers.label_layer(collection, size)]
    tooltip = "<b>{name}</b><br/>{value_text}"
    if points is not None and len(points):
        stack.append(layers.point_layer(points, "placed_persons", [230, 159, 0]))
        tooltip = point_tooltip or tooltip
    deck = layers.deck(stack, layers.view_for(shapes), tooltip)
    map_key = f"{key}_{view.township or 'county'}"
    height = 500 if view.present else 520
    if view.village:
        st.pydeck_chart(deck, height=height, key=map_key)
    else:
        st.pydeck_chart(deck, height=height, key=map_key, on_select=lambda: _drill_from_map(map_key, view),
                        selection_mode="single-object")
    legend_html(legend, unit)
    known = set(shapes["region_code"])
    missing = [n for c, n in (ctx.villages.get(view.township, {}) if view.township else ctx.townships).items()
               if c not in known]
    if missing:
        st.caption(f"无边界、未在地图上显示的{unit_word(view)}（{len(missing)}）：{'、'.join(missing[:20])}"
                   + ("…" if len(missing) > 20 else ""))
    if not view.village and not view.present:
        st.caption(f"点击地图上的{unit_word(view)}可下钻查看。")
    until_caption(ctx)
    if title and not view.present:
        def press_map(caption: press.Caption, size: tuple[int, int]) -> bytes:
            """The PNG, always from suppressed values; made only when asked for."""
            safe_classes, safe_legend = classes_of(suppressed_units(units)[["unit_code", value_column]])
            colours = {code: list(safe_legend[int(c)].colour) for code, c in safe_classes.items()
                       if c is not None and not pd.isna(c)}
            legend_rows = [(item.label, item.colour) for item in safe_legend]
            return press.map_png(shapes, colours, legend_rows, caption, size, unit)

        export_menu(key, title, ctx, view, press_map)


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
        f"<div class='kpi-label' style='color:#333;font-size:0.95rem'>{label}</div>"
        f"<div class='kpi-value' style='font-size:2.1rem;font-weight:700;line-height:1.2'>{value}</div>"
        f"<div class='kpi-delta' style='color:{colour};font-size:0.95rem'>{delta}</div></div>",
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


def summary(text: str) -> None:
    """文字解读: the page's paragraph, ready to copy (the code block has a copy button); not on a slide."""
    if _view().present:
        return
    with st.expander("文字解读（可复制）", expanded=False):
        st.code(text, language=None, wrap_lines=True)
