"""A Publication on screen (and on a projector slide): cards, charts, maps, tables, 文字解读, legend;
each with its press PNG (always the public, suppressed publication) or XLSX (内部版 exact, 对外版 suppressed).
The only place the page's numbers become pixels; their text comes from `Publication.text`. Who a view is
for is decided in one place, queries.audience.decide (ui.page.audience for the screen and the slide)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from maps import layers
from queries import audience as aud
from queries import dashboard, disclosure
from queries.common import Filters
from queries.disclosure import SMALL
from queries.publish import Publication, key
from queries.text import plotly_text
from ui import charts, data, press
from ui import view_state as vs
from ui.audit import audit
from ui.exports import audited_export
from ui.labels import CATEGORY_LABELS, LEVEL_LABELS, md_escape
from ui.render import slide, xlsx
from ui.state import Context, View, default_view
from ui.viewer import audience, signed_in
from ui.wording import area_name, unit_word, until_caption, year_label

PRESENT_ROWS = 10
MAP_HEIGHT, MAP_FIT_HEIGHT = 380, 300  # a page's map box, and its height on a laptop screen (ui.page.PAGE_CSS)
PRESENT_CHART_HEIGHT = 480  # 1080 − the question, the headline row and the 截至 line (the most a slide gives it)
# On a slide the main chart or map takes the height the rest of the screen leaves (height "stretch" in the
# flex column of ui.page.PRESENT_CSS): a longer question, wrapped cards or more notes make it shorter, never
# the slide taller than the screen.
PRESENT_HEIGHT = "stretch"
EXPORT_NOTE = "导出图片为对外口径：总是隐去人数少于5的数字及可据以推算的数字。"
VERSION_NOTES = {aud.INTERNAL: "内部版：数字未隐去，仅供内部使用，文件名和页眉页脚标“内部资料”，下载记入审计日志。",
                 aud.PUBLIC: "对外版：隐去人数少于5的数字及可据以推算的数字，附图例。"}


class Output:
    """What a page publishes: the publication as this view's audience may see it (`pub`: exact for an
    internal audience, suppressed for a public one), and, made only when an export asks for it, the other
    one (`of(audience)`): `safe()` is the public one every press image and 对外版 is drawn from."""

    def __init__(self, build: Callable[[], Publication], view: View) -> None:
        self._build = build
        self.view = view
        self.audience = audience(view)
        self._pubs: dict[str, Publication] = {}
        self.pub = self.of(self.audience)
        st.session_state["published"] = self.pub  # what this run drew (the tests read it back)

    def of(self, who: str) -> Publication:
        """The publication for an audience: exact (INTERNAL) or with every small number withheld (PUBLIC).
        A public one assumes nothing known from another view: the public sees no view exactly."""
        if who not in self._pubs:
            self._pubs[who] = disclosure.apply(self._build(), aud.suppress(who))
        return self._pubs[who]

    def safe(self) -> Publication:
        """The publication with every small number withheld (对外版 exports)."""
        return self.of(aud.PUBLIC)

    def image(self) -> Publication:
        """The publication a 导出图片 PNG is drawn from: an image is made for publication (always public)."""
        return self.of(aud.decide(signed_in().role, aud.IMAGE))


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
    100%: unpaid persons do not then mean it is missed). Words that would say a withheld number is 0 ("met",
    "nothing") are never used over a withheld gap or base."""
    if pub.hidden(gap) or pub.hidden(base):
        return short, (False if pub.shown(gap) else None)
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


def legend(pub: Publication, keys: list[str] | None = None) -> None:
    """The symbols' legend, saying only what they mean in this publication's audience: the public legend
    wherever something is withheld; for exact numbers what their "—" means, where the cells drawn beside it
    (`keys`: a table's) show one (a page draws only some of its cells: without `keys`, none is said)."""
    text = aud.legend_text(pub, keys if keys is not None or pub.suppressed else [])
    if text:
        st.caption(f"图例：{text}")


NAME_CHARS = 12  # real township and village names have 2-7 characters


def chart_name(name: object) -> str:
    """A unit's name as a chart's label: plotly reads tags (<a>, <b>) and entities in its text, so &, < and >
    are escaped (not quotes: plotly knows no &quot; and would print it), and a name longer than any real
    one is shortened ("…") so that it cannot squeeze the bars off the chart. A dollar sign is written as its
    entity: where MathJax is loaded plotly typesets "$…$" as TeX; the entity is drawn as "$"."""
    text = str(name)
    return plotly_text(text if len(text) <= NAME_CHARS else text[:NAME_CHARS - 1] + "…")


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


