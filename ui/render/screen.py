"""A Publication on screen (and on a projector slide): cards, charts, maps, tables, 文字解读, legend;
each with its press PNG or XLSX made from the suppressed publication. The only place the page's numbers
become pixels; their text comes from `Publication.text`."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from maps import layers
from queries import dashboard, disclosure
from queries.common import Filters
from queries.disclosure import SMALL
from queries.publish import LEGEND, Publication, key, unit_totals
from ui import charts, data, press
from ui import view_state as vs
from ui.audit import audit, audited_export
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, md_escape
from ui.page import area_name, signed_in, suppressing, unit_word, until_caption, year_label
from ui.render import slide, xlsx
from ui.state import Context, View, default_view

PRESENT_ROWS = 10
MAP_HEIGHT, MAP_FIT_HEIGHT = 380, 300  # a page's map box, and its height on a laptop screen (ui.page.PAGE_CSS)
PRESENT_CHART_HEIGHT = 480  # 1080 − the question, the headline row and the 截至 line
EXPORT_NOTE = "导出的图片和表格总是隐去人数少于5的数字及可据以推算的数字。"


class Output:
    """What a page publishes: the publication as this view may show it (`pub`), and, made only when an
    export asks for it, the suppressed one every export is drawn from (`safe()`)."""

    def __init__(self, build: Callable[[], Publication], view: View) -> None:
        self._build = build
        self.view = view
        self.pub = disclosure.apply(self._built(), suppressing(view))
        self._safe: Publication | None = self.pub if self.pub.suppressed else None
        st.session_state["published"] = self.pub  # what this run drew (the tests read it back)

    def _built(self) -> Publication:
        """The page's publication; inside a township, for a reader who sees the county view unsuppressed
        (an analyst or leader on screen), the township's own totals are known: they stay shown, and the
        villages are withheld around them."""
        pub = self._build()
        # a village's view too: its table is the township's (the village's own numbers are its row, never `total`)
        if self.view.township and not self.view.present and signed_in().role != "press":
            pub.know(unit_totals())
        return pub

    def safe(self) -> Publication:
        """The publication with every small number withheld (exports, press images)."""
        if self._safe is None:
            self._safe = disclosure.apply(self._built(), True)
        return self._safe


def card(column, pub: Publication, label: str, cell: str, delta: str = "", good: bool | None = None,
         help_text: str = "") -> None:
    """A headline number with its gap to target in words; a dataset that does not cover the period
    says so instead of a number. Cards are st.html (escaped text in a fixed frame), not Markdown: the
    Markdown renderer cost a first paint about 0.2 s for eight cards."""
    missing = pub.cells[cell].missing
    if missing:
        delta, good = missing, None
    colour = "#555" if good is None else ("#007a5a" if good else "#b34700")
    column.html(
        f"<div class='kpi-card' title='{html.escape(help_text, quote=True)}' style='border:1px solid #ddd;"
        f"border-radius:8px;padding:12px 14px;height:100%'><div class='kpi-label' style='color:#333;font-size:0.95rem'>"
        f"{html.escape(label)}</div><div class='kpi-value' style='font-size:2.1rem;font-weight:700;line-height:1.2;"
        f"white-space:nowrap'>{html.escape(pub.text(cell))}</div><div class='kpi-delta' style='color:{colour};"
        f"font-size:0.95rem'>{html.escape(delta)}</div></div>")


def against_target(pub: Publication, gap: str, base: str, short: str, met: str, nothing: str,
                   reached: bool | None = None) -> tuple[str, bool | None]:
    """A card's words under a number with a target, and their colour: `short` (warning) when the gap
    `gap` is not 0, `met` (good) when it is, `nothing` (neutral) when there is nothing to measure
    (`base`, the rate's denominator, is 0: a township without certificate holders has not "reached" its
    target). `reached`, when given, says instead whether the target is met (a coverage whose target is under
    100%: unpaid persons do not then mean it is missed)."""
    if not pub.value(base):
        return nothing, None
    if reached is not None:
        return (met, True) if reached else (short, False)
    if pub.value(gap):
        return short, False
    return met, True


def rate_reached(pub: Publication, metric, cell: str) -> bool | None:
    """For a rate whose target is under 100%, whether its true value meets it (None at 100%: the gap to
    it, every unpaid person, then decides)."""
    if metric.target is None or metric.target >= 100 or pub.value(cell) is None:
        return None
    return metric.reached(pub.value(cell))


def text_card(column, label: str, value: str, delta: str) -> None:
    """A card for a fact that is not a number of the publication (a date, a month)."""
    column.html(
        f"<div class='kpi-card' style='border:1px solid #ddd;border-radius:8px;padding:12px 14px;height:100%'>"
        f"<div class='kpi-label' style='color:#333;font-size:0.95rem'>{html.escape(label)}</div>"
        f"<div class='kpi-value' style='font-size:1.6rem;font-weight:700;line-height:1.2'>{html.escape(value)}</div>"
        f"<div class='kpi-delta' style='color:#555;font-size:0.95rem'>{html.escape(delta)}</div></div>")


def legend(pub: Publication) -> None:
    """The symbols' legend, wherever something is withheld."""
    if disclosure.legend_needed(pub):
        st.caption(f"图例：{LEGEND}")


NAME_CHARS = 12  # real township and village names have 2-7 characters


def chart_name(name: object) -> str:
    """A unit's name as a chart's label: plotly reads tags (<a>, <b>) and entities in its text, so &, < and >
    are escaped (not quotes: plotly knows no &quot; and would print it), and a name longer than any real
    one is shortened ("…") so that it cannot squeeze the bars off the chart."""
    text = str(name)
    return html.escape(text if len(text) <= NAME_CHARS else text[:NAME_CHARS - 1] + "…", quote=False)


def unit_frame(pub: Publication, units: pd.DataFrame, columns: list[str], block: str = "") -> pd.DataFrame:
    """The units (code, name) with each column's shown value (NaN when withheld or missing) and its text
    (`COLUMN_text`: '<5', '×', '—' or the number), for charts and maps."""
    out = units[["unit_code", "name"]].copy()
    out["name"] = out["name"].map(chart_name)
    for column in columns:
        keys = [key(column, code, block) for code in units["unit_code"]]
        out[column] = [pub.shown(k) for k in keys]
        out[column] = out[column].astype("float64")
        out[f"{column}_text"] = [pub.text(k) for k in keys]
        out[f"{column}_hidden"] = [pub.hidden(k) for k in keys]
    return out


# Plotly's toolbar speaks English ("Download plot as a png", "Zoom") and its Chinese locale is a script
# fetched from a CDN: the toolbar is off; images come from the page's own 导出图片 (press PNG).
PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "scrollZoom": False}


def chart(out: Output, make: Callable[[Publication], go.Figure], ctx: Context, key_: str, title: str = "",
          drill: bool = False, note: str = "", missing: str = "", part: str = "") -> None:
    """A plotly chart drawn from the view's publication, its 截至 line and any note on what it does not
    follow; bars of units drill into the clicked unit; a press PNG drawn from the suppressed publication.
    A chart whose dataset does not cover the period says so (`missing`) instead of drawing empty bars.
    A chart that is a `part` of its own is drawn on a slide only when the slide shows that part."""
    if out.view.present and part:
        if not slide.shows(out.view, part):
            return
        slide.mark_drawn()
    if missing:
        st.info(missing)
        return
    view = out.view
    fig = make(out.pub)
    if view.present:
        fig = present_figure(fig)
    config = PLOTLY_CONFIG
    if drill and not view.village:
        st.plotly_chart(fig, key=key_, on_select=lambda: _drill_from_chart(key_, view), selection_mode="points",
                        config=config)
    else:
        st.plotly_chart(fig, key=key_, config=config)
    if note:
        st.caption(note)
    until_caption(ctx)
    if title and not view.present:
        export_menu(key_, title, ctx, view, lambda caption, size: press.chart_png(make(out.safe()), caption, size))


def present_figure(fig: go.Figure) -> go.Figure:
    """Chart text of at least 24 px for a projector, sized to the rest of one 1080 px screen; a long ranking
    keeps its weakest ten (drawn on top) of the units it can rank: withheld ones are left out and counted
    under it (ten bars of "—" and the strongest units would read as the weakest)."""
    ranking = any(t.type == "bar" and t.orientation == "h" for t in fig.data)
    withheld = int((fig.layout.meta or {}).get(charts.RANKING_HIDDEN, 0)) if ranking else 0
    for trace in fig.data:
        if ranking and trace.y is not None and (len(trace.y) > PRESENT_ROWS or withheld):
            keep = slice(withheld, None) if len(trace.y) - withheld <= PRESENT_ROWS else slice(-PRESENT_ROWS, None)
            for attr in ("x", "y", "text", "customdata"):
                values = getattr(trace, attr)
                if values is not None and not isinstance(values, str):
                    trace.update({attr: list(values)[keep]})
            colours = trace.marker.color if trace.type == "bar" else None
            if colours is not None and not isinstance(colours, str):
                trace.marker.color = list(colours)[keep]
    if withheld:
        fig.update_xaxes(title_text=f"{fig.layout.xaxis.title.text or ''}　另有{withheld}个数值已隐去，未列入排名")
    fig.update_layout(font={"size": 24}, legend={"font": {"size": 24}}, height=PRESENT_CHART_HEIGHT,
                      hoverlabel={"font": {"size": 24}})
    fig.update_xaxes(tickfont_size=24, title_font_size=24)
    fig.update_yaxes(tickfont_size=24, title_font_size=24)
    fig.update_traces(textfont_size=24, selector={"type": "bar"})
    fig.update_traces(textfont_size=24, selector={"type": "scatter"})
    fig.update_annotations(font_size=24)
    charts.fit_label_margin(fig, 24)
    return fig