def can_drill(view: View) -> bool:
    """Whether a click on a bar or a region drills into it: not below a village, not for the press role
    (its view stays the county's). Where it cannot, no text invites a click."""
    return not view.village and signed_in().role != "press"


def drill_hint(view: View) -> bool:
    """Whether a page says "点击…可下钻": where a click drills, and not on a slide (no such text there)."""
    return can_drill(view) and not view.present


def chart(out: Output, make: Callable[[Publication], go.Figure], ctx: Context, key_: str, title: str = "",
          drill: bool = False, note: str = "", missing: str = "", part: str = "", period: str = "") -> None:
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
    if not plotted_values(fig):  # an empty axis (plotly's −1..1) says nothing: say why there is no chart
        st.info(ALL_HIDDEN if disclosure.legend_needed(out.pub) else NOTHING_TO_PLOT)
        until_caption(ctx)
        return
    config = PLOTLY_CONFIG
    height = PRESENT_HEIGHT if view.present else "content"
    if drill and can_drill(view):
        st.plotly_chart(fig, key=key_, on_select=lambda: _drill_from_chart(key_, view), selection_mode="points",
                        config=config, height=height)
    else:
        st.plotly_chart(fig, key=key_, config=config, height=height)
    if note:
        st.caption(note)
    until_caption(ctx)
    if title and not view.present:
        export_menu(key_, title, ctx, view, lambda caption, size: press.chart_png(make(out.image()), caption, size),
                    period=period)


ALL_HIDDEN = "所选范围的数值均已隐去（人数少于5或可据以推算），不绘制图表；可选择更大的范围或不按类别、等级筛选。"
NOTHING_TO_PLOT = "所选范围没有可绘制的数值。"


def plotted_values(fig: go.Figure) -> int:
    """How many numbers the chart draws: the bars' or lines' values and a heatmap's cells (withheld ones are
    None; labels and target lines are not values)."""
    count = 0
    for trace in fig.data:
        if trace.meta == "value-labels":
            continue
        if trace.type == "heatmap":
            values = [v for row in (trace.z or []) for v in (row or [])]
        elif trace.type in ("bar", "scatter"):
            values = trace.x if trace.type == "bar" and trace.orientation == "h" else trace.y
        else:
            count += 1
            continue
        count += sum(1 for v in (values if values is not None else []) if v is not None and not pd.isna(v))
    return count


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
    fig.update_layout(font={"size": 24}, legend={"font": {"size": 24}}, height=None, autosize=True,
                      hoverlabel={"font": {"size": 24}})
    fig.update_xaxes(tickfont_size=24, title_font_size=24)
    fig.update_yaxes(tickfont_size=24, title_font_size=24)
    fig.update_traces(textfont_size=24, selector={"type": "bar"})
    fig.update_traces(textfont_size=24, selector={"type": "scatter"})
    fig.update_annotations(font_size=24)
    charts.fit_label_margin(fig, 24)
    return fig


def caption_for(title: str, ctx: Context, view: View, watermark: bool, pub: Publication | None = None,
                internal: bool = False, period: str = "", datasets: tuple[str, ...] | None = None) -> press.Caption:
    """Title, period (the year, or the `period` shown; area, filters), 截至 line of the data shown (the page's
    own datasets, or `datasets`) and, when something is withheld, the legend; an internal one (an 内部版 table)
    is marked 内部资料 and carries only the exact numbers' legend."""
    parts = [period or year_label(ctx, view.year), area_name(ctx, view)]
    if view.category:
        parts.append(CATEGORY_LABELS[view.category] + "残疾")
    if view.level:
        parts.append(LEVEL_LABELS[view.level])
    until = data.data_until(ctx, datasets)
    if internal:
        return press.Caption(title=title, period="　".join(parts), until=until, watermark=True,
                             legend="", internal=True)  # the table's own "—" says whether it needs one
    return press.Caption(title=title, period="　".join(parts), until=until, watermark=watermark,
                         legend=aud.PUBLIC_LEGEND if pub is None or disclosure.legend_needed(pub) else "")