def caption_for(title: str, ctx: Context, view: View, watermark: bool, pub: Publication | None = None) -> press.Caption:
    """Title, period (year, area, filters), 截至 line and, when something is withheld, the legend."""
    parts = [year_label(ctx, view.year), area_name(ctx, view)]
    if view.category:
        parts.append(CATEGORY_LABELS[view.category] + "残疾")
    if view.level:
        parts.append(LEVEL_LABELS[view.level])
    return press.Caption(title=title, period="　".join(parts), until=data.data_until(ctx), watermark=watermark,
                         legend=LEGEND if pub is None or disclosure.legend_needed(pub) else "")


def export_menu(key_: str, title: str, ctx: Context, view: View, render) -> None:
    """A popover to make a press PNG on the server (1920×1080 or 1080×1080) and download it. Its controls
    are drawn only while it is open: closed, it costs one button per chart on every rerun, not five."""
    menu = st.popover("导出图片", key=f"{key_}_menu", on_change="rerun")
    if not menu.open:
        return
    with menu:
        size = st.radio("尺寸", list(press.SIZES), key=f"{key_}_size", horizontal=True)
        watermark = st.checkbox("加“内部资料”水印", key=f"{key_}_wm")
        if st.button("生成 PNG", key=f"{key_}_make"):
            with st.spinner("正在生成…"):
                st.session_state[f"{key_}_png"] = render(caption_for(title, ctx, view, watermark), press.SIZES[size])
            audit("export", signed_in().name, view=title, filters=view.to_params(default_view(ctx)),
                  file=f"{title}.png", size=size)
        png = st.session_state.get(f"{key_}_png")
        if png:
            st.download_button("下载 PNG", png, file_name=f"{title}.png", mime="image/png", key=f"{key_}_download",
                               on_click="ignore")
        st.caption(EXPORT_NOTE)


def table(out: Output, key_: str, title: str, ctx: Context, rows: list[tuple[str, str]],
          columns: list[tuple[str, str]], block: str = "", first: str = "",
          keys: Callable[[str, str], str] | None = None) -> None:
    """A table of cells: one row per (label, unit code), one column per (header, metric column); drawn as
    the view may show it, its XLSX (analysts) always from the suppressed publication. `keys(column, row)`
    names the cells when they are not the unit table's."""
    first = first or unit_word(out.view)
    keys = keys or (lambda column, code: key(column, code, block))

    def frame_of(pub: Publication, for_excel: bool) -> pd.DataFrame:
        body = []
        for label, code in rows:
            line = {first: label}
            for header, column in columns:
                cell = keys(column, code)
                shown = pub.shown(cell)
                line[header] = shown if for_excel and shown is not None else pub.text(cell, unit=False)
            body.append(line)
        return pd.DataFrame(body, columns=[first, *(h for h, _ in columns)])

    def workbook(caption: press.Caption) -> bytes:
        """The XLSX, from the suppressed publication; each column typed by its cells (units, formats)."""
        safe = out.safe()
        first_keys = {h: next((keys(c, code) for _, code in rows if safe.has(keys(c, code))), "") for h, c in columns}
        return xlsx.table_xlsx(frame_of(safe, True), caption, xlsx.kinds_of(safe, first_keys))

    st.dataframe(frame_of(out.pub, False), hide_index=True, width="stretch")
    legend(out.pub)
    export_table(key_, title, workbook, ctx, out)