def export_menu(key_: str, title: str, ctx: Context, view: View, render, period: str = "",
                is_map: bool = False) -> None:
    """A popover to make a press PNG on the server (1920×1080 or 1080×1080) and download it. Its controls
    are drawn only while it is open: closed, it costs one button per chart on every rerun, not five.
    The file made belongs to the size it was made at: choosing another size drops it (the download button
    never serves a 1920×1080 file under 1080×1080), and its name carries the size. A map needs the county's
    审图号 (config/press.yaml): until it is set, the menu says so, and the press role may not export maps."""
    menu = st.popover("导出图片", key=f"{key_}_menu", on_change="rerun")
    if not menu.open:
        return
    with menu:
        if is_map and not press.map_approval():
            if signed_in().role == "press":
                st.error(press.APPROVAL_REFUSED)
                return
            st.warning(press.APPROVAL_MISSING)
        size = st.radio("尺寸", list(press.SIZES), key=f"{key_}_size", horizontal=True)
        watermark = st.checkbox("加“内部资料”水印", key=f"{key_}_wm")
        file = press.file_name(title, press.SIZES[size])
        made = st.session_state.get(f"{key_}_png")
        if made and made[0] != file:  # made at another size (or for another view): not this one's file
            st.session_state.pop(f"{key_}_png", None)
            made = None
        if st.button("生成 PNG", key=f"{key_}_make"):
            with st.spinner("正在生成…"):
                made = (file, render(caption_for(title, ctx, view, watermark, period=period), press.SIZES[size]))
                st.session_state[f"{key_}_png"] = made
            audit("export", signed_in().name, view=title, filters=view.to_params(default_view(ctx)),
                  file=file, size=size, version=aud.VERSIONS[aud.decide(signed_in().role, aud.IMAGE)])
        if made:
            st.download_button(f"下载 PNG（{size}）", made[1], file_name=file, mime="image/png",
                               key=f"{key_}_download_{file}", on_click="ignore")
        st.caption(EXPORT_NOTE)


def table(out: Output, key_: str, title: str, ctx: Context, rows: list[tuple[str, str]],
          columns: list[tuple[str, str]], block: str = "", first: str = "",
          keys: Callable[[str, str], str] | None = None, height: int | str = "auto") -> None:
    """A table of cells: one row per (label, unit code), one column per (header, metric column); drawn as
    the view may show it, its XLSX from the publication of the version chosen (内部版 exact, 对外版
    suppressed). `keys(column, row)` names the cells when they are not the unit table's; `height` is
    st.dataframe's ("content": every row without scrolling)."""
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

    def workbook(caption: press.Caption, pub: Publication) -> bytes:
        """The XLSX of a version's publication; each column typed by its cells (units, formats)."""
        first_keys = {h: next((keys(c, code) for _, code in rows if pub.has(keys(c, code))), "") for h, c in columns}
        return xlsx.table_xlsx(frame_of(pub, True), caption, xlsx.kinds_of(pub, first_keys))

    st.dataframe(frame_of(out.pub, False), hide_index=True, width="stretch", height=height)
    legend(out.pub, [keys(column, code) for _, code in rows for _, column in columns])
    export_table(key_, title, workbook, ctx, out)


def export_table(key_: str, title: str, make: Callable[[press.Caption, Publication], bytes], ctx: Context,
                 out: Output, period: str = "", datasets: tuple[str, ...] | None = None) -> None:
    """XLSX downloads of a table under the same title lines as the images, one per version the role may
    have (queries.audience.export_versions: 领导 and 分析 内部版 and 对外版, 宣传 对外版 only): 内部版 exact,
    marked 内部资料 in its header, footer and file name; 对外版 suppressed, with the legend. Each download is
    audited with its version; `make` runs when a button is pressed, not on every rerun. `period`: what the
    table covers, when not the view's year (指标分析's month range)."""
    user = signed_in()
    versions = aud.export_versions(user.role, aud.TABLE)
    if not versions:
        return
    view = out.view
    cols = st.columns(len(versions))
    for col, version in zip(cols, versions, strict=True):
        who = aud.decide(user.role, aud.TABLE, version=version)
        name = aud.marked_name(export_name(title, ctx, view, period), who)

        def made(who: str = who) -> bytes:
            pub = out.of(who)
            caption = caption_for(title, ctx, view, watermark=False, pub=pub, internal=who == aud.INTERNAL,
                                  period=period, datasets=datasets)
            return make(caption, pub)

        col.download_button(f"下载 Excel（{aud.VERSIONS[who]}）", audited_export(
                                made, user.name, title, view.to_params(default_view(ctx)), name,
                                version=aud.VERSIONS[who]),
                            file_name=name, mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            key=f"{key_}_xlsx_{who}", on_click="ignore", help=VERSION_NOTES[who])
    st.caption("　".join(VERSION_NOTES[aud.decide(user.role, aud.TABLE, version=v)] for v in versions))


DRAFT_HALVES = {0: "全年", 1: "上半年（1-6月）", 2: "下半年（7-12月）"}


def draft_download(ctx: Context, view: View) -> None:
    """年度报告初稿 (Word) of the view's year and area for leaders and analysts, in the versions they may
    have (内部版 exact and marked, 对外版 suppressed), audited like every export, built only when a button is
    pressed (queries.draft for the content, ui.render.document for Word)."""
    user = signed_in()
    versions = aud.export_versions(user.role, aud.DRAFT)
    if not versions or view.present or view.village:
        return
    from queries import draft
    from ui.render.document import docx_bytes

    area = area_name(ctx, view)
    with st.popover("年度报告初稿（Word）", key="draft_menu"):
        half = st.radio("期间", list(DRAFT_HALVES), format_func=DRAFT_HALVES.get, key="draft_half", horizontal=True)
        period = draft.Period(view.year, half).label()
        cols = st.columns(len(versions))
        for col, version in zip(cols, versions, strict=True):
            who = aud.decide(user.role, aud.DRAFT, version=version)
            name = aud.marked_name(f"{area}{period}残疾人工作数据初稿.docx", who)

            def make(who: str = who) -> bytes:
                """The draft of the whole population of the area (the sidebar's category and level do not apply)."""
                filters = Filters(scope=view.scope, township=view.township)
                return docx_bytes(draft.build(data.warehouse(), ctx.covered(), filters, view.year, half, audience=who))

            col.download_button(f"下载初稿（{aud.VERSIONS[who]}）",
                                audited_export(make, user.name, f"年度报告初稿 {period}",
                                               view.to_params(default_view(ctx)), name, version=aud.VERSIONS[who]),
                                file_name=name, key=f"draft_docx_{who}", on_click="ignore", help=VERSION_NOTES[who],
                                mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        st.caption("按总结的章节顺序写出各项数字，附年度分乡镇统计表、图和每个数字的来源；按全部残疾类别、等级统计。"
                   + "　".join(VERSION_NOTES[aud.decide(user.role, aud.DRAFT, version=v)] for v in versions))


def export_name(title: str, ctx: Context, view: View, period: str = "") -> str:
    """'城东街道康复服务率未达标村（社区）_2024年_肢体残疾_二级.xlsx': area, year (or the `period` shown) and
    filters in the name (a filtered and an unfiltered table never share a name); characters a file system
    refuses are replaced."""
    area = area_name(ctx, view)
    parts = [title if title.startswith(area) else f"{area}{title}", period or f"{view.year}年"]
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
    box = PRESENT_HEIGHT if view.present else height
    if not can_drill(view):
        st.pydeck_chart(deck, height=box, key=map_key)
    else:
        st.pydeck_chart(deck, height=box, key=map_key, on_select=lambda: _drill_from_map(map_key, view),
                        selection_mode="single-object")
    legend_html(items, unit)
    known = set(shapes["region_code"])
    missing = [n for c, n in (ctx.villages.get(view.township, {}) if view.township else ctx.townships).items()
               if c not in known]
    if missing:
        st.caption(md_escape(f"无边界、未在地图上显示的{unit_word(view)}（{len(missing)}）：{'、'.join(missing[:20])}"
                             + ("…" if len(missing) > 20 else "")))
    if drill_hint(view):
        st.caption(f"点击地图上的{unit_word(view)}可下钻查看。")
    until_caption(ctx)
    if title and not view.present:
        def press_map(caption: press.Caption, size: tuple[int, int]) -> bytes:
            """The PNG, always from the public publication; made only when asked for."""
            safe = unit_frame(out.image(), units, [column], block)
            safe_classes, safe_items = _map_classes(safe, column, unit, target, True)
            colours = {code: list(layers.HIDDEN_COLOUR if c == layers.HIDDEN else safe_items[int(c)].colour)
                       for code, c in safe_classes.items() if c is not None and not pd.isna(c)}
            return press.map_png(shapes, colours, [(i.label, i.colour) for i in safe_items], caption, size, unit)

        export_menu(key_, title, ctx, view, press_map, is_map=True)


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