def export_table(key_: str, title: str, make: Callable[[press.Caption], bytes], ctx: Context, out: Output) -> None:
    """An XLSX download of a suppressed table under the same title lines as the images (analysts only);
    `make` runs when the button is pressed, not on every rerun."""
    user = signed_in()
    if user.role != "analyst":
        return
    view = out.view
    caption = caption_for(title, ctx, view, watermark=False)
    name = export_name(title, ctx, view)
    bytes_ = audited_export(lambda: make(caption), user.name, title,
                            view.to_params(default_view(ctx)), name)
    st.download_button("下载 Excel", bytes_, file_name=name,
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key=f"{key_}_xlsx", on_click="ignore", help=EXPORT_NOTE)
    st.caption(EXPORT_NOTE)


DRAFT_HALVES = {0: "全年", 1: "上半年（1-6月）", 2: "下半年（7-12月）"}


def draft_download(ctx: Context, view: View) -> None:
    """年度报告初稿 (Word) of the view's year and area for leaders and analysts: built, suppressed and
    audited like every export, only when the button is pressed (queries.draft, ui.render.document)."""
    user = signed_in()
    if user.role not in ("analyst", "leader") or view.present or view.village:
        return
    from queries import draft
    from ui.render.document import docx_bytes

    area = area_name(ctx, view)
    with st.popover("年度报告初稿（Word）", key="draft_menu"):
        half = st.radio("期间", list(DRAFT_HALVES), format_func=DRAFT_HALVES.get, key="draft_half", horizontal=True)
        period = draft.Period(view.year, half).label()
        name = f"{area}{period}残疾人工作数据初稿.docx"

        def make() -> bytes:
            """The draft of the whole population of the area (the sidebar's category and level do not apply)."""
            filters = Filters(scope=view.scope, township=view.township)
            return docx_bytes(draft.build(data.warehouse(), ctx.covered(), filters, view.year, half))

        st.download_button("下载初稿", audited_export(make, user.name, f"年度报告初稿 {period}",
                                                   view.to_params(default_view(ctx)), name),
                           file_name=name, key="draft_docx", on_click="ignore",
                           mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        st.caption("按总结的章节顺序写出各项数字，附年度分乡镇统计表、图和每个数字的来源；"
                   "小于5的人数已隐去。按全部残疾类别、等级统计。")


def export_name(title: str, ctx: Context, view: View) -> str:
    """'城东街道康复服务率未达标村（社区）_2024年_肢体残疾_二级.xlsx': area, year and filters in the name (a
    filtered and an unfiltered table never share a name); characters a file system refuses are replaced."""
    area = area_name(ctx, view)
    parts = [title if title.startswith(area) else f"{area}{title}", f"{view.year}年"]
    parts.append(CATEGORY_LABELS[view.category] + "残疾" if view.category else "全部类别")
    parts.append(LEVEL_LABELS[view.level] if view.level else "全部等级")
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", "_".join(parts)) + ".xlsx"


def _drill_from_chart(key_: str, view: View) -> None:
    """Callback: the clicked bar's unit becomes the area."""
    points = st.session_state[key_].selection.get("points") or []
    if points and points[0].get("customdata"):
        _drill_to(points[0]["customdata"][0], view)


def _drill_to(code: str, view: View) -> None:
    """Township at county level, village inside a township."""
    if view.township:
        vs.set_area(view.township, code)
    else:
        vs.set_area(code)


def _drill_from_map(key_: str, view: View) -> None:
    """Callback: the clicked polygon's region becomes the area."""
    code = layers.selected_code(st.session_state.get(key_))
    if code:
        _drill_to(code, view)


def _map_classes(frame: pd.DataFrame, column: str, unit: str, target: float | None, suppressed: bool = False):
    """Classes of the shown values (hidden ones in their own class), and the legend."""
    series = frame.set_index("unit_code")[column]
    classes, items = (layers.classify_rate(series, target) if unit == "%" and target is not None
                      else layers.classify_count(series, unit, floor=SMALL if suppressed else 0))
    hidden = frame.set_index("unit_code")[f"{column}_hidden"]
    classes = classes.where(~hidden, layers.HIDDEN)
    if hidden.any():
        items = [*items, layers.LegendItem(layers.HIDDEN_LABEL, tuple(layers.HIDDEN_COLOUR))]
    return classes, items


def region_map(out: Output, ctx: Context, units: pd.DataFrame, column: str, unit: str, target: float | None = None,
               points: pd.DataFrame | None = None, point_tooltip: str = "", key_: str = "map", title: str = "",
               block: str = "", missing: str = "") -> None:
    """A choropleth of the view's units coloured by `column` of the publication (withheld values in
    their own class, never 'no data'), legend, notices, click to drill, and a press PNG of the same map
    drawn from the suppressed publication."""
    if missing:  # the dataset does not cover the period: said, not a grey map
        st.info(missing)
        return
    view = out.view
    shapes = data.q(dashboard.boundaries, view.filters)
    if shapes.empty:
        st.info(f"没有{unit_word(view)}边界数据，无法绘制地图；请在导入时提供边界文件。")
        return
    frame = unit_frame(out.pub, units, [column], block)
    frame["value_text"] = frame[f"{column}_text"]
    classes, items = _map_classes(frame, column, unit, target, out.pub.suppressed)
    collection = layers.feature_collection(shapes, frame, classes, items)
    size = 24 if view.present else (13 if view.township else 14)
    height = PRESENT_CHART_HEIGHT if view.present else MAP_HEIGHT
    # On a slide the map fills the screen (its names at 24 px then have room); on a page it is fitted to what
    # a laptop shows of it (ui.page: the map box is MAP_FIT_HEIGHT high there), centred in its taller box elsewhere.
    view_state = (layers.view_for(shapes, 1700, height - 40) if view.present
                  else layers.view_for(shapes, 600, MAP_FIT_HEIGHT - 20))
    stack = [layers.area_layer(collection, view.village)]
    tooltip = "<b>{name}</b><br/>{value_text}"
    if points is not None and len(points):
        stack.append(layers.point_layer(points, "size_persons", [230, 159, 0]))
        tooltip = point_tooltip or tooltip
    stack.append(layers.label_layer(collection, size, view_state.zoom))  # names above the bases' dots
    deck = layers.deck(stack, view_state, tooltip)
    map_key = f"{key_}_{view.township or 'county'}"
    if view.village:
        st.pydeck_chart(deck, height=height, key=map_key)
    else:
        st.pydeck_chart(deck, height=height, key=map_key, on_select=lambda: _drill_from_map(map_key, view),
                        selection_mode="single-object")
    legend_html(items, unit)
    known = set(shapes["region_code"])
    missing = [n for c, n in (ctx.villages.get(view.township, {}) if view.township else ctx.townships).items()
               if c not in known]
    if missing:
        st.caption(md_escape(f"无边界、未在地图上显示的{unit_word(view)}（{len(missing)}）：{'、'.join(missing[:20])}"
                             + ("…" if len(missing) > 20 else "")))
    if not view.village and not view.present:
        st.caption(f"点击地图上的{unit_word(view)}可下钻查看。")
    until_caption(ctx)
    if title and not view.present:
        def press_map(caption: press.Caption, size: tuple[int, int]) -> bytes:
            """The PNG, always from the suppressed publication; made only when asked for."""
            safe = unit_frame(out.safe(), units, [column], block)
            safe_classes, safe_items = _map_classes(safe, column, unit, target, True)
            colours = {code: list(layers.HIDDEN_COLOUR if c == layers.HIDDEN else safe_items[int(c)].colour)
                       for code, c in safe_classes.items() if c is not None and not pd.isna(c)}
            return press.map_png(shapes, colours, [(i.label, i.colour) for i in safe_items], caption, size, unit)

        export_menu(key_, title, ctx, view, press_map)


def legend_html(items: list[layers.LegendItem], unit: str) -> None:
    """Swatches with class labels, and the no-data colour."""
    items = [*items, layers.LegendItem("无数据", tuple(layers.NO_DATA_COLOUR))]
    spans = "".join(
        f"<span style='display:inline-block;margin-right:14px'><span style='display:inline-block;width:14px;"
        f"height:14px;background:rgb{item.colour};border:1px solid #999;vertical-align:middle;margin-right:4px'>"
        f"</span>{html.escape(item.label)}</span>" for item in items)
    st.html(f"<div class='map-legend' style='font-size:0.9rem'>图例（{html.escape(unit)}）：{spans}</div>")


def summary(out: Output, text: str) -> None:
    """文字解读: the page's paragraph, from the same publication as the cards; ready to copy; not on a slide."""
    if out.view.present:
        return
    # Plain text: one click selects the whole paragraph for copying (a code block would load a 1.6 MB
    # highlighter on the first paint, in a monospace font, and its copy button is in the hidden toolbar).
    with st.expander("文字解读（可复制）"):
        st.html(f"<div class='summary-text' title='单击选中全文，再按 Ctrl+C 复制' style='user-select:all;"
                f"line-height:1.7'>{html.escape(text)}</div>")
